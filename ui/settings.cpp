#include "ui/settings.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace fabulist::ui {

namespace {
const char* const kRecent = "projects/recent";
const char* const kLast = "projects/last";
const char* const kModelsFolder = "models/folder";
const char* const kGeometry = "window/geometry";
const char* const kState = "window/state";
const char* const kSplitter = "window/splitter";
const char* const kFontFamily = "editor/fontFamily";
const char* const kFontSize = "editor/fontPointSize";
const char* const kLineWidth = "editor/lineWidthChars";
const char* const kAutosave = "editor/autosaveDelayMs";
const char* const kAutosaveMaxWait = "editor/autosaveMaxWaitMs";
const char* const kSpellCheck = "editor/spellCheck";
const char* const kSpellLanguage = "editor/spellLanguage";
const char* const kMix = "generate/mixPercent";
const char* const kLength = "generate/lengthTokens";
const char* const kTemperature = "generate/temperature";
const char* const kModelPath = "generate/modelPath";
const char* const kSeedLocked = "generate/seedLocked";
const char* const kEndAtSentence = "generate/endAtSentence";
const char* const kCandidates = "generate/candidates";
const char* const kSuggestOnPause = "generate/suggestOnPause";
const char* const kSuggestPauseMs = "generate/suggestPauseMs";
const char* const kAppearance = "view/appearance";

// Recent paths are compared in absolute, cleaned form so "./a.fabulist" and "a.fabulist" are one.
QString normalized(const QString& path) {
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}
} // namespace

Settings::Settings() = default;

QStringList Settings::recentProjects() const {
    return m_settings.value(kRecent).toStringList();
}

void Settings::addRecentProject(const QString& path) {
    const QString p = normalized(path);
    QStringList list = recentProjects();
    list.removeAll(p);
    list.prepend(p);
    while (list.size() > kMaxRecent) list.removeLast();
    m_settings.setValue(kRecent, list);
}

void Settings::removeRecentProject(const QString& path) {
    QStringList list = recentProjects();
    list.removeAll(normalized(path));
    m_settings.setValue(kRecent, list);
}

QString Settings::lastProject() const {
    return m_settings.value(kLast).toString();
}
void Settings::setLastProject(const QString& path) {
    m_settings.setValue(kLast, path.isEmpty() ? QString() : normalized(path));
}

// Keyed by a hash of the path: QSettings keys cannot hold '/' and friends.
static QString lastDocumentKey(const QString& projectPath) {
    return QStringLiteral("lastDocument/") + QString::number(qHash(normalized(projectPath)), 16);
}

qint64 Settings::lastDocument(const QString& projectPath) const {
    return m_settings.value(lastDocumentKey(projectPath), 0).toLongLong();
}
void Settings::setLastDocument(const QString& projectPath, qint64 nodeId) {
    m_settings.setValue(lastDocumentKey(projectPath), nodeId);
}

static QString projectViewKey(const QString& projectPath, const char* name) {
    return QStringLiteral("projectView/") + QString::number(qHash(normalized(projectPath)), 16) +
           QLatin1Char('/') + QLatin1String(name);
}

std::optional<QList<qint64>> Settings::expandedNodes(const QString& projectPath) const {
    const QString key = projectViewKey(projectPath, "expanded");
    if (!m_settings.contains(key)) return std::nullopt;
    QList<qint64> ids;
    for (const QString& id : m_settings.value(key).toStringList()) ids << id.toLongLong();
    return ids;
}
void Settings::setExpandedNodes(const QString& projectPath, const QList<qint64>& nodeIds) {
    QStringList ids;
    for (qint64 id : nodeIds) ids << QString::number(id);
    m_settings.setValue(projectViewKey(projectPath, "expanded"), ids);
}
int Settings::sidePanelIndex(const QString& projectPath) const {
    return m_settings.value(projectViewKey(projectPath, "sidePanel"), -1).toInt();
}
void Settings::setSidePanelIndex(const QString& projectPath, int index) {
    m_settings.setValue(projectViewKey(projectPath, "sidePanel"), index);
}
int Settings::editorScroll(const QString& projectPath) const {
    return m_settings.value(projectViewKey(projectPath, "editorScroll"), -1).toInt();
}
void Settings::setEditorScroll(const QString& projectPath, int value) {
    m_settings.setValue(projectViewKey(projectPath, "editorScroll"), value);
}

