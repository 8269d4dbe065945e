#pragma once
// CandidateCards: the candidates of one request in the Generate tab, one compact card each
// (its number, seed and state, the first lines of its text, streaming in), stacked so they fit
// the side panel; more than three scroll. One card is selected: the one the panel's preview,
// Accept, Discard, Retry and Pin act on. A click chooses a card, and so do the keys while the
// list has the keyboard: Up/Down, Home/End, 1-8. The panel's Alt+] / Alt+[ go through it.
// A card may carry one action button (a brainstormed idea's "To Storyboard"), reachable by Tab.
#include <QScrollArea>
#include <QString>
#include <cstdint>
#include <vector>

class QToolButton;
class QVBoxLayout;

namespace fabulist::ui {

class CandidateCard;

class CandidateCards : public QScrollArea {
    Q_OBJECT
public:
    explicit CandidateCards(QWidget* parent = nullptr);

    // One card per seed, with no text yet; the first selected.
    void reset(const std::vector<uint32_t>& seeds);
    int count() const { return int(m_cards.size()); }
    QString text(int index) const;
    void setText(int index, const QString& text);
    void appendText(int index, const QString& piece);
    // A short note after the seed ("24 tokens", "stopped").
    void setNote(int index, const QString& note);
    int selected() const { return m_selected; }
    // Selects without emitting chosen().
    void setSelected(int index);
    CandidateCard* card(int index) const { return m_cards[size_t(index)]; }
    // Every card's action button ("To Storyboard"); empty: none. New cards get it too.
    void setActionText(const QString& text);
    void setActionEnabled(int index, bool enabled);

signals:
    // The writer chose card `index` (click or key).
    void chosen(int index);
    // The action button of card `index` was pressed.
    void actionTriggered(int index);

protected:
    void keyPressEvent(QKeyEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void choose(int index);
    void fitHeight(); // up to three cards without scrolling

    QWidget* m_content;
    QVBoxLayout* m_layout;
    std::vector<CandidateCard*> m_cards;
    int m_selected = -1;
    QString m_actionText;
};

// One card, painted in palette roles (light and dark alike).
class CandidateCard : public QWidget {
    Q_OBJECT
public:
    CandidateCard(int number, uint32_t seed, QWidget* parent = nullptr);

    QString text() const { return m_text; }
    void setText(const QString& text);
    void setNote(const QString& note);
    bool isSelected() const { return m_selected; }
    void setSelected(bool selected);
    // Drawn with a stronger frame while the list has the keyboard.
    void setListFocused(bool focused);
    QString header() const;
    QSize sizeHint() const override;
    // The button in the card's corner (hidden while the text is empty).
    void setActionText(const QString& text);
    QToolButton* actionButton() const { return m_action; }

signals:
    void clicked();
    void actionTriggered();

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    static constexpr int kLines = 3; // of text on a card
    int m_number;
    uint32_t m_seed;
    QString m_text;
    QString m_note;
    bool m_selected = false;
    bool m_listFocused = false;
    QToolButton* m_action = nullptr;
};

} // namespace fabulist::ui
