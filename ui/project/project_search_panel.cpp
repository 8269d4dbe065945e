#include "ui/project/project_search_panel.h"

#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/project/binder_model.h"
#include "ui/project/node_icons.h"
#include "ui/project/project_replace.h"
#include "ui/project/replace_preview_dialog.h"
#include "ui/project/search_result_delegate.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {
constexpr int kResultLimit = 200;
constexpr int kTypingDelayMs = 200;
const QString kGenerationKind = QStringLiteral("generation");

QString toQString(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString statusLabel(storage::GenerationStatus status) {
    using S = storage::GenerationStatus;
    switch (status) {
    case S::Pending:
        return ProjectSearchPanel::tr("pending");
    case S::Accepted:
        return ProjectSearchPanel::tr("accepted");
    case S::Rejected:
        return ProjectSearchPanel::tr("rejected");
    case S::Edited:
        return ProjectSearchPanel::tr("edited");
    }
    return {};
}
} // namespace

ProjectSearchPanel::ProjectSearchPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("projectSearchPanel"));
    buildWidgets();
    m_typingDelay.setSingleShot(true);
    m_typingDelay.setInterval(kTypingDelayMs);
    connect(&m_typingDelay, &QTimer::timeout, this, &ProjectSearchPanel::search);
    updateControls();
}

void ProjectSearchPanel::buildWidgets() {
    m_query = new QLineEdit(this);
    m_query->setObjectName(QStringLiteral("projectSearchQuery"));
    m_query->setPlaceholderText(tr("Search the project"));
    m_query->setClearButtonEnabled(true);
    m_query->setToolTip(tr("All words must match; the last one may be the start of a word; "
                           "\"quotes\" for a phrase. Down goes to the results."));
    m_query->installEventFilter(this);
    connect(m_query, &QLineEdit::textChanged, this, [this] { m_typingDelay.start(); });
    // Enter searches now and goes to the best result; Enter there opens it.
    connect(m_query, &QLineEdit::returnPressed, this, [this] {
        search();
        if (m_model->rowCount() > 0) m_results->setFocus(Qt::TabFocusReason);
    });

    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("projectSearchKind"));
    m_kind->setToolTip(tr("Kind of document"));
    m_kind->addItem(tr("All kinds"), QString());
    using K = storage::NodeKind;
    for (K kind : {K::Scene, K::Chapter, K::Note, K::Character, K::Place, K::Folder})
        m_kind->addItem(nodeIcon(kind), kindLabel(kind), QString::fromLatin1(toString(kind)));
    m_kind->addItem(tr("Generations"), kGenerationKind);
    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("projectSearchStatus"));
    m_status->setToolTip(tr("What you did with a generation"));
    m_status->addItem(tr("Any status"), QString());
    using S = storage::GenerationStatus;
    for (S status : {S::Accepted, S::Edited, S::Rejected, S::Pending})
        m_status->addItem(statusLabel(status), QString::fromLatin1(toString(status)));
    m_chapter = new QComboBox(this);
    m_chapter->setObjectName(QStringLiteral("projectSearchChapter"));
    m_chapter->setToolTip(
        tr("Only this chapter (its scenes and notes, and generations about them)"));
    m_chapter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_chapter->setMinimumContentsLength(12);
    for (QComboBox* box : {m_kind, m_status, m_chapter})
        connect(box, &QComboBox::currentIndexChanged, this, [this] {
            updateControls();
            search();
        });

    m_model = new QStandardItemModel(this);
    m_results = new QListView(this);
    m_results->setObjectName(QStringLiteral("projectSearchResults"));
    m_results->setModel(m_model);
    m_results->setItemDelegate(new SearchResultDelegate(m_results));
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->setResizeMode(QListView::Adjust); // snippets wrap again to a new width
    m_results->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_results->setFrameShape(QFrame::NoFrame);
    m_results->setAlternatingRowColors(true);
    connect(m_results, &QListView::activated, this,
            [this](const QModelIndex& index) { openResult(index.row()); });
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("projectSearchSummary"));
    m_summary->setForegroundRole(QPalette::PlaceholderText);
    m_summary->setWordWrap(true);

    m_replace = new QLineEdit(this);
    m_replace->setObjectName(QStringLiteral("projectReplaceText"));
    m_replace->setPlaceholderText(tr("Replace with"));
    m_caseSensitive = new QCheckBox(tr("Match &case"), this);
    m_caseSensitive->setObjectName(QStringLiteral("projectReplaceCase"));
    m_wholeWords = new QCheckBox(tr("&Whole words"), this);
    m_wholeWords->setObjectName(QStringLiteral("projectReplaceWholeWords"));
    m_replaceAll = new QPushButton(tr("Replace &All\u2026"), this);
    m_replaceAll->setObjectName(QStringLiteral("projectReplaceAllButton"));
    m_replaceAll->setToolTip(tr("Replace the search text, as written, in every document the "
                                "kind and chapter filters allow; shows what changes first"));
    connect(m_replaceAll, &QPushButton::clicked, this, [this] { replaceAllInteractive(); });
    connect(m_replace, &QLineEdit::returnPressed, this, [this] { replaceAllInteractive(); });

    auto* filters = new QGridLayout;
    filters->setContentsMargins(6, 0, 6, 0);
    filters->addWidget(m_kind, 0, 0);
    filters->addWidget(m_status, 0, 1);
    filters->addWidget(m_chapter, 1, 0, 1, 2);
    auto* replaceOptions = new QHBoxLayout;
    replaceOptions->addWidget(m_caseSensitive);
    replaceOptions->addWidget(m_wholeWords);
    replaceOptions->addStretch(1);
    replaceOptions->addWidget(m_replaceAll);
    auto* replaceBox = new QVBoxLayout;
    replaceBox->setContentsMargins(6, 0, 6, 6);
    replaceBox->addWidget(m_replace);
    replaceBox->addLayout(replaceOptions);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    auto* queryRow = new QVBoxLayout;
    queryRow->setContentsMargins(6, 0, 6, 0);
    queryRow->addWidget(m_query);
    layout->addLayout(queryRow);
    layout->addLayout(filters);
    layout->addWidget(m_results, 1);
    auto* summaryRow = new QVBoxLayout;
    summaryRow->setContentsMargins(6, 0, 6, 0);
    summaryRow->addWidget(m_summary);
    layout->addLayout(summaryRow);
    layout->addLayout(replaceBox);
    setTabOrder(m_query, m_kind);
    setTabOrder(m_kind, m_status);
    setTabOrder(m_status, m_chapter);
    setTabOrder(m_chapter, m_results);
    setTabOrder(m_results, m_replace);
    setTabOrder(m_replace, m_caseSensitive);
    setTabOrder(m_caseSensitive, m_wholeWords);
    setTabOrder(m_wholeWords, m_replaceAll);
}

