#include "ui/storyboard/storyboard_view.h"

#include "storage/project.h"
#include "storage/transaction.h"
#include "ui/storyboard/card_editor_dialog.h"
#include "ui/storyboard/story_card_item.h"

#include <QComboBox>
#include <QEvent>
#include <QGraphicsScene>
#include <QGraphicsSceneContextMenuEvent>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <exception>
#include <utility>

namespace fabulist::ui {

namespace {

// The board is at least this large, so there is room to spread out before it scrolls.
constexpr QRectF kMinimumBoard(0, 0, 1600, 1200);
constexpr qreal kMargin = 240;  // room beyond the last card
constexpr qreal kGap = 16;      // between a new card and its neighbours
constexpr int kFlowColumns = 4; // the grid for new cards below the visible area is this wide
// Framing: the cards fitted at a scale in this range (readable, never enlarged), else at full
// size from the top-left card.
constexpr qreal kMinFitScale = 0.5;
constexpr qreal kFrameMargin = 24;
constexpr int kIdeaTitleWords = 6;
constexpr int kIdeaTitleChars = 48;

QString boardLabel(const storage::Board& board, int index) {
    return board.title.empty() ? StoryboardView::tr("Board %1").arg(index + 1)
                               : QString::fromStdString(board.title);
}

} // namespace

StoryboardView::StoryboardView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("storyboardView"));
    m_boards = new QComboBox(this);
    m_boards->setObjectName(QStringLiteral("boardBox"));
    m_boards->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_boards->setMinimumContentsLength(8);
    m_boards->setToolTip(tr("The board shown"));
    auto tool = [this](const QString& text, const QString& tip, const char* name) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setObjectName(QLatin1String(name));
        return b;
    };
    m_newBoard = tool(tr("New"), tr("New board"), "newBoardButton");
    m_renameBoard = tool(tr("Rename"), tr("Rename this board"), "renameBoardButton");
    m_deleteBoard = tool(tr("Delete"), tr("Delete this board and its cards"), "deleteBoardButton");
    m_addCard = new QPushButton(tr("Add card"), this);
    m_addCard->setObjectName(QStringLiteral("addCardButton"));
    m_addCard->setToolTip(tr("A new card on this board (or double-click the board)"));
    m_hint = new QLabel(this);
    m_hint->setWordWrap(true);
    m_hint->setObjectName(QStringLiteral("storyboardHint"));

    m_scene = new QGraphicsScene(this);
    m_scene->setSceneRect(kMinimumBoard);
    m_view = new QGraphicsView(m_scene, this);
    m_view->setObjectName(QStringLiteral("storyboardCanvas"));
    m_view->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_view->setDragMode(QGraphicsView::RubberBandDrag); // select several cards on empty space
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setFocusPolicy(Qt::StrongFocus);
    m_view->setBackgroundRole(QPalette::Base);
    m_scene->installEventFilter(this);
    m_view->installEventFilter(this);

    auto* boardRow = new QHBoxLayout;
    boardRow->addWidget(m_boards, 1);
    boardRow->addWidget(m_newBoard);
    boardRow->addWidget(m_renameBoard);
    boardRow->addWidget(m_deleteBoard);
    auto* cardRow = new QHBoxLayout;
    cardRow->addWidget(m_addCard);
    cardRow->addWidget(m_hint, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(boardRow);
    layout->addLayout(cardRow);
    layout->addWidget(m_view, 1);

    connect(m_boards, &QComboBox::currentIndexChanged, this, [this] {
        if (m_filling) return;
        loadCards();
        updateState();
    });
    connect(m_newBoard, &QToolButton::clicked, this, &StoryboardView::newBoardInteractive);
    connect(m_renameBoard, &QToolButton::clicked, this, &StoryboardView::renameBoardInteractive);
    connect(m_deleteBoard, &QToolButton::clicked, this, &StoryboardView::removeBoardInteractive);
    connect(m_addCard, &QPushButton::clicked, this, &StoryboardView::addCardInteractive);
    updateState();
}

