#include "ui/generate/token_view.h"

#include <QApplication>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QScreen>
#include <QStringDecoder>
#include <QStyledItemDelegate>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace fabulist::ui {

namespace {

constexpr int kIdRole = TokenView::IdRole;
constexpr int kProbabilityRole = TokenView::ProbabilityRole;
constexpr int kChosenRole = TokenView::ChosenRole;
constexpr int kOutsideRole = TokenView::OutsideRole;
constexpr int kColorRole = Qt::UserRole + 5;
// KL (nats) at which the meter and the underline are full: the default head (a mild,
// word-starts head) rarely goes past it.
constexpr double kStrongKl = 1.0;

QString percent(float p) {
    const double v = 100.0 * double(p);
    return v >= 10.0   ? QStringLiteral("%1%").arg(v, 0, 'f', 0)
           : v >= 0.1  ? QStringLiteral("%1%").arg(v, 0, 'f', 1)
           : v >= 1e-4 ? QStringLiteral("%1%").arg(v, 0, 'f', 3)
                       : QStringLiteral("<0.001%");
}

// One row: the token's text, a bar as long as its probability, the percentage.
class ChoiceDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const override {
        return {200, int(option.fontMetrics.height() * 1.55)};
    }

    void paint(QPainter* p, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        const QPalette& pal = option.palette;
        const QRectF r = QRectF(option.rect).adjusted(3, 1.5, -3, -1.5);
        const bool selected = option.state & QStyle::State_Selected;
        const bool focused =
            option.state & QStyle::State_HasFocus || (option.widget && option.widget->hasFocus());
        const bool chosen = index.data(kChosenRole).toBool();
        const bool outside = index.data(kOutsideRole).toBool();
        const float prob = index.data(kProbabilityRole).toFloat();
        const QColor color = index.data(kColorRole).value<QColor>();
        if (!(index.flags() & Qt::ItemIsEnabled)) { // a note in place of tokens: no bar, no share
            p->save();
            p->setPen(option.palette.color(QPalette::PlaceholderText));
            p->drawText(QRectF(option.rect).adjusted(8, 0, -3, 0), Qt::AlignVCenter | Qt::AlignLeft,
                        index.data(Qt::DisplayRole).toString());
            p->restore();
            return;
        }
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        if (outside) { // a dotted rule: this row is not one of the ten
            p->setPen(QPen(pal.color(QPalette::PlaceholderText), 1, Qt::DotLine));
            p->drawLine(r.topLeft() + QPointF(4, -1), r.topRight() + QPointF(-4, -1));
        }
        QColor text = pal.color(QPalette::Text);
        if (selected) {
            QColor fill = pal.color(QPalette::Highlight);
            if (!focused) fill.setAlphaF(0.28);
            p->setPen(Qt::NoPen);
            p->setBrush(fill);
            p->drawRoundedRect(r, 4, 4);
            if (focused) text = pal.color(QPalette::HighlightedText);
        } else if (chosen) {
            QColor tint = color;
            tint.setAlphaF(0.16);
            p->setPen(Qt::NoPen);
            p->setBrush(tint);
            p->drawRoundedRect(r, 4, 4);
        }
        if (chosen) { // an accent at the left edge in the column's colour
            p->setPen(Qt::NoPen);
            p->setBrush(selected && focused ? text : color);
            p->drawRoundedRect(QRectF(r.left(), r.top() + 2, 3, r.height() - 4), 1.5, 1.5);
        }
        QFont font = option.font;
        font.setBold(chosen);
        font.setItalic(outside);
        p->setFont(font);
        const QFontMetricsF fm(font);
        const double percentWidth = fm.horizontalAdvance(QStringLiteral("100.0%")) + 6;
        const double textWidth = std::max(60.0, (r.width() - percentWidth) * 0.46);
        const QRectF textRect(r.left() + 9, r.top(), textWidth - 9, r.height());
        const QRectF barRect(textRect.right() + 6, r.center().y() - 4,
                             r.right() - percentWidth - textRect.right() - 10, 8);
        p->setPen(text);
        p->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
                    fm.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight,
                                  textRect.width()));
        QColor track = text;
        track.setAlphaF(0.12);
        p->setPen(Qt::NoPen);
        p->setBrush(track);
        p->drawRoundedRect(barRect, 4, 4);
        if (prob > 0.0f) {
            QRectF fill = barRect;
            fill.setWidth(std::max(3.0, barRect.width() * std::clamp(double(prob), 0.0, 1.0)));
            p->setBrush(selected && focused ? text : color);
            p->drawRoundedRect(fill, 4, 4);
        }
        p->setPen(text);
        p->drawText(QRectF(r.right() - percentWidth, r.top(), percentWidth - 2, r.height()),
                    Qt::AlignVCenter | Qt::AlignRight, percent(prob));
        p->restore();
    }
};

} // namespace

