#include "ui/generate/context_viewer.h"

#include "storage/bible_repository.h"
#include "storage/generation_repository.h"

#include "ui/generate/generation_controller.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTextCursor>
#include <QTextEdit>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <map>
#include <utility>

namespace fabulist::ui {

namespace prompting = inference::prompting;

namespace {

// The legend's groups, in the order a prompt usually has them.
const std::vector<std::string>& legendSources() {
    static const std::vector<std::string> sources = {
        "memory", "bible", "authors_note", "scene", "selection", "instruction", "template"};
    return sources;
}

// Slots shown in the colour of a legend group: the text after the cursor is scene text, the
// subject is the selection (or the writer's question), the title belongs to the template.
std::string legendGroup(const std::string& source) {
    if (source == "after") return "scene";
    if (source == "subject") return "selection";
    for (const std::string& s : legendSources())
        if (s == source) return s;
    return "template";
}

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                            a.greenF() + (b.greenF() - a.greenF()) * t,
                            a.blueF() + (b.blueF() - a.blueF()) * t);
}

QString fromUtf8(const std::string& text, size_t start, size_t end) {
    return QString::fromUtf8(text.data() + start, qsizetype(end - start));
}

} // namespace

QColor ContextViewer::sourceColor(const QPalette& palette, const std::string& source) {
    const QColor base = palette.color(QPalette::Base);
    const std::string group = legendGroup(source);
    if (group == "template") return mix(base, palette.color(QPalette::Text), 0.07);
    static const std::map<std::string, int> hues = {{"memory", 275},      {"bible", 140},
                                                    {"authors_note", 28}, {"scene", 210},
                                                    {"selection", 330},   {"instruction", 52}};
    // A light tint on a light page, a deep one on a dark page: the text colour reads on both.
    const bool dark = base.lightness() < 128;
    return mix(base, QColor::fromHsv(hues.at(group), dark ? 170 : 190, 235), dark ? 0.32 : 0.38);
}

QString ContextViewer::sourceName(const std::string& source) {
    const std::string group = legendGroup(source);
    if (group == "memory") return tr("Memory");
    if (group == "bible") return tr("Story bible");
    if (group == "authors_note") return tr("Author's Note");
    if (group == "scene") return tr("Scene");
    if (group == "selection") return tr("Selection");
    if (group == "instruction") return tr("Instruction");
    return tr("Template");
}

ContextViewer::ContextViewer(GenerationController* generation, QWidget* parent)
    : QDialog(parent), m_generation(generation) {
    setObjectName(QStringLiteral("contextViewer"));
    setWindowTitle(tr("What the Model Reads"));
    resize(820, 640);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("contextTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("contextMessage"));
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    m_legend = new QLabel(this);
    m_legend->setObjectName(QStringLiteral("contextLegend"));
    m_legend->setWordWrap(true);
    m_legend->setTextFormat(Qt::RichText);
    m_text = new QTextEdit(this);
    m_text->setObjectName(QStringLiteral("contextText"));
    m_text->setReadOnly(true);
    m_text->setAccessibleName(tr("The prompt"));
    m_total = new QLabel(this);
    m_total->setObjectName(QStringLiteral("contextTotal"));
    m_total->setWordWrap(true);

    m_parts = new QTreeWidget(this);
    m_parts->setObjectName(QStringLiteral("contextParts"));
    m_parts->setHeaderLabels({tr("Part"), tr("Tokens")});
    m_parts->setRootIsDecorated(false);
    m_parts->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_parts->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_entries = new QTreeWidget(this);
    m_entries->setObjectName(QStringLiteral("contextEntries"));
    m_entries->setHeaderLabels({tr("Story-bible entry"), tr("In"), tr("Tokens"), tr("Why")});
    m_entries->setRootIsDecorated(false);
    m_entries->setWordWrap(true);
    m_entries->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_entries->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_entries->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_entries->header()->setSectionResizeMode(3, QHeaderView::Stretch);

    m_refresh = new QPushButton(tr("&Refresh"), this);
    m_refresh->setObjectName(QStringLiteral("contextRefresh"));
    m_refresh->setToolTip(tr("Build the prompt again from the text as it is now (F5)"));
    connect(m_refresh, &QPushButton::clicked, this, &ContextViewer::refresh);
    auto* refreshKey = new QAction(this);
    refreshKey->setShortcut(QKeySequence::Refresh);
    connect(refreshKey, &QAction::triggered, this, &ContextViewer::refresh);
    addAction(refreshKey);
    auto* close = new QPushButton(tr("Close"), this);
    connect(close, &QPushButton::clicked, this, &QDialog::close);

    auto* lists = new QSplitter(Qt::Horizontal, this);
    lists->addWidget(m_parts);
    lists->addWidget(m_entries);
    lists->setSizes({330, 490}); // the parts' names readable, the reasons wide
    auto* body = new QSplitter(Qt::Vertical, this);
    body->setChildrenCollapsible(false);
    body->addWidget(m_text);
    body->addWidget(lists);
    body->setStretchFactor(0, 3);
    body->setStretchFactor(1, 2);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_total, 1);
    buttons->addWidget(m_refresh);
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_legend);
    layout->addWidget(m_message);
    layout->addWidget(body, 1);
    layout->addLayout(buttons);
    showLegend();
    connect(m_generation, &GenerationController::previewReady, this, &ContextViewer::onPreview);
}

