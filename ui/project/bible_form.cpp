#include "ui/project/bible_form.h"

#include "storage/project.h"
#include "storage/transaction.h"

#include <QCheckBox>
#include <QEvent>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {
constexpr int kDefaultSaveDelayMs = 1000;
constexpr int kNoteLines = 4;

QString toQString(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}
} // namespace

BibleForm::BibleForm(QWidget* parent) : QFrame(parent) {
    setObjectName(QStringLiteral("bibleForm"));
    buildWidgets();
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(kDefaultSaveDelayMs);
    connect(&m_saveTimer, &QTimer::timeout, this, &BibleForm::save);
    // Leaving the application is a natural moment to save, as the editor does.
    connect(qApp, &QGuiApplication::applicationStateChanged, this, [this](Qt::ApplicationState s) {
        if (s != Qt::ApplicationActive) save();
    });
    hide();
}

BibleForm::~BibleForm() {
    save();
}

void BibleForm::buildWidgets() {
    // A strip set apart from the page: the window's colours, a line above.
    setFrameShape(QFrame::NoFrame);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Window);
    auto* rule = new QFrame(this);
    rule->setFrameShape(QFrame::HLine);
    rule->setFrameShadow(QFrame::Sunken);

    m_heading = new QLabel(this);
    m_heading->setObjectName(QStringLiteral("bibleFormHeading"));
    m_heading->setTextFormat(Qt::RichText);
    m_heading->setWordWrap(true);
    m_alwaysIn = new QCheckBox(tr("Al&ways in the prompt"), this);
    m_alwaysIn->setObjectName(QStringLiteral("bibleAlwaysIn"));
    m_alwaysIn->setToolTip(tr("Read by every request, whether or not it is named near the "
                              "cursor (it still counts against the bible's token budget)"));
    m_aliases = new QLineEdit(this);
    m_aliases->setObjectName(QStringLiteral("bibleAliases"));
    m_aliases->setPlaceholderText(tr("Other names, separated by commas: Mira, the girl"));
    m_aliases->setToolTip(tr("Naming one of these near the cursor puts the entry in the prompt, "
                             "as the name does"));
    m_note = new QPlainTextEdit(this);
    m_note->setObjectName(QStringLiteral("bibleModelNote"));
    m_note->setTabChangesFocus(true); // Tab goes on to the checkbox, as in a form
    // Four lines and the frame: a short note shows whole, a longer one scrolls.
    m_note->setFixedHeight(m_note->fontMetrics().lineSpacing() * kNoteLines +
                           2 * (m_note->frameWidth() + int(m_note->document()->documentMargin())) +
                           2);
    m_note->setToolTip(tr("A short description in the story's own words; the model reads it "
                          "when the entry is in the prompt"));

    auto* header = new QHBoxLayout;
    header->addWidget(m_heading, 1);
    header->addWidget(m_alwaysIn);
    auto* fields = new QFormLayout;
    fields->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    fields->setRowWrapPolicy(QFormLayout::DontWrapRows);
    fields->addRow(tr("&Aliases:"), m_aliases);
    fields->addRow(tr("What the &model should know:"), m_note);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 0, 12, 8);
    layout->setSpacing(6);
    layout->addWidget(rule);
    layout->addLayout(header);
    layout->addLayout(fields);
    setTabOrder(m_aliases, m_note);
    setTabOrder(m_note, m_alwaysIn);

    connect(m_aliases, &QLineEdit::textEdited, this, &BibleForm::markChanged);
    connect(m_note, &QPlainTextEdit::textChanged, this, &BibleForm::markChanged);
    connect(m_alwaysIn, &QCheckBox::toggled, this, &BibleForm::markChanged);
    // A field losing the keyboard saves at once, as the editor does.
    m_aliases->installEventFilter(this);
    m_note->installEventFilter(this);
}