// How far the heads disagree, as a bar that fills with the diversity colour.
class DisagreementMeter : public QWidget {
public:
    explicit DisagreementMeter(QWidget* parent) : QWidget(parent) {
        setFixedSize(120, 12);
        setAccessibleName(TokenView::tr("Disagreement between the heads"));
    }
    void setStrength(double strength) {
        m_strength = strength;
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QRectF r = QRectF(rect()).adjusted(0.5, 1.5, -0.5, -1.5);
        QColor track = palette().color(QPalette::WindowText);
        track.setAlphaF(0.14);
        p.setPen(Qt::NoPen);
        p.setBrush(track);
        p.drawRoundedRect(r, r.height() / 2, r.height() / 2);
        if (m_strength <= 0.0) return;
        QRectF fill = r;
        fill.setWidth(std::max(r.height(), r.width() * m_strength));
        p.setBrush(TokenView::headColor(palette(), 1.0));
        p.drawRoundedRect(fill, r.height() / 2, r.height() / 2);
    }

private:
    double m_strength = 0.0;
};

TokenView::TokenView(QWidget* parent) : QFrame(parent, Qt::Popup) {
    setObjectName(QStringLiteral("tokenView"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Window);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("tokenViewTitle"));
    m_title->setTextFormat(Qt::RichText);
    m_position = new QLabel(this);
    m_position->setForegroundRole(QPalette::PlaceholderText);
    auto* top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(m_position);

    m_meter = new DisagreementMeter(this);
    m_divergence = new QLabel(this);
    m_divergence->setObjectName(QStringLiteral("tokenViewDivergence"));
    auto* kl = new QHBoxLayout;
    kl->addWidget(m_meter);
    kl->addSpacing(6);
    kl->addWidget(m_divergence, 1);

    auto* grid = new QGridLayout;
    grid->setHorizontalSpacing(10);
    for (int c = 0; c < 3; ++c) {
        m_headers[size_t(c)] = new QLabel(this);
        m_headers[size_t(c)]->setTextFormat(Qt::RichText);
        auto* list = new QListWidget(this);
        list->setObjectName(QStringLiteral("tokenViewColumn%1").arg(c));
        list->setItemDelegate(new ChoiceDelegate(list));
        list->setFrameShape(QFrame::NoFrame);
        list->setBackgroundRole(QPalette::Window);
        list->viewport()->setBackgroundRole(QPalette::Window);
        list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        list->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        list->setMinimumWidth(210);
        list->installEventFilter(this);
        connect(list, &QListWidget::currentRowChanged, this, [this] { updateBranchButton(); });
        m_headers[size_t(c)]->setBuddy(list);
        m_columns[size_t(c)] = list;
        grid->addWidget(m_headers[size_t(c)], 0, c);
        grid->addWidget(list, 1, c);
    }
    m_branch = new QPushButton(tr("Branch with This Token"), this);
    m_branch->setObjectName(QStringLiteral("tokenViewBranch"));
    m_branch->setToolTip(tr("Write on from here with the selected token instead: a new branch "
                            "in the History (Enter)"));
    connect(m_branch, &QPushButton::clicked, this, &TokenView::requestBranch);
    auto* keys = new QLabel(tr("\u2191\u2193 choose \u00B7 \u2190\u2192 or Tab: column \u00B7 "
                               "Enter: branch \u00B7 Esc: close"),
                            this);
    keys->setForegroundRole(QPalette::PlaceholderText);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(keys, 1);
    bottom->addWidget(m_branch);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 12, 14, 12);
    layout->setSpacing(8);
    layout->addLayout(top);
    layout->addLayout(kl);
    layout->addLayout(grid, 1);
    layout->addLayout(bottom);
    setTabOrder(m_columns[0], m_columns[1]);
    setTabOrder(m_columns[1], m_columns[2]);
    setTabOrder(m_columns[2], m_branch);
}

