#pragma once
// GeneratePanel: the "Generate" side panel. The writer sets the coherence <-> diversity mix (α,
// only with a diversity head), the length, the temperature and the seed, presses Continue
// (Ctrl+Return), watches the text stream into a preview, and then Accepts it (inserted at the
// cursor as one undo step), Discards it, or Retries with a new seed. Every Continue draws a new
// seed unless the writer locks it (or types one). The finished text is fitted to the page
// (continuation_fit.h) before it is shown; a generation the writer stopped can be kept too. Every
// generation is recorded in the project (storage's GenerationRepository) when it ends, and its
// status follows what the writer does with it.
//
// The window's GenerationController loads the model, runs the requests and records them; the
// panel builds the requests from the document and its settings, shows what comes back, and keeps
// the drafts the writer decides on (the ghost text decides through it too).
//
// Candidates: a request asks for Settings::generateCandidates() continuations (the Candidates
// box, 1-8, default 3); they stream side by side as cards (CandidateCards) above the preview,
// which shows the chosen one. Choosing a card (click, keys in the list, Alt+] / Alt+[ while the
// panel has the keyboard) makes it the one Accept, Discard, Retry, Pin and the preview act on;
// Accept records it accepted (or edited) and its siblings rejected. With one candidate the
// panel looks as it always did.
//
// Models: the shipped default, or any GGUF the writer chooses (Generate > Choose Model…,
// remembered in Settings until they choose again or Use Default Model). A model that fails to
// load leaves the one in use working (the worker swaps only after a successful load).
//
// Writing tasks (#17): the Task box chooses Continue, Brainstorm, Describe, Rewrite, Expand or
// Shorten, with an optional instruction; Generate > Brainstorm… Shorten and the editor's menu
// on a selection run one directly. A task's request carries a StoryTask (story_task.h) built
// from the editor (text before, the selection, text after); Continue does too when the project
// has a story bible, Memory or Author's Note. Its candidates are shaped (shapeOutput) into the
// cards; Use swaps a rewrite in for the selection (one undo step), Insert puts a description at
// the cursor, and each brainstormed idea goes to the Storyboard with one click (or all at once).
// "What the model reads" opens the ContextViewer on the request the chosen task would send.
#include "inference/prompting/writing_task.h"
#include "ui/generate/continuation_fit.h"
#include "ui/generate/generation_controller.h"
#include "ui/generate/generation_record.h"
#include "ui/generate/generation_request.h"
#include "ui/settings.h"

#include <QWidget>
#include <cstdint>
#include <optional>
#include <vector>

class QAction;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QPushButton;
class QSlider;
class QSpinBox;
class QTextDocument;
class QToolButton;

namespace fabulist::storage {
class Project;
struct Generation;
} // namespace fabulist::storage

namespace fabulist::ui {

class CandidateCards;
class ContextViewer;
class DocumentSession;
class EditorView;

class GeneratePanel : public QWidget {
    Q_OBJECT
public:
    GeneratePanel(EditorView* editor, GenerationController* generation, QWidget* parent = nullptr);

    // The open project and document model; nullptrs when the project closes (a generation in
    // flight is then cancelled and recorded first).
    void setContext(storage::Project* project, DocumentSession* session);

    // Loads a model in the background ("Loading model…" until it is ready).
    void loadModel(const QString& modelPath, const QString& adapterPath);
    // The shipped default model and its diversity head.
    void loadDefaultModel();
    // What the application loads at start: `overridePath` (the --model option; not remembered)
    // when given, else the model remembered in Settings, else the default. A file that is not
    // there falls back to the default, with a status naming the missing file; the remembered
    // choice is kept (its disk may only be unmounted). A file that is there but fails to load
    // also falls back to the default.
    void loadStartupModel(const QString& overridePath = {});
    // Generate > Choose Model…: switches to `path` (adapter `<name>.head.gguf` beside it) and
    // remembers it once it has loaded. On failure the model in use stays, and the status and
    // modelFailed give the engine's message naming the file.
    void useModel(const QString& path);
    // Generate > Use Default Model: the shipped model again; the remembered choice is cleared.
    void useDefaultModel();
    // The file dialog for Choose Model… (not used by tests: the logic is in useModel).
    void chooseModelInteractive();
    // The longest length a model with this context allows: the prompt keeps at least
    // kMinimumPromptTokens of the writer's text.
    static int lengthLimit(int contextLength);
    // The shipped default model's path (FABULIST_DEFAULT_MODEL or the compiled-in one).
    static QString defaultModelPath() { return GenerationController::defaultModelPath(); }

