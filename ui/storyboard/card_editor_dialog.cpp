#include "ui/storyboard/card_editor_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {

QIcon swatchIcon(uint32_t rgb) {
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QColor(0x60, 0x60, 0x60));
    p.setBrush(QColor::fromRgb(rgb));
    p.drawRoundedRect(QRectF(1.5, 1.5, 13, 13), 3, 3);
    return QIcon(pixmap);
}

} // namespace

const std::vector<CardSwatch>& cardSwatches() {
    static const std::vector<CardSwatch> swatches = {
        {QObject::tr("Yellow"), 0xF5E6A8}, {QObject::tr("Orange"), 0xF7CFA0},
        {QObject::tr("Pink"), 0xF4C2D0},   {QObject::tr("Lilac"), 0xDCCCF2},
        {QObject::tr("Blue"), 0xBCD8F2},   {QObject::tr("Green"), 0xC8E6B8},
        {QObject::tr("Grey"), 0xDEDEDE},   {QObject::tr("Slate"), 0x3E4A5C},
    };
    return swatches;
}

CardEditorDialog::CardEditorDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("cardEditorDialog"));
    setWindowTitle(tr("Edit Card"));
    m_title = new QLineEdit(this);
    m_title->setObjectName(QStringLiteral("cardTitle"));
    m_title->setPlaceholderText(tr("A few words"));
    m_text = new QPlainTextEdit(this);
    m_text->setObjectName(QStringLiteral("cardText"));
    m_text->setTabChangesFocus(true);
    m_color = new QComboBox(this);
    m_color->setObjectName(QStringLiteral("cardColor"));
    for (const CardSwatch& s : cardSwatches()) m_color->addItem(swatchIcon(s.rgb), s.name, s.rgb);
    m_links = new QLabel(this);
    m_links->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Title"), m_title);
    form->addRow(tr("Text"), m_text);
    form->addRow(tr("Colour"), m_color);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form, 1);
    layout->addWidget(m_links);
    layout->addWidget(buttons);
    resize(420, 320);
}

void CardEditorDialog::setCard(const storage::Card& card) {
    m_card = card;
    m_title->setText(QString::fromStdString(card.title));
    m_text->setPlainText(QString::fromStdString(card.text));
    selectColor(card.color);
    QStringList links;
    if (card.documentId) links << tr("Stands for a scene in the binder.");
    if (card.generationId) links << tr("Pinned from a generation (kept in the project's history).");
    m_links->setText(links.join(QLatin1Char(' ')));
    m_links->setVisible(!links.isEmpty());
    m_title->setFocus();
    m_title->selectAll();
}

void CardEditorDialog::selectColor(uint32_t rgb) {
    int index = m_color->findData(rgb);
    if (index < 0) {
        // A colour from elsewhere (the sample project, an older version) is kept as it is.
        m_color->addItem(swatchIcon(rgb), tr("This card's colour"), rgb);
        index = m_color->count() - 1;
    }
    m_color->setCurrentIndex(index);
}

storage::Card CardEditorDialog::card() const {
    storage::Card card = m_card;
    card.title = m_title->text().trimmed().toStdString();
    card.text = m_text->toPlainText().toStdString();
    card.color = m_color->currentData().toUInt();
    return card;
}

} // namespace fabulist::ui
