#pragma once
// The application icon, painted at run time from the same shapes as
// resources/icons/fabulist.svg, so the window has its icon without Qt's SVG module.
#include <QIcon>

namespace fabulist::ui {

QIcon appIcon();

} // namespace fabulist::ui
