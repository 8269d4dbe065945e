#include "ui/project/binder_goal_delegate.h"

#include "ui/project/binder_model.h"
#include "ui/project/goal_tracker.h"

#include <QAbstractItemView>
#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

namespace fabulist::ui {

namespace {
constexpr int kBarWidth = 44;
constexpr int kBarHeight = 6;
constexpr int kMargin = 6;
} // namespace

BinderGoalDelegate::BinderGoalDelegate(GoalTracker* tracker, QObject* parent)
    : QStyledItemDelegate(parent), m_tracker(tracker) {}

QString BinderGoalDelegate::progressText(int64_t words, int64_t goal) {
    const QLocale locale;
    return tr("%1 of %2 words (%3%)")
        .arg(locale.toString(qint64(words)), locale.toString(qint64(goal)))
        .arg(goal > 0 ? words * 100 / goal : 0);
}

void BinderGoalDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                               const QModelIndex& index) const {
    const QVariant id = index.data(BinderModel::NodeIdRole);
    const auto progress = id.isValid() ? m_tracker->nodeProgress(id.toLongLong()) : std::nullopt;
    if (!progress) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // The title gives up room for the bar at the row's right end.
    QStyleOptionViewItem titleOption = option;
    titleOption.rect.setRight(option.rect.right() - kBarWidth - 2 * kMargin);
    QStyledItemDelegate::paint(painter, titleOption, index);

    const QRect track(option.rect.right() - kBarWidth - kMargin,
                      option.rect.center().y() - kBarHeight / 2, kBarWidth, kBarHeight);
    const double done = std::clamp(double(progress->words) / double(progress->goal), 0.0, 1.0);
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette& palette = option.palette;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    QColor trackColor = palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    trackColor.setAlphaF(0.18);
    painter->setBrush(trackColor);
    painter->drawRoundedRect(track, 3, 3);
    QRect fill = track;
    fill.setWidth(qRound(track.width() * done));
    painter->setBrush(palette.color(selected ? QPalette::HighlightedText : QPalette::Highlight));
    if (fill.width() > 0) painter->drawRoundedRect(fill, 3, 3);
    painter->restore();
}

bool BinderGoalDelegate::helpEvent(QHelpEvent* event, QAbstractItemView* view,
                                   const QStyleOptionViewItem& option, const QModelIndex& index) {
    const QVariant id = index.data(BinderModel::NodeIdRole);
    const auto progress = id.isValid() ? m_tracker->nodeProgress(id.toLongLong()) : std::nullopt;
    if (event->type() != QEvent::ToolTip || !progress)
        return QStyledItemDelegate::helpEvent(event, view, option, index);
    QToolTip::showText(event->globalPos(),
                       tr("Goal: %1").arg(progressText(progress->words, progress->goal)), view);
    return true;
}

} // namespace fabulist::ui
