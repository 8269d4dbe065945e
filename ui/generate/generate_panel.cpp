#include "ui/generate/generate_panel.h"

#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/candidate_cards.h"
#include "ui/generate/context_viewer.h"
#include "ui/generate/engine_on_device.h"
#include "ui/generate/scene_lead_in.h"
#include "ui/generate/story_task.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSlider>
#include <QSpinBox>
#include <QTextCursor>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <exception>
#include <limits>
#include <utility>

namespace fabulist::ui {

namespace prompting = inference::prompting;
using prompting::WritingTask;

namespace {

// Generate > Brainstorm … Shorten: Ctrl+Alt and a letter of the task (none taken elsewhere).
QKeySequence taskShortcut(WritingTask task) {
    switch (task) {
    case WritingTask::Brainstorm:
        return QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_I); // ideas
    case WritingTask::Describe:
        return QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_D);
    case WritingTask::Rewrite:
        return QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_R);
    case WritingTask::Expand:
        return QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_E);
    case WritingTask::Shorten:
        return QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_H);
    case WritingTask::Continue:
        break;
    }
    return {};
}

QString taskToolTip(WritingTask task) {
    switch (task) {
    case WritingTask::Continue:
        return GeneratePanel::tr("Write on from the cursor");
    case WritingTask::Brainstorm:
        return GeneratePanel::tr("Short ideas for what happens next (about the selection or "
                                 "the instruction, when there is one)");
    case WritingTask::Describe:
        return GeneratePanel::tr("Describe the selected thing through the senses");
    case WritingTask::Rewrite:
        return GeneratePanel::tr("Other ways to say the selected passage (the instruction, such "
                                 "as \u201Cmore tension\u201D, steers them)");
    case WritingTask::Expand:
        return GeneratePanel::tr("The selected passage, longer");
    case WritingTask::Shorten:
        return GeneratePanel::tr("The selected passage, shorter");
    }
    return {};
}

// A die showing five, drawn in the text colour so it follows light and dark themes.
QIcon diceIcon(const QColor& color) {
    QPixmap pixmap(32, 32);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(color, 2.0));
    p.drawRoundedRect(QRectF(3, 3, 26, 26), 6, 6);
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    for (const QPointF c :
         {QPointF(10, 10), QPointF(22, 10), QPointF(16, 16), QPointF(10, 22), QPointF(22, 22)})
        p.drawEllipse(c, 2.6, 2.6);
    return QIcon(pixmap);
}

// A padlock, closed or open, in the text colour (light and dark themes alike).
QIcon lockIcon(const QColor& color, bool closed) {
    QPixmap pixmap(32, 32);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(color, 2.4));
    const QRectF shackle = closed ? QRectF(9, 4, 14, 16) : QRectF(15, 2, 14, 16);
    p.drawArc(shackle, 0, 180 * 16);
    p.drawLine(QPointF(shackle.left(), 12), QPointF(shackle.left(), closed ? 15 : 12));
    if (closed) p.drawLine(QPointF(shackle.right(), 12), QPointF(shackle.right(), 15));
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    p.drawRoundedRect(QRectF(6, 14, 20, 15), 3, 3);
    return QIcon(pixmap);
}

// The text before `position`, at most `chars` of it, starting at a word boundary when cut.
QString contextBefore(const QString& text, int position, int chars) {
    QString before = text.left(position);
    if (before.size() <= chars) return before;
    before = before.right(chars);
    const qsizetype space = before.indexOf(QRegularExpression(QStringLiteral("\\s")));
    if (space >= 0 && space < 200) return before.mid(space + 1);
    return before.at(0).isLowSurrogate() ? before.mid(1) : before;
}

} // namespace

GeneratePanel::GeneratePanel(EditorView* editor, GenerationController* generation, QWidget* parent)
    : QWidget(parent), m_editor(editor), m_generation(generation) {
    setObjectName(QStringLiteral("generatePanel"));
    m_continueAction = new QAction(tr("&Continue Writing"), this);
    m_continueAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_continueAction->setToolTip(tr("Continue the text at the cursor (Ctrl+Return)"));
    connect(m_continueAction, &QAction::triggered, this, [this] { continueWriting(); });
    m_stopAction = new QAction(tr("&Stop Generating"), this);
    m_stopAction->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(m_stopAction, &QAction::triggered, this, [this] { stop(); });
    auto decision = [this](const QString& text, const QKeySequence& key, auto slot) {
        auto* a = new QAction(text, this);
        a->setShortcut(key);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    m_acceptAction = decision(tr("&Accept"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return),
                              [this] { accept(); });
    m_discardAction = decision(tr("&Discard"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D),
                               [this] { discard(); });
    m_retryAction =
        decision(tr("&Retry"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), [this] { retry(); });
    m_pinAction = decision(tr("&Pin to Storyboard"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P),
                           [this] { pin(); });
    // While the panel has the keyboard (in the editor the ghost text's drafts take these keys).
    m_nextCandidateAction =
        decision(tr("Ne&xt Candidate"), QKeySequence(Qt::ALT | Qt::Key_BracketRight),
                 [this] { nextCandidate(); });
    m_previousCandidateAction =
        decision(tr("Previous Ca&ndidate"), QKeySequence(Qt::ALT | Qt::Key_BracketLeft),
                 [this] { previousCandidate(); });
    for (QAction* a : {m_nextCandidateAction, m_previousCandidateAction}) {
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
    }
    m_chooseModelAction = new QAction(tr("Choose &Model\u2026"), this);
    m_chooseModelAction->setToolTip(tr("Write with another GGUF model (remembered for the next "
                                       "start)"));
    connect(m_chooseModelAction, &QAction::triggered, this, [this] { chooseModelInteractive(); });
    m_defaultModelAction = new QAction(tr("Use &Default Model"), this);
    m_defaultModelAction->setToolTip(tr("Go back to the model that comes with Fabulist"));
    connect(m_defaultModelAction, &QAction::triggered, this, [this] { useDefaultModel(); });
    for (WritingTask task : prompting::allTasks()) {
        if (task == WritingTask::Continue) continue;
        auto* a = new QAction(taskTitle(task) + QStringLiteral("\u2026"), this);
        a->setObjectName(QStringLiteral("%1TaskAction").arg(prompting::taskName(task)));
        a->setShortcut(taskShortcut(task));
        a->setToolTip(taskToolTip(task));
        connect(a, &QAction::triggered, this, [this, task] { runTask(task); });
        m_taskActions.push_back(a);
    }
    m_contextAction = new QAction(tr("What the &Model Reads\u2026"), this);
    m_contextAction->setObjectName(QStringLiteral("contextViewerAction"));
    m_contextAction->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_W));
    m_contextAction->setToolTip(tr("The prompt the chosen task would send now: its parts, their "
                                   "tokens and why each story-bible entry is in or out"));
    connect(m_contextAction, &QAction::triggered, this, [this] { showContextViewer(); });
    buildWidgets();
    connectController();
    updateState();
}

