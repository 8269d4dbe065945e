#include "ui/main_window.h"

#include "storage/project.h"
#include "storage/storage_error.h"
#include "storage/writing_statistics.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/find_bar.h"
#include "ui/editor/ghost_text.h"
#include "ui/editor/spell_checker.h"
#include "ui/editor/spell_menu.h"
#include "ui/editor/spelling.h"
#include "ui/editor/word_count_label.h"
#include "ui/generate/generate_panel.h"
#include "ui/learn/learn_controller.h"
#include "ui/generate/generation_controller.h"
#include "ui/generate/generation_overlay.h"
#include "ui/generate/history_view.h"
#include "ui/generate/token_inspector.h"
#include "ui/models/download_hook.h"
#include "ui/models/download_status_indicator.h"
#include "ui/models/model_downloader.h"
#include "ui/models/models_dialog.h"
#include "ui/project/bible_form.h"
#include "ui/project/binder_model.h"
#include "ui/project/binder_view.h"
#include "ui/project/export_dialog.h"
#include "ui/project/goal_display.h"
#include "ui/project/goal_tracker.h"
#include "ui/project/goals_dialog.h"
#include "ui/project/project_files.h"
#include "ui/project/project_search_panel.h"
#include "ui/project/snapshots_panel.h"
#include "ui/project/statistics_view.h"
#include "ui/project/story_context_dialog.h"
#include "ui/project/trash_view.h"
#include "ui/shortcuts_dialog.h"
#include "ui/storyboard/storyboard_view.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsView>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextDocumentLayout>
#include <QPlainTextEdit>
#include <QScreen>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTextCursor>
#include <QTextDocument>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <fabulist/version.h>
#include <functional>

namespace fabulist::ui {

using inference::prompting::WritingTask;

namespace {
constexpr int kBinderWidth = 260;
constexpr int kSidePanelWidth = 300;
constexpr QSize kDefaultSize(1360, 860);

Appearance appearanceFromSetting(const QString& value) {
    if (value == QLatin1String("light")) return Appearance::Light;
    if (value == QLatin1String("dark")) return Appearance::Dark;
    return Appearance::System;
}

QString settingFromAppearance(Appearance appearance) {
    switch (appearance) {
    case Appearance::Light:
        return QStringLiteral("light");
    case Appearance::Dark:
        return QStringLiteral("dark");
    case Appearance::System:
        break;
    }
    return QStringLiteral("system");
}
} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("mainWindow"));
    m_emptyDocument = new QTextDocument(this);
    m_emptyDocument->setDocumentLayout(new QPlainTextDocumentLayout(m_emptyDocument));
    buildWidgets();
    buildActions();
    buildMenus();
    restoreLayout();
    m_theme.setAppearance(appearanceFromSetting(m_settings.appearance()));
    applyColorScheme(m_theme.scheme());
    connect(&m_theme, &Theme::schemeChanged, this, &MainWindow::applyColorScheme);
    // Leaving the application (another window gets focus) is a natural moment to save.
    connect(qApp, &QGuiApplication::applicationStateChanged, this, [this](Qt::ApplicationState s) {
        if (s != Qt::ApplicationActive && m_session) m_session->save();
    });
    // A session logout or QApplication::quit() may end the program without closing the window.
    connect(qApp, &QCoreApplication::aboutToQuit, this, [this] {
        if (m_session) m_session->saveAndSnapshot();
        m_bibleForm->save();
        if (auto* context = findChild<StoryContextDialog*>()) context->save();
        saveLayout();
        m_settings.sync();
    });
    showDocument(nullptr, std::nullopt);
    updateTitle();
}

MainWindow::~MainWindow() {
    closeProject();
}