void ContextViewer::setTaskTitle(const QString& title) {
    m_title->setText(tr("What the model reads for %1").arg(title));
    setWindowTitle(tr("What the Model Reads \u2014 %1").arg(title));
}

void ContextViewer::refresh() {
    QString why;
    const std::optional<GenerationRequest> request = m_source ? m_source(&why) : std::nullopt;
    if (!request) {
        m_pending = 0;
        showMessage(why);
        return;
    }
    m_pending = m_generation->preview(*request);
    if (m_pending == 0) {
        showMessage(tr("No model is ready: the prompt is counted in its tokens."));
        return;
    }
    m_message->setText(tr("Building the prompt\u2026"));
    m_message->setVisible(true);
}

void ContextViewer::showRecorded(const storage::Generation& g,
                                 const std::vector<storage::BibleEntry>& bible) {
    m_recorded = true;
    m_recordedTokens = int(g.promptTokens);
    m_pending = 0;
    m_source = nullptr;
    m_refresh->setEnabled(false);
    auto p = std::make_shared<prompting::StoryPrompt>();
    p->text = g.prompt;
    for (const storage::Generation::PromptPart& part : g.promptParts) {
        const size_t start = std::min(size_t(part.start), p->text.size());
        const size_t end = std::clamp(size_t(part.end), start, p->text.size());
        p->parts.push_back({part.source, {}, start, end, 0});
    }
    // Generations made before the story bible read the scene alone.
    if (p->parts.empty()) p->parts.push_back({"scene", {}, 0, p->text.size(), 0});
    for (const int64_t id : g.bibleEntries) {
        const auto it = std::find_if(bible.begin(), bible.end(),
                                     [&](const storage::BibleEntry& e) { return e.nodeId == id; });
        const std::string name = it != bible.end() ? it->name : tr("(deleted entry)").toStdString();
        p->entries.push_back({id, name, true, 0, tr("read by this generation").toStdString()});
        p->includedEntries.push_back(id);
    }
    // Bible parts carry the entry's name as their label, in the order the entries were read.
    size_t nextEntry = 0;
    for (prompting::PromptPart& part : p->parts)
        if (part.source == "bible" && nextEntry < p->entries.size())
            part.label = p->entries[nextEntry++].name;
    m_prompt = std::move(p);
    m_title->setText(tr("What generation %1 read (%2%3)")
                         .arg(g.id)
                         .arg(QString::fromStdString(g.task))
                         .arg(g.instruction.empty()
                                  ? QString()
                                  : QStringLiteral(": “%1”")
                                        .arg(QString::fromStdString(g.instruction))));
    m_message->setVisible(false);
    showLegend();
    showPrompt();
    emit shown();
}