    QAction* continueAction() const { return m_continueAction; }
    QAction* stopAction() const { return m_stopAction; }
    QAction* acceptAction() const { return m_acceptAction; }
    QAction* discardAction() const { return m_discardAction; }
    QAction* retryAction() const { return m_retryAction; }
    QAction* pinAction() const { return m_pinAction; }
    QAction* nextCandidateAction() const { return m_nextCandidateAction; }
    QAction* previousCandidateAction() const { return m_previousCandidateAction; }
    QAction* chooseModelAction() const { return m_chooseModelAction; }
    QAction* defaultModelAction() const { return m_defaultModelAction; }
    // Generate > Brainstorm … Shorten (nullptr for Continue: continueAction()).
    QAction* taskAction(inference::prompting::WritingTask task) const;
    // Generate > What the Model Reads: the context viewer on the chosen task's request.
    QAction* contextAction() const { return m_contextAction; }

    // Continue from the cursor of the open document. False (with the reason in the status
    // line) when it cannot start now.
    bool continueWriting();
    // Runs `task` on the open document (Continue: continueWriting()) with the instruction field;
    // a task that works on a selection needs one in the editor. False (status says why) when it
    // cannot start now.
    bool runTask(inference::prompting::WritingTask task);
    // The run button: the task chosen in the Task box.
    bool runSelectedTask();
    inference::prompting::WritingTask selectedTask() const;
    void setSelectedTask(inference::prompting::WritingTask task);
    // The request `task` would send now (what the context viewer previews); nullopt with the
    // reason in `why`. Continue without a story bible, Memory or Author's Note has no story.
    std::optional<GenerationRequest> taskRequest(inference::prompting::WritingTask task,
                                                 QString* why);
    // The task of the request streaming or shown (Continue when none): the ghost text follows
    // only Continue.
    inference::prompting::WritingTask shownTask() const;
    // A brainstormed idea (card `index` of the shown set) to the Storyboard, once per idea; all
    // of them ("Brainstorm into Cards"). Pinned ideas are recorded as accepted.
    bool pinIdea(int index);
    int pinAllIdeas();
    // Adds the tasks that work on a selection to the editor's context menu (when it has one).
    void addSelectionTasks(QMenu* menu);
    // Opens the context viewer and refreshes it.
    void showContextViewer();
    ContextViewer* contextViewer() const { return m_contextViewer; }
    void stop();
    bool accept();
    void discard();
    bool retry();
    // "Continue from here" in the History: a child of `parent` that continues its prompt and
    // text (the writer's edit when there is one), with the panel's settings; it streams into
    // the preview like any Continue. False (status says why) when it cannot start now.
    bool continueFrom(const storage::Generation& parent);
    // "Branch with this token" in the token view: a child of `parent` from its prompt, its
    // output up to a token (`before`) and the token the writer chose there (`tokenId`, which
    // stands for `tokenText`), not sampled; the new text starts with that token.
    bool branchWith(const storage::Generation& parent, const QString& before, int32_t tokenId,
                    const QString& tokenText);
    // Asks for the shown generation's text to be pinned (GenerationController::pin), once
    // per generation. False when nothing finished is shown.
    bool pin();
    // The writer kept `kept` of the shown generation, already put in the document by someone
    // else (the editor's ghost text): recorded as Accept records it, accepted when it is the
    // text as shown and edited when it differs. False when nothing finished is shown.
    bool keep(const QString& kept);
    // The writer turned the generation down: a finished one is discarded (rejected); one still
    // being written is stopped and rejected when it ends.
    void abandon();
    // The drafts since the last Continue (each request adds its candidates, each Retry one
    // request). Showing another sets the one left aside as rejected and the one shown as
    // pending again.
    int candidateCount() const { return int(m_candidates.size()); }
    int candidateIndex() const { return m_candidateIndex; }
    bool showCandidate(int index);
    // The next / previous candidate: while the text streams, among the request's candidates
    // (the preview follows the chosen one); afterwards, among the drafts. False at the end.
    bool nextCandidate();
    bool previousCandidate();
    bool hasPreviousCandidate() const;
    // Chooses card `index` of the cards shown (the same as a click on it).
    bool chooseCard(int index);
    CandidateCards* candidateCards() const { return m_cards; }