void MainWindow::buildWidgets() {
    m_binderView = new BinderView(this);
    m_trashView = new TrashView(this);
    m_leftTabs = new QTabWidget(this);
    m_leftTabs->setObjectName(QStringLiteral("leftTabs"));
    m_leftTabs->setDocumentMode(true);
    m_goals = new GoalTracker(this);
    m_goalDisplay = new GoalDisplay(m_goals, m_binderView, this);
    m_leftTabs->addTab(m_goalDisplay->binderPage(), tr("Binder")); // the tree, the project's bar
    m_leftTabs->addTab(m_trashView, tr("Trash"));

    m_editor = new EditorView(this);
    m_editor->setObjectName(QStringLiteral("editor"));
    m_editor->setTextFont(QFont(m_settings.editorFontFamily(), m_settings.editorFontPointSize()));
    m_editor->setLineWidthChars(m_settings.editorLineWidthChars());
    m_spelling = new Spelling(m_editor, this);
    connect(m_spelling, &Spelling::errorOccurred, this,
            [this](const QString& m) { showError(tr("Spelling"), m); });
    m_findBar = new FindBar(this);
    m_findBar->setEditor(m_editor);
    m_findBar->hide();
    m_editorArea = new QWidget(this);
    auto* editorLayout = new QVBoxLayout(m_editorArea);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->setSpacing(0);
    m_readOnlyBanner = new QLabel(this);
    m_readOnlyBanner->setObjectName(QStringLiteral("readOnlyBanner"));
    m_readOnlyBanner->setWordWrap(true);
    m_readOnlyBanner->setContentsMargins(12, 8, 12, 8);
    m_readOnlyBanner->setAutoFillBackground(true);
    m_readOnlyBanner->setBackgroundRole(QPalette::ToolTipBase); // light and dark themes alike
    m_readOnlyBanner->setForegroundRole(QPalette::ToolTipText);
    m_readOnlyBanner->hide();
    editorLayout->addWidget(m_readOnlyBanner);
    editorLayout->addWidget(m_editor, 1);
    m_bibleForm = new BibleForm(this);
    connect(m_bibleForm, &BibleForm::errorOccurred, this,
            [this](const QString& m) { showError(tr("Story Bible"), m); });
    editorLayout->addWidget(m_bibleForm);
    editorLayout->addWidget(m_findBar);

    m_snapshots = new SnapshotsPanel(this);
    m_sidePanels = new QTabWidget(this);
    m_sidePanels->setObjectName(QStringLiteral("sidePanels"));
    m_sidePanels->setDocumentMode(true);
    m_sidePanels->addTab(m_snapshots, tr("Snapshots"));
    m_generation = new GenerationController(this);
    m_generate = new GeneratePanel(m_editor, m_generation, this);
    m_learn = new LearnController(m_generate, this); // Project > Learn This Book (#20)
    connect(m_learn, &LearnController::message, this,
            [this](const QString& m) { statusBar()->showMessage(m, 15000); });
    addSidePanel(m_generate, tr("Generate"));
    // A generation's fault (a remote server's, #22) reaches the writer whatever tab is open.
    connect(m_generation, &GenerationController::failed, this,
            [this](qint64, const QString& m) { statusBar()->showMessage(m, 15000); });
    // The editor's menu on a selection offers the writing tasks.
    connect(m_spelling->menu(), &SpellMenu::aboutToPopup, m_generate,
            &GeneratePanel::addSelectionTasks);
    m_storyboard = new StoryboardView(this);
    addSidePanel(m_storyboard, tr("Storyboard"));
    m_history = new HistoryView(m_editor, m_generation, m_generate, this);
    addSidePanel(m_history, tr("History"));
    connect(m_history, &HistoryView::errorOccurred, this,
            [this](const QString& m) { showError(tr("History"), m); });
    m_projectSearch = new ProjectSearchPanel(this);
    addSidePanel(m_projectSearch, tr("Search"));
    connect(m_projectSearch, &ProjectSearchPanel::errorOccurred, this,
            [this](const QString& m) { showError(tr("Search"), m); });
    connect(m_projectSearch, &ProjectSearchPanel::documentActivated, this,
            &MainWindow::openSearchMatch);
    connect(m_projectSearch, &ProjectSearchPanel::generationActivated, this,
            &MainWindow::openSearchGeneration);
    connect(m_projectSearch, &ProjectSearchPanel::bibleEntryActivated, this,
            &MainWindow::openSearchBibleEntry);
    connect(m_projectSearch, &ProjectSearchPanel::storyNoteActivated, this,
            [this](storage::StoryNoteKind kind, const SearchSnippet& snippet) {
                StoryContextDialog* dialog = showStoryContext(kind);
                if (!dialog) return;
                QPlainTextEdit* field = dialog->field(kind);
                const auto [start, length] = snippet.locate(field->toPlainText());
                if (start < 0) return;
                QTextCursor cursor = field->textCursor();
                cursor.setPosition(start);
                cursor.setPosition(start + length, QTextCursor::KeepAnchor);
                field->setTextCursor(cursor);
            });
    connect(m_projectSearch, &ProjectSearchPanel::replaced, this, [this](int documents, int total) {
        m_snapshots->refresh(); // the open document may have a new snapshot
        m_history->reload();
        statusBar()->showMessage(tr("Replaced %1 in %n document(s)", nullptr, documents).arg(total),
                                 5000);
    });
    m_previewTokens = new TokenInspector(m_generate->preview(), m_generation, m_generate, this);
    m_previewTokens->followPreview();
    m_whyThisWordAction = new QAction(tr("&Why This Word?"), this);
    m_whyThisWordAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    m_whyThisWordAction->setToolTip(tr("The token at the caret of the generated text: its "
                                       "likeliest alternatives under each head"));
    connect(m_whyThisWordAction, &QAction::triggered, this, [this] {
        if (focusWidget() == m_history->reader() && m_history->reader()->isVisible()) {
            m_history->tokenInspector()->openAtCursor();
            return;
        }
        m_sidePanels->setCurrentWidget(m_generate); // the preview's caret
        m_previewTokens->openAtCursor();
    });
    addAction(m_whyThisWordAction); // window-wide, like the other Generate keys
    m_mainStoryboard = new StoryboardView(this);
    m_mainStoryboard->setObjectName(QStringLiteral("mainStoryboardView"));
    m_centre = new QStackedWidget(this);
    m_centre->setObjectName(QStringLiteral("centre"));
    m_centre->addWidget(m_editorArea);
    m_centre->addWidget(m_mainStoryboard);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(m_leftTabs);
    m_splitter->addWidget(m_centre);
    m_splitter->addWidget(m_sidePanels);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setStretchFactor(2, 0);
    m_leftTabs->setMinimumWidth(160);
    m_sidePanels->setMinimumWidth(200);
    setCentralWidget(m_splitter);

    m_saveState = new QLabel(this);
    m_saveState->setContentsMargins(8, 0, 8, 0);
    m_wordCount = new WordCountLabel(this);
    m_wordCount->setEditor(m_editor);
    // Focus mode hides the status bar: the count and the generation float over the page.
    m_focusWordCount = new WordCountLabel(m_editor);
    m_focusWordCount->setObjectName(QStringLiteral("focusWordCount"));
    m_focusWordCount->setEditor(m_editor);
    m_focusWordCount->setForegroundRole(QPalette::PlaceholderText);
    m_focusWordCount->hide();
    m_editor->installEventFilter(this);
    m_generationOverlay = new GenerationOverlay(m_generate, m_editor);
    m_ghost = new GhostText(m_editor, m_generate, this);
    connect(m_ghost, &GhostText::shownChanged, m_generationOverlay,
            &GenerationOverlay::setGhostShown);
    connect(m_ghost, &GhostText::shownChanged, this, [this] { updateEscape(); });
    statusBar()->addWidget(m_saveState, 1);
    m_goalDisplay->addToStatusBar(statusBar());
    statusBar()->addPermanentWidget(m_wordCount);
    // Downloads outlive the Models dialog; their progress stays in the status bar.
    m_downloads = new ModelDownloader(this);
    statusBar()->addPermanentWidget(new DownloadStatusIndicator(m_downloads, statusBar()));
    // Goal progress follows the count the label makes anyway: no second pass per keystroke.
    connect(m_wordCount, &WordCountLabel::documentWordsCounted, m_goals,
            &GoalTracker::setLiveWords);
    connect(m_goals, &GoalTracker::errorOccurred, this,
            [this](const QString& m) { showError(tr("Goals"), m); });
    connect(m_binderView, &BinderView::goalRequested, this,
            [this](int64_t id) { showGoalsDialog(id); });

    connect(m_editor, &EditorView::focusLost, this, [this] {
        if (m_session) m_session->save();
    });
    connect(m_binderView, &BinderView::nodeActivated, this, [this](int64_t id) {
        if (m_session) m_session->open(id);
        setStoryboardInMainArea(false); // the writer opened a document to read or write it
    });
    // Clicking or activating the document already open brings it back too.
    for (auto signal : {&BinderView::clicked, &BinderView::activated})
        connect(m_binderView, signal, this, [this] { setStoryboardInMainArea(false); });
    connect(m_binderView, &BinderView::nodeCleared, this, [this] {
        if (m_session) m_session->closeCurrent();
    });
    // A new scene or note is named, then written: after the name the keyboard goes to the page.
    connect(m_binderView, &BinderView::newNodeNamed, this, [this](int64_t id) {
        const auto node =
            m_binderModel ? m_binderModel->node(m_binderModel->indexOf(id)) : std::nullopt;
        // Folders and chapters keep the binder's focus: the next key is likely a new scene.
        using K = storage::NodeKind;
        if (node && node->kind != K::Folder && node->kind != K::Chapter) m_editor->setFocus();
    });
    connect(m_binderView, &BinderView::statusHint, this,
            [this](const QString& m) { statusBar()->showMessage(m, 4000); });
    connect(m_trashView, &TrashView::restored, this, &MainWindow::onTrashRestored);
    connect(m_trashView, &TrashView::countChanged, this, [this](int count) {
        m_leftTabs->setTabText(1, count > 0 ? tr("Trash (%1)").arg(count) : tr("Trash"));
    });
    connect(m_trashView, &TrashView::emptied, this, [this] {
        if (m_session) m_session->forgetDeleted();
    });
    // Cards linked to deleted nodes lost their link in the project (ON DELETE SET NULL).
    connect(m_trashView, &TrashView::emptied, m_storyboard, &StoryboardView::reload);
    connect(m_trashView, &TrashView::emptied, m_mainStoryboard, &StoryboardView::reload);
    connect(m_trashView, &TrashView::errorOccurred, this,
            [this](const QString& m) { showError(tr("Trash"), m); });
    connect(m_snapshots, &SnapshotsPanel::errorOccurred, this,
            [this](const QString& m) { showError(tr("Snapshots"), m); });
    connect(m_generation, &GenerationController::errorOccurred, this,
            [this](const QString& m) { showError(tr("Generate"), m); });
    connect(m_generate, &GeneratePanel::errorOccurred, this,
            [this](const QString& m) { showError(tr("Generate"), m); });
    connect(m_generate, &GeneratePanel::modelFailed, this,
            [this](const QString& m) { showError(tr("Cannot load the model"), m); });
    connect(m_generate, &GeneratePanel::generatingChanged, this, &MainWindow::updateEscape);
    connectStoryboard(m_storyboard, m_mainStoryboard);
    connectStoryboard(m_mainStoryboard, m_storyboard);
    // Retry, Retry, Pin: the ideas the writer likes land on the board shown (or on "Ideas").
    connect(m_generation, &GenerationController::pinRequested, this,
            [this](const QString& text, qint64 generationId) {
                // On the storyboard the writer sees, in its visible free space.
                StoryboardView* board = isStoryboardInMainArea() ? m_mainStoryboard : m_storyboard;
                if (board->pinIdea(text, generationId))
                    statusBar()->showMessage(tr("Pinned to the storyboard \u201C%1\u201D")
                                                 .arg(board->boardBox()->currentText()),
                                             5000);
            });
}

