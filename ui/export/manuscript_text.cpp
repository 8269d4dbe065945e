#include "ui/export/manuscript_text.h"

namespace fabulist::exporting {

namespace {

// Shared by both renderings: title block, then chapters; `heading` and `separator` differ.
template <typename Heading>
std::string render(const storage::Manuscript& m, Heading heading, const std::string& separator) {
    std::string out = heading(1, m.title) + "\n\n";
    if (!m.author.empty()) out += "by " + m.author + "\n\n";
    for (const storage::ManuscriptChapter& chapter : m.chapters) {
        if (!chapter.heading.empty()) out += heading(2, chapter.heading) + "\n\n";
        for (size_t i = 0; i < chapter.scenes.size(); ++i) {
            if (i > 0) out += separator;
            for (const std::string& paragraph : paragraphsOf(chapter.scenes[i]))
                out += paragraph + "\n\n";
        }
    }
    while (out.size() > 1 && out[out.size() - 2] == '\n') out.pop_back();
    return out;
}

} // namespace

std::vector<std::string> paragraphsOf(std::string_view sceneText) {
    std::vector<std::string> paragraphs;
    size_t start = 0;
    while (start <= sceneText.size()) {
        size_t end = sceneText.find('\n', start);
        if (end == std::string_view::npos) end = sceneText.size();
        std::string_view line = sceneText.substr(start, end - start);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
            line.remove_suffix(1);
        if (!line.empty()) paragraphs.emplace_back(line);
        start = end + 1;
    }
    return paragraphs;
}

std::string toMarkdown(const storage::Manuscript& manuscript) {
    const auto heading = [](int level, const std::string& text) {
        return std::string(static_cast<size_t>(level), '#') + " " + text;
    };
    // A bare "#" line would be an empty heading in Markdown: escaped, it renders as "#".
    const bool hash = manuscript.separator == storage::SceneSeparator::Hash;
    // Paragraphs are already a blank line apart: a visible blank needs a non-breaking space.
    return render(manuscript, heading, hash ? "\\#\n\n" : "&nbsp;\n\n");
}

std::string toPlainText(const storage::Manuscript& manuscript) {
    const auto heading = [](int, const std::string& text) { return text; }; // no marks
    const bool hash = manuscript.separator == storage::SceneSeparator::Hash;
    return render(manuscript, heading, hash ? "#\n\n" : "\n");
}

} // namespace fabulist::exporting