void ProjectSearchPanel::setContext(storage::Project* project, DocumentSession* session) {
    m_project = project;
    m_session = session;
    reloadChapters();
    search();
}

void ProjectSearchPanel::reloadChapters() {
    const QVariant keep = m_chapter->currentData();
    const QSignalBlocker block(m_chapter);
    m_chapter->clear();
    m_chapter->addItem(tr("All chapters"), QVariant());
    m_titles.clear();
    m_chapters.clear();
    if (m_project) {
        try {
            for (const storage::BinderNode& node : m_project->binder().tree()) {
                const QString title = toQString(node.title);
                m_titles[node.id] = title;
                // Parents come first in the tree, so a node inherits its parent's chapter.
                if (node.kind == storage::NodeKind::Chapter) {
                    m_chapters[node.id] = title;
                    m_chapter->addItem(nodeIcon(node.kind), title, qint64(node.id));
                } else if (node.parentId && m_chapters.contains(*node.parentId)) {
                    m_chapters[node.id] = m_chapters[*node.parentId];
                }
            }
        } catch (const std::exception& e) {
            emit errorOccurred(tr("The binder could not be read: %1").arg(e.what()));
        }
    }
    const int index = keep.isValid() ? m_chapter->findData(keep) : 0;
    m_chapter->setCurrentIndex(qMax(0, index));
}