void MainWindow::connectStoryboard(StoryboardView* view, StoryboardView* other) {
    connect(view, &StoryboardView::errorOccurred, this,
            [this](const QString& m) { showError(tr("Storyboard"), m); });
    // One project, two views: a change in one is read again by the other.
    connect(view, &StoryboardView::cardsChanged, other, &StoryboardView::reload);
    connect(view, &StoryboardView::boardsChanged, other, &StoryboardView::reload);
    connect(view, &StoryboardView::openNodeRequested, this, &MainWindow::openLinkedNode);
}

void MainWindow::buildActions() {
    auto make = [this](const QString& text, const QKeySequence& key, auto slot) {
        auto* a = new QAction(text, this);
        if (!key.isEmpty()) a->setShortcut(key);
        connect(a, &QAction::triggered, this, slot);
        addAction(a); // window-level, so shortcuts work with the menu bar hidden (focus mode)
        return a;
    };
    m_newAction =
        make(tr("&New Project\u2026"), QKeySequence::New, [this] { newProjectInteractive(); });
    m_openAction =
        make(tr("&Open Project\u2026"), QKeySequence::Open, [this] { openProjectInteractive(); });
    m_closeAction = make(tr("&Close Project"), QKeySequence(), [this] { closeProject(); });
    m_exportAction = make(tr("&Export\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
                          [this] { showExportDialog(); });
    m_goalsAction = make(tr("&Goals\u2026"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_G),
                         [this] { showGoalsDialog(); });
    m_statisticsAction = make(tr("&Statistics\u2026"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S),
                              [this] { showStatistics(); });
    m_quitAction = make(tr("&Quit"), QKeySequence::Quit, [this] { close(); });
    m_undoAction = make(tr("&Undo"), QKeySequence::Undo, [this] { m_editor->undo(); });
    m_redoAction = make(tr("&Redo"), QKeySequence::Redo, [this] { m_editor->redo(); });
    m_findAction = make(tr("&Find\u2026"), QKeySequence::Find, [this] { m_findBar->showFind(); });
    m_replaceAction = make(tr("&Replace\u2026"), QKeySequence(Qt::CTRL | Qt::Key_H),
                           [this] { m_findBar->showReplace(); });
    m_findNextAction =
        make(tr("Find &Next"), QKeySequence::FindNext, [this] { m_findBar->findNext(); });
    m_findPreviousAction = make(tr("Find &Previous"), QKeySequence::FindPrevious,
                                [this] { m_findBar->findPrevious(); });
    m_projectSearchAction =
        make(tr("Search in Pro&ject\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F),
             [this] { showProjectSearch(); });
    m_renameAction =
        make(tr("&Rename"), QKeySequence(Qt::Key_F2), [this] { m_binderView->renameCurrent(); });
    m_renameAction->setShortcutContext(Qt::WidgetShortcut); // F2 in the binder only
    m_binderView->addAction(m_renameAction);
    m_trashAction = make(tr("Move to &Trash"), QKeySequence(Qt::Key_Delete),
                         [this] { m_binderView->trashCurrent(); });
    m_trashAction->setShortcutContext(Qt::WidgetShortcut); // Delete in the editor deletes text
    m_binderView->addAction(m_trashAction);
    m_snapshotAction = make(tr("Take &Snapshot\u2026"), QKeySequence(Qt::CTRL | Qt::Key_T),
                            [this] { m_snapshots->takeSnapshotInteractive(); });
    m_bibleFieldsAction =
        make(tr("Story &Bible Fields"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_B),
             [this] { goToBibleFields(); });
    m_bibleFieldsAction->setToolTip(
        tr("The open character's or place's aliases and what the model should know"));
    m_storyContextAction = make(tr("&Memory and Author\u2019s Note\u2026"),
                                QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_M),
                                [this] { showStoryContext(storage::StoryNoteKind::Memory); });
    m_modelsAction =
        make(tr("&Models\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), [this] {
            const bool existed = m_modelsDialog != nullptr;
            ModelsDialog* dialog = modelsDialog();
            if (existed) dialog->refresh(); // a new file in the folder, another model in use
            dialog->show();
            dialog->raise();
            dialog->activateWindow();
        });
    m_modelsAction->setToolTip(tr("Installed and recommended models: will they fit, how fast"));
    m_focusAction =
        make(tr("&Focus Mode"), QKeySequence(Qt::Key_F11), [this] { setFocusMode(!m_focusMode); });
    m_focusAction->setCheckable(true);
    m_showBinderAction = make(tr("Show &Binder"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_1),
                              [this](bool on) { m_leftTabs->setVisible(on); });
    m_showBinderAction->setCheckable(true);
    m_showBinderAction->setChecked(true);
    m_showSidePanelsAction =
        make(tr("Show &Side Panel"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_2),
             [this](bool on) { m_sidePanels->setVisible(on); });
    m_showSidePanelsAction->setCheckable(true);
    m_showSidePanelsAction->setChecked(true);
    m_goToBinderAction =
        make(tr("Go to B&inder"), QKeySequence(Qt::CTRL | Qt::Key_1), [this] { goToBinder(); });
    m_goToSidePanelAction = make(tr("Go to Side &Panel"), QKeySequence(Qt::CTRL | Qt::Key_2),
                                 [this] { goToSidePanel(); });
    m_goToTextAction =
        make(tr("Go to &Text"), QKeySequence(Qt::CTRL | Qt::Key_0), [this] { goToText(); });
    m_showStoryboardAction =
        make(tr("S&toryboard"), QKeySequence(Qt::CTRL | Qt::Key_3), [this] { showStoryboard(); });
    m_storyboardMainAction =
        make(tr("Storyboard in &Main Area"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_3),
             [this](bool on) { setStoryboardInMainArea(on); });
    m_storyboardMainAction->setCheckable(true);
    m_storyboardMainAction->setToolTip(tr("The storyboard full size in place of the editor"));
    m_zoomInAction = make(tr("&Larger Text"), QKeySequence::ZoomIn, [this] { changeTextSize(+1); });
    m_zoomOutAction =
        make(tr("&Smaller Text"), QKeySequence::ZoomOut, [this] { changeTextSize(-1); });
    m_leaveFocusAction =
        make(tr("Leave Focus Mode"), QKeySequence(Qt::Key_Escape), [this] { setFocusMode(false); });
    m_leaveFocusAction->setEnabled(false);
    // Window-level too, so Ctrl+Return and Esc work while the writer types in the editor.
    for (QAction* a :
         {m_generate->continueAction(), m_generate->stopAction(), m_generate->acceptAction(),
          m_generate->discardAction(), m_generate->retryAction(), m_generate->pinAction(),
          m_generate->contextAction()})
        addAction(a);
    for (WritingTask task : inference::prompting::allTasks())
        if (QAction* a = m_generate->taskAction(task)) addAction(a);
    m_appearanceGroup = new QActionGroup(this);
    const std::pair<Appearance, QString> appearances[] = {{Appearance::System, tr("&System")},
                                                          {Appearance::Light, tr("&Light")},
                                                          {Appearance::Dark, tr("&Dark")}};
    for (const auto& [appearance, label] : appearances) {
        QAction* a = m_appearanceGroup->addAction(label);
        a->setCheckable(true);
        a->setData(int(appearance));
        a->setChecked(appearance == appearanceFromSetting(m_settings.appearance()));
        connect(a, &QAction::triggered, this, [this, appearance] { setAppearance(appearance); });
    }

    using K = storage::NodeKind;
    for (K kind : {K::Folder, K::Chapter, K::Scene, K::Note, K::Character, K::Place}) {
        const QKeySequence key = kind == K::Scene ? QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_N)
                                 : kind == K::Chapter
                                     ? QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N)
                                     : QKeySequence();
        QAction* a = make(tr("New %1").arg(kindLabel(kind)), key,
                          [this, kind] { m_binderView->createNodeAndRename(kind); });
        m_createActions << a;
    }
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_newAction);
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    file->addSeparator();
    file->addAction(m_exportAction);
    file->addAction(m_closeAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_undoAction);
    edit->addAction(m_redoAction);
    edit->addSeparator();
    edit->addAction(m_findAction);
    edit->addAction(m_replaceAction);
    edit->addAction(m_findNextAction);
    edit->addAction(m_findPreviousAction);
    edit->addSeparator();
    addAction(m_spelling->toggleAction()); // F7 with the menu bar hidden too (focus mode)
    edit->addAction(m_spelling->toggleAction());
    edit->addMenu(m_spelling->languageMenu());
    edit->addSeparator();
    edit->addAction(m_projectSearchAction);

    QMenu* binder = menuBar()->addMenu(tr("&Binder"));
    for (QAction* a : std::as_const(m_createActions)) binder->addAction(a);
    binder->addSeparator();
    binder->addAction(m_renameAction);
    binder->addAction(m_trashAction);

    QMenu* document = menuBar()->addMenu(tr("&Document"));
    document->addAction(m_snapshotAction);
    document->addAction(m_bibleFieldsAction);

    QMenu* projectMenu = menuBar()->addMenu(tr("&Project"));
    projectMenu->addAction(m_goalsAction);
    projectMenu->addAction(m_statisticsAction);
    projectMenu->addSeparator();
    projectMenu->addAction(m_storyContextAction);
    projectMenu->addSeparator();
    projectMenu->addAction(m_learn->learnAction());
    projectMenu->addAction(m_learn->useLearnedAction());
    projectMenu->addAction(m_learn->deleteAction());

    QMenu* generate = menuBar()->addMenu(tr("&Generate"));
    generate->addAction(m_generate->continueAction());
    generate->addAction(m_generate->stopAction());
    generate->addSeparator();
    for (WritingTask task : inference::prompting::allTasks())
        if (QAction* a = m_generate->taskAction(task)) generate->addAction(a);
    generate->addAction(m_generate->contextAction());
    generate->addSeparator();
    generate->addAction(m_generate->acceptAction());
    generate->addAction(m_generate->discardAction());
    generate->addAction(m_generate->retryAction());
    generate->addAction(m_generate->pinAction());
    generate->addAction(m_whyThisWordAction);
    generate->addAction(m_generate->nextCandidateAction());
    generate->addAction(m_generate->previousCandidateAction());
    generate->addSeparator();
    // The ghost text's keys (they act only while a suggestion is shown in the editor).
    generate->addAction(m_ghost->acceptAction());
    generate->addAction(m_ghost->acceptWordAction());
    generate->addAction(m_ghost->dismissAction());
    generate->addAction(m_ghost->nextDraftAction());
    generate->addAction(m_ghost->previousDraftAction());
    generate->addAction(m_ghost->suggestOnPauseAction());
    generate->addSeparator();
    generate->addAction(m_modelsAction);
    generate->addAction(m_generate->chooseModelAction());
    generate->addAction(m_generate->defaultModelAction());

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_goToBinderAction);
    view->addAction(m_goToSidePanelAction);
    view->addAction(m_goToTextAction);
    view->addSeparator();
    view->addAction(m_showBinderAction);
    view->addAction(m_showSidePanelsAction);
    view->addAction(m_showStoryboardAction);
    view->addAction(m_storyboardMainAction);
    view->addSeparator();
    view->addAction(m_zoomInAction);
    view->addAction(m_zoomOutAction);
    QMenu* appearance = view->addMenu(tr("&Appearance"));
    appearance->setObjectName(QStringLiteral("appearanceMenu"));
    appearance->addActions(m_appearanceGroup->actions());
    view->addSeparator();
    view->addAction(m_focusAction);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* shortcuts = help->addAction(tr("&Keyboard Shortcuts"), this, [this] {
        auto* dialog = new ShortcutsDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    shortcuts->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Slash));
    addAction(shortcuts);
    help->addAction(tr("&About Fabulist"), this, &MainWindow::showAbout);
}