    bool isModelReady() const { return m_generation->isModelReady(); }
    bool isLoadingModel() const { return m_generation->isLoadingModel(); }
    bool isGenerating() const { return m_inFlight.has_value(); }
    bool hasAdapter() const { return m_generation->hasAdapter(); }
    const LoadedModel& model() const { return m_generation->model(); }
    GenerationController* controller() const { return m_generation; }
    // The recorded generation shown in the preview (awaiting Accept/Discard/Retry).
    std::optional<int64_t> currentGenerationId() const { return m_generationId; }
    QString statusText() const;
    QString progressText() const;

    QPlainTextEdit* preview() const { return m_preview; }
    QLabel* modelLabel() const { return m_modelLabel; }
    QSlider* alphaSlider() const { return m_alpha; }
    QSpinBox* lengthBox() const { return m_length; }
    QDoubleSpinBox* temperatureBox() const { return m_temperature; }
    QSpinBox* seedBox() const { return m_seed; }
    QToolButton* diceButton() const { return m_dice; }
    QToolButton* seedLockButton() const { return m_seedLock; }
    QCheckBox* endAtSentenceBox() const { return m_endAtSentence; }
    QSpinBox* candidatesBox() const { return m_candidatesBox; }
    QLabel* lengthNote() const { return m_lengthNote; }
    QLabel* statusLabel() const { return m_status; }
    QPushButton* continueButton() const { return m_continue; }
    QPushButton* stopButton() const { return m_stop; }
    QPushButton* acceptButton() const { return m_accept; }
    QPushButton* discardButton() const { return m_discard; }
    QPushButton* retryButton() const { return m_retry; }
    QPushButton* pinButton() const { return m_pin; }
    QComboBox* taskBox() const { return m_taskBox; }
    QLineEdit* instructionBox() const { return m_instruction; }
    QPushButton* contextButton() const { return m_contextButton; }
    QPushButton* allToCardsButton() const { return m_allToCards; }

signals:
    void modelReady(const QString& name);
    void modelFailed(const QString& message);
    void generatingChanged(bool generating);
    // Recorded in the project (id of the row), finished or cancelled.
    void generationRecorded(qint64 generationId);
    void generationFailed(const QString& message);
    void errorOccurred(const QString& message); // storage errors, for the window's dialog
    // A generation started, streamed, finished or was decided on (for views that mirror the
    // preview, such as the focus-mode overlay).
    void previewChanged();
    // Accept is about to insert the text at the editor's cursor (views drawing it there step
    // aside first).
    void accepting();

protected:
    void changeEvent(QEvent* event) override;

private:
    // Where a task's answer lands: the passage a Use replaces (its text, to see it is still there).
    struct TaskPlace {
        int start = -1;
        int end = -1;
        QString selection;
    };
    struct InFlight {
        GenerationRequest request;
        GenerationOrigin origin;
        FitOptions fit; // where the text lands (endAtSentence applies when the length ran out)
        TaskPlace place;
    };
    // A request ready to start, and a note for the writer (a broken template of theirs).
    struct Prepared {
        InFlight flight;
        QString warning;
    };