void GeneratePanel::connectController() {
    GenerationController* g = m_generation;
    connect(g, &GenerationController::loadStarted, this, &GeneratePanel::onLoadStarted);
    connect(g, &GenerationController::loadProgress, this, [this](int percent) {
        m_modelLabel->setText(tr("Loading model\u2026 %1%").arg(percent));
    });
    connect(g, &GenerationController::modelLoaded, this, &GeneratePanel::onModelLoaded);
    connect(g, &GenerationController::modelFailed, this, &GeneratePanel::onLoadFailed);
    connect(g, &GenerationController::deviceNotice, this, &GeneratePanel::setStatus);
    connect(g, &GenerationController::tokenArrived, this, &GeneratePanel::onToken);
    connect(g, &GenerationController::decodeProgress, this, &GeneratePanel::onDecodeProgress);
    connect(g, &GenerationController::finished, this, &GeneratePanel::onFinished);
    connect(g, &GenerationController::failed, this, &GeneratePanel::onFailed);
    connect(g, &GenerationController::settled, this, &GeneratePanel::onSettled);
}

void GeneratePanel::buildWidgets() {
    m_modelLabel = new QLabel(tr("No model loaded"), this);
    m_modelLabel->setObjectName(QStringLiteral("generateModelLabel"));
    m_modelLabel->setWordWrap(true);

    m_alpha = new QSlider(Qt::Horizontal, this);
    m_alpha->setObjectName(QStringLiteral("alphaSlider"));
    m_alpha->setRange(0, 100);
    m_alpha->setValue(m_settings.generateMixPercent());
    m_alpha->setPageStep(10);
    m_alphaValue = new QLabel(this);
    m_alphaValue->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("0.00")) + 4);
    auto showAlpha = [this](int v) { m_alphaValue->setText(QString::number(v / 100.0, 'f', 2)); };
    connect(m_alpha, &QSlider::valueChanged, this, showAlpha);
    showAlpha(m_alpha->value());
    m_coherentLabel = new QLabel(tr("Coherent"), this);
    m_diverseLabel = new QLabel(tr("Diverse"), this);
    // Coherent at the left end of the slider, Diverse at the right, the value beside it.
    auto* mix = new QGridLayout;
    mix->setContentsMargins(0, 0, 0, 0);
    mix->addWidget(m_coherentLabel, 0, 0, Qt::AlignLeft);
    mix->addWidget(m_diverseLabel, 0, 1, Qt::AlignRight);
    mix->addWidget(m_alpha, 1, 0, 1, 2);
    mix->addWidget(m_alphaValue, 1, 2);

    m_length = new QSpinBox(this);
    m_length->setObjectName(QStringLiteral("lengthBox"));
    m_length->setRange(1, 1000);
    m_length->setValue(m_settings.generateLength());
    m_length->setSuffix(tr(" tokens"));
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setObjectName(QStringLiteral("temperatureBox"));
    m_temperature->setRange(0.0, 2.0);
    m_temperature->setSingleStep(0.05);
    m_temperature->setValue(m_settings.generateTemperature());
    m_temperature->setToolTip(tr("0 always takes the likeliest token; higher values take more "
                                 "chances"));
    m_seed = new QSpinBox(this);
    m_seed->setObjectName(QStringLiteral("seedBox"));
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setToolTip(tr("The same seed, text and settings give the same continuation"));
    m_dice = new QToolButton(this);
    m_dice->setObjectName(QStringLiteral("diceButton"));
    m_dice->setIcon(diceIcon(palette().color(QPalette::WindowText)));
    m_dice->setToolTip(tr("New random seed"));
    connect(m_dice, &QToolButton::clicked, this, &GeneratePanel::rollSeed);
    rollSeed();
    m_seedLock = new QToolButton(this);
    m_seedLock->setObjectName(QStringLiteral("seedLockButton"));
    m_seedLock->setCheckable(true);
    m_seedLock->setChecked(m_settings.generateSeedLocked());
    auto showLock = [this](bool locked) {
        m_seedLock->setIcon(lockIcon(palette().color(QPalette::WindowText), locked));
        m_seedLock->setToolTip(locked ? tr("Seed locked: every Continue and Retry uses this seed "
                                           "(click to draw a new one each time)")
                                      : tr("A new seed for every Continue and Retry (click to "
                                           "keep this one)"));
        m_settings.setGenerateSeedLocked(locked);
    };
    connect(m_seedLock, &QToolButton::toggled, this, showLock);
    showLock(m_seedLock->isChecked());
    // A seed the writer types is one they want to keep.
    connect(m_seed, &QSpinBox::valueChanged, this, [this] {
        if (!m_rollingSeed) m_seedLock->setChecked(true);
    });
    auto* seedRow = new QHBoxLayout;
    seedRow->addWidget(m_seed, 1);
    seedRow->addWidget(m_dice);
    seedRow->addWidget(m_seedLock);
    m_lengthNote = new QLabel(this);
    m_lengthNote->setObjectName(QStringLiteral("lengthNote"));
    m_lengthNote->setWordWrap(true);
    m_lengthNote->setVisible(false);
    m_endAtSentence = new QCheckBox(tr("End at a sentence"), this);
    m_endAtSentence->setObjectName(QStringLiteral("endAtSentenceBox"));
    m_endAtSentence->setToolTip(tr("When the length runs out mid-sentence, leave out the "
                                   "unfinished sentence"));
    m_endAtSentence->setChecked(m_settings.generateEndAtSentence());
    connect(m_endAtSentence, &QCheckBox::toggled, this,
            [this](bool on) { m_settings.setGenerateEndAtSentence(on); });

    // Remembered for the next start, and applied from the next token to a generation that is
    // streaming (the record keeps where it changed).
    connect(m_alpha, &QSlider::valueChanged, this, [this](int v) {
        m_settings.setGenerateMixPercent(v);
        if (m_inFlight) m_generation->setLiveAlpha(float(v / 100.0));
    });
    connect(m_length, &QSpinBox::valueChanged, this, [this](int v) {
        m_settings.setGenerateLength(v);
        updateLengthLimit();
    });
    connect(m_temperature, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { m_settings.setGenerateTemperature(v); });

    m_candidatesBox = new QSpinBox(this);
    m_candidatesBox->setObjectName(QStringLiteral("candidatesBox"));
    m_candidatesBox->setRange(1, kMaxCandidates);
    m_candidatesBox->setValue(m_settings.generateCandidates());
    m_candidatesBox->setToolTip(tr("How many continuations each Continue writes at once; choose "
                                   "one of them to accept"));
    connect(m_candidatesBox, &QSpinBox::valueChanged, this,
            [this](int v) { m_settings.setGenerateCandidates(v); });

    m_taskBox = new QComboBox(this);
    m_taskBox->setObjectName(QStringLiteral("taskBox"));
    for (WritingTask task : prompting::allTasks()) {
        m_taskBox->addItem(taskTitle(task), int(task));
        m_taskBox->setItemData(m_taskBox->count() - 1, taskToolTip(task), Qt::ToolTipRole);
    }
    m_instruction = new QLineEdit(this);
    m_instruction->setObjectName(QStringLiteral("instructionBox"));
    m_instruction->setPlaceholderText(tr("Optional: \u201Cmore tension\u201D, a question\u2026"));
    m_instruction->setClearButtonEnabled(true);
    m_instruction->setToolTip(tr("What the task should aim for: a rewrite's direction, a "
                                 "brainstorm's question (Return runs the task)"));
    connect(m_instruction, &QLineEdit::returnPressed, this, [this] { runSelectedTask(); });
    connect(m_taskBox, &QComboBox::currentIndexChanged, this, [this] { updateTaskButtons(); });

    auto* form = new QFormLayout;
    form->addRow(tr("&Task"), m_taskBox);
    form->addRow(tr("&Instruction"), m_instruction);
    form->addRow(tr("Length"), m_length);
    form->addRow(QString(), m_lengthNote);
    form->addRow(QString(), m_endAtSentence);
    form->addRow(tr("Temperature"), m_temperature);
    form->addRow(tr("Seed"), seedRow);
    form->addRow(tr("Candidates"), m_candidatesBox);

    m_continue = new QPushButton(tr("Continue"), this);
    m_continue->setObjectName(QStringLiteral("continueButton"));
    m_continue->setToolTip(m_continueAction->toolTip());
    connect(m_continue, &QPushButton::clicked, this, [this] { runSelectedTask(); });
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setToolTip(tr("Stop generating (Esc)"));
    connect(m_stop, &QPushButton::clicked, this, &GeneratePanel::stop);
    m_contextButton = new QPushButton(tr("What the Model Reads"), this);
    m_contextButton->setObjectName(QStringLiteral("contextButton"));
    m_contextButton->setToolTip(m_contextAction->toolTip() + QStringLiteral(" \u2014 ") +
                                m_contextAction->shortcut().toString(QKeySequence::NativeText));
    connect(m_contextButton, &QPushButton::clicked, this, [this] { showContextViewer(); });
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_continue, 1);
    runRow->addWidget(m_stop);

    m_preview = new QPlainTextEdit(this);
    m_preview->setObjectName(QStringLiteral("generatePreview"));
    m_preview->setPlaceholderText(tr("Generated text appears here. You can edit it before "
                                     "accepting it."));
    m_preview->setReadOnly(true);
    m_cards = new CandidateCards(this);
    m_cards->setVisible(false);
    connect(m_cards, &CandidateCards::chosen, this, &GeneratePanel::chooseCard);
    connect(m_cards, &CandidateCards::actionTriggered, this, [this](int i) { pinIdea(i); });
    m_progress = new QLabel(this);
    m_progress->setObjectName(QStringLiteral("generateProgress"));
    m_progress->setWordWrap(true);

    m_accept = new QPushButton(tr("Accept"), this);
    m_accept->setObjectName(QStringLiteral("acceptButton"));
    m_accept->setToolTip(
        tr("Insert the text at the cursor (one undo step) \u2014 Ctrl+Shift+Return"));
    connect(m_accept, &QPushButton::clicked, this, [this] { accept(); });
    m_discard = new QPushButton(tr("Discard"), this);
    m_discard->setObjectName(QStringLiteral("discardButton"));
    m_discard->setToolTip(tr("Put the text aside; it stays in the project's history \u2014 "
                             "Ctrl+Shift+D"));
    connect(m_discard, &QPushButton::clicked, this, &GeneratePanel::discard);
    m_retry = new QPushButton(tr("Retry"), this);
    m_retry->setObjectName(QStringLiteral("retryButton"));
    m_retry->setToolTip(tr("Write it again with a new seed \u2014 Ctrl+Shift+R"));
    connect(m_retry, &QPushButton::clicked, this, [this] { retry(); });
    auto* decideRow = new QHBoxLayout;
    decideRow->addWidget(m_accept);
    decideRow->addWidget(m_discard);
    decideRow->addWidget(m_retry);
    // Brainstorming: Retry a few times and pin the ideas worth keeping to the Storyboard.
    m_pin = new QPushButton(tr("Pin to Storyboard"), this);
    m_pin->setObjectName(QStringLiteral("pinButton"));
    m_pin->setToolTip(tr("Keep this text as a card on the Storyboard \u2014 Ctrl+Shift+P"));
    connect(m_pin, &QPushButton::clicked, this, [this] { pin(); });
    m_allToCards = new QPushButton(tr("Brainstorm into Cards"), this);
    m_allToCards->setObjectName(QStringLiteral("allToCardsButton"));
    m_allToCards->setToolTip(tr("Every idea as a card on the Storyboard, laid out at once"));
    m_allToCards->setVisible(false);
    connect(m_allToCards, &QPushButton::clicked, this, [this] { pinAllIdeas(); });

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("generateStatus"));
    m_status->setWordWrap(true);

    // Lines that come and go (progress, status) sit between the fixed rows and the preview, so
    // the preview gives way and no button moves when they change.
    m_modelLabel->setMinimumHeight(2 * fontMetrics().lineSpacing());
    m_modelLabel->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_modelLabel);
    layout->addLayout(mix);
    layout->addLayout(form);
    layout->addLayout(runRow);
    layout->addWidget(m_contextButton);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_cards);
    layout->addWidget(m_preview, 1);
    layout->addLayout(decideRow);
    layout->addWidget(m_pin);
    layout->addWidget(m_allToCards);
}

void GeneratePanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    // The die is drawn in the text colour: redraw it when light/dark changes.
    if (event->type() == QEvent::PaletteChange) {
        m_dice->setIcon(diceIcon(palette().color(QPalette::WindowText)));
        m_seedLock->setIcon(
            lockIcon(palette().color(QPalette::WindowText), m_seedLock->isChecked()));
    }
}

void GeneratePanel::setContext(storage::Project* project, DocumentSession* session) {
    if (project != m_project || session != m_session) {
        m_generation->settle(); // the record belongs to the project that is going
        m_generationId.reset();
        m_shown.reset();
        m_candidates.clear();
        m_candidateIndex = -1;
        m_cards->setVisible(false);
        m_pinnedId.reset(); // ids are per project
        m_preview->clear();
        m_progress->clear();
    }
    m_project = project;
    m_session = session;
    if (m_session)
        connect(m_session, &DocumentSession::currentChanged, this, &GeneratePanel::updateState,
                Qt::UniqueConnection);
    updateState();
}

void GeneratePanel::loadModel(const QString& modelPath, const QString& adapterPath) {
    m_generation->loadModel(modelPath, adapterPath);
}

void GeneratePanel::loadDefaultModel() {
    m_generation->loadDefaultModel();
}

void GeneratePanel::loadStartupModel(const QString& overridePath) {
    const QString note = m_generation->loadStartupModel(overridePath);
    if (!note.isEmpty()) setStatus(note);
}

void GeneratePanel::useModel(const QString& path) {
    setStatus({});
    m_generation->useModel(path);
}

void GeneratePanel::useDefaultModel() {
    setStatus({});
    m_generation->useDefaultModel();
}

void GeneratePanel::chooseModelInteractive() {
    const QString inUse = model().modelPath;
    const QString start = QFileInfo(inUse.isEmpty() ? defaultModelPath() : inUse).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Choose Model"), start,
                                                      tr("GGUF models (*.gguf);;All files (*)"));
    if (!path.isEmpty()) useModel(path);
}

void GeneratePanel::onLoadStarted(const QString& modelPath) {
    m_modelLabel->setText(tr("Loading model\u2026"));
    m_modelLabel->setToolTip(modelPath);
    updateState();
}

void GeneratePanel::showModel() {
    const LoadedModel& m = model();
    if (m.modelPath.isEmpty()) {
        m_modelLabel->setText(tr("No model loaded"));
        m_modelLabel->setToolTip({});
        return;
    }
    QString text = tr("Model: %1").arg(m.modelName);
    if (!m.adapterPath.isEmpty()) text += tr(" \u00B7 diversity head");
    // Which device writes, and why (a GPU, or the reason the CPU does).
    if (!m.device.isEmpty()) text += QLatin1Char('\n') + deviceLabel(m.device, m.deviceDetail);
    m_modelLabel->setText(text);
    m_modelLabel->setToolTip(
        m.modelPath + (m.adapterPath.isEmpty() ? QString() : QStringLiteral("\n") + m.adapterPath));
}

