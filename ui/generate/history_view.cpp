#include "ui/generate/history_view.h"

#include "ui/generate/context_viewer.h"

#include "storage/project.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/generation_controller.h"
#include "ui/generate/story_task.h"
#include "ui/generate/token_inspector.h"
#include "ui/project/snapshot_compare_view.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTextCursor>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>
#include <algorithm>
#include <exception>
#include <functional>
#include <map>

namespace fabulist::ui {

namespace {

// What a generation was asked (#17): "Rewrite · “more tension” · read 2 story-bible entries";
// empty for a plain Continue.
QString taskDetails(const storage::Generation& g) {
    namespace prompting = inference::prompting;
    QStringList parts;
    if (!g.instruction.empty())
        parts << QStringLiteral("\u201C%1\u201D").arg(QString::fromStdString(g.instruction));
    if (!g.bibleEntries.empty())
        parts << HistoryView::tr("read %n story-bible entries", nullptr,
                                 int(g.bibleEntries.size()));
    const auto task = prompting::taskFromName(g.task);
    if (task && *task == prompting::WritingTask::Continue && parts.isEmpty()) return {};
    parts.prepend(task ? taskTitle(*task) : QString::fromStdString(g.task));
    return parts.join(QStringLiteral(" \u00B7 "));
}

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kLedgerLimit = 5000; // a document's generations read at once

QString keptText(const storage::Generation& g) {
    return QString::fromStdString(g.editedOutput.empty() ? g.output : g.editedOutput);
}

QString firstWords(const storage::Generation& g) {
    QString text = keptText(g).simplified();
    if (text.size() > 60) text = text.left(60) + QChar(0x2026);
    return text.isEmpty() ? HistoryView::tr("(nothing)") : text;
}

QString statusName(storage::GenerationStatus s) {
    return QString::fromLatin1(storage::toString(s));
}

} // namespace

HistoryView::HistoryView(EditorView* editor, GenerationController* generation,
                         GeneratePanel* generate, QWidget* parent)
    : QWidget(parent), m_editor(editor), m_generation(generation), m_generate(generate) {
    setObjectName(QStringLiteral("historyView"));
    connect(m_generation, &GenerationController::generationRecorded, this, &HistoryView::reload);
    buildWidgets();
    updateButtons();
}

void HistoryView::buildWidgets() {
    m_filter = new QComboBox(this);
    m_filter->setObjectName(QStringLiteral("historyFilter"));
    m_filter->addItem(tr("All"), QString());
    for (const char* s : {"pending", "accepted", "edited", "rejected"})
        m_filter->addItem(tr(s).at(0).toUpper() + QString::fromLatin1(s).mid(1),
                          QString::fromLatin1(s));
    connect(m_filter, &QComboBox::currentIndexChanged, this,
            [this] { setStatusFilter(m_filter->currentData().toString()); });
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("historySearch"));
    m_search->setPlaceholderText(tr("Search every generation\u2026"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, &HistoryView::setSearch);
    auto* top = new QHBoxLayout;
    top->addWidget(m_filter);
    top->addWidget(m_search, 1);

    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("historyTree"));
    // Two columns fit the side panel; α, seed and model are in the tooltip and under the text.
    m_tree->setHeaderLabels({tr("Text"), tr("Status")});
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->setIndentation(14);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, [this] {
        showSelected();
        updateButtons();
    });
    connect(m_tree, &QTreeWidget::itemActivated, this, [this] { useSelected(); });

    m_reader = new QPlainTextEdit(this);
    m_reader->setObjectName(QStringLiteral("historyReader"));
    m_reader->setReadOnly(true);
    m_reader->setPlaceholderText(tr("Select a generation to read it whole; click a word to see "
                                    "why the model wrote it."));
    m_tokens = new TokenInspector(m_reader, m_generation, m_generate, this);
    m_details = new QLabel(this);
    m_details->setWordWrap(true);
    m_details->setForegroundRole(QPalette::PlaceholderText);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_tree);
    split->addWidget(m_reader);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    m_use = new QPushButton(tr("Use This"), this);
    m_use->setToolTip(tr("Insert it at the cursor (one undo step; Return on a row does the same)"));
    connect(m_use, &QPushButton::clicked, this, [this] { useSelected(); });
    m_continue = new QPushButton(tr("Continue from Here"), this);
    m_continue->setToolTip(tr("Generate on from this text: a new branch under it"));
    connect(m_continue, &QPushButton::clicked, this, [this] { continueFromSelected(); });
    m_compare = new QPushButton(tr("Compare"), this);
    m_compare->setToolTip(tr("Select two (Ctrl+click) to read them side by side"));
    connect(m_compare, &QPushButton::clicked, this, [this] { compareSelected(); });
    auto* buttons = new QGridLayout;
    buttons->addWidget(m_use, 0, 0);
    buttons->addWidget(m_compare, 0, 1);
    buttons->addWidget(m_continue, 1, 0, 1, 2);
    m_read = new QPushButton(tr("What It &Read"), this);
    m_read->setToolTip(tr("The exact prompt this generation read, coloured by where each part "
                          "came from, and the story-bible entries in it"));
    connect(m_read, &QPushButton::clicked, this, [this] { showWhatSelectedRead(); });
    buttons->addWidget(m_read, 2, 0, 1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addWidget(m_details);
    layout->addLayout(buttons);
}