QString TokenView::visibleText(const QByteArray& bytes, const QString& name) {
    if (bytes.isEmpty())
        return QStringLiteral("\u27E8%1\u27E9").arg(name.isEmpty() ? tr("nothing") : name);
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = utf8.decode(bytes);
    if (utf8.hasError()) { // a part of a character: its bytes
        text.clear();
        for (char b : bytes)
            text += QStringLiteral("<0x%1>").arg(uint(uchar(b)), 2, 16, QLatin1Char('0')).toUpper();
        return text.replace(QStringLiteral("<0X"), QStringLiteral("<0x"));
    }
    text.replace(QLatin1Char(' '), QChar(0x00B7))
        .replace(QLatin1Char('\n'), QChar(0x23CE))
        .replace(QLatin1Char('\t'), QChar(0x21E5))
        .replace(QLatin1Char('\r'), QChar(0x240D));
    return text;
}

QString TokenView::disagreementWords(float kl) {
    if (kl < 0.05f) return tr("The heads agree here");
    if (kl < 0.2f) return tr("The heads differ a little here");
    if (kl < 0.5f) return tr("The heads disagree here");
    return tr("The heads disagree strongly here");
}

double TokenView::disagreementStrength(float kl) {
    return std::clamp(double(kl) / kStrongKl, 0.0, 1.0);
}

QColor TokenView::headColor(const QPalette& palette, double alpha) {
    const QColor base = palette.color(QPalette::Highlight).toHsl();
    const int hue = base.hslHue() < 0 ? 210 : base.hslHue();
    // Coherence keeps the highlight's hue; diversity is its opposite, reached through the
    // hues between (blue, violet, rose, amber for the usual blue highlight).
    const int h = (hue + int(std::lround(180.0 * std::clamp(alpha, 0.0, 1.0)))) % 360;
    return QColor::fromHsl(h, std::max(base.hslSaturation(), 140), base.lightness());
}

void TokenView::showToken(const TokenInsights& insights, int index, const QString& leadIn,
                          const QPoint& globalAt) {
    if (index < 0 || index >= int(insights.tokens.size())) return;
    m_insights = insights;
    m_index = index;
    const inference::TokenInsight& t = m_insights.tokens[size_t(index)];
    const QString token = visibleText(m_insights.bytes.value(t.id), m_insights.names.value(t.id));
    const QColor mixColor = headColor(palette(), t.alpha);
    m_title->setText(
        tr("<span style='color:%1'>%2</span> <b style='font-size:large'>%3</b>")
            .arg(palette().color(QPalette::PlaceholderText).name(),
                 (leadIn.size() > 40 ? QChar(0x2026) + leadIn.right(40) : leadIn).toHtmlEscaped(),
                 token.toHtmlEscaped()));
    m_position->setText(tr("token %1 of %2").arg(index + 1).arg(m_insights.tokens.size()));
    if (m_insights.hasHead) {
        m_meter->setStrength(disagreementStrength(t.divergence));
        m_divergence->setText(tr("%1 \u2014 KL %2 nats")
                                  .arg(disagreementWords(t.divergence))
                                  .arg(double(t.divergence), 0, 'f', 3));
    } else {
        m_meter->setStrength(0.0);
        m_divergence->setText(tr("No diversity head is loaded: only the model's own choices."));
    }
    const QString header = QStringLiteral("<span style='color:%1'>\u25A0</span> <b>%2</b>");
    const QColor coherence = headColor(palette(), 0.0), diversity = headColor(palette(), 1.0);
    m_headers[Coherence]->setText(header.arg(coherence.name(), tr("&Coherence")));
    m_headers[Diversity]->setText(header.arg(diversity.name(), tr("&Diversity")));
    m_headers[Mix]->setText(
        header.arg(mixColor.name(), tr("&Mix at \u03B1 = %1").arg(double(t.alpha), 0, 'f', 2)));
    fillColumn(Coherence, t.coherence, t.coherenceProbability, coherence);
    fillColumn(Diversity, t.diversity, t.diversityProbability, diversity);
    fillColumn(Mix, t.mix, t.mixProbability, mixColor);

    adjustSize();
    QRect area(globalAt + QPoint(0, 8), size());
    if (const QScreen* screen = QGuiApplication::screenAt(globalAt)) {
        const QRect avail = screen->availableGeometry();
        if (area.bottom() > avail.bottom()) area.moveBottom(globalAt.y() - 24);
        area.moveLeft(std::clamp(area.left(), avail.left(), avail.right() - area.width()));
        area.moveTop(std::max(area.top(), avail.top()));
    }
    move(area.topLeft());
    show();
    m_lastColumn = Mix;
    m_columns[Mix]->setFocus(Qt::PopupFocusReason);
    updateBranchButton();
}

