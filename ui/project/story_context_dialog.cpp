#include "ui/project/story_context_dialog.h"

#include "storage/project.h"
#include "storage/transaction.h"
#include "ui/settings.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTextCursor>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {
constexpr int kSaveDelayMs = 1000;

QString toQString(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QLabel* explanation(const QString& text) {
    auto* label = new QLabel(text);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}
} // namespace

using storage::StoryNoteKind;

StoryContextDialog::StoryContextDialog(storage::Project& project, QWidget* parent)
    : QDialog(parent), m_project(project) {
    setObjectName(QStringLiteral("storyContextDialog"));
    setWindowTitle(tr("Memory and Author\u2019s Note"));
    m_memory = makeField(StoryNoteKind::Memory, QStringLiteral("storyMemory"));
    m_authorsNote = makeField(StoryNoteKind::AuthorsNote, QStringLiteral("storyAuthorsNote"));
    m_memory->setPlaceholderText(tr("What the story is: where and when, who tells it, what "
                                    "matters. A few sentences."));
    m_authorsNote->setPlaceholderText(
        tr("How to write the next lines: style, tone, pace, where the scene is going."));
    const int depth = Settings().authorsNoteDepth();

    auto* memoryLabel = new QLabel(tr("<b>&Memory</b>"));
    memoryLabel->setBuddy(m_memory);
    auto* noteLabel = new QLabel(tr("<b>&Author\u2019s Note</b>"));
    noteLabel->setBuddy(m_authorsNote);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(memoryLabel);
    layout->addWidget(explanation(
        tr("Always read first, before anything else, by every request in this project.")));
    layout->addWidget(m_memory, 1);
    layout->addSpacing(8);
    layout->addWidget(noteLabel);
    layout->addWidget(explanation(
        depth == 1 ? tr("Read one paragraph before the cursor, close to where the model writes: "
                        "style and direction.")
                   : tr("Read %1 paragraphs before the cursor, close to where the model writes: "
                        "style and direction.")
                         .arg(depth)));
    layout->addWidget(m_authorsNote, 1);
    layout->addSpacing(8);
    layout->addLayout(readingSettings());
    auto* saved = explanation(tr("Saved as you type."));
    auto* footer = new QHBoxLayout;
    footer->addWidget(saved, 1);
    footer->addWidget(buttons);
    layout->addLayout(footer);
    resize(560, 460);

    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(kSaveDelayMs);
    connect(&m_saveTimer, &QTimer::timeout, this, &StoryContextDialog::save);
    m_memory->setFocus();
}

// How prompts read the bible: settings of this computer (Settings), applied from the next
// request.
QFormLayout* StoryContextDialog::readingSettings() {
    auto* form = new QFormLayout;
    auto spin = [&](const char* name, int low, int high, int step, int value, const QString& suffix) {
        auto* box = new QSpinBox(this);
        box->setObjectName(QString::fromLatin1(name));
        box->setRange(low, high);
        box->setSingleStep(step);
        box->setValue(value);
        box->setSuffix(suffix);
        return box;
    };
    Settings settings;
    auto* scan = spin("bibleScanWords", 10, 5000, 50, settings.bibleScanWords(), tr(" words"));
    auto* budget = spin("bibleBudgetTokens", 0, 8000, 50, settings.bibleBudgetTokens(), tr(" tokens"));
    auto* depth = spin("authorsNoteDepth", 1, 50, 1, settings.authorsNoteDepth(), tr(" paragraphs"));
    scan->setToolTip(tr("A story-bible entry is read when its name or an alias is named this "
                        "close to the cursor (before it, in the selection, or after it)"));
    budget->setToolTip(tr("The tokens all story-bible entries may take together; the least "
                          "recently named are left out first"));
    depth->setToolTip(tr("How far before the cursor the Author\u2019s Note is placed"));
    connect(scan, &QSpinBox::valueChanged, this, [](int v) { Settings().setBibleScanWords(v); });
    connect(budget, &QSpinBox::valueChanged, this, [](int v) { Settings().setBibleBudgetTokens(v); });
    connect(depth, &QSpinBox::valueChanged, this, [](int v) { Settings().setAuthorsNoteDepth(v); });
    form->addRow(tr("Read an entry when named &within:"), scan);
    form->addRow(tr("Story bible &budget:"), budget);
    form->addRow(tr("Author\u2019s Note &depth:"), depth);
    return form;
}

StoryContextDialog::~StoryContextDialog() {
    save();
}

QPlainTextEdit* StoryContextDialog::makeField(StoryNoteKind kind, const QString& objectName) {
    auto* field = new QPlainTextEdit(this);
    field->setObjectName(objectName);
    field->setTabChangesFocus(true);
    try {
        field->setPlainText(toQString(m_project.bible().storyNote(kind)));
    } catch (const std::exception& e) {
        emit errorOccurred(tr("The story notes could not be read: %1").arg(e.what()));
    }
    field->setReadOnly(m_project.isReadOnly());
    field->installEventFilter(this);
    connect(field, &QPlainTextEdit::textChanged, this, [this] {
        m_dirty = true;
        m_saveTimer.start();
    });
    return field;
}

QPlainTextEdit* StoryContextDialog::field(StoryNoteKind kind) const {
    return kind == StoryNoteKind::Memory ? m_memory : m_authorsNote;
}

void StoryContextDialog::focusNote(StoryNoteKind kind) {
    QPlainTextEdit* edit = field(kind);
    edit->setFocus(Qt::OtherFocusReason);
    edit->moveCursor(QTextCursor::End);
}

bool StoryContextDialog::save() {
    m_saveTimer.stop();
    if (!m_dirty || m_project.isReadOnly()) return true;
    try {
        storage::Transaction transaction(m_project.database());
        m_project.bible().setStoryNote(StoryNoteKind::Memory,
                                       m_memory->toPlainText().toStdString());
        m_project.bible().setStoryNote(StoryNoteKind::AuthorsNote,
                                       m_authorsNote->toPlainText().toStdString());
        transaction.commit();
    } catch (const std::exception& e) {
        emit errorOccurred(
            tr("Memory and Author\u2019s Note could not be saved: %1").arg(e.what()));
        return false;
    }
    m_dirty = false;
    return true;
}

bool StoryContextDialog::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::FocusOut && (watched == m_memory || watched == m_authorsNote))
        save();
    return QDialog::eventFilter(watched, event);
}

void StoryContextDialog::done(int result) {
    save();
    QDialog::done(result);
}

} // namespace fabulist::ui
