#pragma once
// ProjectSearchPanel: the "Search" side tab (Edit > Search in Project, Ctrl+Shift+F): a query
// over the project's full-text index (scenes, notes, characters, places, the story bible's
// aliases and notes for the model, Memory and Author's Note, generations), results
// ranked by storage (bm25) with their snippet's matches highlighted, their kind and chapter;
// filters by kind, chapter (binder subtree) and generation status. Enter or double-click on a
// result asks the window to open it (documentActivated / generationActivated /
// bibleEntryActivated / storyNoteActivated). Replace All
// (literal text, case and whole-word options, in the documents the kind and chapter filters
// allow) shows a preview first and then writes through ProjectReplace.
#include "storage/search_repository.h"
#include "ui/project/search_snippet.h"

#include <QTimer>
#include <QWidget>
#include <map>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QStandardItemModel;

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class DocumentSession;
class ReplacePreviewDialog;
struct ReplacePlan;

class ProjectSearchPanel : public QWidget {
    Q_OBJECT
public:
    explicit ProjectSearchPanel(QWidget* parent = nullptr);

    void setContext(storage::Project* project, DocumentSession* session); // nullptr: none
    void reloadChapters(); // the chapter filter's list, after the binder changed

    // Focuses the query field, with `seed` in it when not empty, all selected.
    void activate(const QString& seed = {});
    void setQuery(const QString& query); // searches at once
    void search();
    // "" (all), a node kind's name ("scene", "note", ...) or "generation".
    void setKindFilter(const QString& kind);
    void setChapterFilter(std::optional<int64_t> chapterId);
    // "" (any), "pending", "accepted", "edited" or "rejected".
    void setStatusFilter(const QString& status);

    const std::vector<storage::SearchHit>& hits() const { return m_hits; } // as listed
    // Opens the result at `row` (what Enter and double-click do).
    bool openResult(int row);

    void setReplaceText(const QString& text);
    void setCaseSensitive(bool on);
    void setWholeWords(bool on);
    // The preview of replacing the query text (window-modal, deleted on close; accepting it
    // replaces); nullptr when there is nothing to replace with (no query, generations filter).
    ReplacePreviewDialog* replaceAllInteractive();

    QLineEdit* queryField() const { return m_query; }
    QListView* resultList() const { return m_results; }
    QComboBox* kindFilter() const { return m_kind; }
    QComboBox* chapterFilter() const { return m_chapter; }
    QComboBox* statusFilter() const { return m_status; }
    QLabel* summary() const { return m_summary; }

signals:
    void documentActivated(qint64 nodeId, const fabulist::ui::SearchSnippet& snippet);
    void generationActivated(qint64 generationId, std::optional<int64_t> documentId);
    // A character's or place's aliases or note for the model matched: its story bible fields.
    void bibleEntryActivated(qint64 nodeId, const fabulist::ui::SearchSnippet& snippet);
    // Memory or Author's Note matched.
    void storyNoteActivated(fabulist::storage::StoryNoteKind kind,
                            const fabulist::ui::SearchSnippet& snippet);
    void replaced(int documents, int replacements);
    void errorOccurred(const QString& message);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void buildWidgets();
    storage::SearchOptions options() const;
    void showHits();
    void updateControls();
    void applyPlan(const ReplacePlan& plan);

    storage::Project* m_project = nullptr;
    DocumentSession* m_session = nullptr;
    std::vector<storage::SearchHit> m_hits;
    std::map<int64_t, QString> m_titles;   // node id -> title
    std::map<int64_t, QString> m_chapters; // node id -> its chapter's title
    QTimer m_typingDelay;                  // searches while typing, after a short pause
    QLineEdit* m_query;
    QComboBox* m_kind;
    QComboBox* m_status;
    QComboBox* m_chapter;
    QListView* m_results;
    QStandardItemModel* m_model;
    QLabel* m_summary;
    QLineEdit* m_replace;
    QCheckBox* m_caseSensitive;
    QCheckBox* m_wholeWords;
    QPushButton* m_replaceAll;
};

} // namespace fabulist::ui