void TokenView::fillColumn(Column c, const std::vector<inference::TokenChoice>& choices,
                           float chosenProbability, const QColor& color) {
    QListWidget* list = m_columns[size_t(c)];
    list->clear();
    const int32_t chosen = m_insights.tokens[size_t(m_index)].id;
    auto add = [&](int32_t id, float p, bool outside) {
        auto* item = new QListWidgetItem(
            visibleText(m_insights.bytes.value(id), m_insights.names.value(id)), list);
        item->setData(kIdRole, id);
        item->setData(kProbabilityRole, p);
        item->setData(kChosenRole, id == chosen);
        item->setData(kOutsideRole, outside);
        item->setData(kColorRole, color);
        item->setToolTip(tr("token %1 \u00B7 p = %2").arg(id).arg(double(p), 0, 'g', 6));
        return item;
    };
    int chosenRow = -1;
    for (const inference::TokenChoice& choice : choices) {
        add(choice.id, choice.probability, false);
        if (choice.id == chosen) chosenRow = list->count() - 1;
    }
    if (chosenRow < 0 && !choices.empty()) { // its probability even outside the ten
        add(chosen, chosenProbability, true);
        chosenRow = list->count() - 1;
    }
    if (choices.empty()) {
        auto* none = new QListWidgetItem(tr("(no diversity head)"), list);
        none->setFlags(Qt::NoItemFlags);
    }
    list->setCurrentRow(std::max(0, chosenRow));
    const int rows = std::max(11, list->count());
    list->setFixedHeight(rows * list->sizeHintForRow(0) + 2 * list->frameWidth() + 2);
}

int32_t TokenView::selectedTokenId() const {
    const QListWidgetItem* item = m_columns[size_t(m_lastColumn)]->currentItem();
    return item && (item->flags() & Qt::ItemIsEnabled) ? item->data(kIdRole).toInt() : -1;
}

void TokenView::updateBranchButton() {
    const int32_t id = selectedTokenId();
    const QByteArray bytes = m_insights.bytes.value(id);
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = utf8.decode(bytes);
    // A part of a character or a control token is no text to write on from.
    m_branch->setEnabled(id >= 0 && !bytes.isEmpty() && !utf8.hasError() && !text.isEmpty());
}

void TokenView::requestBranch() {
    if (!m_branch->isEnabled()) return;
    const int32_t id = selectedTokenId();
    close();
    emit branchRequested(m_index, id);
}

void TokenView::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape) {
        close();
        return;
    }
    QFrame::keyPressEvent(event);
}

void TokenView::hideEvent(QHideEvent* event) {
    QFrame::hideEvent(event);
    // The keyboard goes back to the text it was opened from, in its window.
    if (QWidget* from = parentWidget()) {
        from->window()->activateWindow();
        from->setFocus(Qt::PopupFocusReason);
    }
}

bool TokenView::eventFilter(QObject* watched, QEvent* event) {
    const auto found = std::find(m_columns.begin(), m_columns.end(), watched);
    if (found == m_columns.end()) return QFrame::eventFilter(watched, event);
    const int c = int(found - m_columns.begin());
    if (event->type() == QEvent::FocusIn) {
        m_lastColumn = c;
        updateBranchButton();
    } else if (event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter) {
            requestBranch();
            return true;
        }
        if (key == Qt::Key_Left || key == Qt::Key_Right) {
            const int next = (c + (key == Qt::Key_Right ? 1 : 2)) % 3;
            QListWidget* to = m_columns[size_t(next)];
            const int row = m_columns[size_t(c)]->currentRow();
            if (to->count() > 0 && (to->item(0)->flags() & Qt::ItemIsEnabled))
                to->setCurrentRow(std::clamp(row, 0, to->count() - 1));
            to->setFocus(Qt::TabFocusReason);
            return true;
        }
    }
    return QFrame::eventFilter(watched, event);
}

} // namespace fabulist::ui