void ProjectSearchPanel::activate(const QString& seed) {
    if (!seed.trimmed().isEmpty() && !seed.contains(QChar::ParagraphSeparator))
        m_query->setText(seed);
    search(); // the texts may have changed since the results were listed
    m_query->setFocus(Qt::ShortcutFocusReason);
    m_query->selectAll();
}

void ProjectSearchPanel::setQuery(const QString& query) {
    m_query->setText(query);
    search();
}

void ProjectSearchPanel::setKindFilter(const QString& kind) {
    m_kind->setCurrentIndex(qMax(0, m_kind->findData(kind)));
}

void ProjectSearchPanel::setChapterFilter(std::optional<int64_t> chapterId) {
    m_chapter->setCurrentIndex(chapterId ? qMax(0, m_chapter->findData(qint64(*chapterId))) : 0);
}

void ProjectSearchPanel::setStatusFilter(const QString& status) {
    m_status->setCurrentIndex(qMax(0, m_status->findData(status)));
}

void ProjectSearchPanel::setReplaceText(const QString& text) {
    m_replace->setText(text);
}

void ProjectSearchPanel::setCaseSensitive(bool on) {
    m_caseSensitive->setChecked(on);
}

void ProjectSearchPanel::setWholeWords(bool on) {
    m_wholeWords->setChecked(on);
}

storage::SearchOptions ProjectSearchPanel::options() const {
    storage::SearchOptions options;
    options.limit = kResultLimit;
    options.markOpen = SearchSnippet::markOpen();
    options.markClose = SearchSnippet::markClose();
    const QString kind = m_kind->currentData().toString();
    if (kind == kGenerationKind)
        options.documents = false;
    else if (!kind.isEmpty())
        options.kind = storage::nodeKindFromString(kind.toStdString());
    if (m_status->isEnabled() && !m_status->currentData().toString().isEmpty())
        options.status =
            storage::generationStatusFromString(m_status->currentData().toString().toStdString());
    if (m_chapter->currentData().isValid()) options.under = m_chapter->currentData().toLongLong();
    return options;
}

void ProjectSearchPanel::search() {
    m_typingDelay.stop();
    m_hits.clear();
    const QString query = m_query->text().trimmed();
    if (m_project && !query.isEmpty()) {
        try {
            m_hits = m_project->search().search(query.toStdString(), options());
        } catch (const std::exception& e) {
            emit errorOccurred(tr("The search failed: %1").arg(e.what()));
        }
    }
    showHits();
}

void ProjectSearchPanel::showHits() {
    m_model->clear();
    for (const storage::SearchHit& hit : m_hits) {
        auto* item = new QStandardItem;
        QStringList heading;
        std::optional<int64_t> node = hit.id;
        if (hit.source == storage::SearchSource::Document ||
            hit.source == storage::SearchSource::BibleEntry) {
            item->setText(toQString(hit.title));
            if (hit.kind) {
                item->setIcon(nodeIcon(*hit.kind));
                heading << kindLabel(*hit.kind);
            }
            if (hit.source == storage::SearchSource::BibleEntry) heading << tr("story bible");
        } else if (hit.source == storage::SearchSource::StoryNote) {
            node.reset();
            item->setText(hit.noteKind == storage::StoryNoteKind::Memory
                              ? tr("Memory")
                              : tr("Author\u2019s Note"));
            heading << tr("story context");
        } else {
            node = hit.documentId;
            const auto title = node ? m_titles.find(*node) : m_titles.end();
            item->setText(title != m_titles.end() ? title->second : tr("Generation"));
            heading << tr("generation (%1)").arg(toQString(hit.title));
            if (hit.status) heading << statusLabel(*hit.status);
        }
        if (node)
            if (const auto chapter = m_chapters.find(*node); chapter != m_chapters.end())
                heading << chapter->second;
        item->setData(heading.join(QStringLiteral(" \u00B7 ")), SearchResultDelegate::HeadingRole);
        item->setData(toQString(hit.snippet), SearchResultDelegate::SnippetRole);
        item->setToolTip(SearchSnippet(toQString(hit.snippet)).plain());
        m_model->appendRow(item);
    }
    const QString query = m_query->text().trimmed();
    if (!m_project)
        m_summary->setText(tr("No project open."));
    else if (query.isEmpty())
        m_summary->setText(
            tr("Type to search every scene, note, story bible entry and generation."));
    else if (m_hits.empty())
        m_summary->setText(tr("Nothing found."));
    else
        m_summary->setText(m_hits.size() >= size_t(kResultLimit)
                               ? tr("The first %1 results, best first").arg(m_hits.size())
                               : tr("%n result(s), best first", nullptr, int(m_hits.size())));
    if (m_model->rowCount() > 0) m_results->setCurrentIndex(m_model->index(0, 0));
    updateControls();
}