template <typename F> bool StoryboardView::attempt(const QString& what, F&& change) {
    if (!m_project) return false;
    try {
        change();
        return true;
    } catch (const std::exception& e) {
        emit errorOccurred(tr("%1: %2").arg(what, QString::fromUtf8(e.what())));
        return false;
    }
}

void StoryboardView::setProject(storage::Project* project) {
    // Open dialogs belong to the project that goes.
    for (QDialog* d : findChildren<QDialog*>(Qt::FindDirectChildrenOnly)) d->reject();
    m_project = project;
    m_loadedBoard.reset(); // ids are per project: the first board shown is framed
    fillBoards(std::nullopt);
}

std::optional<int64_t> StoryboardView::currentBoardId() const {
    if (!m_project || m_boards->currentIndex() < 0) return std::nullopt;
    return m_boards->currentData().toLongLong();
}

void StoryboardView::showBoard(int64_t boardId) {
    const int index = m_boards->findData(qint64(boardId));
    if (index >= 0) m_boards->setCurrentIndex(index);
}

void StoryboardView::reload() {
    fillBoards(currentBoardId());
}

void StoryboardView::fillBoards(std::optional<int64_t> select) {
    m_filling = true;
    m_boards->clear();
    std::vector<storage::Board> boards;
    attempt(tr("Cannot read the storyboards"), [&] { boards = m_project->storyboard().boards(); });
    for (size_t i = 0; i < boards.size(); ++i)
        m_boards->addItem(boardLabel(boards[i], int(i)), qint64(boards[i].id));
    int index = select ? m_boards->findData(qint64(*select)) : -1;
    if (index < 0 && m_boards->count() > 0) index = 0;
    m_boards->setCurrentIndex(index);
    m_filling = false;
    loadCards();
    updateState();
}

void StoryboardView::loadCards() {
    const QPoint scrolled(m_view->horizontalScrollBar()->value(),
                          m_view->verticalScrollBar()->value());
    m_scene->clear();
    const auto board = currentBoardId();
    if (board) {
        std::vector<storage::Card> cards;
        attempt(tr("Cannot read the board's cards"),
                [&] { cards = m_project->storyboard().cards(*board); });
        for (const storage::Card& card : cards) insertItem(card);
    }
    updateSceneRect();
    const bool anotherBoard = board != m_loadedBoard;
    m_loadedBoard = board;
    if (!anotherBoard) {
        // The same board read again (a change in the other view): stay where the writer was.
        m_view->horizontalScrollBar()->setValue(scrolled.x());
        m_view->verticalScrollBar()->setValue(scrolled.y());
    } else if (isVisible()) {
        frameCards(); // a hidden view has no size to frame with yet: showEvent does it
    }
}

void StoryboardView::frameCards() {
    QRectF cards;
    const StoryCardItem* first = nullptr; // the one nearest the board's top-left corner
    for (QGraphicsItem* item : m_scene->items())
        if (auto* card = qgraphicsitem_cast<StoryCardItem*>(item)) {
            cards |= card->sceneBoundingRect();
            if (!first || card->pos().manhattanLength() < first->pos().manhattanLength())
                first = card;
        }
    m_view->resetTransform();
    if (!first) {
        m_view->horizontalScrollBar()->setValue(m_view->horizontalScrollBar()->minimum());
        m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->minimum());
        return;
    }
    const QRectF wanted = cards.adjusted(-kFrameMargin, -kFrameMargin, kFrameMargin, kFrameMargin);
    const QSizeF port = m_view->viewport()->size();
    const qreal fit = qMin(port.width() / wanted.width(), port.height() / wanted.height());
    if (fit >= kMinFitScale) {
        const qreal scale = qMin<qreal>(fit, 1);
        m_view->setTransform(QTransform::fromScale(scale, scale));
        m_view->centerOn(wanted.center());
    } else {
        // Put the first card at the view's top-left corner, at full size.
        const QPointF corner = first->pos() - QPointF(kFrameMargin, kFrameMargin);
        m_view->centerOn(corner + QPointF(port.width(), port.height()) / 2);
    }
}