void GeneratePanel::onModelLoaded(const LoadedModel& loaded) {
    updateLengthLimit();
    if (isLoadingModel())
        m_modelLabel->setText(tr("Loading model\u2026"));
    else
        showModel();
    updateState();
    emit modelReady(loaded.modelName);
}

void GeneratePanel::onLoadFailed(const QString& message, bool fallingBack) {
    QString status = message;
    // The worker kept the model that was working: the writer goes on with it.
    if (!model().modelPath.isEmpty())
        status += QLatin1Char('\n') + tr("Still using %1.").arg(model().modelName);
    if (!isLoadingModel()) showModel();
    if (fallingBack) status += QLatin1Char('\n') + tr("Using the default model instead.");
    setStatus(status);
    updateState();
    emit modelFailed(message);
}

bool GeneratePanel::continueWriting() {
    return runTask(WritingTask::Continue);
}

bool GeneratePanel::runSelectedTask() {
    return runTask(selectedTask());
}

WritingTask GeneratePanel::selectedTask() const {
    return static_cast<WritingTask>(m_taskBox->currentData().toInt());
}

void GeneratePanel::setSelectedTask(WritingTask task) {
    m_taskBox->setCurrentIndex(m_taskBox->findData(int(task)));
}

QAction* GeneratePanel::taskAction(WritingTask task) const {
    for (QAction* a : m_taskActions)
        if (a->objectName().startsWith(QLatin1String(prompting::taskName(task)))) return a;
    return nullptr;
}

bool GeneratePanel::runTask(WritingTask task) {
    if (m_inFlight) {
        setStatus(tr("Text is still being generated; press Stop (Esc) first."));
        return false;
    }
    if (!isModelReady()) {
        setStatus(isLoadingModel() ? tr("The model is still loading; try again in a moment.")
                                   : tr("No model is loaded, so there is nothing to write with."));
        return false;
    }
    QString why;
    std::optional<Prepared> prepared = prepare(task, &why);
    if (!prepared) {
        setStatus(why);
        return false;
    }
    if (!m_seedLock->isChecked()) {
        rollSeed(); // a new request is a new draw
        prepared->flight.request.sampler.seed = uint32_t(m_seed->value());
    }
    // A shown generation (and its siblings) the writer moves past without deciding is rejected.
    rejectPending(-1);
    m_candidates.clear(); // a new request starts a new set of drafts
    m_candidateIndex = -1;
    InFlight& f = prepared->flight;
    startRequest(std::move(f.request), std::move(f.origin), f.fit, f.place);
    if (!prepared->warning.isEmpty()) setStatus(prepared->warning);
    return true;
}

std::optional<GeneratePanel::Prepared> GeneratePanel::prepare(WritingTask task, QString* why) {
    if (!m_project || !m_session || !m_session->currentId() || !m_session->currentDocument()) {
        *why = task == WritingTask::Continue
                   ? tr("Open a document in the binder first: Continue writes after its cursor.")
                   : tr("Open a document in the binder first: %1 works on its text.")
                         .arg(taskTitle(task));
        return std::nullopt;
    }
    QTextDocument* document = m_session->currentDocument();
    const bool inEditor = m_editor->document() == document;
    const QTextCursor caret = m_editor->textCursor();
    const int cursor = inEditor ? caret.position() : document->characterCount() - 1;
    const QString text = document->toPlainText();
    const bool continuing = task == WritingTask::Continue;
    // Continue writes from the caret; the other tasks work on the selection (or at the caret).
    const int start =
        !continuing && inEditor && caret.hasSelection() ? caret.selectionStart() : cursor;
    const int end = !continuing && inEditor && caret.hasSelection() ? caret.selectionEnd() : cursor;
    Prepared p;
    GenerationRequest& request = p.flight.request;
    request.context = promptContext(document, start);
    if (continuing && request.context.trimmed().isEmpty()) {
        *why = tr("There is nothing before the cursor to continue, and no earlier scene or "
                  "chapter title to go on: write the first words, then Continue.");
        return std::nullopt;
    }
    const prompting::TaskShape shape = prompting::taskShape(task);
    request.maxTokens = continuing ? m_length->value() : shape.maxTokens;
    request.maxContextTokens = kPromptBudgetTokens;
    request.sampler = samplerSettings();
    request.alpha = hasAdapter() ? float(m_alpha->value() / 100.0) : 0.0f;
    if (hasAdapter()) request.liveAlpha = std::make_shared<std::atomic<float>>(request.alpha);
    request.candidates = continuing ? m_candidatesBox->value() : shape.candidates;
    GenerationOrigin& origin = p.flight.origin;
    origin.task = QString::fromLatin1(prompting::taskName(task));
    origin.documentId = m_session->currentId();
    origin.contextEnd = start;
    FitOptions& fit = p.flight.fit;
    fit.before = start > 0 ? text.at(start - 1) : QChar();
    fit.paragraphs = paragraphConvention(text);
    p.flight.place = TaskPlace{start, end, text.mid(start, end - start)};
    if (!addStory(request, task, request.context, p.flight.place.selection,
                  text.mid(end, kPromptContextChars), &p.warning, why))
        return std::nullopt;
    return p;
}

bool GeneratePanel::addStory(GenerationRequest& request, WritingTask task, const QString& before,
                             const QString& selection, const QString& after, QString* warning,
                             QString* why) {
    // Without a story bible, Memory or Author's Note, Continue reads the text as it always did.
    if (task == WritingTask::Continue && !projectHasStory()) return true;
    StoryTaskInput input{task, before, selection, after, m_instruction->text(), QString()};
    try {
        if (const auto node = m_project->binder().find(*m_session->currentId()))
            input.title = QString::fromStdString(node->title);
    } catch (const std::exception&) {
        // The title is a nicety; the task goes on without it.
    }
    StoryTaskResult result = makeStoryTask(m_project, input, m_settings, request.maxContextTokens);
    if (!result.task) {
        *why = result.error;
        return false;
    }
    *warning = result.warning;
    request.story = std::move(result.task);
    return true;
}

bool GeneratePanel::projectHasStory() const {
    if (!m_project) return false;
    try {
        const storage::BibleRepository& bible = m_project->bible();
        if (!bible.storyNote(storage::StoryNoteKind::Memory).empty() ||
            !bible.storyNote(storage::StoryNoteKind::AuthorsNote).empty())
            return true;
        for (const storage::BibleEntry& e : bible.entries())
            if (!e.textForModel().empty()) return true;
    } catch (const std::exception&) {
        return false; // unreadable: Continue as without one
    }
    return false;
}

std::optional<GenerationRequest> GeneratePanel::taskRequest(WritingTask task, QString* why) {
    if (!isModelReady()) {
        *why = isLoadingModel() ? tr("The model is still loading; the prompt is counted in its "
                                     "tokens.")
                                : tr("No model is loaded: the prompt is counted in its tokens.");
        return std::nullopt;
    }
    std::optional<Prepared> prepared = prepare(task, why);
    if (!prepared) return std::nullopt;
    if (!prepared->flight.request.story) {
        *why = tr("This project has no story bible, Memory or Author's Note yet: Continue sends "
                  "the text before the cursor as it is (its last %1 tokens at most).")
                   .arg(kPromptBudgetTokens);
        return std::nullopt;
    }
    return prepared->flight.request;
}

