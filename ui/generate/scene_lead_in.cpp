#include "ui/generate/scene_lead_in.h"

#include "storage/project.h"

#include <optional>
#include <vector>

namespace fabulist::ui {

namespace {

using storage::BinderNode;
using storage::NodeKind;

std::optional<BinderNode> chapterOf(const std::vector<BinderNode>& tree, const BinderNode& node) {
    std::optional<int64_t> parent = node.parentId;
    while (parent) {
        const BinderNode* found = nullptr;
        for (const BinderNode& n : tree)
            if (n.id == *parent) found = &n;
        if (!found) return std::nullopt;
        if (found->kind == NodeKind::Chapter) return *found;
        parent = found->parentId;
    }
    return std::nullopt;
}

QString lastChars(const QString& text, int chars) {
    if (text.size() <= chars) return text;
    QString end = text.right(chars);
    return end.at(0).isLowSurrogate() ? end.mid(1) : end;
}

} // namespace

QString sceneLeadIn(storage::Project& project, int64_t sceneId, int chars) {
    const std::vector<BinderNode> tree = project.binder().tree(); // depth-first, binder order
    std::optional<BinderNode> previous;
    std::optional<BinderNode> self;
    for (const BinderNode& n : tree) {
        if (n.id == sceneId) {
            self = n;
            break;
        }
        if (n.kind == NodeKind::Scene) previous = n;
    }
    if (!self) return {};
    const std::optional<BinderNode> chapter = chapterOf(tree, *self);
    const bool opensChapter = chapter && (!previous || !chapterOf(tree, *previous) ||
                                          chapterOf(tree, *previous)->id != chapter->id);
    QString lead;
    if (previous) lead = QString::fromStdString(project.documents().text(previous->id)).trimmed();
    if (opensChapter && !chapter->title.empty()) {
        if (!lead.isEmpty()) lead += QStringLiteral("\n\n");
        lead += QString::fromStdString(chapter->title);
    }
    if (!lead.isEmpty()) lead += QStringLiteral("\n\n");
    return lastChars(lead, chars);
}

} // namespace fabulist::ui