void StoryboardView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    frameCards();
}

StoryCardItem* StoryboardView::insertItem(const storage::Card& card) {
    auto* item = new StoryCardItem(card);
    m_scene->addItem(item);
    return item;
}

void StoryboardView::updateSceneRect() {
    QRectF rect = m_scene->itemsBoundingRect().united(kMinimumBoard);
    rect.adjust(0, 0, kMargin, kMargin);
    m_scene->setSceneRect(rect);
}

void StoryboardView::updateState() {
    setEnabled(m_project != nullptr);
    const bool board = currentBoardId().has_value();
    m_boards->setEnabled(board);
    m_newBoard->setEnabled(m_project != nullptr);
    m_renameBoard->setEnabled(board);
    m_deleteBoard->setEnabled(board);
    m_addCard->setEnabled(board);
    m_view->setEnabled(board);
    if (!m_project)
        m_hint->setText(tr("No project open."));
    else if (!board)
        m_hint->setText(tr("No boards yet: New starts one."));
    else
        m_hint->setText(tr("Double-click to add a card; drag to arrange."));
}

QList<int64_t> StoryboardView::cardIds() const {
    QList<int64_t> ids;
    // items() lists the topmost first; the stacking order is the reverse.
    const QList<QGraphicsItem*> items = m_scene->items(Qt::AscendingOrder);
    for (QGraphicsItem* item : items)
        if (auto* card = qgraphicsitem_cast<StoryCardItem*>(item)) ids << card->cardId();
    return ids;
}

StoryCardItem* StoryboardView::cardItem(int64_t cardId) const {
    for (QGraphicsItem* item : m_scene->items())
        if (auto* card = qgraphicsitem_cast<StoryCardItem*>(item); card && card->cardId() == cardId)
            return card;
    return nullptr;
}

QList<int64_t> StoryboardView::selectedCardIds() const {
    QList<int64_t> ids;
    for (QGraphicsItem* item : m_scene->selectedItems())
        if (auto* card = qgraphicsitem_cast<StoryCardItem*>(item)) ids << card->cardId();
    return ids;
}

std::optional<int64_t> StoryboardView::createBoard(const QString& title) {
    QString name = title.trimmed();
    if (name.isEmpty()) name = tr("Board %1").arg(m_boards->count() + 1);
    int64_t id = 0;
    if (!attempt(tr("Cannot create the board"),
                 [&] { id = m_project->storyboard().createBoard(name.toStdString()); }))
        return std::nullopt;
    fillBoards(id);
    emit boardsChanged();
    return id;
}

bool StoryboardView::renameBoard(int64_t boardId, const QString& title) {
    const QString name = title.trimmed();
    if (name.isEmpty()) return false; // an empty name is no name: keep the old one
    const bool ok = attempt(tr("Cannot rename the board"), [&] {
        m_project->storyboard().renameBoard(boardId, name.toStdString());
    });
    fillBoards(boardId);
    if (ok) emit boardsChanged();
    return ok;
}

bool StoryboardView::removeBoard(int64_t boardId) {
    // The neighbour that takes its place in the selector: the next one, else the one before.
    const int index = m_boards->findData(qint64(boardId));
    std::optional<int64_t> next;
    if (index >= 0 && index + 1 < m_boards->count())
        next = m_boards->itemData(index + 1).toLongLong();
    else if (index > 0)
        next = m_boards->itemData(index - 1).toLongLong();
    const bool ok = attempt(tr("Cannot delete the board"),
                            [&] { m_project->storyboard().removeBoard(boardId); });
    fillBoards(ok ? next : std::optional<int64_t>(boardId));
    if (ok) emit boardsChanged();
    return ok;
}