ModelsDialog* MainWindow::modelsDialog() {
    if (!m_modelsDialog) {
        m_modelsDialog = new ModelsDialog(m_generation, this);
        connectDownloads(m_modelsDialog, m_downloads); // Download, its progress, pause, cancel
    }
    return m_modelsDialog;
}

void MainWindow::restoreLayout() {
    if (!restoreGeometry(m_settings.windowGeometry())) {
        // First start: a comfortable size centred on the screen, not larger than it.
        QSize size = kDefaultSize;
        if (const QScreen* screen = QGuiApplication::primaryScreen()) {
            const QRect avail = screen->availableGeometry();
            size = size.boundedTo(avail.size() * 0.92);
            move(avail.center() - QPoint(size.width() / 2, size.height() / 2));
        }
        resize(size);
    }
    restoreState(m_settings.windowState());
    if (!m_splitter->restoreState(m_settings.splitterState())) {
        const int editorWidth = qMax(400, width() - kBinderWidth - kSidePanelWidth);
        m_splitter->setSizes({kBinderWidth, editorWidth, kSidePanelWidth});
    }
}

void MainWindow::saveLayout() {
    if (m_focusMode) setFocusMode(false); // store the normal layout, not the focus one
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.setSplitterState(m_splitter->saveState());
}

