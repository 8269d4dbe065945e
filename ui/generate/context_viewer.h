#pragma once
// ContextViewer: "What the model reads" (#17 item 4). The prompt the chosen task would send
// now, as GenerationController::preview builds it on the worker (the call generation makes, not
// a re-creation): the text coloured by where each part comes from (Memory, story bible,
// Author's Note, scene, selection, instruction, the template's own words) with a legend, the
// tokens of each part and the total against the budget, and every story-bible entry with
// whether it is in and why. It refreshes when asked (Refresh, F5), never on each keystroke.
// Colours are mixed from the palette, so light and dark both read.
#include "inference/prompting/story_prompt.h"
#include "ui/generate/generation_request.h"

#include <QDialog>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QLabel;
class QPushButton;
class QTextEdit;
class QTreeWidget;

namespace fabulist::storage {
struct BibleEntry;
struct Generation;
} // namespace fabulist::storage

namespace fabulist::ui {

class GenerationController;

class ContextViewer : public QDialog {
    Q_OBJECT
public:
    // The request to preview, or nullopt with the reason in the QString.
    using RequestSource = std::function<std::optional<GenerationRequest>(QString*)>;

    ContextViewer(GenerationController* generation, QWidget* parent = nullptr);

    void setRequestSource(RequestSource source) { m_source = std::move(source); }
    void setTaskTitle(const QString& title);
    // Asks for the prompt again; the answer fills the view when it comes (previewReady).
    void refresh();
    // What a recorded generation read: its exact prompt, coloured by the parts it recorded, and
    // the story-bible entries it read (named from `bible`). No refresh: it is history.
    void showRecorded(const storage::Generation& generation,
                      const std::vector<storage::BibleEntry>& bible);
    // The prompt shown (nullptr before the first answer, or when there is none).
    std::shared_ptr<const inference::prompting::StoryPrompt> prompt() const { return m_prompt; }
    // The id of the preview asked for last (0: none in flight).
    qint64 pendingId() const { return m_pending; }

    QTextEdit* textView() const { return m_text; }
    QTreeWidget* partsList() const { return m_parts; }
    QTreeWidget* entriesList() const { return m_entries; }
    QLabel* totalLabel() const { return m_total; }
    QLabel* messageLabel() const { return m_message; }
    QPushButton* refreshButton() const { return m_refresh; }

    // The background of a part from `source` ("memory", "bible", ...), from the palette.
    static QColor sourceColor(const QPalette& palette, const std::string& source);
    // The legend's name of a source ("Story bible").
    static QString sourceName(const std::string& source);

signals:
    // A new prompt is shown (or a reason why there is none).
    void shown();

protected:
    void changeEvent(QEvent* event) override;

private:
    void onPreview(const PromptPreview& preview);
    void showPrompt();
    void showMessage(const QString& message);
    void showLegend();

    GenerationController* m_generation;
    RequestSource m_source;
    qint64 m_pending = 0;
    bool m_recorded = false; // showing a recorded generation (no token counts per part)
    int m_recordedTokens = 0;
    std::shared_ptr<const inference::prompting::StoryPrompt> m_prompt;
    QLabel* m_title;
    QLabel* m_message;
    QLabel* m_legend;
    QTextEdit* m_text;
    QLabel* m_total;
    QTreeWidget* m_parts;
    QTreeWidget* m_entries;
    QPushButton* m_refresh;
};

} // namespace fabulist::ui