std::optional<int64_t> StoryboardView::addCard(QPointF scenePos, const QString& title,
                                               const QString& text) {
    const auto board = currentBoardId();
    if (!board) return std::nullopt;
    storage::Card card;
    card.boardId = *board;
    card.title = title.toStdString();
    card.text = text.toStdString();
    card.x = scenePos.x();
    card.y = scenePos.y();
    if (!attempt(tr("Cannot add the card"), [&] {
            const int64_t id = m_project->storyboard().addCard(card);
            card = m_project->storyboard().card(id);
        }))
        return std::nullopt;
    m_scene->clearSelection();
    insertItem(card)->setSelected(true);
    updateSceneRect();
    emit cardsChanged();
    return card.id;
}

bool StoryboardView::saveCard(const storage::Card& card) {
    storage::Card saved = card;
    const bool ok = attempt(tr("Cannot save the card"), [&] {
        m_project->storyboard().updateCard(card);
        saved = m_project->storyboard().card(card.id);
    });
    if (StoryCardItem* item = cardItem(card.id); item && ok) item->setCard(saved);
    if (ok) emit cardsChanged();
    return ok;
}

bool StoryboardView::removeCards(const QList<int64_t>& cardIds) {
    if (cardIds.isEmpty()) return true;
    // All or none: one transaction for the lot.
    const bool ok = attempt(tr("Cannot delete the cards"), [&] {
        storage::Transaction tx(m_project->database());
        for (const int64_t id : cardIds) m_project->storyboard().removeCard(id);
        tx.commit();
    });
    if (ok) {
        for (const int64_t id : cardIds) delete cardItem(id);
        updateSceneRect();
        emit cardsChanged();
    }
    return ok;
}

QString StoryboardView::ideaTitle(const QString& text) {
    const QStringList words = text.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QString title = words.mid(0, kIdeaTitleWords).join(QLatin1Char(' '));
    bool cut = words.size() > kIdeaTitleWords;
    if (title.size() > kIdeaTitleChars) {
        title = title.left(kIdeaTitleChars - 1).trimmed();
        cut = true;
    }
    return cut ? title + QStringLiteral("\u2026") : title;
}

std::optional<int64_t> StoryboardView::pinIdea(const QString& text,
                                               std::optional<int64_t> generationId) {
    if (!m_project) return std::nullopt;
    if (!currentBoardId() && !createBoard(tr("Ideas"))) return std::nullopt;
    const auto id = addCard(freeSpot(), ideaTitle(text), text.trimmed());
    if (!id || !generationId) return id;
    StoryCardItem* item = cardItem(*id);
    storage::Card card = item->card();
    card.generationId = generationId;
    if (!saveCard(card)) {
        removeCards({*id}); // no half-pinned card
        return std::nullopt;
    }
    return id;
}

void StoryboardView::setCurrentNode(std::optional<int64_t> nodeId) {
    m_currentNode = nodeId;
}

bool StoryboardView::linkCardToCurrentNode(int64_t cardId) {
    StoryCardItem* item = cardItem(cardId);
    if (!item || !m_currentNode) return false;
    storage::Card card = item->card();
    card.documentId = m_currentNode;
    return saveCard(card);
}

bool StoryboardView::unlinkCardFromNode(int64_t cardId) {
    StoryCardItem* item = cardItem(cardId);
    if (!item || !item->card().documentId) return false;
    storage::Card card = item->card();
    card.documentId.reset();
    return saveCard(card);
}