QString MainWindow::projectPath() const {
    return m_project ? QString::fromStdString(m_project->path()) : QString();
}

bool MainWindow::openProject(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (m_project && QFileInfo(projectPath()) == QFileInfo(absolute)) return true;
    ProjectResult result = openProjectFile(absolute);
    if (!result.project) {
        showError(tr("Cannot open project"), result.error);
        return false;
    }
    adopt(std::move(result.project), result.readOnlyReason);
    return true;
}

bool MainWindow::newProject(const QString& path) {
    ProjectResult result = createProjectFile(withProjectSuffix(path));
    if (!result.project) {
        showError(tr("Cannot create project"), result.error);
        return false;
    }
    adopt(std::move(result.project));
    return true;
}

void MainWindow::adopt(std::unique_ptr<storage::Project> project, const QString& readOnlyReason) {
    closeProject();
    m_project = std::move(project);
    m_readOnlyBanner->setText(
        tr("<b>Read-only.</b> %1 You can read, search and copy text; nothing you do here is "
           "saved.")
            .arg(readOnlyReason.toHtmlEscaped()));
    m_readOnlyBanner->setVisible(m_project->isReadOnly());
    m_session = new DocumentSession(*m_project, m_theme.scheme(), this);
    m_session->setAutosaveDelay(m_settings.autosaveDelayMs());
    m_session->setAutosaveMaxWait(m_settings.autosaveMaxWaitMs());
    m_session->setSpellChecker(m_spelling->checker());
    m_bibleForm->setProject(m_project.get());
    m_bibleForm->setSaveDelay(m_settings.autosaveDelayMs());
    connect(m_session, &DocumentSession::currentChanged, this, &MainWindow::showDocument);
    connect(m_session, &DocumentSession::unsavedChanged, this, &MainWindow::updateSaveState);
    connect(m_session, &DocumentSession::errorOccurred, this,
            [this](const QString& m) { showError(tr("Cannot save"), m); });

    m_binderModel = new BinderModel(m_project->binder(), this);
    connect(m_binderModel, &BinderModel::errorOccurred, this,
            [this](const QString& m) { showError(tr("Binder"), m); });
    connect(m_binderModel, &BinderModel::binderChanged, m_trashView, &TrashView::refresh);
    connect(m_binderModel, &BinderModel::binderChanged, m_snapshots, &SnapshotsPanel::refresh);
    connect(m_binderModel, &BinderModel::binderChanged, this,
            [this] { updateSaveState(m_session && m_session->hasUnsavedChanges()); });
    m_binderView->setBinderModel(m_binderModel);
    m_spelling->setProject(m_project.get(), m_binderModel);
    m_trashView->setBinder(&m_project->binder());
    m_snapshots->setContext(m_project.get(), m_session);
    m_generation->setProject(m_project.get());
    m_generate->setContext(m_project.get(), m_session);
    m_storyboard->setProject(m_project.get());
    m_mainStoryboard->setProject(m_project.get());
    m_history->setProject(m_project.get());
    m_projectSearch->setContext(m_project.get(), m_session);
    connect(m_binderModel, &BinderModel::binderChanged, m_projectSearch,
            &ProjectSearchPanel::reloadChapters);
    m_goals->setContext(m_project.get(), m_binderModel, m_session);
    m_learn->setProject(m_project.get());

    const QString path = projectPath();
    openStartDocument(path);
    restoreProjectView(path);
    m_settings.addRecentProject(path);
    m_settings.setLastProject(path);
    updateTitle();
    updateActions();
    updateSaveState(false);
    emit projectOpened(path);
}

void MainWindow::closeProject() {
    if (!m_project) return;
    m_ghost->dismiss(); // a suggestion nobody took is rejected
    // A generation in flight is cancelled and recorded while the project is still open.
    m_generate->setContext(nullptr, nullptr);
    m_learn->setProject(nullptr);
    m_generation->setProject(nullptr);
    m_session->saveAndSnapshot();
    m_settings.setLastDocument(projectPath(), m_session->currentId().value_or(0));
    saveProjectView();
    // Detach every view from the project's objects before they go.
    delete findChild<ExportDialog*>(); // its compile step reads this project
    delete findChild<GoalsDialog*>();
    delete findChild<StatisticsView*>();
    delete findChild<StoryContextDialog*>(); // saves what it holds
    m_bibleForm->setProject(nullptr);        // saves what it holds
    m_goals->setContext(nullptr, nullptr, nullptr);
    m_editor->setDocument(m_emptyDocument);
    m_snapshots->setContext(nullptr, nullptr);
    m_storyboard->setProject(nullptr);
    m_mainStoryboard->setProject(nullptr);
    m_history->setProject(nullptr);
    m_projectSearch->setContext(nullptr, nullptr);
    m_trashView->setBinder(nullptr);
    m_binderView->setBinderModel(nullptr);
    m_spelling->setProject(nullptr, nullptr);
    delete m_binderModel;
    m_binderModel = nullptr;
    delete m_session;
    m_session = nullptr;
    m_project.reset();
    m_readOnlyBanner->hide();
    showDocument(nullptr, std::nullopt);
    updateTitle();
    updateActions();
    emit projectClosed();
}