    void buildWidgets();
    void connectController();
    void showModel(); // the label: the model in use, its path in the tooltip
    void startRequest(GenerationRequest request, GenerationOrigin origin, const FitOptions& fit,
                      const TaskPlace& place);
    // The request for `task` from the editor and the panel's settings (nullopt: `why`).
    std::optional<Prepared> prepare(inference::prompting::WritingTask task, QString* why);
    // A StoryTask for `task` (nullopt: `why`; Continue without a story: no error, no task).
    bool addStory(GenerationRequest& request, inference::prompting::WritingTask task,
                  const QString& before, const QString& selection, const QString& after,
                  QString* warning, QString* why);
    bool projectHasStory() const;
    bool acceptTask(inference::prompting::WritingTask task, const QString& text);
    void updateTaskButtons();
    void onLoadStarted(const QString& modelPath);
    void onModelLoaded(const LoadedModel& model);
    void onLoadFailed(const QString& message, bool fallingBack);
    void onToken(qint64 requestId, const QString& piece, int candidate);
    void onDecodeProgress(qint64 requestId, int tokens, double tokensPerSecond);
    void onFinished(const GenerationOutcome& outcome, std::optional<int64_t> generationId);
    void onFailed(qint64 requestId, const QString& message);
    // A stopped generation nobody will decide on any more (a model load, the project closing).
    void onSettled();
    // The shown generation was neither accepted nor discarded before the next one: rejected.
    void setShownStatus(int status);
    // Records `kept` as the writer's text of the shown generation and clears it.
    void recordKept(const QString& kept);
    void clearShown();
    // Sets every draft still pending to rejected, but for the one at `except` (-1: none).
    void rejectPending(int except);
    // The cards of the set the shown draft belongs to (hidden when it has one candidate).
    void showSetCards();
    void setStatus(const QString& text);
    void updateState();
    void rollSeed();
    void updateLengthLimit();
    // The context to continue from: the text before the cursor, or the scene's lead-in when
    // the scene is still empty (empty when there is nothing at all to go on).
    QString promptContext(QTextDocument* document, int cursor);
    inference::SamplerSettings samplerSettings() const;

    EditorView* m_editor;
    Settings m_settings;
    GenerationController* m_generation;
    storage::Project* m_project = nullptr;
    DocumentSession* m_session = nullptr;
    std::optional<InFlight> m_inFlight; // the panel's own request while it streams
    // The shown generation: its row, its request (for Retry) and the text as the model wrote it.
    std::optional<int64_t> m_generationId;
    std::optional<InFlight> m_shown;
    QString m_shownOutput;
    bool m_shownCancelled = false;
    bool m_rejectWhenFinished = false; // abandoned while it was being written
    struct Candidate {
        std::optional<int64_t> id;
        InFlight flight; // its own seed
        QString output;
        bool cancelled = false;
        int set = 0;         // which request it came from
        int indexInSet = 0;  // which of that request's candidates
        bool pending = true; // recorded pending, not yet set aside
        QString note;        // for its card
        bool pinned = false; // a brainstormed idea on the Storyboard
    };
    std::vector<Candidate> m_candidates; // the drafts since the last Continue
    int m_candidateIndex = -1;
    int m_nextSet = 0;
    int m_cardsSet = -1;             // the set the cards show (-1: the request streaming)
    std::vector<QString> m_streamed; // the streaming request's candidates as they come
    int m_streamSelected = 0;        // the card chosen while they stream

    QLabel* m_modelLabel;
    QSlider* m_alpha;
    QLabel* m_alphaValue;
    QLabel* m_coherentLabel;
    QLabel* m_diverseLabel;
    QSpinBox* m_length;
    QDoubleSpinBox* m_temperature;
    QSpinBox* m_seed;
    QToolButton* m_dice;
    QToolButton* m_seedLock;
    bool m_rollingSeed = false; // the seed box changes because of a roll, not the writer
    QCheckBox* m_endAtSentence;
    QSpinBox* m_candidatesBox;
    CandidateCards* m_cards;
    QLabel* m_lengthNote;
    QPushButton* m_continue;
    QPushButton* m_stop;
    QPlainTextEdit* m_preview;
    QLabel* m_progress;
    QLabel* m_status;
    QPushButton* m_accept;
    QPushButton* m_discard;
    QPushButton* m_retry;
    QPushButton* m_pin;
    QComboBox* m_taskBox;
    QLineEdit* m_instruction;
    QPushButton* m_contextButton;
    QPushButton* m_allToCards;
    ContextViewer* m_contextViewer = nullptr;
    std::optional<int64_t> m_pinnedId; // the last generation pinned: one card per generation
    QAction* m_continueAction;
    QAction* m_stopAction;
    QAction* m_acceptAction;
    QAction* m_discardAction;
    QAction* m_retryAction;
    QAction* m_pinAction;
    QAction* m_nextCandidateAction;
    QAction* m_previousCandidateAction;
    QAction* m_chooseModelAction;
    QAction* m_defaultModelAction;
    std::vector<QAction*> m_taskActions; // Brainstorm … Shorten, in allTasks() order
    QAction* m_contextAction;
};

} // namespace fabulist::ui