QPointF StoryboardView::freeSpot() const {
    const QSizeF cardSize(StoryCardItem::kWidth, StoryCardItem::kHeight);
    QList<QRectF> taken;
    for (QGraphicsItem* item : m_scene->items())
        if (qgraphicsitem_cast<StoryCardItem*>(item))
            taken << QRectF(item->pos(), cardSize).adjusted(-kGap, -kGap, kGap, kGap);
    auto isFree = [&](QPointF at) {
        const QRectF place(at, cardSize);
        for (const QRectF& t : std::as_const(taken))
            if (t.intersects(place)) return false;
        return true;
    };
    const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    const QPointF origin(qMax<qreal>(0, visible.left()) + kGap,
                         qMax<qreal>(0, visible.top()) + kGap);
    const QSizeF step = cardSize + QSizeF(kGap, kGap);
    auto slotsIn = [](qreal length, qreal step) { return qMax(1, int(length / step)); };
    const int columns = slotsIn(visible.right() - origin.x() + kGap, step.width());
    const int rows = slotsIn(visible.bottom() - origin.y() + kGap, step.height());
    for (int row = 0; row < rows; ++row)
        for (int column = 0; column < columns; ++column)
            if (const QPointF at = origin + QPointF(column * step.width(), row * step.height());
                isFree(at))
                return at;
    // The visible area is full: further down, row by row. Ends below the lowest card at the
    // latest.
    const int wide = qMax(columns, kFlowColumns);
    for (int row = 0;; ++row)
        for (int column = 0; column < wide; ++column)
            if (const QPointF at = origin + QPointF(column * step.width(), row * step.height());
                isFree(at))
                return at;
}

void StoryboardView::newBoardInteractive() {
    if (!m_project) return;
    auto* dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("boardNameDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("New Board"));
    dialog->setLabelText(tr("Name of the new board:"));
    dialog->setTextValue(tr("Board %1").arg(m_boards->count() + 1));
    connect(dialog, &QInputDialog::textValueSelected, this,
            [this](const QString& name) { createBoard(name); });
    dialog->open();
}

void StoryboardView::renameBoardInteractive() {
    const auto board = currentBoardId();
    if (!board) return;
    auto* dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("boardNameDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Rename Board"));
    dialog->setLabelText(tr("New name of the board:"));
    dialog->setTextValue(m_boards->currentText());
    connect(dialog, &QInputDialog::textValueSelected, this,
            [this, id = *board](const QString& name) { renameBoard(id, name); });
    dialog->open();
}

void StoryboardView::removeBoardInteractive() {
    const auto board = currentBoardId();
    if (!board) return;
    size_t count = 0;
    if (!attempt(tr("Cannot read the board's cards"),
                 [&] { count = m_project->storyboard().cards(*board).size(); }))
        return;
    const QString name = m_boards->currentText();
    const QString text =
        count == 0   ? tr("Delete the board \u201C%1\u201D? It has no cards.").arg(name)
        : count == 1 ? tr("Delete the board \u201C%1\u201D and its 1 card?").arg(name)
                     : tr("Delete the board \u201C%1\u201D and its %2 cards?").arg(name).arg(count);
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete Board"), text,
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmDeleteBoard"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->button(QMessageBox::Yes)->setText(tr("Delete"));
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, id = *board] {
        if (box->clickedButton() == box->button(QMessageBox::Yes)) removeBoard(id);
    });
    box->open();
}

void StoryboardView::addCardInteractive() {
    if (const auto id = addCard(freeSpot(), tr("New card"))) editCard(*id);
}

CardEditorDialog* StoryboardView::editCard(int64_t cardId) {
    StoryCardItem* item = cardItem(cardId);
    if (!item) return nullptr;
    auto* dialog = new CardEditorDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setCard(item->card());
    connect(dialog, &QDialog::accepted, this, [this, dialog] { saveCard(dialog->card()); });
    dialog->open();
    return dialog;
}

void StoryboardView::removeSelectedCardsInteractive() {
    const QList<int64_t> ids = selectedCardIds();
    if (ids.isEmpty()) return;
    QString text;
    if (ids.size() == 1) {
        const QString title = QString::fromStdString(cardItem(ids.front())->card().title);
        text = title.isEmpty() ? tr("Delete this card?")
                               : tr("Delete the card \u201C%1\u201D?").arg(title);
    } else {
        text = tr("Delete these %1 cards?").arg(ids.size());
    }
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete Cards"), text,
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmDeleteCards"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->button(QMessageBox::Yes)->setText(tr("Delete"));
    connect(box, &QMessageBox::finished, this, [this, box, ids] {
        if (box->clickedButton() == box->button(QMessageBox::Yes)) removeCards(ids);
    });
    box->open();
}

