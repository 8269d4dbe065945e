#pragma once
// Icons for binder node kinds, painted at run time (no icon theme is needed offscreen or on a
// bare desktop): a tinted sheet for documents, a tab folder for folders, with the kind's initial.
#include "storage/binder_repository.h"

#include <QIcon>

namespace fabulist::ui {

QIcon nodeIcon(storage::NodeKind kind);

} // namespace fabulist::ui
