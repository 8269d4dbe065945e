#pragma once
// ShortcutsDialog: Help > Keyboard Shortcuts. Read from the window's own menus and actions when
// it opens, so it lists every shortcut there is and never one that is not.
#include <QDialog>

class QMainWindow;
class QTreeWidget;

namespace fabulist::ui {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    explicit ShortcutsDialog(QMainWindow* window);

    // "Menu > Action" -> shortcut text (native form), in the order shown.
    QList<QPair<QString, QString>> entries() const;

private:
    QTreeWidget* m_list;
};

} // namespace fabulist::ui
