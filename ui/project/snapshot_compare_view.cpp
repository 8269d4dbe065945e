#include "ui/project/snapshot_compare_view.h"

#include "ui/project/paragraph_diff.h"
#include "ui/theme.h"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>

namespace fabulist::ui {

namespace {

QPlainTextEdit* makePane(const QString& text, QWidget* parent) {
    auto* pane = new QPlainTextEdit(parent);
    pane->setReadOnly(true);
    pane->setPlainText(text);
    pane->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    QFont f(QStringLiteral("DejaVu Serif"));
    f.setPointSize(11);
    pane->setFont(f);
    return pane;
}

// Tints the given lines' blocks (one block per line in a QPlainTextEdit) and returns how many.
// Blank lines only separate paragraphs: they are neither tinted nor counted.
int tint(QPlainTextEdit* pane, const std::vector<bool>& marks, const QColor& color) {
    QList<QTextEdit::ExtraSelection> selections;
    QTextBlock block = pane->document()->firstBlock();
    for (size_t i = 0; i < marks.size() && block.isValid(); ++i, block = block.next()) {
        if (!marks[i] || block.text().trimmed().isEmpty()) continue;
        QTextEdit::ExtraSelection s;
        s.cursor = QTextCursor(block);
        s.format.setBackground(color);
        s.format.setProperty(QTextFormat::FullWidthSelection, true);
        selections << s;
    }
    pane->setExtraSelections(selections);
    return int(selections.size());
}

QString paragraphs(int n) {
    return n == 1 ? SnapshotCompareView::tr("1 paragraph")
                  : SnapshotCompareView::tr("%1 paragraphs").arg(n);
}

} // namespace

// "No differences", "6 paragraphs added", "1 paragraph removed", "2 paragraphs changed or
// removed, 3 added": plain words, no "(s)".
QString SnapshotCompareView::describeChanges(int removed, int added) {
    if (removed == 0 && added == 0) return tr("No differences");
    if (removed == 0) return tr("%1 added").arg(paragraphs(added));
    if (added == 0) return tr("%1 removed").arg(paragraphs(removed));
    return tr("%1 removed, %2 added").arg(paragraphs(removed)).arg(added);
}

SnapshotCompareView::SnapshotCompareView(const QString& oldTitle, const QString& oldText,
                                         const QString& newTitle, const QString& newText,
                                         QWidget* parent)
    : QDialog(parent) {
    setObjectName(QStringLiteral("snapshotCompareView"));
    setWindowTitle(tr("Compare: %1 \u2194 %2").arg(oldTitle, newTitle));
    m_old = makePane(oldText, this);
    m_new = makePane(newText, this);

    // QPlainTextEdit keeps one block per line, so split the same way.
    const ParagraphDiff diff = diffParagraphs(oldText.split(u'\n'), newText.split(u'\n'));
    const bool dark = Theme::systemScheme() == ColorScheme::Dark;
    m_removed =
        tint(m_old, diff.removed, dark ? QColor(0x5a, 0x2a, 0x2a) : QColor(0xf8, 0xd7, 0xd7));
    m_added = tint(m_new, diff.added, dark ? QColor(0x25, 0x4a, 0x2c) : QColor(0xd5, 0xf0, 0xd8));

    auto* oldLabel = new QLabel(QStringLiteral("<b>%1</b>").arg(oldTitle.toHtmlEscaped()), this);
    auto* newLabel = new QLabel(QStringLiteral("<b>%1</b>").arg(newTitle.toHtmlEscaped()), this);
    m_summary = new QLabel(diff.complete ? describeChanges(m_removed, m_added)
                                         : tr("Too large to mark the differences."),
                           this);
    m_summary->setObjectName(QStringLiteral("compareSummary"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* grid = new QGridLayout(this);
    grid->addWidget(oldLabel, 0, 0);
    grid->addWidget(newLabel, 0, 1);
    grid->addWidget(m_old, 1, 0);
    grid->addWidget(m_new, 1, 1);
    grid->addWidget(m_summary, 2, 0);
    grid->addWidget(buttons, 2, 1);

    // Scroll together, proportionally (the texts differ in length). The guard stops the two
    // panes from echoing each other's rounded values back and forth.
    auto follow = [this](QScrollBar* from, QScrollBar* to) {
        connect(from, &QScrollBar::valueChanged, this, [this, from, to](int v) {
            if (m_syncing || from->maximum() <= 0) return;
            m_syncing = true;
            to->setValue(int(qint64(v) * to->maximum() / from->maximum()));
            m_syncing = false;
        });
    };
    follow(m_old->verticalScrollBar(), m_new->verticalScrollBar());
    follow(m_new->verticalScrollBar(), m_old->verticalScrollBar());
    resize(1100, 700);
}

QString SnapshotCompareView::summaryText() const {
    return m_summary->text();
}

} // namespace fabulist::ui
