#pragma once
// ReplacePreviewDialog: what Replace All across the project would do, before it does it: each
// document with its number of replacements and its first match before and after. Accepting
// replaces (the panel applies the plan); Esc or Cancel changes nothing.
#include "ui/project/project_replace.h"

#include <QDialog>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace fabulist::ui {

class ReplacePreviewDialog : public QDialog {
    Q_OBJECT
public:
    ReplacePreviewDialog(const ReplacePlan& plan, QWidget* parent = nullptr);

    const ReplacePlan& plan() const { return m_plan; }
    QTreeWidget* list() const { return m_list; }
    QPushButton* replaceButton() const { return m_replace; }

private:
    ReplacePlan m_plan;
    QTreeWidget* m_list;
    QPushButton* m_replace;
};

} // namespace fabulist::ui