void HistoryView::setProject(storage::Project* project) {
    m_project = project;
    m_nodeId.reset();
    reload();
}

void HistoryView::setDocument(std::optional<int64_t> nodeId) {
    m_nodeId = nodeId;
    reload();
}

void HistoryView::setStatusFilter(const QString& status) {
    m_status = status;
    const int index = m_filter->findData(status);
    if (index >= 0 && index != m_filter->currentIndex()) m_filter->setCurrentIndex(index);
    reload();
}

void HistoryView::setSearch(const QString& query) {
    m_query = query.trimmed();
    if (m_search->text() != query) m_search->setText(query);
    reload();
}

QTreeWidgetItem* HistoryView::makeItem(const storage::Generation& g) const {
    auto* item = new QTreeWidgetItem({firstWords(g), statusName(g.status)});
    item->setData(0, kIdRole, qint64(g.id));
    const QString task = taskDetails(g);
    item->setToolTip(0, tr("%1\n\n%5\u03B1 %2 \u00B7 seed %3 \u00B7 %4")
                            .arg(keptText(g).trimmed())
                            .arg(g.mixAlpha, 0, 'f', 2)
                            .arg(g.seed)
                            .arg(QString::fromStdString(g.modelId))
                            .arg(task.isEmpty() ? QString() : task + QStringLiteral("\n")));
    return item;
}

// The document's generations as a tree, newest first; a filtered-out parent still holds its
// matching children (its row is shown greyed so the branch stays readable).
void HistoryView::reload() {
    const std::optional<int64_t> keep = selectedId();
    m_tree->clear();
    if (!m_project) return;
    std::vector<storage::Generation> rows;
    try {
        if (!m_query.isEmpty()) {
            storage::SearchOptions options;
            options.documents = false;
            for (const storage::SearchHit& hit :
                 m_project->search().search(m_query.toStdString(), options))
                if (auto g = m_project->generations().find(hit.id)) rows.push_back(*g);
        } else if (m_nodeId) {
            rows = m_project->generations().forDocument(*m_nodeId, kLedgerLimit);
        }
    } catch (const std::exception& e) {
        emit errorOccurred(
            tr("The history could not be read: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    std::map<int64_t, QTreeWidgetItem*> items;
    for (const storage::Generation& g : rows) items[g.id] = makeItem(g);
    auto shown = [this](const storage::Generation& g) {
        return m_status.isEmpty() || statusName(g.status) == m_status;
    };
    // Oldest first so a child finds its parent; the top level is shown newest first.
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        QTreeWidgetItem* item = items[it->id];
        if (!shown(*it))
            for (int c = 0; c < item->columnCount(); ++c)
                item->setForeground(c, palette().brush(QPalette::Disabled, QPalette::Text));
        const auto parent = it->parentId ? items.find(*it->parentId) : items.end();
        if (parent != items.end())
            parent->second->addChild(item);
        else
            m_tree->insertTopLevelItem(0, item);
    }
    // Drop the rows the filter hides, unless they hold shown children.
    std::function<bool(QTreeWidgetItem*)> prune = [&](QTreeWidgetItem* item) {
        for (int i = item->childCount() - 1; i >= 0; --i)
            if (prune(item->child(i))) delete item->child(i);
        const auto g = std::find_if(rows.begin(), rows.end(), [&](const storage::Generation& r) {
            return r.id == item->data(0, kIdRole).toLongLong();
        });
        return item->childCount() == 0 && g != rows.end() && !shown(*g);
    };
    for (int i = m_tree->topLevelItemCount() - 1; i >= 0; --i)
        if (prune(m_tree->topLevelItem(i))) delete m_tree->takeTopLevelItem(i);
    m_tree->expandAll();
    if (keep) select(*keep);
    showSelected();
    updateButtons();
}

void HistoryView::select(int64_t generationId) {
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it)
        if ((*it)->data(0, kIdRole).toLongLong() == generationId) {
            m_tree->setCurrentItem(*it);
            return;
        }
}

std::optional<int64_t> HistoryView::selectedId() const {
    const QList<QTreeWidgetItem*> selected = m_tree->selectedItems();
    if (selected.isEmpty()) return std::nullopt;
    return selected.first()->data(0, kIdRole).toLongLong();
}

QList<int64_t> HistoryView::shownIds() const {
    QList<int64_t> ids;
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it) ids << (*it)->data(0, kIdRole).toLongLong();
    return ids;
}

