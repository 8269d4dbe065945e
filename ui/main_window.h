#pragma once
// MainWindow: the frame that puts the visible parts together and routes between them:
//   left   - BinderView (tab "Binder") and TrashView (tab "Trash")
//   centre - EditorView with the FindBar under it, or a full-size StoryboardView in its place
//            (View > Storyboard in Main Area); the two storyboards show the same boards
//   right  - side panels: SnapshotsPanel, ProjectSearchPanel, GeneratePanel (text streamed from the
//            InferenceWorker on its own thread) and StoryboardView, more with addSidePanel()
//   bottom - status bar: save state, goal progress (GoalDisplay) and WordCountLabel
// It owns the open storage::Project and the DocumentSession; the parts get what they need.
#include "ui/settings.h"
#include "ui/theme.h"

#include <QMainWindow>
#include <memory>
#include <optional>

class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTextDocument;

namespace fabulist::storage {
class Project;
enum class StoryNoteKind;
} // namespace fabulist::storage

namespace fabulist::ui {

class BibleForm;
class BinderModel;
class BinderView;
class DocumentSession;
class EditorView;
class FindBar;
class GenerationOverlay;
class GoalDisplay;
class GoalTracker;
class HistoryView;
class ModelDownloader;
class ModelsDialog;
class GeneratePanel;
class LearnController;
class GenerationController;
class GhostText;
class TokenInspector;
class SnapshotsPanel;
class ProjectSearchPanel;
class StoryContextDialog;
class SearchSnippet;
class Spelling;
class StoryboardView;
class TrashView;
class WordCountLabel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a project file. On failure (corrupt, newer schema, open elsewhere, read-only, ...)
    // shows the storage message in a dialog, keeps the current project and returns false.
    bool openProject(const QString& path);
    // Creates a project with the standard folders at path and opens it.
    bool newProject(const QString& path);
    // Saves and closes the current project (the window stays, empty).
    void closeProject();

    storage::Project* project() const { return m_project.get(); }
    QString projectPath() const;

    // Focus mode: full screen, only the text (F11 toggles, Esc leaves).
    void setFocusMode(bool on);
    bool isFocusMode() const { return m_focusMode; }

    // Adds a tab to the right-hand side panels.
    void addSidePanel(QWidget* panel, const QString& title);

    // The last error shown to the writer (for tests and logs); empty when none.
    QString lastError() const { return m_lastError; }