void ContextViewer::onPreview(const PromptPreview& preview) {
    if (preview.id != m_pending || m_pending == 0) return;
    m_pending = 0;
    if (!preview.prompt) {
        showMessage(preview.error);
        return;
    }
    m_prompt = preview.prompt;
    m_message->setVisible(false);
    showPrompt();
    emit shown();
}

void ContextViewer::showMessage(const QString& message) {
    m_prompt.reset();
    m_message->setText(message);
    m_message->setVisible(true);
    m_text->clear();
    m_parts->clear();
    m_entries->clear();
    m_total->clear();
    emit shown();
}

void ContextViewer::showLegend() {
    QStringList items;
    const QColor text = palette().color(QPalette::Text);
    for (const std::string& source : legendSources())
        items << QStringLiteral("<span style=\"background-color:%1; color:%2\">&nbsp;%3&nbsp;"
                                "</span>")
                     .arg(sourceColor(palette(), source).name(), text.name(),
                          sourceName(source).toHtmlEscaped());
    m_legend->setText(items.join(QStringLiteral(" &nbsp;")));
}

void ContextViewer::showPrompt() {
    m_text->clear();
    m_parts->clear();
    m_entries->clear();
    if (!m_prompt) return;
    const prompting::StoryPrompt& p = *m_prompt;
    QTextCursor cursor(m_text->document());
    // Parts merged by source and label for the list: the template's many stretches are one row.
    std::vector<std::pair<QString, int>> rows;
    std::map<QString, size_t> rowOf;
    for (const prompting::PromptPart& part : p.parts) {
        QTextCharFormat format;
        format.setBackground(sourceColor(palette(), part.source));
        format.setForeground(palette().color(QPalette::Text));
        const QString name = sourceName(part.source);
        format.setToolTip(part.label.empty()
                              ? tr("%1 \u00B7 %n token(s)", nullptr, part.tokens).arg(name)
                              : tr("%1: %2 \u00B7 %n token(s)", nullptr, part.tokens)
                                    .arg(name, QString::fromStdString(part.label)));
        cursor.insertText(fromUtf8(p.text, part.start, part.end), format);
        const QString row =
            part.label.empty()
                ? name
                : QStringLiteral("%1: %2").arg(name, QString::fromStdString(part.label));
        auto [at, added] = rowOf.try_emplace(row, rows.size());
        if (added) rows.emplace_back(row, 0);
        rows[at->second].second += part.tokens;
    }
    for (const auto& [row, tokens] : rows)
        new QTreeWidgetItem(m_parts, {row, m_recorded ? QString() : QString::number(tokens)});
    for (const prompting::EntryDecision& e : p.entries) {
        auto* item = new QTreeWidgetItem(
            m_entries,
            {QString::fromStdString(e.name), e.included ? tr("in") : tr("out"),
             e.included && !m_recorded ? QString::number(e.tokens) : QString(),
             QString::fromStdString(e.reason)});
        item->setToolTip(3, QString::fromStdString(e.reason));
        if (!e.included) item->setForeground(0, palette().color(QPalette::PlaceholderText));
    }
    const int included = int(p.includedEntries.size());
    if (m_recorded) {
        m_total->setText(tr("%1 tokens read · %2 story-bible entries").arg(m_recordedTokens)
                             .arg(included));
        m_text->moveCursor(QTextCursor::End);
        return;
    }
    m_total->setText(tr("%1 of %2 tokens (the budget) \u00B7 %3 of %4 story-bible entries in")
                         .arg(p.tokens) // a server's prompt has no ids here, only a count
                         .arg(p.budgetTokens)
                         .arg(included)
                         .arg(p.entries.size()));
    m_text->moveCursor(QTextCursor::End); // the task's own words, where the model writes on
    m_text->ensureCursorVisible();
}

void ContextViewer::changeEvent(QEvent* event) {
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) { // light or dark: the colours follow
        showLegend();
        showPrompt();
    }
}

} // namespace fabulist::ui