std::optional<storage::Generation> HistoryView::generation(int64_t id) const {
    if (!m_project) return std::nullopt;
    try {
        return m_project->generations().find(id);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void HistoryView::showSelected() {
    const std::optional<storage::Generation> g =
        selectedId() ? generation(*selectedId()) : std::nullopt;
    if (!g) {
        m_reader->clear();
        m_details->clear();
        m_tokens->clear();
        return;
    }
    m_reader->setPlainText(keptText(*g));
    if (m_tokens->generationId() != g->id) m_tokens->setGeneration(*g);
    QString details =
        tr("%1 \u00B7 \u03B1 %2 \u00B7 temperature %3 \u00B7 seed %4 \u00B7 %5 tokens \u00B7 %6")
            .arg(statusName(g->status))
            .arg(g->mixAlpha, 0, 'f', 2)
            .arg(g->sampler.temperature, 0, 'f', 2)
            .arg(g->seed)
            .arg(g->generatedTokens)
            .arg(QString::fromStdString(g->modelId));
    if (!g->alphaChanges.empty()) details += tr(" \u00B7 slider moved while it streamed");
    const QString task = taskDetails(*g);
    if (!task.isEmpty()) details = task + QStringLiteral("\n") + details;
    m_details->setText(details);
}

void HistoryView::updateButtons() {
    const int selected = int(m_tree->selectedItems().size());
    m_use->setEnabled(selected == 1 && m_project && !m_project->isReadOnly());
    m_continue->setEnabled(selected == 1 && m_project && !m_project->isReadOnly());
    m_read->setEnabled(selected == 1 && m_project);
    m_compare->setEnabled(selected == 2);
}

bool HistoryView::useSelected() {
    const std::optional<storage::Generation> g =
        selectedId() ? generation(*selectedId()) : std::nullopt;
    if (!g || !m_project || m_project->isReadOnly()) return false;
    QTextCursor cursor = m_editor->textCursor();
    cursor.beginEditBlock(); // one undo step
    cursor.insertText(keptText(*g));
    cursor.endEditBlock();
    m_editor->setTextCursor(cursor);
    m_editor->setFocus();
    if (g->status != storage::GenerationStatus::Edited)
        m_generation->setStatus(g->id, storage::GenerationStatus::Accepted);
    reload();
    return true;
}

bool HistoryView::continueFromSelected() {
    const std::optional<storage::Generation> g =
        selectedId() ? generation(*selectedId()) : std::nullopt;
    return g && m_generate->continueFrom(*g);
}

QWidget* HistoryView::compareSelected() {
    const QList<QTreeWidgetItem*> selected = m_tree->selectedItems();
    if (selected.size() != 2) return nullptr;
    const auto a = generation(selected[0]->data(0, kIdRole).toLongLong());
    const auto b = generation(selected[1]->data(0, kIdRole).toLongLong());
    if (!a || !b) return nullptr;
    auto* view = new SnapshotCompareView(tr("Generation %1").arg(a->id), keptText(*a),
                                         tr("Generation %1").arg(b->id), keptText(*b), this);
    view->setAttribute(Qt::WA_DeleteOnClose);
    view->show();
    return view;
}

QWidget* HistoryView::showWhatSelectedRead() {
    const QList<QTreeWidgetItem*> selected = m_tree->selectedItems();
    if (selected.size() != 1 || !m_project) return nullptr;
    const auto g = generation(selected[0]->data(0, kIdRole).toLongLong());
    if (!g) return nullptr;
    std::vector<storage::BibleEntry> bible;
    try {
        bible = m_project->bible().entries();
    } catch (const std::exception& e) {
        emit errorOccurred(tr("The story bible could not be read: %1").arg(e.what()));
    }
    auto* viewer = new ContextViewer(m_generation, this);
    viewer->setAttribute(Qt::WA_DeleteOnClose);
    viewer->setWindowFlag(Qt::Window);
    viewer->showRecorded(*g, bible);
    viewer->show();
    return viewer;
}

} // namespace fabulist::ui
