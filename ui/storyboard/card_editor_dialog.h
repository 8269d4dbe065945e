#pragma once
// CardEditorDialog: edits one storyboard card's title, text and colour (a few named swatches, so
// a board stays calm to look at). It only edits a copy; the StoryboardView saves it on OK.
#include "storage/storyboard_repository.h"

#include <QDialog>
#include <QString>
#include <cstdint>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace fabulist::ui {

struct CardSwatch {
    QString name;
    uint32_t rgb; // 0xRRGGBB, as storage keeps it
};

// The colours offered for cards, light ones first; the first is storage's default card colour.
const std::vector<CardSwatch>& cardSwatches();

class CardEditorDialog : public QDialog {
    Q_OBJECT
public:
    explicit CardEditorDialog(QWidget* parent = nullptr);

    void setCard(const storage::Card& card);
    // The card as edited (id, board, position and links as given to setCard).
    storage::Card card() const;

    QLineEdit* titleEdit() const { return m_title; }
    QPlainTextEdit* textEdit() const { return m_text; }
    QComboBox* colorBox() const { return m_color; }

private:
    void selectColor(uint32_t rgb);

    storage::Card m_card;
    QLineEdit* m_title;
    QPlainTextEdit* m_text;
    QComboBox* m_color;
    QLabel* m_links;
};

} // namespace fabulist::ui