WritingTask GeneratePanel::shownTask() const {
    const InFlight* f = m_inFlight ? &*m_inFlight : m_shown ? &*m_shown : nullptr;
    return f && f->request.story ? f->request.story->request.task : WritingTask::Continue;
}

void GeneratePanel::addSelectionTasks(QMenu* menu) {
    if (!m_editor->textCursor().hasSelection() || !isEnabled()) return;
    QAction* first = menu->actions().value(0);
    for (QAction* a : m_taskActions) menu->insertAction(first, a);
    menu->insertSeparator(first);
}

void GeneratePanel::showContextViewer() {
    if (!m_contextViewer) {
        m_contextViewer = new ContextViewer(m_generation, this);
        m_contextViewer->setRequestSource([this](QString* why) {
            m_contextViewer->setTaskTitle(taskTitle(selectedTask()));
            return taskRequest(selectedTask(), why);
        });
    }
    m_contextViewer->show();
    m_contextViewer->raise();
    m_contextViewer->activateWindow();
    m_contextViewer->refresh();
}

QString GeneratePanel::promptContext(QTextDocument* document, int cursor) {
    const QString before = contextBefore(document->toPlainText(), cursor, kPromptContextChars);
    if (!before.trimmed().isEmpty() || !m_project || !m_session->currentId()) return before;
    try {
        return sceneLeadIn(*m_project, *m_session->currentId(), kPromptContextChars);
    } catch (const std::exception& e) {
        emit errorOccurred(
            tr("The previous scene could not be read: %1").arg(QString::fromUtf8(e.what())));
        return before;
    }
}

bool GeneratePanel::retry() {
    if (!m_shown || m_inFlight || !isModelReady()) return false;
    GenerationOrigin origin = m_shown->origin;
    GenerationRequest request = m_shown->request;
    origin.parentId = m_generationId;
    rejectPending(-1);
    const bool sameDraw = m_temperature->value() == 0.0 || m_seedLock->isChecked();
    const bool sameSettings =
        m_shown->request.sampler.temperature == float(m_temperature->value()) &&
        m_shown->request.maxTokens == m_length->value() &&
        m_shown->request.alpha == (hasAdapter() ? float(m_alpha->value() / 100.0) : 0.0f);
    if (!m_seedLock->isChecked()) rollSeed();
    // Same context; the panel's current settings (the writer may have changed them to retry).
    request.maxTokens = m_length->value();
    request.sampler = samplerSettings();
    request.alpha = hasAdapter() ? float(m_alpha->value() / 100.0) : 0.0f;
    request.liveAlpha =
        hasAdapter() ? std::make_shared<std::atomic<float>>(request.alpha) : nullptr;
    // A task keeps its own count (five ideas, three rewrites); Continue follows the box.
    if (!request.story || request.story->request.task == WritingTask::Continue)
        request.candidates = m_candidatesBox->value();
    else
        request.maxTokens = m_shown->request.maxTokens;
    const FitOptions fit = m_shown->fit;
    const TaskPlace place = m_shown->place;
    startRequest(std::move(request), std::move(origin), fit, place);
    if (sameDraw && sameSettings)
        setStatus(m_temperature->value() == 0.0
                      ? tr("At temperature 0 the model always takes its likeliest word: this "
                           "Retry gives the same text. Raise the temperature or move the slider "
                           "for another.")
                      : tr("The seed is locked: this Retry gives the same text. Unlock the seed "
                           "or change a setting for another."));
    return true;
}

bool GeneratePanel::continueFrom(const storage::Generation& parent) {
    if (m_inFlight || !isModelReady() || !m_project || !m_session) {
        setStatus(m_inFlight ? tr("Text is still being generated; press Stop (Esc) first.")
                             : tr("The model is not ready yet; try again in a moment."));
        return false;
    }
    const std::string& kept = parent.editedOutput.empty() ? parent.output : parent.editedOutput;
    GenerationRequest request;
    request.context = contextBefore(QString::fromStdString(parent.prompt + kept),
                                    std::numeric_limits<int>::max(), kPromptContextChars);
    request.maxTokens = m_length->value();
    request.maxContextTokens = kPromptBudgetTokens;
    if (!m_seedLock->isChecked()) rollSeed();
    request.sampler = samplerSettings();
    request.alpha = hasAdapter() ? float(m_alpha->value() / 100.0) : 0.0f;
    if (hasAdapter()) request.liveAlpha = std::make_shared<std::atomic<float>>(request.alpha);
    request.candidates = m_candidatesBox->value();
    GenerationOrigin origin;
    origin.documentId = parent.documentId;
    origin.contextEnd = parent.contextEnd;
    origin.parentId = parent.id;
    FitOptions fit;
    fit.before = kept.empty() ? QChar() : QString::fromStdString(kept).back();
    rejectPending(-1);
    startRequest(std::move(request), std::move(origin), fit, TaskPlace{});
    return true;
}

bool GeneratePanel::branchWith(const storage::Generation& parent, const QString& before,
                               int32_t tokenId, const QString& tokenText) {
    if (m_inFlight || !isModelReady() || !m_project || !m_session) {
        setStatus(m_inFlight ? tr("Text is still being generated; press Stop (Esc) first.")
                             : tr("The model is not ready yet; try again in a moment."));
        return false;
    }
    GenerationRequest request;
    request.context = contextBefore(QString::fromStdString(parent.prompt) + before,
                                    std::numeric_limits<int>::max(), kPromptContextChars);
    request.forcedIds = {tokenId};
    request.forcedText = tokenText;
    request.maxTokens = m_length->value();
    request.maxContextTokens = kPromptBudgetTokens - 1; // the chosen token follows the prompt
    if (!m_seedLock->isChecked()) rollSeed();
    request.sampler = samplerSettings();
    request.alpha = hasAdapter() ? float(m_alpha->value() / 100.0) : 0.0f;
    if (hasAdapter()) request.liveAlpha = std::make_shared<std::atomic<float>>(request.alpha);
    GenerationOrigin origin;
    origin.documentId = parent.documentId;
    origin.contextEnd = parent.contextEnd;
    origin.parentId = parent.id;
    FitOptions fit;
    fit.before = before.isEmpty() ? QChar() : before.back();
    rejectPending(-1);
    startRequest(std::move(request), std::move(origin), fit, TaskPlace{});
    setStatus(tr("Branching with \u201C%1\u201D\u2026").arg(tokenText.trimmed()));
    return true;
}

