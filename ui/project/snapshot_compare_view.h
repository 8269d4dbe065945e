#pragma once
// SnapshotCompareView: a snapshot and the current text side by side, read-only, scrolling
// together, with removed paragraphs tinted on the left and new ones on the right.
#include <QDialog>

class QLabel;
class QPlainTextEdit;

namespace fabulist::ui {

class SnapshotCompareView : public QDialog {
    Q_OBJECT
public:
    SnapshotCompareView(const QString& oldTitle, const QString& oldText, const QString& newTitle,
                        const QString& newText, QWidget* parent = nullptr);

    QPlainTextEdit* oldPane() const { return m_old; }
    QPlainTextEdit* newPane() const { return m_new; }
    int removedCount() const { return m_removed; }
    int addedCount() const { return m_added; }
    QString summaryText() const;
    static QString describeChanges(int removed, int added);

private:
    QPlainTextEdit* m_old;
    QPlainTextEdit* m_new;
    QLabel* m_summary;
    int m_removed = 0;
    int m_added = 0;
    bool m_syncing = false;
};

} // namespace fabulist::ui