void StoryboardView::saveMovedCards() {
    QList<StoryCardItem*> moved;
    for (QGraphicsItem* item : m_scene->items())
        if (auto* card = qgraphicsitem_cast<StoryCardItem*>(item);
            card && !card->isAtSavedPosition())
            moved << card;
    if (moved.isEmpty()) return;
    const bool ok = attempt(tr("Cannot save where the cards are"), [&] {
        storage::Transaction tx(m_project->database());
        for (StoryCardItem* card : std::as_const(moved))
            m_project->storyboard().moveCard(card->cardId(), card->pos().x(), card->pos().y());
        tx.commit();
    });
    for (StoryCardItem* card : std::as_const(moved)) {
        if (ok)
            card->markSaved();
        else
            card->setPos(card->card().x, card->card().y); // back to what the project holds
    }
    updateSceneRect();
    if (ok) emit cardsChanged();
}

void StoryboardView::showContextMenu(QPointF scenePos, const QPoint& screenPos) {
    StoryCardItem* card = nullptr;
    for (QGraphicsItem* item : m_scene->items(scenePos))
        if ((card = qgraphicsitem_cast<StoryCardItem*>(item))) break;
    QMenu menu(this);
    if (card) {
        if (!card->isSelected()) {
            m_scene->clearSelection();
            card->setSelected(true);
        }
        const int64_t id = card->cardId();
        menu.addAction(tr("Edit Card\u2026"), this, [this, id] { editCard(id); });
        if (const auto node = card->card().documentId)
            menu.addAction(tr("Open Linked Scene"), this,
                           [this, node = *node] { emit openNodeRequested(node); });
        // Link to the document open in the editor (a scene, usually), named so the writer sees
        // which one.
        QString current;
        if (m_currentNode)
            attempt(tr("Cannot read the binder"), [&] {
                current = QString::fromStdString(m_project->binder().node(*m_currentNode).title);
            });
        if (!current.isEmpty() && card->card().documentId != m_currentNode)
            menu.addAction(tr("Link to \u201C%1\u201D").arg(current), this,
                           [this, id] { linkCardToCurrentNode(id); });
        if (card->card().documentId)
            menu.addAction(tr("Remove Scene Link"), this, [this, id] { unlinkCardFromNode(id); });
        menu.addSeparator();
        const qsizetype n = selectedCardIds().size();
        menu.addAction(n > 1 ? tr("Delete %1 Cards\u2026").arg(n) : tr("Delete Card\u2026"), this,
                       &StoryboardView::removeSelectedCardsInteractive);
    } else if (currentBoardId()) {
        const QPointF at = scenePos - QPointF(StoryCardItem::kWidth, StoryCardItem::kHeight) / 2;
        menu.addAction(tr("Add Card Here"), this, [this, at] {
            if (const auto id = addCard(at, tr("New card"))) editCard(*id);
        });
    }
    if (!menu.isEmpty()) menu.exec(screenPos);
}