void GeneratePanel::startRequest(GenerationRequest request, GenerationOrigin origin,
                                 const FitOptions& fit, const TaskPlace& place) {
    request.id = m_generation->start(request, origin);
    if (request.id == 0) return; // checked before: the model is ready and nothing runs
    m_inFlight = InFlight{std::move(request), std::move(origin), fit, place};
    m_generationId.reset();
    m_shown.reset();
    m_shownCancelled = false;
    m_rejectWhenFinished = false;
    m_preview->setUndoRedoEnabled(false); // streamed pieces are not undo steps
    m_preview->clear();
    const int count = std::clamp(m_inFlight->request.candidates, 1, kMaxCandidates);
    m_streamed.assign(size_t(count), QString());
    m_streamSelected = 0;
    std::vector<uint32_t> seeds;
    for (int i = 0; i < count; ++i) seeds.push_back(m_inFlight->request.sampler.seed + uint32_t(i));
    m_cards->reset(seeds);
    for (int i = 0; i < count; ++i) m_cards->setNote(i, tr("writing"));
    m_cardsSet = -1;
    m_cards->setVisible(count > 1);
    m_progress->setText(tr("Reading the context\u2026"));
    setStatus({});
    updateState();
    emit generatingChanged(true);
}

void GeneratePanel::stop() {
    if (!m_inFlight) return;
    m_generation->stop();
    m_progress->setText(tr("Stopping\u2026"));
}

void GeneratePanel::onToken(qint64 requestId, const QString& piece, int candidate) {
    if (!m_inFlight || m_inFlight->request.id != requestId || candidate < 0 ||
        candidate >= int(m_streamed.size()))
        return;
    // The leading newlines the model likes to begin with are not shown (nor inserted).
    static const QRegularExpression leadingSpace(QStringLiteral("^\\s+"));
    QString text = piece;
    if (m_streamed[size_t(candidate)].isEmpty()) text.remove(leadingSpace);
    if (text.isEmpty()) return;
    m_streamed[size_t(candidate)] += text;
    m_cards->appendText(candidate, text);
    if (candidate != m_streamSelected) return;
    QTextCursor end(m_preview->document());
    end.movePosition(QTextCursor::End);
    end.insertText(text);
    emit previewChanged();
}

void GeneratePanel::onDecodeProgress(qint64 requestId, int tokens, double tokensPerSecond) {
    if (!m_inFlight || m_inFlight->request.id != requestId) return;
    m_progress->setText(
        tr("%1 tokens \u00B7 %2 tokens/s").arg(tokens).arg(tokensPerSecond, 0, 'f', 0));
}

void GeneratePanel::onFinished(const GenerationOutcome& outcome,
                               std::optional<int64_t> generationId) {
    if (!m_inFlight || m_inFlight->request.id != outcome.requestId) return;
    const InFlight flight = *m_inFlight;
    m_inFlight.reset();
    std::vector<CandidateOutcome> outcomes = outcome.candidates;
    if (outcomes.empty()) { // not from the controller, which records every candidate
        CandidateOutcome only;
        only.text = outcome.text;
        only.stop = outcome.stop;
        only.generatedTokens = outcome.generatedTokens;
        only.generationId = generationId;
        outcomes.push_back(only);
    }
    const int set = m_nextSet++;
    const int first = candidateCount();
    int tokens = 0;
    for (size_t i = 0; i < outcomes.size(); ++i) {
        const CandidateOutcome& c = outcomes[i];
        FitOptions fit = flight.fit;
        fit.endAtSentence =
            m_endAtSentence->isChecked() && c.stop == storage::GenerationStop::Length;
        InFlight own = flight;
        own.request.sampler.seed += uint32_t(i); // what it was drawn with
        const bool cancelled = c.stop == storage::GenerationStop::Stopped;
        const QString note = cancelled ? tr("stopped") : tr("%1 tokens").arg(c.generatedTokens);
        // A task's answer is shaped (an idea, a paragraph); a continuation fitted to the page.
        const QString output =
            flight.request.story && flight.request.story->request.task != WritingTask::Continue
                ? QString::fromStdString(prompting::shapeOutput(flight.request.story->request.task,
                                                                c.text.toStdString()))
                : fitContinuation(c.text, fit);
        m_candidates.push_back(
            Candidate{c.generationId, own, output, cancelled, set, int(i), true, note, false});
        tokens += c.generatedTokens;
    }
    m_candidateIndex = first + std::clamp(m_streamSelected, 0, int(outcomes.size()) - 1);
    const Candidate& shown = m_candidates[size_t(m_candidateIndex)];
    if (m_preview->toPlainText() != shown.output) m_preview->setPlainText(shown.output);
    m_preview->setUndoRedoEnabled(true);
    m_shown = shown.flight;
    m_shownOutput = shown.output;
    m_shownCancelled = shown.cancelled;
    m_generationId = shown.id;
    m_streamed.clear();
    showSetCards();
    const double seconds = outcome.decodeMs / 1000.0;
    m_progress->setText(tr("%1 tokens in %2 s \u00B7 %3 tokens/s")
                            .arg(tokens)
                            .arg(seconds, 0, 'f', 2)
                            .arg(seconds > 0 ? tokens / seconds : 0.0, 0, 'f', 0));
    m_progress->setToolTip(tr("Context: %1 tokens (%2 reused from the last request) in %3 ms; "
                              "stopped by: %4")
                               .arg(outcome.promptTokens)
                               .arg(outcome.reusedTokens)
                               .arg(outcome.promptMs, 0, 'f', 1)
                               .arg(QString::fromLatin1(storage::toString(outcome.stop))));
    const WritingTask task = shownTask();
    if (outcome.cancelled)
        setStatus(tr("Stopped. Accept keeps the text so far; Retry writes it again."));
    else if (task == WritingTask::Brainstorm)
        setStatus(tr("Choose an idea: To Storyboard makes it a card (Ctrl+Shift+P); Brainstorm "
                     "into Cards lays them all out."));
    else if (prompting::taskShape(task).replacesSelection)
        setStatus(tr("Choose a version: Use puts it in place of the selection (one undo step)."));
    else if (task == WritingTask::Describe)
        setStatus(tr("Choose a description: Insert puts it at the cursor (one undo step)."));
    else if (outcomes.size() > 1)
        setStatus(tr("Choose a candidate (click, Up/Down or Alt+] / Alt+[); Accept inserts the "
                     "chosen one at the cursor."));
    else
        setStatus(tr("Accept inserts the text at the cursor (edit it here first if you like)."));
    if (!outcome.failure.isEmpty()) // a remote fault: the reason, and the text kept
        setStatus(tr("%1 The text so far is kept: Accept inserts it, Retry asks again.")
                      .arg(outcome.failure));
    updateState();
    emit generatingChanged(false);
    if (m_generationId) emit generationRecorded(*m_generationId);
    if (std::exchange(m_rejectWhenFinished, false)) discard();
}

void GeneratePanel::onFailed(qint64 requestId, const QString& message) {
    if (!m_inFlight || m_inFlight->request.id != requestId) return;
    m_inFlight.reset();
    m_streamed.clear();
    m_cards->setVisible(false);
    m_progress->clear();
    setStatus(message);
    updateState();
    emit generatingChanged(false);
    emit generationFailed(message);
}

void GeneratePanel::onSettled() {
    // Nobody will decide on it any more: the model changes or the project is closing.
    if (m_generationId && m_shownCancelled) rejectPending(-1);
}

void GeneratePanel::setShownStatus(int status) {
    if (m_generationId)
        m_generation->setStatus(*m_generationId, static_cast<storage::GenerationStatus>(status));
}