    // The parts, for tests and for the app that wires future panels.
    BinderView* binderView() const { return m_binderView; }
    BinderModel* binderModel() const { return m_binderModel; }
    TrashView* trashView() const { return m_trashView; }
    EditorView* editor() const { return m_editor; }
    FindBar* findBar() const { return m_findBar; }
    SnapshotsPanel* snapshotsPanel() const { return m_snapshots; }
    // No model is loaded until the app asks (GeneratePanel::loadDefaultModel).
    GeneratePanel* generatePanel() const { return m_generate; }
    // Project > Learn This Book, Use Learned Model, Delete Learned Model (#20).
    LearnController* learnController() const { return m_learn; }
    // Loads models, runs and records generations for every view of this window.
    GenerationController* generationController() const { return m_generation; }
    StoryboardView* storyboardView() const { return m_storyboard; }
    HistoryView* historyView() const { return m_history; }
    // The "Search" side tab: the whole project's text (Edit > Search in Project, Ctrl+Shift+F).
    ProjectSearchPanel* projectSearchPanel() const { return m_projectSearch; }
    // Brings the Search tab forward with the keyboard in its query (seeded from the selection).
    void showProjectSearch();
    // File > Export…: the manuscript in a chosen format (ui/project/export_dialog.h).
    void showExportDialog();
    // Project > Goals… (Ctrl+Alt+G): the project's goals, and nodeId's when given (the binder
    // row's Set Word Goal…); without one, the binder's current node.
    void showGoalsDialog(std::optional<int64_t> nodeId = std::nullopt);
    // Project > Statistics… (Ctrl+Alt+S): words per day, today, streak, mine vs the model.
    void showStatistics();
    // The goals and the progress toward them (status bar, binder).
    GoalTracker* goalTracker() const { return m_goals; }
    GoalDisplay* goalDisplay() const { return m_goalDisplay; }
    // The story bible's fields under the text of an open character or place (aliases, what the
    // model should know, always in); Document > Story Bible Fields (Ctrl+Alt+B) goes there.
    BibleForm* bibleForm() const { return m_bibleForm; }
    void goToBibleFields();
    // Project > Memory and Author's Note… (Ctrl+Alt+M), with the keyboard in `kind`'s field.
    StoryContextDialog* showStoryContext(storage::StoryNoteKind kind);
    // Brings the side panels and the Storyboard tab forward (View > Storyboard, Ctrl+3).
    void showStoryboard();
    // The Storyboard full size in the centre instead of the editor, or the editor back (View >
    // Storyboard in Main Area, Ctrl+Shift+3). Opening a document or focus mode brings the
    // editor back.
    void setStoryboardInMainArea(bool on);
    bool isStoryboardInMainArea() const;
    StoryboardView* mainStoryboardView() const { return m_mainStoryboard; }
    DocumentSession* documentSession() const { return m_session; }
    WordCountLabel* wordCountLabel() const { return m_wordCount; }
    QTabWidget* leftTabs() const { return m_leftTabs; }
    QLabel* readOnlyBanner() const { return m_readOnlyBanner; }
    // Focus mode's floating parts: the word count and the Generate panel's preview.
    WordCountLabel* focusWordCount() const { return m_focusWordCount; }
    GenerationOverlay* generationOverlay() const { return m_generationOverlay; }
    // The Generate panel's suggestion as dimmed text after the editor's caret.
    GhostText* ghostText() const { return m_ghost; }
    // The token view of the Generate preview; Generate > Why This Word? (Ctrl+Shift+W) opens
    // it, or the History reader's when that has the keyboard, at the caret.
    TokenInspector* previewTokens() const { return m_previewTokens; }
    QAction* whyThisWordAction() const { return m_whyThisWordAction; }
    // The spell check: Edit > Spell Check (F7), Edit > Spelling Language, the editor's menu.
    Spelling* spelling() const { return m_spelling; }
    // View > Go to Binder / Side Panel / Text (Ctrl+1, Ctrl+2, Ctrl+0): show and focus.
    void goToBinder();
    void goToSidePanel();
    void goToText();
    // View > Appearance: light, dark or the system's; remembered in Settings.
    void setAppearance(Appearance appearance);
    const Theme& theme() const { return m_theme; }
    // Model downloads of this window, queued (ui/models/model_downloader.h); the status bar
    // shows the one under way (DownloadStatusIndicator).
    ModelDownloader* modelDownloader() const { return m_downloads; }
    // Help > About: version, the model in use, licences (window-modal, "aboutDialog").
    void showAbout();
    // Generate > Models… (Ctrl+Shift+M): installed and recommended models, fit and speed. Made
    // on first use and kept, so what connects to it (the downloader) stays connected.
    ModelsDialog* modelsDialog();

signals:
    void projectOpened(const QString& path);
    void projectClosed();

protected:
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildWidgets();
    void buildActions();
    void buildMenus();
    void restoreLayout();
    void saveLayout();
    void adopt(std::unique_ptr<storage::Project> project, const QString& readOnlyReason = {});
    void openStartDocument(const QString& path);
    void saveProjectView();
    void restoreProjectView(const QString& path);
    void showDocument(QTextDocument* document, std::optional<int64_t> nodeId);
    void showError(const QString& title, const QString& message);
    void updateTitle();
    void updateActions();
    void updateEscape(); // Esc stops a generation first, then leaves focus mode
    void updateSaveState(bool unsaved);
    void rebuildRecentMenu();
    void placeFocusWordCount();
    void applyColorScheme(ColorScheme scheme);
    void changeTextSize(int steps); // View > Larger/Smaller Text, remembered in Settings
    void onTrashRestored(int64_t nodeId);
    void connectStoryboard(StoryboardView* view, StoryboardView* other);
    void openLinkedNode(int64_t nodeId); // a card's scene, in the editor
    // A project-search result: the document with the match selected, or the generation in the
    // History tab.
    void openSearchMatch(int64_t nodeId, const SearchSnippet& snippet);
    void openSearchGeneration(int64_t generationId, std::optional<int64_t> documentId);
    // A match in a character's or place's bible fields: the node, the keyboard in its form.
    void openSearchBibleEntry(int64_t nodeId, const SearchSnippet& snippet);