QByteArray Settings::windowGeometry() const {
    return m_settings.value(kGeometry).toByteArray();
}
void Settings::setWindowGeometry(const QByteArray& g) {
    m_settings.setValue(kGeometry, g);
}
QByteArray Settings::windowState() const {
    return m_settings.value(kState).toByteArray();
}
void Settings::setWindowState(const QByteArray& s) {
    m_settings.setValue(kState, s);
}
QByteArray Settings::splitterState() const {
    return m_settings.value(kSplitter).toByteArray();
}
void Settings::setSplitterState(const QByteArray& s) {
    m_settings.setValue(kSplitter, s);
}

// DejaVu Serif is a readable book face that Debian installs with fonts-dejavu-core; Qt falls back
// to the system serif when it is missing.
QString Settings::editorFontFamily() const {
    return m_settings.value(kFontFamily, QStringLiteral("DejaVu Serif")).toString();
}
void Settings::setEditorFontFamily(const QString& f) {
    m_settings.setValue(kFontFamily, f);
}
int Settings::editorFontPointSize() const {
    return qBound(6, m_settings.value(kFontSize, 12).toInt(), 72);
}
void Settings::setEditorFontPointSize(int s) {
    m_settings.setValue(kFontSize, s);
}
// About 70 characters per line is the comfortable measure for prose.
int Settings::editorLineWidthChars() const {
    return qBound(30, m_settings.value(kLineWidth, 72).toInt(), 400);
}
void Settings::setEditorLineWidthChars(int c) {
    m_settings.setValue(kLineWidth, c);
}
int Settings::autosaveDelayMs() const {
    return qBound(100, m_settings.value(kAutosave, 1000).toInt(), 60000);
}
void Settings::setAutosaveDelayMs(int ms) {
    m_settings.setValue(kAutosave, ms);
}

int Settings::autosaveMaxWaitMs() const {
    return qBound(500, m_settings.value(kAutosaveMaxWait, 5000).toInt(), 600000);
}
void Settings::setAutosaveMaxWaitMs(int ms) {
    m_settings.setValue(kAutosaveMaxWait, ms);
}

bool Settings::spellCheck() const {
    return m_settings.value(kSpellCheck, true).toBool();
}
void Settings::setSpellCheck(bool on) {
    m_settings.setValue(kSpellCheck, on);
}
QString Settings::spellLanguage() const {
    return m_settings.value(kSpellLanguage).toString();
}
void Settings::setSpellLanguage(const QString& language) {
    m_settings.setValue(kSpellLanguage, language);
}

int Settings::generateMixPercent() const {
    return qBound(0, m_settings.value(kMix, kDefaultMixPercent).toInt(), 100);
}
void Settings::setGenerateMixPercent(int percent) {
    m_settings.setValue(kMix, percent);
}
int Settings::generateLength() const {
    return qBound(1, m_settings.value(kLength, kDefaultGenerateLength).toInt(), 1000);
}
void Settings::setGenerateLength(int tokens) {
    m_settings.setValue(kLength, tokens);
}
double Settings::generateTemperature() const {
    return qBound(0.0, m_settings.value(kTemperature, kDefaultGenerateTemperature).toDouble(), 2.0);
}
void Settings::setGenerateTemperature(double temperature) {
    m_settings.setValue(kTemperature, temperature);
}

bool Settings::generateSeedLocked() const {
    return m_settings.value(kSeedLocked, false).toBool();
}
void Settings::setGenerateSeedLocked(bool locked) {
    m_settings.setValue(kSeedLocked, locked);
}

int Settings::generateCandidates() const {
    return qBound(1, m_settings.value(kCandidates, kDefaultCandidates).toInt(), 8);
}
void Settings::setGenerateCandidates(int count) {
    m_settings.setValue(kCandidates, count);
}

int Settings::bibleScanWords() const {
    return qBound(10, m_settings.value(QStringLiteral("bible/scanWords"), 300).toInt(), 5000);
}
void Settings::setBibleScanWords(int words) {
    m_settings.setValue(QStringLiteral("bible/scanWords"), words);
}

int Settings::bibleBudgetTokens() const {
    return qBound(0, m_settings.value(QStringLiteral("bible/budgetTokens"), 400).toInt(), 8000);
}
void Settings::setBibleBudgetTokens(int tokens) {
    m_settings.setValue(QStringLiteral("bible/budgetTokens"), tokens);
}

int Settings::authorsNoteDepth() const {
    return qBound(1, m_settings.value(QStringLiteral("bible/authorsNoteDepth"), 3).toInt(), 50);
}
void Settings::setAuthorsNoteDepth(int paragraphs) {
    m_settings.setValue(QStringLiteral("bible/authorsNoteDepth"), paragraphs);
}