bool GeneratePanel::accept() {
    if (!m_generationId || !m_shown || m_inFlight || !m_session) return false;
    if (m_session->currentId() != m_shown->origin.documentId ||
        m_editor->document() != m_session->currentDocument()) {
        setStatus(tr("This text continues another document; open that document to accept it, or "
                     "discard it."));
        return false;
    }
    const WritingTask task = shownTask();
    if (task == WritingTask::Brainstorm) return pin(); // an idea goes to the Storyboard
    emit accepting();
    const QString text = m_preview->toPlainText();
    if (task != WritingTask::Continue) return acceptTask(task, text);
    QTextCursor cursor = m_editor->textCursor();
    cursor.beginEditBlock(); // one undo step, saved by DocumentSession like typed text
    cursor.insertText(text);
    cursor.endEditBlock();
    m_editor->setTextCursor(cursor); // the caret after the inserted text, ready for typing
    m_editor->setFocus(Qt::OtherFocusReason);
    recordKept(text);
    return true;
}

bool GeneratePanel::acceptTask(WritingTask task, const QString& text) {
    QTextDocument* document = m_editor->document();
    QTextCursor cursor(document);
    QString inserted = text;
    if (prompting::taskShape(task).replacesSelection) {
        const TaskPlace& place = m_shown->place;
        if (document->toPlainText().mid(place.start, place.end - place.start) != place.selection) {
            setStatus(tr("The passage has changed since %1 read it: select it again and run %1 "
                         "once more, or discard this.")
                          .arg(taskTitle(task)));
            return false;
        }
        cursor.setPosition(place.start);
        cursor.setPosition(place.end, QTextCursor::KeepAnchor);
    } else {
        // Describe: at the caret (after the selection it describes), a space after a word.
        cursor.setPosition(m_editor->textCursor().selectionEnd());
        const int at = cursor.position();
        const QChar before = at > 0 ? document->characterAt(at - 1) : QChar();
        if (!before.isNull() && !before.isSpace() && !inserted.isEmpty() &&
            !inserted.front().isSpace())
            inserted.prepend(QLatin1Char(' '));
    }
    cursor.beginEditBlock(); // one undo step, saved by DocumentSession like typed text
    cursor.insertText(inserted);
    cursor.endEditBlock();
    m_editor->setTextCursor(cursor);
    m_editor->setFocus(Qt::OtherFocusReason);
    recordKept(text);
    return true;
}

bool GeneratePanel::keep(const QString& kept) {
    if (!m_generationId || !m_shown || m_inFlight) return false;
    recordKept(kept);
    return true;
}

void GeneratePanel::recordKept(const QString& kept) {
    m_generation->keep(*m_generationId, kept, m_shownOutput);
    rejectPending(m_candidateIndex); // the candidates not taken
    clearShown();
    setStatus(tr("Inserted. Undo (Ctrl+Z) takes it out again."));
    updateState();
}

void GeneratePanel::clearShown() {
    m_generationId.reset();
    m_shown.reset();
    m_candidates.clear();
    m_candidateIndex = -1;
    m_cardsSet = -1;
    m_cards->setVisible(false);
    m_preview->clear();
}

void GeneratePanel::rejectPending(int except) {
    for (int i = 0; i < candidateCount(); ++i) {
        Candidate& c = m_candidates[size_t(i)];
        if (i == except || !c.pending) continue;
        c.pending = false;
        if (c.id) m_generation->setStatus(*c.id, storage::GenerationStatus::Rejected);
    }
}

void GeneratePanel::showSetCards() {
    if (m_candidateIndex < 0 || m_candidateIndex >= candidateCount()) {
        m_cards->setVisible(false);
        return;
    }
    const Candidate& shown = m_candidates[size_t(m_candidateIndex)];
    const int first = m_candidateIndex - shown.indexInSet;
    int end = first;
    while (end < candidateCount() && m_candidates[size_t(end)].set == shown.set) ++end;
    if (m_cardsSet != shown.set || m_cards->count() != end - first) {
        std::vector<uint32_t> seeds;
        for (int i = first; i < end; ++i)
            seeds.push_back(m_candidates[size_t(i)].flight.request.sampler.seed);
        m_cards->reset(seeds);
        m_cardsSet = shown.set;
    }
    for (int i = first; i < end; ++i) {
        m_cards->setText(i - first, m_candidates[size_t(i)].output);
        m_cards->setNote(i - first, m_candidates[size_t(i)].note);
    }
    m_cards->setSelected(shown.indexInSet);
    // Brainstormed ideas: each goes to the Storyboard with one click on its card.
    const bool ideas = shownTask() == WritingTask::Brainstorm;
    m_cards->setActionText(ideas ? tr("To Storyboard") : QString());
    for (int i = first; i < end; ++i)
        m_cards->setActionEnabled(i - first, ideas && !m_candidates[size_t(i)].pinned);
    m_cards->setVisible(end - first > 1);
}

void GeneratePanel::discard() {
    if (!m_generationId || m_inFlight) return;
    rejectPending(-1);
    clearShown();
    m_progress->clear();
    setStatus(tr("Discarded (it stays in the project's history)."));
    updateState();
}

void GeneratePanel::abandon() {
    if (m_inFlight) {
        m_rejectWhenFinished = true;
        stop();
        return;
    }
    discard();
}

bool GeneratePanel::showCandidate(int index) {
    if (m_inFlight || index < 0 || index >= candidateCount()) return false;
    if (index == m_candidateIndex) return true;
    if (m_candidateIndex >= 0 && m_candidateIndex < candidateCount()) { // the draft set aside
        Candidate& aside = m_candidates[size_t(m_candidateIndex)];
        if (aside.pending && aside.id)
            m_generation->setStatus(*aside.id, storage::GenerationStatus::Rejected);
        aside.pending = false;
    }
    Candidate& c = m_candidates[size_t(index)];
    m_candidateIndex = index;
    m_generationId = c.id;
    m_shown = c.flight;
    m_shownOutput = c.output;
    m_shownCancelled = c.cancelled;
    m_preview->setPlainText(c.output);
    if (!c.pending && !c.pinned) setShownStatus(int(storage::GenerationStatus::Pending));
    c.pending = !c.pinned; // a pinned idea stays accepted

    showSetCards();
    if (m_cards->isVisibleTo(this))
        setStatus(tr("Candidate %1 of %2 (seed %3).")
                      .arg(c.indexInSet + 1)
                      .arg(m_cards->count())
                      .arg(c.flight.request.sampler.seed));
    else
        setStatus(tr("Draft %1 of %2.").arg(index + 1).arg(candidateCount()));
    updateState();
    return true;
}

bool GeneratePanel::chooseCard(int index) {
    if (m_inFlight) {
        if (index < 0 || index >= int(m_streamed.size())) return false;
        m_streamSelected = index;
        m_cards->setSelected(index);
        m_preview->setPlainText(m_streamed[size_t(index)]);
        updateState();
        return true;
    }
    if (m_candidateIndex < 0 || index < 0 || index >= m_cards->count()) return false;
    const int first = m_candidateIndex - m_candidates[size_t(m_candidateIndex)].indexInSet;
    return showCandidate(first + index);
}

bool GeneratePanel::nextCandidate() {
    if (m_inFlight) return chooseCard(m_streamSelected + 1);
    return m_candidateIndex + 1 < candidateCount() && showCandidate(m_candidateIndex + 1);
}

bool GeneratePanel::previousCandidate() {
    if (m_inFlight) return m_streamSelected > 0 && chooseCard(m_streamSelected - 1);
    return m_candidateIndex > 0 && showCandidate(m_candidateIndex - 1);
}

