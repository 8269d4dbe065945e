#include "ui/project/project_replace.h"

#include "storage/project.h"
#include "storage/transaction.h"
#include "ui/editor/document_session.h"

#include <QTextCursor>
#include <set>

namespace fabulist::ui {

namespace {
constexpr int kExcerptChars = 30; // context on each side of the first match in the preview

QString toQString(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString oneLine(QString text) {
    text.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return text;
}

QString shortened(const QString& text, int chars) {
    return text.size() <= chars ? text : text.left(chars - 1) + QChar(0x2026);
}

// The node ids of the subtree under `root` (root included), from the tree in binder order.
std::set<int64_t> subtree(const std::vector<storage::BinderNode>& tree, int64_t root) {
    std::set<int64_t> ids{root};
    for (const storage::BinderNode& node : tree) // parents come before their children
        if (node.parentId && ids.contains(*node.parentId)) ids.insert(node.id);
    return ids;
}

ReplaceChange changeFor(const storage::BinderNode& node, const QString& text,
                        const QRegularExpression& re, const QString& replacement) {
    ReplaceChange change;
    change.nodeId = node.id;
    change.title = toQString(node.title);
    change.oldText = text;
    int last = 0;
    for (auto it = re.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        if (m.capturedLength() == 0) continue;
        change.matches.append({int(m.capturedStart()), int(m.capturedLength())});
        change.newText += QStringView(text).mid(last, m.capturedStart() - last);
        change.newText += replacement;
        last = int(m.capturedEnd());
    }
    change.newText += QStringView(text).mid(last);
    if (change.matches.isEmpty()) return change;
    const auto [start, length] = change.matches.first();
    const int from = qMax(0, start - kExcerptChars);
    const QString lead =
        (from > 0 ? QString(QChar(0x2026)) : QString()) + text.mid(from, start - from);
    const QString tail = text.mid(start + length, kExcerptChars);
    const QString end =
        start + length + kExcerptChars < text.size() ? QString(QChar(0x2026)) : QString();
    change.before = oneLine(lead + text.mid(start, length) + tail + end);
    change.after = oneLine(lead + replacement + tail + end);
    return change;
}
} // namespace

int ReplacePlan::total() const {
    int n = 0;
    for (const ReplaceChange& c : changes) n += int(c.matches.size());
    return n;
}

QRegularExpression ProjectReplace::pattern(const QString& find, const ReplaceOptions& options) {
    QString source = QRegularExpression::escape(find);
    // Lookarounds rather than \b, so a find text that starts or ends in punctuation works too.
    if (options.wholeWords)
        source = QStringLiteral("(?<!\\w)") + source + QStringLiteral("(?!\\w)");
    QRegularExpression::PatternOptions flags = QRegularExpression::UseUnicodePropertiesOption;
    if (!options.caseSensitive) flags |= QRegularExpression::CaseInsensitiveOption;
    return QRegularExpression(source, flags);
}

ReplacePlan ProjectReplace::plan(storage::Project& project, DocumentSession* session,
                                 const QString& find, const QString& replacement,
                                 const ReplaceOptions& options) {
    ReplacePlan plan;
    plan.find = find;
    plan.replacement = replacement;
    if (find.isEmpty()) return plan;
    if (session && !session->save()) {
        plan.error = QObject::tr("The open document could not be saved; nothing was replaced.");
        return plan;
    }
    const QRegularExpression re = pattern(find, options);
    try {
        const auto tree = project.binder().tree();
        const std::set<int64_t> scope =
            options.under ? subtree(tree, *options.under) : std::set<int64_t>{};
        for (const storage::BinderNode& node : tree) {
            if (options.kind && node.kind != *options.kind) continue;
            if (options.under && !scope.contains(node.id)) continue;
            const QString text = toQString(project.documents().text(node.id));
            ReplaceChange change = changeFor(node, text, re, replacement);
            if (!change.matches.isEmpty()) plan.changes.append(std::move(change));
        }
    } catch (const std::exception& e) {
        plan.error = QString::fromUtf8(e.what());
        plan.changes.clear();
    }
    return plan;
}

QString ProjectReplace::snapshotName(const ReplacePlan& plan) {
    return QObject::tr("Before replacing \u201C%1\u201D with \u201C%2\u201D")
        .arg(shortened(plan.find, 40), shortened(plan.replacement, 40));
}

QString ProjectReplace::apply(storage::Project& project, DocumentSession* session,
                              const ReplacePlan& plan) {
    if (plan.changes.isEmpty()) return {};
    if (session && !session->save())
        return QObject::tr("The open document could not be saved; nothing was replaced.");
    const std::string name = snapshotName(plan).toStdString();
    try {
        storage::Transaction tx(project.database());
        for (const ReplaceChange& change : plan.changes) {
            // The preview's counts and excerpts must still be true of what gets replaced.
            if (toQString(project.documents().text(change.nodeId)) != change.oldText)
                return QObject::tr("\u201C%1\u201D changed since the preview; nothing was "
                                   "replaced. Search again.")
                    .arg(change.title);
            project.revisions().snapshot(change.nodeId, name);
            project.documents().setText(change.nodeId, change.newText.toStdString());
        }
        tx.commit();
    } catch (const std::exception& e) {
        return QObject::tr("Nothing was replaced: %1").arg(QString::fromUtf8(e.what()));
    }
    // Storage holds the new texts; open documents follow as one undo step each.
    if (session)
        for (const ReplaceChange& change : plan.changes)
            session->applyStoredEdit(change.nodeId, [&](QTextCursor& cursor) {
                for (auto m = change.matches.crbegin(); m != change.matches.crend(); ++m) {
                    cursor.setPosition(m->first);
                    cursor.setPosition(m->first + m->second, QTextCursor::KeepAnchor);
                    cursor.insertText(plan.replacement);
                }
            });
    return {};
}

} // namespace fabulist::ui
