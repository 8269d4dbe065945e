#include "storage/manuscript.h"

#include "storage/project.h"
#include "storage/statement.h"

#include <map>
#include <optional>

namespace fabulist::storage {

namespace {

bool isReference(NodeKind kind) {
    return kind == NodeKind::Note || kind == NodeKind::Character || kind == NodeKind::Place;
}

std::string projectAuthor(Project& project) {
    Statement query(project.database(), "SELECT value FROM project_meta WHERE key = 'author'");
    return query.step() ? query.columnText(0) : std::string();
}

std::string headingFor(const BinderNode& chapter, int number, const CompileOptions& options) {
    const std::string numbered = "Chapter " + std::to_string(number);
    if (options.chapterNumbers && options.chapterTitles && !chapter.title.empty())
        return numbered + ": " + chapter.title;
    if (options.chapterNumbers) return numbered;
    return options.chapterTitles ? chapter.title : std::string();
}

// Trailing newlines are the separator's business, not the scene's.
std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    return text;
}

} // namespace

Manuscript compileManuscript(Project& project, const CompileOptions& options) {
    Manuscript manuscript;
    manuscript.title = project.title();
    manuscript.author = options.author.empty() ? projectAuthor(project) : options.author;
    manuscript.separator = options.separator;
    std::map<int64_t, bool> excluded;
    std::map<int64_t, std::optional<size_t>> chapterOf; // node -> its (nearest) chapter's index
    std::optional<size_t> looseChapter; // scenes outside any chapter go to an untitled one
    int number = 0;
    for (const BinderNode& node : project.binder().tree()) {
        const bool parentExcluded = node.parentId && excluded[*node.parentId];
        excluded[node.id] = parentExcluded || isReference(node.kind);
        if (excluded[node.id]) continue;
        std::optional<size_t> chapter = node.parentId ? chapterOf[*node.parentId] : std::nullopt;
        if (node.kind == NodeKind::Chapter) {
            chapter = manuscript.chapters.size();
            manuscript.chapters.push_back({headingFor(node, ++number, options), {}});
            looseChapter.reset();
        }
        chapterOf[node.id] = chapter;
        if (node.kind == NodeKind::Folder) continue;
        std::string text = trimmed(project.documents().text(node.id));
        if (text.empty()) continue;
        if (!chapter) {
            if (!looseChapter) {
                looseChapter = manuscript.chapters.size();
                manuscript.chapters.push_back({});
            }
            chapter = looseChapter;
        }
        manuscript.wordCount += countWords(text);
        manuscript.chapters[*chapter].scenes.push_back(std::move(text));
    }
    return manuscript;
}

std::string surnameOf(const std::string& author) {
    const size_t end = author.find_last_not_of(" \t");
    if (end == std::string::npos) return {};
    const size_t before = author.find_last_of(" \t", end);
    const size_t start = before == std::string::npos ? 0 : before + 1;
    return author.substr(start, end + 1 - start);
}

} // namespace fabulist::storage
