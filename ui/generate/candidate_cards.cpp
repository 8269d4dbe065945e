#include "ui/generate/candidate_cards.h"

#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QTextLayout>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

namespace fabulist::ui {

namespace {

constexpr int kPadding = 6;
constexpr int kSpacing = 4;
constexpr int kVisibleCards = 3; // more scroll

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                            a.greenF() + (b.greenF() - a.greenF()) * t,
                            a.blueF() + (b.blueF() - a.blueF()) * t);
}

} // namespace

CandidateCard::CandidateCard(int number, uint32_t seed, QWidget* parent)
    : QWidget(parent), m_number(number), m_seed(seed) {
    setObjectName(QStringLiteral("candidateCard%1").arg(number));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Choose this candidate (click, or Alt+] / Alt+[)"));
    setAccessibleName(tr("Candidate %1").arg(header()));
}

QString CandidateCard::header() const {
    QString h = tr("%1 \u00B7 seed %2").arg(m_number).arg(m_seed);
    if (!m_note.isEmpty()) h += QStringLiteral(" \u00B7 ") + m_note;
    return h;
}

void CandidateCard::setText(const QString& text) {
    if (text == m_text) return;
    m_text = text;
    setAccessibleDescription(m_text);
    update();
}

void CandidateCard::setNote(const QString& note) {
    m_note = note;
    setAccessibleName(tr("Candidate %1").arg(header()));
    update();
}

void CandidateCard::setSelected(bool selected) {
    m_selected = selected;
    update();
}

void CandidateCard::setListFocused(bool focused) {
    m_listFocused = focused;
    update();
}

QSize CandidateCard::sizeHint() const {
    const int line = fontMetrics().lineSpacing();
    return {200, 2 * kPadding + line + 2 + kLines * line};
}

void CandidateCard::setActionText(const QString& text) {
    if (!m_action) {
        m_action = new QToolButton(this);
        m_action->setObjectName(QStringLiteral("candidateAction"));
        m_action->setAutoRaise(true);
        m_action->setCursor(Qt::ArrowCursor);
        connect(m_action, &QToolButton::clicked, this, &CandidateCard::actionTriggered);
    }
    m_action->setText(text);
    m_action->setAccessibleName(text);
    m_action->setVisible(!text.isEmpty());
    m_action->adjustSize();
    resizeEvent(nullptr);
    update();
}

void CandidateCard::resizeEvent(QResizeEvent*) {
    if (!m_action) return;
    const QSize size = m_action->sizeHint();
    m_action->setGeometry(width() - kPadding - size.width(), 2, size.width(),
                          std::min(size.height(), fontMetrics().lineSpacing() + kPadding));
}

void CandidateCard::mousePressEvent(QMouseEvent* event) {
    QWidget::mousePressEvent(event);
    emit clicked();
}

void CandidateCard::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    const QColor base = pal.color(QPalette::Base);
    const QColor accent = pal.color(QPalette::Highlight);
    const QRectF frame = QRectF(rect()).adjusted(1, 1, -1, -1);
    p.setBrush(m_selected ? mix(base, accent, 0.15) : base);
    const double width = m_selected ? (m_listFocused ? 2.5 : 2.0) : 1.0;
    p.setPen(QPen(m_selected ? accent : pal.color(QPalette::Mid), width));
    p.drawRoundedRect(frame, 5, 5);

    const QRect inner = rect().adjusted(kPadding + 2, kPadding, -kPadding - 2, -kPadding);
    const QFontMetrics fm = fontMetrics();
    QFont bold = font();
    bold.setBold(m_selected);
    p.setFont(bold);
    p.setPen(m_selected ? pal.color(QPalette::Text) : pal.color(QPalette::PlaceholderText));
    // The header leaves room for the action button in the corner.
    const int headerWidth =
        m_action && m_action->isVisible() ? m_action->x() - inner.left() - kPadding : inner.width();
    p.drawText(QRect(inner.left(), inner.top(), headerWidth, fm.lineSpacing()),
               Qt::AlignLeft | Qt::AlignVCenter,
               QFontMetrics(bold).elidedText(header(), Qt::ElideRight, headerWidth));
    p.setFont(font());

    // The first lines of the text, the last one elided when there is more.
    QString body = m_text.trimmed();
    body.replace(QLatin1Char('\n'), QLatin1Char(' '));
    p.setPen(pal.color(QPalette::Text));
    if (body.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        body = tr("Waiting for its first words\u2026");
    }
    QTextLayout layout(body, font());
    layout.beginLayout();
    int y = inner.top() + fm.lineSpacing() + 2;
    for (int i = 0; i < kLines; ++i) {
        QTextLine line = layout.createLine();
        if (!line.isValid()) break;
        line.setLineWidth(inner.width());
        const int start = line.textStart();
        const bool last = i == kLines - 1 && start + line.textLength() < body.size();
        const QString shown = last ? fm.elidedText(body.mid(start), Qt::ElideRight, inner.width())
                                   : body.mid(start, line.textLength());
        p.drawText(QPoint(inner.left(), y + fm.ascent()), shown);
        y += fm.lineSpacing();
    }
    layout.endLayout();
}

