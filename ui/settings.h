#pragma once
// Settings: every persistent user preference of the GUI, in one place (ghostwriter style).
// Callers never touch QSettings keys directly, so a key is spelled exactly once.
#include "ui/models/model_settings.h"

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <optional>

namespace fabulist::ui {

class Settings {
public:
    // Uses the application's organization/name (QCoreApplication), so tests that set a temporary
    // organization and QSettings path never touch the user's files.
    Settings();

    // Projects.
    QStringList recentProjects() const;
    void addRecentProject(const QString& path); // moves it to the front, keeps kMaxRecent
    void removeRecentProject(const QString& path);
    QString lastProject() const;
    void setLastProject(const QString& path);

    // The document that was open when the project was last closed (0: none), per project file,
    // so the writer comes back to where they left off.
    qint64 lastDocument(const QString& projectPath) const;
    void setLastDocument(const QString& projectPath, qint64 nodeId);
    // How the desk looked when the project was last closed, per project file: the binder's
    // expanded nodes (nullopt: never stored), the side panel's tab and the editor's scroll
    // position (-1: never stored).
    std::optional<QList<qint64>> expandedNodes(const QString& projectPath) const;
    void setExpandedNodes(const QString& projectPath, const QList<qint64>& nodeIds);
    int sidePanelIndex(const QString& projectPath) const;
    void setSidePanelIndex(const QString& projectPath, int index);
    int editorScroll(const QString& projectPath) const;
    void setEditorScroll(const QString& projectPath, int value);

    // Window layout (opaque blobs from QMainWindow / QSplitter).
    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);
    QByteArray splitterState() const;
    void setSplitterState(const QByteArray& state);

    // Editor.
    QString editorFontFamily() const;
    void setEditorFontFamily(const QString& family);
    int editorFontPointSize() const;
    void setEditorFontPointSize(int size);
    int editorLineWidthChars() const; // width of the text column in average characters
    void setEditorLineWidthChars(int chars);
    int autosaveDelayMs() const; // quiet time after the last keystroke before saving
    void setAutosaveDelayMs(int ms);
    int autosaveMaxWaitMs() const; // longest wait for a save while the writer keeps typing
    void setAutosaveMaxWaitMs(int ms);
    // Edit > Spell Check (on by default) and its dictionary ("en_US"; empty: the system's
    // language when a dictionary for it is installed, else en_US).
    bool spellCheck() const;
    void setSpellCheck(bool on);
    QString spellLanguage() const;
    void setSpellLanguage(const QString& language);

    // Generate panel (the seed itself is not kept: every start rolls a new one).
    int generateMixPercent() const; // the coherence <-> diversity slider, α × 100
    void setGenerateMixPercent(int percent);
    int generateLength() const; // tokens per Continue
    void setGenerateLength(int tokens);
    double generateTemperature() const;
    void setGenerateTemperature(double temperature);
    // A locked seed stays for every Continue and Retry; unlocked, each draws a new one.
    bool generateSeedLocked() const;
    void setGenerateSeedLocked(bool locked);
    // Candidates per Continue (1-8): continuations of one request, shown side by side.
    int generateCandidates() const;
    void setGenerateCandidates(int count);
    // When the length runs out, cut the unfinished last sentence (on by default).
    bool generateEndAtSentence() const;
    void setGenerateEndAtSentence(bool on);
    // Generate > Suggest While I Pause: a pause in typing of suggestPauseMs starts a suggestion
    // as ghost text (off by default).
    bool suggestOnPause() const;
    void setSuggestOnPause(bool on);
    int suggestPauseMs() const;
    void setSuggestPauseMs(int ms);
    // The model the writer chose (Generate > Choose Model…); empty means the shipped default.
    // Kept while the file is missing (an unmounted disk comes back) until they choose again.
    QString generateModelPath() const;
    void setGenerateModelPath(const QString& path);
    // Generate > Models…: where models are kept and downloaded (models/ in the user's data
    // location until the writer chooses another folder).
    QString modelsFolder() const;
    void setModelsFolder(const QString& folder);
    // How each model is loaded (Models… > Model Settings), keyed by its file's path and size, and
    // the experts-per-token measurements made for it (per k; nullopt: not measured).
    ModelSettings modelSettings(const QString& modelPath) const;
    void setModelSettings(const QString& modelPath, const ModelSettings& settings);
    std::optional<ExpertsMeasurement> expertsMeasurement(const QString& modelPath,
                                                         int experts) const;
    void setExpertsMeasurement(const QString& modelPath, const ExpertsMeasurement& measured);

    // The story bible in prompts: how many words before (and after) the cursor a name is looked
    // for, the tokens all entries may take, and how many paragraphs before the cursor the
    // Author's Note goes.
    int bibleScanWords() const;
    void setBibleScanWords(int words);
    int bibleBudgetTokens() const;
    void setBibleBudgetTokens(int tokens);
    int authorsNoteDepth() const;
    void setAuthorsNoteDepth(int paragraphs);

    // View > Appearance: "system" (follow the desktop), "light" or "dark".
    QString appearance() const;
    void setAppearance(const QString& appearance);

    static constexpr int kMaxRecent = 8;
    static constexpr int kDefaultMixPercent = 30;
    static constexpr int kDefaultGenerateLength = 80;
    static constexpr double kDefaultGenerateTemperature = 0.8;
    static constexpr int kDefaultCandidates = 3;
    static constexpr int kDefaultSuggestPauseMs = 1500;

    void sync() { m_settings.sync(); }

private:
    QSettings m_settings;
};

} // namespace fabulist::ui