// Where the writer left off, else the first scene: a project never opens on a blank page when
// it has something to read.
void MainWindow::openStartDocument(const QString& path) {
    const qint64 remembered = m_settings.lastDocument(path);
    if (remembered > 0 && m_binderModel->indexOf(remembered).isValid()) {
        m_binderView->selectNode(remembered);
        return;
    }
    // Depth-first in binder order, through the model (already read, nothing can fail here).
    std::function<std::optional<int64_t>(const QModelIndex&)> firstScene =
        [&](const QModelIndex& parent) -> std::optional<int64_t> {
        for (int r = 0; r < m_binderModel->rowCount(parent); ++r) {
            const QModelIndex idx = m_binderModel->index(r, 0, parent);
            if (idx.data(BinderModel::NodeKindRole).toInt() == int(storage::NodeKind::Scene))
                return m_binderModel->nodeId(idx);
            if (const auto inside = firstScene(idx)) return inside;
        }
        return std::nullopt;
    };
    if (const auto scene = firstScene({})) m_binderView->selectNode(*scene);
}

// The binder's expanded nodes, the side panel's tab and the editor's scroll position come back
// as the writer left them in this project.
void MainWindow::saveProjectView() {
    const QString path = projectPath();
    m_settings.setExpandedNodes(path, m_binderView->expandedNodeIds());
    m_settings.setSidePanelIndex(path, m_sidePanels->currentIndex());
    m_settings.setEditorScroll(path, m_editor->verticalScrollBar()->value());
}

void MainWindow::restoreProjectView(const QString& path) {
    if (const auto expanded = m_settings.expandedNodes(path)) {
        m_binderView->setExpandedNodeIds(*expanded);
        if (const auto current = m_binderView->currentNodeId())
            m_binderView->scrollTo(m_binderModel->indexOf(*current));
    }
    const int tab = m_settings.sidePanelIndex(path);
    if (tab >= 0 && tab < m_sidePanels->count()) m_sidePanels->setCurrentIndex(tab);
    // The position belongs to the document that was open, which may be gone.
    const int scroll = m_settings.editorScroll(path);
    if (scroll > 0 && m_session->currentId() == m_settings.lastDocument(path)) {
        m_editor->refreshLayout(); // the scroll range follows the laid-out text
        m_editor->verticalScrollBar()->setValue(scroll);
    }
}

void MainWindow::showDocument(QTextDocument* document, std::optional<int64_t> nodeId) {
    if (m_ghost) m_ghost->dismiss(); // it belongs to the document that is going
    m_editor->setDocument(document ? document : m_emptyDocument);
    // The document, not the widget, carries the font that the layout uses.
    m_editor->document()->setDefaultFont(m_editor->font());
    m_editor->setReadOnly(document == nullptr || (m_project && m_project->isReadOnly()));
    m_editor->setHasDocument(document != nullptr);
    m_editor->refreshLayout(); // margins and wrapping follow the new document and its font
    m_wordCount->refresh();
    m_snapshots->setNode(nodeId);
    m_bibleForm->setNode(nodeId); // saves the previous entry's fields
    m_bibleForm->setVisible(m_bibleForm->nodeId() && !m_focusMode);
    m_storyboard->setCurrentNode(nodeId);
    m_mainStoryboard->setCurrentNode(nodeId);
    m_history->setDocument(nodeId);
    updateActions();
    updateSaveState(m_session && m_session->hasUnsavedChanges());
}

void MainWindow::onTrashRestored(int64_t nodeId) {
    if (!m_binderModel) return;
    m_binderModel->reload();
    m_binderView->selectNode(nodeId);
}

void MainWindow::setFocusMode(bool on) {
    if (on == m_focusMode) return;
    m_focusMode = on;
    menuBar()->setVisible(!on);
    statusBar()->setVisible(!on);
    m_leftTabs->setVisible(!on && m_showBinderAction->isChecked());
    m_sidePanels->setVisible(!on && m_showSidePanelsAction->isChecked());
    if (on) {
        setStoryboardInMainArea(false); // focus mode is the text alone
        m_findBar->hide();
        m_wasMaximized = isMaximized();
        showFullScreen();
        m_editor->setFocus();
    } else if (m_wasMaximized) {
        showMaximized();
    } else {
        showNormal();
    }
    m_focusAction->setChecked(on);
    m_focusWordCount->setVisible(on);
    m_bibleForm->setVisible(!on && m_bibleForm->nodeId()); // focus mode is the text alone
    placeFocusWordCount();
    m_generationOverlay->setActive(on);
    updateEscape();
}

void MainWindow::placeFocusWordCount() {
    m_focusWordCount->adjustSize();
    m_focusWordCount->move(m_editor->width() - m_focusWordCount->width() - 24,
                           m_editor->height() - m_focusWordCount->height() - 8);
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_editor && event->type() == QEvent::Resize) placeFocusWordCount();
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::goToBinder() {
    if (m_focusMode) setFocusMode(false);
    m_showBinderAction->setChecked(true);
    m_leftTabs->setVisible(true);
    m_leftTabs->setCurrentWidget(m_goalDisplay->binderPage());
    m_binderView->setFocus(Qt::ShortcutFocusReason);
}

void MainWindow::goToSidePanel() {
    if (m_focusMode) setFocusMode(false);
    m_showSidePanelsAction->setChecked(true);
    m_sidePanels->setVisible(true);
    QWidget* panel = m_sidePanels->currentWidget();
    // The panel's first control that takes the keyboard (the tab bar when it has none).
    QWidget* target = panel ? panel->nextInFocusChain() : nullptr;
    while (target && target != panel &&
           !(target->isVisibleTo(panel) && target->isEnabled() &&
             (target->focusPolicy() & Qt::TabFocus)))
        target = target->nextInFocusChain();
    if (target && target != panel && panel->isAncestorOf(target))
        target->setFocus(Qt::ShortcutFocusReason);
    else
        m_sidePanels->tabBar()->setFocus(Qt::ShortcutFocusReason);
}

void MainWindow::goToText() {
    if (isStoryboardInMainArea()) setStoryboardInMainArea(false);
    m_editor->setFocus(Qt::ShortcutFocusReason);
}

void MainWindow::setAppearance(Appearance appearance) {
    m_settings.setAppearance(settingFromAppearance(appearance));
    for (QAction* a : m_appearanceGroup->actions())
        a->setChecked(a->data().toInt() == int(appearance));
    m_theme.setAppearance(appearance);
    applyColorScheme(m_theme.scheme());
}

