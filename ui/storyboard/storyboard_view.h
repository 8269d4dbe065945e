#pragma once
// StoryboardView: the "Storyboard" panel. A board selector with New / Rename / Delete, and the
// shown board's cards on a QGraphicsScene (StoryCardItem) that the writer drags around, adds to
// ("Add card", or a double-click on empty board space), edits (double-click a card:
// CardEditorDialog) and deletes (Delete key or the context menu; one confirmation for several).
// Every change goes to the project's StoryboardRepository at once; a dragged card's position is
// saved when the mouse is released, not on every move. Storage failures are reported through
// errorOccurred and leave the view showing what the project holds.
//
// A board opens framed on its cards (when shown, on another board, on another project): the
// cards' bounding rect fitted when that needs a scale from 0.5 to 1, else its top-left card at
// full size. New cards go to the first free place on a grid, in the visible area when there is
// room. Double-clicking a card's link square (or Return on a linked card) asks to open the
// linked node (openNodeRequested); the window does that.
//
// The questions it asks (board name, delete confirmations, the card editor) are window-modal
// dialogs opened with open(), so nothing here spins a nested event loop.
#include <QList>
#include <QPointF>
#include <QWidget>
#include <cstdint>
#include <optional>

class QComboBox;
class QGraphicsScene;
class QGraphicsView;
class QLabel;
class QPushButton;
class QToolButton;

namespace fabulist::storage {
class Project;
struct Card;
} // namespace fabulist::storage

namespace fabulist::ui {

class CardEditorDialog;
class StoryCardItem;

class StoryboardView : public QWidget {
    Q_OBJECT
public:
    explicit StoryboardView(QWidget* parent = nullptr);

    // The open project (nullptr: empty and disabled). Shows its first board.
    void setProject(storage::Project* project);
    storage::Project* project() const { return m_project; }

    std::optional<int64_t> currentBoardId() const;
    void showBoard(int64_t boardId);
    // Reads the boards and the shown board's cards again (after changes made elsewhere); the
    // view stays where it is when the same board is still shown.
    void reload();
    // Scales and scrolls the view so that the shown board's cards are in sight.
    void frameCards();

    // Changes through the repository, then the view follows. nullopt / false when storage
    // refused (the message went to errorOccurred).
    std::optional<int64_t> createBoard(const QString& title); // and shows it
    bool renameBoard(int64_t boardId, const QString& title);
    bool removeBoard(int64_t boardId); // and its cards
    // A card on the shown board with its top-left corner at scenePos.
    std::optional<int64_t> addCard(QPointF scenePos, const QString& title = {},
                                   const QString& text = {});
    bool saveCard(const storage::Card& card);
    bool removeCards(const QList<int64_t>& cardIds);
    // An idea from the Generate panel: a card with the text (title: its first words) on the
    // shown board, or on a board named "Ideas" (created when there is none), linked to the
    // generation. Returns the card's id.
    std::optional<int64_t> pinIdea(const QString& text, std::optional<int64_t> generationId);
    static QString ideaTitle(const QString& text);

    // The binder node open in the editor (nullopt: none): a card can be linked to it.
    void setCurrentNode(std::optional<int64_t> nodeId);
    // Links the card to the current node (false when there is none or storage refused).
    bool linkCardToCurrentNode(int64_t cardId);
    bool unlinkCardFromNode(int64_t cardId);

    // The interactive versions ask first.
    void newBoardInteractive();
    void renameBoardInteractive();
    void removeBoardInteractive(); // says how many cards go with it
    void addCardInteractive();     // a free place in the visible area, then the card editor
    // The top-left corner of a card-sized place that overlaps no card: the first free slot of a
    // grid, in the visible area when there is one, else below it.
    QPointF freeSpot() const;
    CardEditorDialog* editCard(int64_t cardId); // saves with updateCard on OK
    void removeSelectedCardsInteractive();

    QList<int64_t> cardIds() const; // of the shown board, in stacking order
    StoryCardItem* cardItem(int64_t cardId) const;
    QList<int64_t> selectedCardIds() const;

    QComboBox* boardBox() const { return m_boards; }
    QGraphicsView* graphicsView() const { return m_view; }
    QGraphicsScene* scene() const { return m_scene; }
    QToolButton* newBoardButton() const { return m_newBoard; }
    QToolButton* renameBoardButton() const { return m_renameBoard; }
    QToolButton* deleteBoardButton() const { return m_deleteBoard; }
    QPushButton* addCardButton() const { return m_addCard; }

signals:
    void errorOccurred(const QString& message);
    void cardsChanged();  // added, edited, moved or removed
    void boardsChanged(); // created, renamed or removed
    // The writer asked for the binder node a card is linked to.
    void openNodeRequested(int64_t nodeId);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void fillBoards(std::optional<int64_t> select);
    void loadCards();
    StoryCardItem* insertItem(const storage::Card& card);
    void saveMovedCards();
    void updateSceneRect();
    void updateState();
    bool keyPressOnView(QKeyEvent* event);
    StoryCardItem* keyboardCard() const; // the card the keyboard acts on: the one selected
    bool selectNextCard(bool forward);   // false past the last card: Tab leaves the board
    void showContextMenu(QPointF scenePos, const QPoint& screenPos);
    template <typename F> bool attempt(const QString& what, F&& change);

    storage::Project* m_project = nullptr;
    std::optional<int64_t> m_currentNode;
    QComboBox* m_boards;
    QToolButton* m_newBoard;
    QToolButton* m_renameBoard;
    QToolButton* m_deleteBoard;
    QPushButton* m_addCard;
    QLabel* m_hint;
    QGraphicsScene* m_scene;
    QGraphicsView* m_view;
    qreal m_topZ = 0;       // z of the card raised last
    bool m_filling = false; // the combo box is being refilled: not a choice of the writer
    std::optional<int64_t> m_loadedBoard; // whose cards are on the scene (framed when it changes)
};

} // namespace fabulist::ui
