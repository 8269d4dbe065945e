#include "ui/editor/spell_checker.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLocale>
#include <QStandardPaths>
#include <QStringDecoder>
#include <QStringEncoder>
#include <hunspell/hunspell.hxx>

namespace fabulist::ui {

namespace {

constexpr int kDefaultCheckDelayMs = 150;
constexpr qint64 kSliceMs = 8; // the longest the queue holds the event loop at once

QStringList dictionaryDirs() {
    QStringList dirs =
        QStandardPaths::locateAll(QStandardPaths::GenericDataLocation, QStringLiteral("hunspell"),
                                  QStandardPaths::LocateDirectory);
    const QString system = QStringLiteral("/usr/share/hunspell");
    if (!dirs.contains(system) && QDir(system).exists()) dirs << system;
    return dirs;
}

// The .aff path of a language (its .dic beside it), or empty.
QString affixFile(const QString& language) {
    for (const QString& dir : dictionaryDirs()) {
        const QString aff = QDir(dir).filePath(language + QStringLiteral(".aff"));
        if (QFile::exists(aff) && QFile::exists(QDir(dir).filePath(language + ".dic"))) return aff;
    }
    return {};
}

// "’" and "'" are one apostrophe to the writer; Debian's dictionaries spell with "'".
QString normalized(const QString& word) {
    QString w = word;
    w.replace(QChar(0x2019), QLatin1Char('\''));
    return w;
}

QString withoutPossessive(const QString& word) {
    return word.endsWith(QLatin1String("'s")) ? word.chopped(2) : word;
}

} // namespace

SpellChecker::SpellChecker(QObject* parent) : QObject(parent) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(kDefaultCheckDelayMs);
    connect(&m_timer, &QTimer::timeout, this, &SpellChecker::checkQueue);
}

SpellChecker::~SpellChecker() = default;

QStringList SpellChecker::installedLanguages() {
    QStringList languages;
    for (const QString& dir : dictionaryDirs())
        for (const QFileInfo& dic : QDir(dir).entryInfoList({QStringLiteral("*.dic")}, QDir::Files))
            if (QFile::exists(dic.dir().filePath(dic.completeBaseName() + ".aff")) &&
                !languages.contains(dic.completeBaseName()))
                languages << dic.completeBaseName();
    languages.sort();
    return languages;
}

QString SpellChecker::defaultLanguage() {
    const QStringList installed = installedLanguages();
    const QString system = QLocale::system().name(); // "de_DE"
    if (installed.contains(system)) return system;
    const QString language = system.section(QLatin1Char('_'), 0, 0) + QLatin1Char('_');
    for (const QString& l : installed)
        if (l.startsWith(language)) return l;
    return QStringLiteral("en_US");
}

bool SpellChecker::setLanguage(const QString& language) {
    m_timer.stop();
    m_queue.clear();
    m_cache.clear();
    m_hunspell.reset();
    m_language = language;
    const QString aff = affixFile(language);
    if (!aff.isEmpty()) {
        const QString dic = aff.chopped(4) + QStringLiteral(".dic");
        m_hunspell = std::make_unique<Hunspell>(QFile::encodeName(aff).constData(),
                                                QFile::encodeName(dic).constData());
        m_encoding = QByteArray::fromStdString(m_hunspell->get_dict_encoding());
    }
    emit rulesChanged();
    return hasDictionary();
}

void SpellChecker::setEnabled(bool on) {
    if (m_enabled == on) return;
    m_enabled = on;
    emit rulesChanged();
}

void SpellChecker::setUnderlineColor(const QColor& color) {
    if (m_underlineColor == color) return;
    m_underlineColor = color;
    emit rulesChanged();
}

void SpellChecker::setProjectWords(const QStringList& words) {
    QSet<QString> set;
    for (const QString& w : words) set.insert(normalized(w));
    if (set == m_projectWords) return;
    m_projectWords = set;
    emit rulesChanged();
}

void SpellChecker::addProjectWord(const QString& word) {
    m_projectWords.insert(normalized(word));
    emit rulesChanged();
}

void SpellChecker::setNames(const QStringList& names) {
    QSet<QString> set(names.begin(), names.end());
    if (set == m_names) return; // a binder change that renamed nothing
    m_names = set;
    emit rulesChanged();
}

void SpellChecker::ignore(const QString& word) {
    m_ignored.insert(normalized(word));
    emit rulesChanged();
}

void SpellChecker::clearIgnored() {
    if (m_ignored.isEmpty()) return;
    m_ignored.clear();
    emit rulesChanged();
}

bool SpellChecker::isAccepted(const QString& word) const {
    if (m_ignored.contains(word) || m_projectWords.contains(word)) return true;
    // "Gloam" at the start of a sentence is the project's "gloam".
    if (!word.isEmpty() && word.front().isUpper()) {
        QString lower = word;
        lower[0] = lower[0].toLower();
        if (m_projectWords.contains(lower)) return true;
    }
    return m_names.contains(word) || m_names.contains(withoutPossessive(word));
}

std::optional<bool> SpellChecker::cachedIsCorrect(const QString& word) {
    const QString w = normalized(word);
    if (!m_hunspell || isAccepted(w)) return true;
    const auto it = m_cache.constFind(w);
    if (it != m_cache.constEnd()) return *it;
    m_queue.insert(w);
    m_timer.start(); // restarted by every keystroke's paragraph: checks when typing pauses
    return std::nullopt;
}

bool SpellChecker::isCorrect(const QString& word) {
    const QString w = normalized(word);
    if (!m_hunspell || isAccepted(w)) return true;
    const auto it = m_cache.constFind(w);
    return it != m_cache.constEnd() ? *it : askHunspell(w);
}

bool SpellChecker::askHunspell(const QString& word) {
    const bool correct = m_hunspell->spell(encode(word).toStdString());
    m_cache.insert(word, correct);
    return correct;
}

void SpellChecker::checkQueue() {
    if (!m_hunspell) {
        m_queue.clear();
        return;
    }
    QElapsedTimer clock;
    clock.start();
    while (!m_queue.isEmpty() && clock.elapsed() < kSliceMs) {
        const QString word = *m_queue.constBegin();
        m_queue.erase(m_queue.constBegin());
        if (!m_cache.contains(word)) askHunspell(word);
    }
    if (!m_queue.isEmpty()) {
        QTimer::singleShot(0, this, &SpellChecker::checkQueue); // the rest after other events
        return;
    }
    emit wordsChecked();
}

QStringList SpellChecker::suggestions(const QString& word, int max) {
    QStringList result;
    if (!m_hunspell) return result;
    for (const std::string& s : m_hunspell->suggest(encode(normalized(word)).toStdString())) {
        if (result.size() >= max) break;
        result << decode(s);
    }
    return result;
}

QByteArray SpellChecker::encode(const QString& word) const {
    if (m_encoding.compare("UTF-8", Qt::CaseInsensitive) == 0) return word.toUtf8();
    QStringEncoder encoder(m_encoding.constData());
    return encoder.isValid() ? QByteArray(encoder(word)) : word.toLatin1();
}

QString SpellChecker::decode(const std::string& bytes) const {
    const QByteArray raw = QByteArray::fromStdString(bytes);
    if (m_encoding.compare("UTF-8", Qt::CaseInsensitive) == 0) return QString::fromUtf8(raw);
    QStringDecoder decoder(m_encoding.constData());
    return decoder.isValid() ? QString(decoder(raw)) : QString::fromLatin1(raw);
}

} // namespace fabulist::ui
