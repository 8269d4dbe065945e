#pragma once
// TrashView: the nodes the writer put in the trash, newest first, with Restore (back to where
// they were) and Empty Trash (for good, after a confirmation).
#include <QWidget>
#include <optional>

class QListWidget;
class QPushButton;

namespace fabulist::storage {
class BinderRepository;
}

namespace fabulist::ui {

class TrashView : public QWidget {
    Q_OBJECT
public:
    explicit TrashView(QWidget* parent = nullptr);

    void setBinder(storage::BinderRepository* binder);
    void refresh();

    int count() const;
    // The list's entries' node ids, in display order.
    QList<qint64> nodeIds() const;
    void selectNode(int64_t id);
    bool restoreSelected();
    bool restoreNode(int64_t id);
    // Deletes every trashed node for good; asks first unless confirmed is true.
    bool emptyTrash(bool confirmed = false);

signals:
    void restored(int64_t nodeId);
    void emptied();
    void countChanged(int count);
    void errorOccurred(const QString& message);

private:
    void updateButtons();

    storage::BinderRepository* m_binder = nullptr;
    QListWidget* m_list;
    QPushButton* m_restore;
    QPushButton* m_empty;
};

} // namespace fabulist::ui