void MainWindow::showAbout() {
    const LoadedModel& model = m_generate->model();
    const QString modelLine =
        model.modelPath.isEmpty()
            ? tr("No model is loaded yet.")
            : tr("Model: %1 (%2)%3")
                  .arg(model.modelName.toHtmlEscaped(), model.modelPath.toHtmlEscaped(),
                       model.adapterId.isEmpty()
                           ? QString()
                           : tr(", diversity head %1").arg(model.adapterId.toHtmlEscaped()));
    auto* box = new QMessageBox(QMessageBox::Information, tr("About Fabulist"),
                                tr("<b>Fabulist</b> %1").arg(QStringLiteral(FABULIST_VERSION)),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("aboutDialog"));
    box->setInformativeText(
        tr("A writing desk with an on-device language model.<br><br>%1<br><br>"
           "The default model was trained for Fabulist on public-domain novels (Jane Austen, "
           "Herman Melville and other Project Gutenberg books); its model card lists every "
           "source and licence.<br><br>"
           "Built with Qt %2 (LGPL-3.0), SQLite (public domain) and, where the system has "
           "it, KDE Frameworks Syntax Highlighting (MIT).")
            .arg(modelLine, QString::fromLatin1(qVersion())));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::updateEscape() {
    // Two enabled actions on one key would make Qt trigger neither.
    m_leaveFocusAction->setEnabled(m_focusMode && !m_generate->isGenerating() &&
                                   !m_ghost->isShown());
}

void MainWindow::showStoryboard() {
    if (m_focusMode) setFocusMode(false);
    m_showSidePanelsAction->setChecked(true);
    m_sidePanels->setVisible(true);
    m_sidePanels->setCurrentWidget(m_storyboard);
    m_storyboard->graphicsView()->setFocus();
}

void MainWindow::setStoryboardInMainArea(bool on) {
    m_storyboardMainAction->setChecked(on);
    if (on == isStoryboardInMainArea()) return;
    if (on) {
        if (m_focusMode) setFocusMode(false);
        // The board the side tab shows, so the big view continues where the writer was.
        if (const auto board = m_storyboard->currentBoardId()) m_mainStoryboard->showBoard(*board);
        m_centre->setCurrentWidget(m_mainStoryboard);
        m_mainStoryboard->graphicsView()->setFocus();
    } else {
        m_centre->setCurrentWidget(m_editorArea);
        m_editor->setFocus();
    }
}

bool MainWindow::isStoryboardInMainArea() const {
    return m_centre->currentWidget() == m_mainStoryboard;
}

void MainWindow::openLinkedNode(int64_t nodeId) {
    if (!m_binderModel || !m_binderModel->indexOf(nodeId).isValid()) {
        showError(tr("Storyboard"), tr("The linked scene is not in the binder (in the Trash?)."));
        return;
    }
    m_binderView->selectNode(nodeId); // opens it in the editor, unless it is open already
    setStoryboardInMainArea(false);
}

void MainWindow::showGoalsDialog(std::optional<int64_t> nodeId) {
    if (!m_project) return;
    if (!nodeId) nodeId = m_binderView->currentNodeId();
    const auto node = nodeId ? m_project->binder().find(*nodeId) : std::nullopt;
    if (!node) nodeId.reset();
    delete findChild<GoalsDialog*>();
    auto* dialog = new GoalsDialog(m_goals, nodeId,
                                   node ? QString::fromStdString(node->title) : QString(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::showStatistics() {
    if (!m_project) return;
    if (m_session) m_session->save(); // today's figure from the text as it is now
    auto* view = findChild<StatisticsView*>();
    if (!view) {
        view = new StatisticsView(this);
        view->setAttribute(Qt::WA_DeleteOnClose);
    }
    try {
        view->setStatistics(
            storage::computeWritingStatistics(*m_project, storage::currentTimeMs()));
    } catch (const storage::StorageError& e) {
        delete view;
        showError(tr("Statistics"), QString::fromStdString(e.what()));
        return;
    }
    view->show();
    view->raise();
    view->activateWindow();
}

void MainWindow::goToBibleFields() {
    if (m_focusMode) setFocusMode(false);
    if (isStoryboardInMainArea()) setStoryboardInMainArea(false);
    if (!m_bibleForm->focusFields())
        statusBar()->showMessage(
            tr("Open a character or a place to edit what the model knows about it."), 5000);
}

StoryContextDialog* MainWindow::showStoryContext(storage::StoryNoteKind kind) {
    if (!m_project) return nullptr;
    auto* dialog = findChild<StoryContextDialog*>();
    if (!dialog) {
        dialog = new StoryContextDialog(*m_project, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &StoryContextDialog::errorOccurred, this,
                [this](const QString& m) { showError(tr("Memory and Author\u2019s Note"), m); });
    }
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
    dialog->focusNote(kind);
    return dialog;
}

void MainWindow::openSearchBibleEntry(int64_t nodeId, const SearchSnippet& snippet) {
    if (!m_binderModel || !m_binderModel->indexOf(nodeId).isValid()) {
        showError(tr("Search"), tr("That entry is no longer in the binder (in the Trash?)."));
        return;
    }
    m_binderView->selectNode(nodeId); // opens it, unless it is open already
    setStoryboardInMainArea(false);
    if (m_bibleForm->nodeId() != nodeId || !m_bibleForm->focusFields()) return;
    // The match in the note, else in the aliases.
    QPlainTextEdit* note = m_bibleForm->noteField();
    if (const auto [start, length] = snippet.locate(note->toPlainText()); start >= 0) {
        QTextCursor cursor = note->textCursor();
        cursor.setPosition(start);
        cursor.setPosition(start + length, QTextCursor::KeepAnchor);
        note->setTextCursor(cursor);
        note->setFocus(Qt::OtherFocusReason);
    } else if (const auto [at, size] = snippet.locate(m_bibleForm->aliasesField()->text());
               at >= 0) {
        m_bibleForm->aliasesField()->setSelection(at, size);
    }
}

void MainWindow::showExportDialog() {
    if (!m_project) return;
    auto* dialog = findChild<ExportDialog*>();
    if (!dialog) {
        // Compiled when Export is pressed, from the project as saved then.
        const auto compile = [this](const storage::CompileOptions& options) {
            if (m_session) m_session->save();
            return storage::compileManuscript(*m_project, options);
        };
        const QString author = QString::fromStdString(compile({}).author);
        dialog = new ExportDialog(projectPath(), QString::fromStdString(m_project->title()), author,
                                  compile, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
}

void MainWindow::showProjectSearch() {
    if (m_focusMode) setFocusMode(false);
    m_showSidePanelsAction->setChecked(true);
    m_sidePanels->setVisible(true);
    m_sidePanels->setCurrentWidget(m_projectSearch);
    m_projectSearch->activate(m_editor->textCursor().selectedText());
}

void MainWindow::openSearchMatch(int64_t nodeId, const SearchSnippet& snippet) {
    if (!m_binderModel || !m_binderModel->indexOf(nodeId).isValid()) {
        showError(tr("Search"), tr("That document is no longer in the binder (in the Trash?)."));
        return;
    }
    m_binderView->selectNode(nodeId); // opens it, unless it is open already
    setStoryboardInMainArea(false);
    if (!m_session || m_session->currentId() != nodeId) return; // it could not be read
    const auto [start, length] = snippet.locate(m_editor->toPlainText());
    if (start >= 0) {
        QTextCursor cursor = m_editor->textCursor();
        cursor.setPosition(start);
        cursor.setPosition(start + length, QTextCursor::KeepAnchor);
        m_editor->setTextCursor(cursor);
        m_editor->centerCursor();
    }
    m_editor->setFocus(Qt::OtherFocusReason);
}

void MainWindow::openSearchGeneration(int64_t generationId, std::optional<int64_t> documentId) {
    if (documentId && m_binderModel && m_binderModel->indexOf(*documentId).isValid()) {
        m_binderView->selectNode(*documentId); // the History tab lists the open document's
        setStoryboardInMainArea(false);
        m_history->setSearch(QString());
    } else {
        m_history->setSearch(m_projectSearch->queryField()->text()); // no document to go to
    }
    m_sidePanels->setCurrentWidget(m_history);
    m_history->select(generationId);
    m_history->tree()->setFocus(Qt::OtherFocusReason);
}

void MainWindow::addSidePanel(QWidget* panel, const QString& title) {
    m_sidePanels->addTab(panel, title);
}

void MainWindow::showError(const QString& title, const QString& message) {
    m_lastError = message;
    statusBar()->showMessage(message, 15000);
    // A failing disk fails every autosave: one open dialog per message is enough.
    for (const QMessageBox* open : findChildren<QMessageBox*>(QStringLiteral("errorDialog")))
        if (open->isVisible() && open->text() == message) return;
    // Non-blocking (window-modal): callers continue, and the writer reads it at leisure.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::updateTitle() {
    QString title = QStringLiteral("Fabulist");
    if (m_project) {
        QString name = QString::fromStdString(m_project->title());
        if (name.isEmpty()) name = QFileInfo(projectPath()).completeBaseName();
        title = name + QStringLiteral("[*] \u2014 Fabulist");
    }
    setWindowTitle(title);
}

void MainWindow::updateActions() {
    const bool open = m_project != nullptr;
    const bool writable = open && !m_project->isReadOnly();
    const bool hasDoc = m_session && m_session->currentId();
    m_closeAction->setEnabled(open);
    m_exportAction->setEnabled(open);
    m_goalsAction->setEnabled(open);
    m_statisticsAction->setEnabled(open);
    m_storyContextAction->setEnabled(open);
    m_bibleFieldsAction->setEnabled(open);
    for (QAction* a : std::as_const(m_createActions)) a->setEnabled(writable);
    m_renameAction->setEnabled(writable);
    m_trashAction->setEnabled(writable);
    m_snapshotAction->setEnabled(hasDoc && writable);
    // A read-only project can be read, not generated into or storyboarded; the storyboard
    // enables itself again when it gets a project it may change.
    m_generate->setEnabled(!open || writable);
    if (open && !writable) {
        m_storyboard->setEnabled(false);
        m_mainStoryboard->setEnabled(false);
    }
    m_findAction->setEnabled(hasDoc);
    m_replaceAction->setEnabled(hasDoc);
}

void MainWindow::updateSaveState(bool unsaved) {
    setWindowModified(unsaved);
    QString state;
    if (!m_project)
        state = tr("No project open");
    else if (m_project->isReadOnly())
        state = tr("Read-only");
    else if (unsaved)
        state = tr("Editing\u2026");
    else
        state = tr("All changes saved");
    // Which document the state is about, so the writer knows where they are in focus mode's
    // absence of a binder too.
    QString title;
    if (m_session && m_binderModel && m_session->currentId())
        title = m_binderModel->indexOf(*m_session->currentId()).data().toString();
    m_saveState->setText(title.isEmpty() ? state : title + QStringLiteral("  \u00B7  ") + state);
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList recent = m_settings.recentProjects();
    for (const QString& path : recent) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).completeBaseName(), this,
                                             [this, path] { openProject(path); });
        a->setToolTip(path);
        a->setStatusTip(path);
        a->setEnabled(QFileInfo::exists(path));
    }
    if (recent.isEmpty()) m_recentMenu->addAction(tr("No recent projects"))->setEnabled(false);
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(tr("Clear List"), this, [this] {
        for (const QString& p : m_settings.recentProjects()) m_settings.removeRecentProject(p);
    });
}

void MainWindow::changeTextSize(int steps) {
    const int size = qBound(8, m_settings.editorFontPointSize() + steps, 36);
    m_settings.setEditorFontPointSize(size);
    m_editor->setTextFont(QFont(m_settings.editorFontFamily(), size));
    // The document lays itself out with its own default font, so it changes with the view.
    m_editor->document()->setDefaultFont(m_editor->font());
}

void MainWindow::applyColorScheme(ColorScheme scheme) {
    m_editor->setColorScheme(scheme);
    if (m_session) m_session->setColorScheme(scheme);
    m_spelling->checker()->setUnderlineColor(Theme::colorsFor(scheme).misspelled);
}

void MainWindow::newProjectInteractive() {
    const QString path = QFileDialog::getSaveFileName(this, tr("New Project"),
                                                      QFileInfo(projectPath()).absolutePath(),
                                                      tr("Fabulist projects (*.fabulist)"));
    if (!path.isEmpty()) newProject(path);
}

void MainWindow::openProjectInteractive() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Project"), QFileInfo(projectPath()).absolutePath(),
        tr("Fabulist projects (*.fabulist);;All files (*)"));
    if (!path.isEmpty()) openProject(path);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_session && !m_session->saveAndSnapshot()) {
        const auto answer = QMessageBox::warning(
            this, tr("Unsaved changes"),
            tr("The last changes could not be saved:\n\n%1\n\nQuit anyway and lose them?")
                .arg(m_lastError),
            QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Discard) {
            event->ignore();
            return;
        }
    }
    saveLayout();
    m_settings.sync();
    event->accept();
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    // Leaving full screen by other means (the window manager) ends focus mode too.
    if (event->type() == QEvent::WindowStateChange && m_focusMode && !isFullScreen())
        setFocusMode(false);
}

} // namespace fabulist::ui