void BibleForm::setProject(storage::Project* project) {
    save();
    m_project = project;
    m_nodeId.reset();
    m_dirty = false;
    hide();
}

void BibleForm::setNode(std::optional<int64_t> nodeId) {
    if (nodeId == m_nodeId) return;
    save();
    m_dirty = false; // what could not be saved stays with the node it belongs to: gone
    m_saveTimer.stop();
    m_nodeId.reset();
    if (m_project && nodeId) {
        const auto node = m_project->binder().find(*nodeId);
        using K = storage::NodeKind;
        if (node && (node->kind == K::Character || node->kind == K::Place)) m_nodeId = nodeId;
    }
    load();
    setVisible(m_nodeId.has_value());
}

void BibleForm::load() {
    if (!m_project || !m_nodeId) return;
    storage::BibleEntry entry;
    try {
        entry = m_project->bible().entry(*m_nodeId);
    } catch (const std::exception& e) {
        m_nodeId.reset();
        emit errorOccurred(tr("The story bible could not be read: %1").arg(e.what()));
        return;
    }
    const QSignalBlocker blockNote(m_note), blockAlways(m_alwaysIn);
    QStringList aliases;
    for (const std::string& alias : entry.aliases) aliases << toQString(alias);
    m_aliases->setText(aliases.join(QStringLiteral(", ")));
    m_note->setPlainText(toQString(entry.modelNote));
    m_alwaysIn->setChecked(entry.alwaysIn);
    const bool place = entry.kind == storage::NodeKind::Place;
    m_note->setPlaceholderText(place ? tr("Empty: the model reads this place's own text above.")
                                     : tr("Empty: the model reads this character's own text "
                                          "above."));
    m_heading->setText(tr("<b>Story Bible</b> &nbsp;What the model reads about %1 when it is "
                          "named near the cursor")
                           .arg(toQString(entry.name).toHtmlEscaped()));
    updateReadOnly();
}

void BibleForm::updateReadOnly() {
    const bool readOnly = !m_project || m_project->isReadOnly();
    m_aliases->setReadOnly(readOnly);
    m_note->setReadOnly(readOnly);
    m_alwaysIn->setEnabled(!readOnly);
}

void BibleForm::markChanged() {
    if (!m_nodeId) return;
    m_dirty = true;
    m_saveTimer.start();
}

bool BibleForm::save() {
    m_saveTimer.stop();
    if (!m_dirty || !m_project || !m_nodeId || m_project->isReadOnly()) return true;
    std::vector<std::string> aliases;
    for (const QString& alias : parseAliases(m_aliases->text()))
        aliases.push_back(alias.toStdString());
    try {
        storage::Transaction transaction(m_project->database());
        storage::BibleRepository& bible = m_project->bible();
        bible.setAliases(*m_nodeId, aliases);
        bible.setModelNote(*m_nodeId, m_note->toPlainText().toStdString());
        bible.setAlwaysIn(*m_nodeId, m_alwaysIn->isChecked());
        transaction.commit();
    } catch (const std::exception& e) {
        emit errorOccurred(tr("The story bible could not be saved: %1").arg(e.what()));
        return false;
    }
    m_dirty = false;
    return true;
}

bool BibleForm::focusFields() {
    if (!m_nodeId || !isVisible()) return false;
    m_aliases->setFocus(Qt::ShortcutFocusReason);
    m_aliases->selectAll();
    return true;
}

QStringList BibleForm::parseAliases(const QString& text) {
    static const QRegularExpression separators(QStringLiteral("[,;\\n]"));
    QStringList aliases;
    for (const QString& part : text.split(separators)) {
        const QString alias = part.trimmed();
        if (!alias.isEmpty() && !aliases.contains(alias)) aliases << alias;
    }
    return aliases;
}

bool BibleForm::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::FocusOut && (watched == m_aliases || watched == m_note)) save();
    return QFrame::eventFilter(watched, event);
}

} // namespace fabulist::ui
