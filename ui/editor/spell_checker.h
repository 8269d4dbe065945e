#pragma once
// SpellChecker: Hunspell behind a small Qt-facing interface, one per window. The dictionary is a
// language ("en_US") whose .aff/.dic pair is installed (/usr/share/hunspell, or a "hunspell"
// folder in the user's XDG data dirs). Besides the dictionary's words it accepts the project's
// dictionary, the names from the binder titles and the words ignored this session.
//
// Typing must not wait for Hunspell: the highlighter only asks cachedIsCorrect(), which answers
// from memory or queues the word; the queue is checked after a short pause in typing (in slices
// of a few milliseconds), then wordsChecked() lets the paragraphs that waited be redrawn.
#include <QColor>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <memory>
#include <optional>

class Hunspell;

namespace fabulist::ui {

class SpellChecker : public QObject {
    Q_OBJECT
public:
    explicit SpellChecker(QObject* parent = nullptr);
    ~SpellChecker() override;

    // The languages with an installed dictionary, sorted ("en_GB", "en_US", ...).
    static QStringList installedLanguages();
    // The system locale's language when a dictionary for it is installed (exact, else the same
    // language in another country), else en_US.
    static QString defaultLanguage();

    // Loads the language's dictionary; false (and no dictionary) when it is not installed.
    bool setLanguage(const QString& language);
    QString language() const { return m_language; }
    bool hasDictionary() const { return m_hunspell != nullptr; }

    // Off: nothing is flagged (Edit > Spell Check).
    void setEnabled(bool on);
    bool isEnabled() const { return m_enabled; }

    // Accepted besides the dictionary: the project's words (also capitalised at the start of a
    // sentence), names (as written, also with 's), words ignored until the project closes.
    void setProjectWords(const QStringList& words);
    void addProjectWord(const QString& word);
    void setNames(const QStringList& names);
    void ignore(const QString& word);
    void clearIgnored();

    // For the highlighter: true/false from memory, or nullopt when the word is not known yet
    // (it is queued and answered after the check delay).
    std::optional<bool> cachedIsCorrect(const QString& word);
    // Asks Hunspell now if need be (the context menu).
    bool isCorrect(const QString& word);
    // Hunspell's suggestions, at most `max`.
    QStringList suggestions(const QString& word, int max = 5);

    // The colour of the wavy line (the theme's EditorColors::misspelled).
    void setUnderlineColor(const QColor& color);
    QColor underlineColor() const { return m_underlineColor; }

    // The pause in typing before queued words are checked.
    void setCheckDelay(int ms) { m_timer.setInterval(ms); }
    int checkDelay() const { return m_timer.interval(); }

signals:
    // Queued words have answers: paragraphs drawn without them can be drawn again.
    void wordsChecked();
    // The language, on/off or the accepted words changed: every paragraph must be drawn again.
    void rulesChanged();

private:
    bool isAccepted(const QString& word) const;
    bool askHunspell(const QString& word);
    void checkQueue();
    QByteArray encode(const QString& word) const;
    QString decode(const std::string& bytes) const;

    std::unique_ptr<Hunspell> m_hunspell;
    QString m_language;
    QByteArray m_encoding; // the dictionary's SET (UTF-8 for Debian's)
    bool m_enabled = true;
    QColor m_underlineColor = Qt::red;
    QSet<QString> m_projectWords;
    QSet<QString> m_names;
    QSet<QString> m_ignored;
    QHash<QString, bool> m_cache; // Hunspell's answers for this language
    QSet<QString> m_queue;
    QTimer m_timer;
};

} // namespace fabulist::ui