CandidateCards::CandidateCards(QWidget* parent)
    : QScrollArea(parent), m_content(new QWidget), m_layout(new QVBoxLayout(m_content)) {
    setObjectName(QStringLiteral("candidateCards"));
    setAccessibleName(tr("Candidates"));
    setToolTip(tr("The candidates of this request: click one, or use Up/Down, 1\u20138, "
                  "Alt+] / Alt+["));
    setFocusPolicy(Qt::StrongFocus);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setWidgetResizable(true);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(kSpacing);
    m_layout->addStretch(1);
    setWidget(m_content);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

void CandidateCards::reset(const std::vector<uint32_t>& seeds) {
    for (CandidateCard* card : m_cards) delete card;
    m_cards.clear();
    m_actionText.clear(); // the owner sets it again for the cards that have one
    for (size_t i = 0; i < seeds.size(); ++i) {
        auto* card = new CandidateCard(int(i) + 1, seeds[i], m_content);
        card->setListFocused(hasFocus());
        connect(card, &CandidateCard::clicked, this, [this, i] { choose(int(i)); });
        connect(card, &CandidateCard::actionTriggered, this, [this, i] {
            setSelected(int(i));
            emit actionTriggered(int(i));
        });
        if (!m_actionText.isEmpty()) card->setActionText(m_actionText);
        m_layout->insertWidget(int(i), card);
        m_cards.push_back(card);
    }
    m_selected = -1;
    setSelected(0);
    fitHeight();
}

QString CandidateCards::text(int index) const {
    return index >= 0 && index < count() ? m_cards[size_t(index)]->text() : QString();
}

void CandidateCards::setText(int index, const QString& text) {
    if (index >= 0 && index < count()) m_cards[size_t(index)]->setText(text);
}

void CandidateCards::appendText(int index, const QString& piece) {
    if (index >= 0 && index < count()) setText(index, text(index) + piece);
}

void CandidateCards::setNote(int index, const QString& note) {
    if (index >= 0 && index < count()) m_cards[size_t(index)]->setNote(note);
}

void CandidateCards::setSelected(int index) {
    if (index < 0 || index >= count()) return;
    m_selected = index;
    for (int i = 0; i < count(); ++i) m_cards[size_t(i)]->setSelected(i == index);
    ensureWidgetVisible(m_cards[size_t(index)], 0, kSpacing);
}

void CandidateCards::setActionText(const QString& text) {
    if (text == m_actionText) return;
    m_actionText = text;
    for (CandidateCard* card : m_cards) card->setActionText(text);
}

void CandidateCards::setActionEnabled(int index, bool enabled) {
    if (index >= 0 && index < count() && m_cards[size_t(index)]->actionButton())
        m_cards[size_t(index)]->actionButton()->setEnabled(enabled);
}

void CandidateCards::choose(int index) {
    if (index < 0 || index >= count()) return;
    setSelected(index);
    emit chosen(index);
}

void CandidateCards::keyPressEvent(QKeyEvent* event) {
    const int key = event->key();
    if (event->modifiers() & ~Qt::KeypadModifier) {
        QScrollArea::keyPressEvent(event);
        return;
    }
    if (key == Qt::Key_Down || key == Qt::Key_Up) {
        choose(std::clamp(m_selected + (key == Qt::Key_Down ? 1 : -1), 0, count() - 1));
    } else if (key == Qt::Key_Home || key == Qt::Key_End) {
        choose(key == Qt::Key_Home ? 0 : count() - 1);
    } else if (key >= Qt::Key_1 && key <= Qt::Key_9 && key - Qt::Key_1 < count()) {
        choose(key - Qt::Key_1);
    } else {
        QScrollArea::keyPressEvent(event);
        return;
    }
    event->accept();
}

void CandidateCards::focusInEvent(QFocusEvent* event) {
    QScrollArea::focusInEvent(event);
    for (CandidateCard* card : m_cards) card->setListFocused(true);
}

void CandidateCards::focusOutEvent(QFocusEvent* event) {
    QScrollArea::focusOutEvent(event);
    for (CandidateCard* card : m_cards) card->setListFocused(false);
}

void CandidateCards::resizeEvent(QResizeEvent* event) {
    QScrollArea::resizeEvent(event);
    fitHeight();
}

void CandidateCards::fitHeight() {
    if (m_cards.empty()) {
        setFixedHeight(0);
        return;
    }
    const int shown = std::min(count(), kVisibleCards);
    const int card = m_cards.front()->sizeHint().height();
    const int height = shown * card + (shown - 1) * kSpacing;
    if (maximumHeight() != height || minimumHeight() != height) setFixedHeight(height);
}

} // namespace fabulist::ui