bool GeneratePanel::hasPreviousCandidate() const {
    return m_inFlight ? m_streamSelected > 0 : m_candidateIndex > 0;
}

bool GeneratePanel::pin() {
    if (shownTask() == WritingTask::Brainstorm && !m_inFlight && m_candidateIndex >= 0)
        return pinIdea(m_candidates[size_t(m_candidateIndex)].indexInSet);
    if (!m_generationId || m_inFlight || m_pinnedId == m_generationId) return false;
    const QString text = m_preview->toPlainText();
    if (text.trimmed().isEmpty()) return false;
    m_pinnedId = m_generationId;
    updateState();
    m_generation->pin(text, *m_generationId);
    return true;
}

bool GeneratePanel::pinIdea(int index) {
    if (m_inFlight || m_candidateIndex < 0 || m_candidateIndex >= candidateCount()) return false;
    const Candidate& shown = m_candidates[size_t(m_candidateIndex)];
    const int at = m_candidateIndex - shown.indexInSet + index;
    if (index < 0 || at >= candidateCount() || m_candidates[size_t(at)].set != shown.set)
        return false;
    Candidate& c = m_candidates[size_t(at)];
    if (c.pinned || !c.id || c.output.trimmed().isEmpty()) return false;
    c.pinned = true;
    c.pending = false; // kept: not rejected with the ideas left over
    c.note = tr("on the Storyboard");
    m_generation->keep(*c.id, c.output, c.output); // accepted as written
    m_generation->pin(c.output, *c.id);
    showSetCards();
    updateState();
    return true;
}

int GeneratePanel::pinAllIdeas() {
    if (shownTask() != WritingTask::Brainstorm || m_inFlight) return 0;
    int pinned = 0;
    for (int i = 0; i < m_cards->count(); ++i) pinned += pinIdea(i) ? 1 : 0;
    if (pinned > 0) setStatus(tr("%n idea(s) laid out on the Storyboard.", nullptr, pinned));
    return pinned;
}

void GeneratePanel::rollSeed() {
    m_rollingSeed = true;
    m_seed->setValue(int(QRandomGenerator::global()->bounded(std::numeric_limits<int>::max())));
    m_rollingSeed = false;
}

int GeneratePanel::lengthLimit(int contextLength) {
    constexpr int kLongest = 1000;
    if (contextLength <= 0) return kLongest;
    // A few tokens more than the minimum: the prompt starts at a word, which costs one or two.
    constexpr int kWordBoundarySlack = 16;
    return std::clamp(contextLength - kMinimumPromptTokens - kWordBoundarySlack, 16, kLongest);
}

void GeneratePanel::updateLengthLimit() {
    const int limit = lengthLimit(model().contextLength);
    if (m_length->maximum() != limit) m_length->setMaximum(limit); // may lower the value
    const bool capped = limit < 1000 && m_length->value() >= limit;
    m_lengthNote->setText(tr("At most %1 tokens with this model, so that it still reads at "
                             "least %2 tokens of your text.")
                              .arg(limit)
                              .arg(kMinimumPromptTokens));
    m_lengthNote->setVisible(capped);
}

inference::SamplerSettings GeneratePanel::samplerSettings() const {
    inference::SamplerSettings s;
    s.temperature = float(m_temperature->value());
    s.seed = uint32_t(m_seed->value());
    return s;
}

void GeneratePanel::setStatus(const QString& text) {
    m_status->setText(text);
}

QString GeneratePanel::statusText() const {
    return m_status->text();
}

QString GeneratePanel::progressText() const {
    return m_progress->text();
}

void GeneratePanel::updateTaskButtons() {
    const WritingTask chosen = selectedTask();
    m_continue->setText(taskTitle(chosen));
    m_continue->setToolTip(chosen == WritingTask::Continue ? m_continueAction->toolTip()
                                                           : taskToolTip(chosen));
    const WritingTask task = shownTask();
    const bool ideas = task == WritingTask::Brainstorm;
    m_accept->setText(task == WritingTask::Continue                  ? tr("Accept")
                      : task == WritingTask::Describe                ? tr("Insert")
                      : prompting::taskShape(task).replacesSelection ? tr("Use")
                                                                     : tr("Accept"));
    m_accept->setVisible(!ideas);
    m_pin->setText(ideas ? tr("To Storyboard") : tr("Pin to Storyboard"));
    const bool unpinned =
        std::any_of(m_candidates.begin(), m_candidates.end(), [](const Candidate& c) {
            return !c.pinned && c.id && !c.output.trimmed().isEmpty();
        });
    m_allToCards->setVisible(ideas && !m_inFlight && m_generationId.has_value());
    m_allToCards->setEnabled(unpinned);
}

void GeneratePanel::updateState() {
    const bool busy = m_inFlight.has_value();
    const bool hasDocument = m_session && m_session->currentId().has_value();
    const bool canContinue = isModelReady() && !busy && hasDocument;
    m_continueAction->setEnabled(canContinue);
    m_continue->setEnabled(canContinue);
    m_stopAction->setEnabled(busy);
    m_chooseModelAction->setEnabled(!busy && !isLoadingModel());
    m_defaultModelAction->setEnabled(!busy && !isLoadingModel());
    m_stop->setEnabled(busy);
    const bool shown = m_generationId.has_value() && !busy;
    m_accept->setEnabled(shown);
    m_discard->setEnabled(shown);
    m_retry->setEnabled(m_shown.has_value() && !busy && isModelReady());
    const bool ideas = shownTask() == WritingTask::Brainstorm;
    const bool ideaPinned = ideas && m_candidateIndex >= 0 && m_candidateIndex < candidateCount() &&
                            m_candidates[size_t(m_candidateIndex)].pinned;
    m_pin->setEnabled(shown && (ideas ? !ideaPinned : m_pinnedId != m_generationId));
    m_acceptAction->setEnabled(m_accept->isEnabled());
    m_discardAction->setEnabled(m_discard->isEnabled());
    m_retryAction->setEnabled(m_retry->isEnabled());
    m_pinAction->setEnabled(m_pin->isEnabled());
    m_nextCandidateAction->setEnabled(busy ? m_streamSelected + 1 < int(m_streamed.size())
                                           : m_candidateIndex + 1 < candidateCount());
    m_previousCandidateAction->setEnabled(hasPreviousCandidate());
    for (QAction* a : m_taskActions) a->setEnabled(canContinue);
    m_contextAction->setEnabled(hasDocument);
    m_contextButton->setEnabled(hasDocument);
    updateTaskButtons();
    m_preview->setReadOnly(busy || !shown);
    emit previewChanged();

    const bool adapter = hasAdapter() && isModelReady();
    m_alpha->setEnabled(adapter);
    m_coherentLabel->setEnabled(adapter);
    m_diverseLabel->setEnabled(adapter);
    m_alphaValue->setEnabled(adapter);
    QString why;
    if (adapter)
        why = tr("Toward Coherent: the model's likeliest words. Toward Diverse: the diversity "
                 "head (%1) favours less obvious, still plausible words.")
                  .arg(model().adapterId);
    else if (isLoadingModel())
        why = tr("Disabled: the model is still loading.");
    else if (!isModelReady())
        why = tr("Disabled: no model is loaded.");
    else
        why = tr("Disabled: %1").arg(model().adapterStatus);
    m_alpha->setToolTip(why);
}

} // namespace fabulist::ui