void ProjectSearchPanel::updateControls() {
    const bool generations = m_kind->currentData().toString() == kGenerationKind;
    const bool allKinds = m_kind->currentData().toString().isEmpty();
    m_status->setEnabled(generations || allKinds); // a status is a generation's
    const bool writable = m_project && !m_project->isReadOnly();
    for (QWidget* w : std::initializer_list<QWidget*>{m_replace, m_caseSensitive, m_wholeWords})
        w->setEnabled(writable && !generations);
    m_replaceAll->setEnabled(writable && !generations && !m_query->text().isEmpty());
}

bool ProjectSearchPanel::openResult(int row) {
    if (row < 0 || row >= int(m_hits.size())) return false;
    const storage::SearchHit& hit = m_hits[size_t(row)];
    const SearchSnippet snippet(toQString(hit.snippet));
    switch (hit.source) {
    case storage::SearchSource::Document:
        emit documentActivated(hit.id, snippet);
        break;
    case storage::SearchSource::BibleEntry:
        emit bibleEntryActivated(hit.id, snippet);
        break;
    case storage::SearchSource::StoryNote:
        emit storyNoteActivated(hit.noteKind.value_or(storage::StoryNoteKind::Memory), snippet);
        break;
    case storage::SearchSource::Generation:
        emit generationActivated(hit.id, hit.documentId);
        break;
    }
    return true;
}

ReplacePreviewDialog* ProjectSearchPanel::replaceAllInteractive() {
    updateControls();
    if (!m_project || !m_replaceAll->isEnabled()) return nullptr;
    ReplaceOptions options;
    options.caseSensitive = m_caseSensitive->isChecked();
    options.wholeWords = m_wholeWords->isChecked();
    const storage::SearchOptions scope = this->options();
    options.kind = scope.kind;
    options.under = scope.under;
    const ReplacePlan plan =
        ProjectReplace::plan(*m_project, m_session, m_query->text(), m_replace->text(), options);
    if (!plan.error.isEmpty()) {
        emit errorOccurred(plan.error);
        return nullptr;
    }
    auto* dialog = new ReplacePreviewDialog(plan, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowModality(Qt::WindowModal);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { applyPlan(dialog->plan()); });
    dialog->open();
    return dialog;
}

void ProjectSearchPanel::applyPlan(const ReplacePlan& plan) {
    if (!m_project) return;
    const QString error = ProjectReplace::apply(*m_project, m_session, plan);
    if (!error.isEmpty()) {
        emit errorOccurred(error);
        return;
    }
    search(); // the index already follows the new texts
    m_summary->setText(
        tr("Replaced %1 in %n document(s).", nullptr, int(plan.changes.size())).arg(plan.total()));
    emit replaced(int(plan.changes.size()), plan.total());
}

bool ProjectSearchPanel::eventFilter(QObject* watched, QEvent* event) {
    // Down from the query goes into the results, as in a browser's find.
    if (watched == m_query && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent*>(event)->key() == Qt::Key_Down && m_model->rowCount() > 0) {
        m_results->setFocus(Qt::TabFocusReason);
        if (!m_results->currentIndex().isValid()) m_results->setCurrentIndex(m_model->index(0, 0));
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ProjectSearchPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    // The snippets' highlight follows the palette (light / dark).
    if (event->type() == QEvent::PaletteChange) m_results->viewport()->update();
}

} // namespace fabulist::ui