bool StoryboardView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_scene) {
        switch (event->type()) {
        case QEvent::GraphicsSceneMouseDoubleClick: {
            auto* e = static_cast<QGraphicsSceneMouseEvent*>(event);
            if (e->button() != Qt::LeftButton) break;
            for (QGraphicsItem* item : m_scene->items(e->scenePos()))
                if (auto* card = qgraphicsitem_cast<StoryCardItem*>(item)) {
                    // The link square opens the linked scene; the rest of the card edits it.
                    if (card->documentMarkerHitRect().contains(card->mapFromScene(e->scenePos())))
                        emit openNodeRequested(*card->card().documentId);
                    else
                        editCard(card->cardId());
                    return true;
                }
            // Empty board space: a new card centred where the writer double-clicked.
            const QPointF at =
                e->scenePos() - QPointF(StoryCardItem::kWidth, StoryCardItem::kHeight) / 2;
            if (const auto id = addCard(at, tr("New card"))) editCard(*id);
            return true;
        }
        case QEvent::GraphicsSceneMousePress:
            // The card taken up comes to the top while the board is shown (the project keeps
            // creation order; stacking is not saved).
            for (QGraphicsItem* item :
                 m_scene->items(static_cast<QGraphicsSceneMouseEvent*>(event)->scenePos()))
                if (qgraphicsitem_cast<StoryCardItem*>(item)) {
                    item->setZValue(++m_topZ);
                    break;
                }
            break;
        case QEvent::GraphicsSceneMouseRelease:
            // Dragging moved the items on every mouse move; the project learns where they ended
            // up once, now (the release itself never moves an item).
            saveMovedCards();
            break;
        case QEvent::GraphicsSceneContextMenu: {
            auto* e = static_cast<QGraphicsSceneContextMenuEvent*>(event);
            showContextMenu(e->scenePos(), e->screenPos());
            return true;
        }
        default:
            break;
        }
    } else if (watched == m_view && event->type() == QEvent::KeyPress) {
        if (keyPressOnView(static_cast<QKeyEvent*>(event))) return true;
    }
    return QWidget::eventFilter(watched, event);
}

// The keyboard on the board: Tab / Shift+Tab select the cards in reading order (then leave the
// board), Return edits the selected card, the menu key or Shift+F10 opens its context menu (link,
// open the linked scene, delete), Delete deletes the selected cards.
bool StoryboardView::keyPressOnView(QKeyEvent* event) {
    const int key = event->key();
    const bool shift = event->modifiers() & Qt::ShiftModifier;
    if ((key == Qt::Key_Delete || key == Qt::Key_Backspace) && !selectedCardIds().isEmpty()) {
        removeSelectedCardsInteractive();
        return true;
    }
    if ((key == Qt::Key_Tab || key == Qt::Key_Backtab) &&
        !(event->modifiers() & (Qt::ControlModifier | Qt::AltModifier)))
        return selectNextCard(key == Qt::Key_Tab && !shift);
    StoryCardItem* card = keyboardCard();
    if (!card) return false;
    if (key == Qt::Key_Return || key == Qt::Key_Enter) {
        editCard(card->cardId());
        return true;
    }
    if (key == Qt::Key_Menu || (key == Qt::Key_F10 && shift)) {
        const QPointF at = card->sceneBoundingRect().center();
        showContextMenu(at, m_view->viewport()->mapToGlobal(m_view->mapFromScene(at)));
        return true;
    }
    return false;
}

StoryCardItem* StoryboardView::keyboardCard() const {
    const QList<int64_t> ids = selectedCardIds();
    return ids.size() == 1 ? cardItem(ids.front()) : nullptr;
}

bool StoryboardView::selectNextCard(bool forward) {
    QList<StoryCardItem*> cards;
    for (QGraphicsItem* item : m_scene->items())
        if (auto* card = qgraphicsitem_cast<StoryCardItem*>(item)) cards << card;
    // Reading order: by rows of card height, then left to right.
    std::sort(cards.begin(), cards.end(), [](const StoryCardItem* a, const StoryCardItem* b) {
        const auto row = [](const StoryCardItem* c) {
            return int(c->y() / StoryCardItem::kHeight);
        };
        return std::pair(row(a), a->x()) < std::pair(row(b), b->x());
    });
    const StoryCardItem* current = keyboardCard();
    qsizetype index = current ? cards.indexOf(current) : -1;
    index = current ? index + (forward ? 1 : -1) : (forward ? 0 : cards.size() - 1);
    m_scene->clearSelection();
    if (index < 0 || index >= cards.size()) return false; // past the last: focus moves on
    StoryCardItem* next = cards[index];
    next->setSelected(true);
    next->setFocus();
    m_view->ensureVisible(next);
    return true;
}

} // namespace fabulist::ui