bool Settings::generateEndAtSentence() const {
    return m_settings.value(kEndAtSentence, true).toBool();
}
void Settings::setGenerateEndAtSentence(bool on) {
    m_settings.setValue(kEndAtSentence, on);
}

bool Settings::suggestOnPause() const {
    return m_settings.value(kSuggestOnPause, false).toBool();
}
void Settings::setSuggestOnPause(bool on) {
    m_settings.setValue(kSuggestOnPause, on);
}

int Settings::suggestPauseMs() const {
    return qMax(100, m_settings.value(kSuggestPauseMs, kDefaultSuggestPauseMs).toInt());
}
void Settings::setSuggestPauseMs(int ms) {
    m_settings.setValue(kSuggestPauseMs, ms);
}

QString Settings::appearance() const {
    const QString value = m_settings.value(kAppearance).toString();
    return value == QLatin1String("light") || value == QLatin1String("dark")
               ? value
               : QStringLiteral("system");
}
void Settings::setAppearance(const QString& appearance) {
    m_settings.setValue(kAppearance, appearance);
}

QString Settings::modelsFolder() const {
    const QString chosen = m_settings.value(kModelsFolder).toString();
    if (!chosen.isEmpty()) return chosen;
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("models"));
}
void Settings::setModelsFolder(const QString& folder) {
    m_settings.setValue(kModelsFolder, folder);
}

namespace {
// One group per model file: its path and size, hashed (a path's slashes are no QSettings key).
QString modelGroup(const QString& modelPath) {
    const QFileInfo info(modelPath);
    const QString identity =
        normalized(modelPath) + QLatin1Char('\n') + QString::number(info.size());
    const QByteArray hash = QCryptographicHash::hash(identity.toUtf8(), QCryptographicHash::Sha1);
    return QStringLiteral("modelSettings/") + QString::fromLatin1(hash.toHex().left(16));
}
} // namespace

ModelSettings Settings::modelSettings(const QString& modelPath) const {
    const QString g = modelGroup(modelPath) + QLatin1Char('/');
    ModelSettings s;
    s.contextLength = m_settings.value(g + QStringLiteral("context"), 0).toInt();
    s.expertsUsed = m_settings.value(g + QStringLiteral("experts"), 0).toInt();
    s.threads = m_settings.value(g + QStringLiteral("threads"), 0).toInt();
    s.kvType = m_settings.value(g + QStringLiteral("kvType"), s.kvType).toString();
    s.backend = inference::preferenceFromName(
        m_settings.value(g + QStringLiteral("backend")).toString().toStdString());
    return s;
}

void Settings::setModelSettings(const QString& modelPath, const ModelSettings& s) {
    const QString g = modelGroup(modelPath) + QLatin1Char('/');
    m_settings.setValue(g + QStringLiteral("path"), normalized(modelPath)); // for a reader
    m_settings.setValue(g + QStringLiteral("context"), s.contextLength);
    m_settings.setValue(g + QStringLiteral("experts"), s.expertsUsed);
    m_settings.setValue(g + QStringLiteral("threads"), s.threads);
    m_settings.setValue(g + QStringLiteral("kvType"), s.kvType);
    m_settings.setValue(g + QStringLiteral("backend"),
                        QString::fromLatin1(inference::preferenceName(s.backend)));
}

std::optional<ExpertsMeasurement> Settings::expertsMeasurement(const QString& modelPath,
                                                               int experts) const {
    const QStringList v =
        m_settings.value(modelGroup(modelPath) + QStringLiteral("/measured/k%1").arg(experts))
            .toStringList();
    if (v.size() < 4) return std::nullopt;
    return ExpertsMeasurement{experts, v[0].toDouble(), v[1].toDouble(), v[2].toInt(), v[3]};
}

void Settings::setExpertsMeasurement(const QString& modelPath, const ExpertsMeasurement& m) {
    m_settings.setValue(modelGroup(modelPath) + QStringLiteral("/measured/k%1").arg(m.experts),
                        QStringList{QString::number(m.perplexity, 'g', 10),
                                    QString::number(m.tokensPerSecond, 'g', 10),
                                    QString::number(m.scoredTokens), m.device});
}

QString Settings::generateModelPath() const {
    return m_settings.value(kModelPath).toString();
}
void Settings::setGenerateModelPath(const QString& path) {
    if (path.isEmpty())
        m_settings.remove(kModelPath);
    else
        m_settings.setValue(kModelPath, normalized(path));
}

} // namespace fabulist::ui