    void newProjectInteractive();
    void openProjectInteractive();

    Settings m_settings;
    Theme m_theme;
    std::unique_ptr<storage::Project> m_project;
    DocumentSession* m_session = nullptr;
    BinderModel* m_binderModel = nullptr;
    QTextDocument* m_emptyDocument; // shown when no document is open

    QSplitter* m_splitter = nullptr;
    QTabWidget* m_leftTabs = nullptr;
    QTabWidget* m_sidePanels = nullptr;
    BinderView* m_binderView = nullptr;
    TrashView* m_trashView = nullptr;
    EditorView* m_editor = nullptr;
    FindBar* m_findBar = nullptr;
    SnapshotsPanel* m_snapshots = nullptr;
    GenerationController* m_generation = nullptr;
    GeneratePanel* m_generate = nullptr;
    LearnController* m_learn = nullptr;
    StoryboardView* m_storyboard = nullptr;
    HistoryView* m_history = nullptr; // the side tab: a quick view
    ProjectSearchPanel* m_projectSearch = nullptr;
    StoryboardView* m_mainStoryboard = nullptr; // full size in the centre
    QStackedWidget* m_centre = nullptr;         // the editor area or m_mainStoryboard
    QWidget* m_editorArea = nullptr;
    WordCountLabel* m_wordCount = nullptr;
    WordCountLabel* m_focusWordCount = nullptr;
    GenerationOverlay* m_generationOverlay = nullptr;
    GhostText* m_ghost = nullptr;
    Spelling* m_spelling = nullptr;
    GoalTracker* m_goals = nullptr;
    GoalDisplay* m_goalDisplay = nullptr;
    TokenInspector* m_previewTokens = nullptr;
    BibleForm* m_bibleForm = nullptr; // under the editor while a character or place is open
    QAction* m_whyThisWordAction = nullptr;
    QAction* m_modelsAction = nullptr;
    ModelsDialog* m_modelsDialog = nullptr;
    ModelDownloader* m_downloads = nullptr;
    QLabel* m_saveState = nullptr;
    QLabel* m_readOnlyBanner = nullptr; // above the editor while a project is open read-only
    QMenu* m_recentMenu = nullptr;

    QAction* m_newAction = nullptr;
    QAction* m_openAction = nullptr;
    QAction* m_closeAction = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_goalsAction = nullptr;
    QAction* m_statisticsAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_undoAction = nullptr;
    QAction* m_redoAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_replaceAction = nullptr;
    QAction* m_findNextAction = nullptr;
    QAction* m_findPreviousAction = nullptr;
    QAction* m_projectSearchAction = nullptr;
    QAction* m_renameAction = nullptr;
    QAction* m_trashAction = nullptr;
    QAction* m_snapshotAction = nullptr;
    QAction* m_bibleFieldsAction = nullptr;
    QAction* m_storyContextAction = nullptr;
    QAction* m_focusAction = nullptr;
    QAction* m_leaveFocusAction = nullptr;
    QAction* m_showBinderAction = nullptr;
    QAction* m_showSidePanelsAction = nullptr;
    QAction* m_showStoryboardAction = nullptr;
    QAction* m_goToBinderAction = nullptr;
    QAction* m_goToSidePanelAction = nullptr;
    QAction* m_goToTextAction = nullptr;
    QActionGroup* m_appearanceGroup = nullptr;
    QAction* m_storyboardMainAction = nullptr;
    QAction* m_zoomInAction = nullptr;
    QAction* m_zoomOutAction = nullptr;
    QList<QAction*> m_createActions;

    bool m_focusMode = false;
    bool m_wasMaximized = false;
    QString m_lastError;
};

} // namespace fabulist::ui
