#include "storage/sample_project.h"

#include "storage/storage_error.h"
#include "storage/transaction.h"

#include <charconv>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

namespace fabulist::storage {

extern const char kSampleProjectText[]; // generated from resources/sample/sample_project.txt

namespace {

using Kind = StorageError::Kind;

[[noreturn]] void badSample(int line, const std::string& why) {
    throw StorageError(Kind::Internal, "Built-in sample project, line " + std::to_string(line) +
                                           ": " + why + ". Please report this problem.");
}

// Removes the trailing newlines a text block collects before the next '@' line.
std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

// "A; B" -> {"A", "B"}, each trimmed.
std::vector<std::string> splitAliases(const std::string& list) {
    std::vector<std::string> aliases;
    std::istringstream in(list);
    for (std::string alias; std::getline(in, alias, ';');) {
        const size_t first = alias.find_first_not_of(' ');
        if (first != std::string::npos) aliases.push_back(trimmed(alias.substr(first)));
    }
    return aliases;
}

// "@aliases", "@note" and "@always-in" give the binder item above them its bible fields;
// "@memory" and "@authors-note" the project's story notes. True when the tag was one of them.
bool readBibleLine(Project& project, const std::string& tag, const std::string& rest,
                   std::optional<int64_t> item, int lineNumber) {
    if (tag == "memory" || tag == "authors-note") {
        project.bible().setStoryNote(
            tag == "memory" ? StoryNoteKind::Memory : StoryNoteKind::AuthorsNote, rest);
        return true;
    }
    if (tag != "aliases" && tag != "note" && tag != "always-in") return false;
    if (!item) badSample(lineNumber, "@" + tag + " before any binder item");
    if (tag == "aliases")
        project.bible().setAliases(*item, splitAliases(rest));
    else if (tag == "note")
        project.bible().setModelNote(*item, rest);
    else
        project.bible().setAlwaysIn(*item, true);
    return true;
}

// Reads "@<depth> <kind> <title>", "@title ...", "@board ...", "@card ..." lines, the story
// bible's lines and their text blocks (format described at the top of
// resources/sample/sample_project.txt).
void fillFromSample(Project& project) {
    std::istringstream in(kSampleProjectText);
    std::string line;
    int lineNumber = 0;
    std::vector<int64_t> parents; // parents[d] = last node at depth d+1
    std::map<std::string, int64_t> nodesByTitle;
    std::optional<int64_t> board;
    std::optional<int64_t> lastItem; // the binder item the bible lines are about
    std::string* textTarget = nullptr;
    std::vector<std::pair<int64_t, std::string>> texts; // node id, text
    std::vector<Card> cards;
    std::vector<std::string> cardLinks;
    std::string ignored;

    while (std::getline(in, line)) {
        ++lineNumber;
        if (line.empty() || line[0] != '@') {
            if (textTarget) *textTarget += line + "\n";
            continue;
        }
        const size_t space = line.find(' ');
        const std::string tag = line.substr(1, space == std::string::npos ? space : space - 1);
        const std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
        if (tag == "title") {
            project.setTitle(rest);
            textTarget = &ignored;
        } else if (readBibleLine(project, tag, rest, lastItem, lineNumber)) {
            textTarget = &ignored;
        } else if (tag == "board") {
            board = project.storyboard().createBoard(rest);
            textTarget = &ignored;
        } else if (tag == "card") {
            if (!board) badSample(lineNumber, "@card before any @board");
            std::istringstream fields(rest);
            std::string color;
            Card card;
            card.boardId = *board;
            if (!(fields >> color >> card.x >> card.y) || color.size() != 7 || color[0] != '#')
                badSample(lineNumber, "expected '@card #RRGGBB X Y TITLE'");
            std::from_chars(color.data() + 1, color.data() + 7, card.color, 16);
            std::string title;
            std::getline(fields >> std::ws, title);
            const size_t arrow = title.find(" -> ");
            cardLinks.push_back(arrow == std::string::npos ? "" : title.substr(arrow + 4));
            card.title = title.substr(0, arrow);
            cards.push_back(std::move(card));
            textTarget = &cards.back().text;
        } else {
            int depth = 0;
            auto [end, error] = std::from_chars(tag.data(), tag.data() + tag.size(), depth);
            const size_t kindEnd = rest.find(' ');
            const auto kind = nodeKindFromString(rest.substr(0, kindEnd));
            if (error != std::errc() || end != tag.data() + tag.size() || depth < 1 ||
                depth > static_cast<int>(parents.size()) + 1 || !kind ||
                kindEnd == std::string::npos)
                badSample(lineNumber, "expected '@DEPTH KIND TITLE'");
            const std::string title = rest.substr(kindEnd + 1);
            parents.resize(depth - 1);
            const std::optional<int64_t> parent =
                parents.empty() ? std::nullopt : std::optional<int64_t>(parents.back());
            const int64_t id = project.binder().create(*kind, title, parent);
            parents.push_back(id);
            lastItem = id;
            nodesByTitle[title] = id;
            texts.emplace_back(id, std::string());
            textTarget = &texts.back().second;
        }
    }
    for (auto& [id, text] : texts) project.documents().setText(id, trimmed(text));
    for (size_t i = 0; i < cards.size(); ++i) {
        Card& card = cards[i];
        card.text = trimmed(card.text);
        if (!cardLinks[i].empty()) {
            auto it = nodesByTitle.find(cardLinks[i]);
            if (it == nodesByTitle.end())
                badSample(0, "card links to unknown '" + cardLinks[i] + "'");
            card.documentId = it->second;
        }
        project.storyboard().addCard(card);
    }
}

} // namespace

std::unique_ptr<Project> createStandardProject(const std::string& path, std::string_view title) {
    auto project = Project::create(path, title);
    Transaction transaction(project->database());
    for (const char* folder : {"Manuscript", "Characters", "Places", "Notes"})
        project->binder().create(NodeKind::Folder, folder);
    transaction.commit();
    return project;
}

std::string_view sampleProjectSource() {
    return kSampleProjectText;
}

std::unique_ptr<Project> createSampleProject(const std::string& path) {
    auto project = Project::create(path);
    try {
        Transaction transaction(project->database());
        fillFromSample(*project);
        transaction.commit();
    } catch (...) {
        // Leave no half-made project behind.
        project.reset();
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(path + suffix, ignored);
        throw;
    }
    return project;
}

} // namespace fabulist::storage
