#include "inference/prompting/prompt_template.h"

#include <algorithm>

namespace fabulist::inference::prompting {

namespace {

bool isSlotName(std::string_view name) {
    const auto& names = PromptTemplate::slotNames();
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string allowedNames() {
    std::string list;
    for (const std::string& name : PromptTemplate::slotNames())
        list += (list.empty() ? "" : ", ") + ("{{" + name + "}}");
    return list;
}

// Drops "##" comment lines (with their line break), keeping each kept line's number.
struct Line {
    std::string_view text; // with its '\n' when it has one
    int number;
};
std::vector<Line> keptLines(std::string_view text) {
    std::vector<Line> lines;
    int number = 1;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = text.find('\n', start);
        const size_t stop = end == std::string_view::npos ? text.size() : end + 1;
        const std::string_view line = text.substr(start, stop - start);
        if (!line.starts_with("##")) lines.push_back({line, number});
        ++number;
        start = stop;
    }
    return lines;
}

} // namespace

const std::vector<std::string>& PromptTemplate::slotNames() {
    static const std::vector<std::string> names = {"memory",    "bible",       "scene",
                                                   "after",     "selection",   "instruction",
                                                   "subject",   "title"};
    return names;
}

PromptTemplate PromptTemplate::parse(std::string_view text, const std::string& fileName) {
    PromptTemplate t;
    t.m_fileName = fileName;
    // The open sections, innermost last, each with the line it opened on.
    struct Open {
        Node node;
        int line;
    };
    std::vector<Open> stack;
    stack.push_back({Node{Node::Kind::Section, "", {}}, 0});
    auto add = [&](Node node) { stack.back().node.children.push_back(std::move(node)); };
    auto addText = [&](std::string_view literal) {
        if (literal.empty()) return;
        auto& children = stack.back().node.children;
        if (!children.empty() && children.back().kind == Node::Kind::Text)
            children.back().text += literal;
        else
            add(Node{Node::Kind::Text, std::string(literal), {}});
    };
    // The file's last line break ends the file, not the prompt.
    if (text.ends_with('\n')) text.remove_suffix(1);
    for (const Line& line : keptLines(text)) {
        std::string_view rest = line.text;
        while (!rest.empty()) {
            const size_t open = rest.find("{{");
            const size_t strayClose = rest.find("}}");
            if (strayClose < open)
                throw TemplateError(fileName, line.number,
                                    "'}}' without its '{{'; write the tag as {{name}}");
            addText(rest.substr(0, open));
            if (open == std::string_view::npos) break;
            const size_t close = rest.find("}}", open + 2);
            if (close == std::string_view::npos)
                throw TemplateError(fileName, line.number,
                                    "'{{' is not closed with '}}' on the same line");
            std::string_view tag = rest.substr(open + 2, close - open - 2);
            rest = rest.substr(close + 2);
            const char sigil = tag.empty() ? '\0' : tag.front();
            const std::string name(sigil == '#' || sigil == '/' ? tag.substr(1) : tag);
            if (!isSlotName(name))
                throw TemplateError(fileName, line.number,
                                    "unknown slot {{" + std::string(tag) + "}}; a template may use " +
                                        allowedNames());
            if (sigil == '#') {
                stack.push_back({Node{Node::Kind::Section, name, {}}, line.number});
            } else if (sigil == '/') {
                if (stack.size() == 1 || stack.back().node.text != name)
                    throw TemplateError(fileName, line.number,
                                        "{{/" + name + "}} closes a section that is not open" +
                                            (stack.size() > 1 ? " (the open one is {{#" +
                                                                    stack.back().node.text + "}})"
                                                              : ""));
                Node done = std::move(stack.back().node);
                stack.pop_back();
                add(std::move(done));
            } else {
                add(Node{Node::Kind::Slot, name, {}});
            }
        }
    }
    if (stack.size() > 1)
        throw TemplateError(fileName, stack.back().line,
                            "{{#" + stack.back().node.text + "}} is never closed; add {{/" +
                                stack.back().node.text + "}}");
    t.m_nodes = std::move(stack.front().node.children);
    return t;
}

std::vector<PromptPiece> PromptTemplate::render(const SlotValues& values) const {
    std::vector<PromptPiece> out;
    renderNodes(m_nodes, values, out);
    return out;
}

void PromptTemplate::renderNodes(const std::vector<Node>& nodes, const SlotValues& values,
                                 std::vector<PromptPiece>& out) const {
    auto slotText = [&](const std::string& name) -> const Slot* {
        const auto it = values.find(name);
        return it == values.end() ? nullptr : &it->second;
    };
    auto isEmpty = [&](const std::string& name) {
        const Slot* slot = slotText(name);
        if (!slot) return true;
        return std::all_of(slot->begin(), slot->end(),
                           [](const PromptPiece& p) { return p.text.empty(); });
    };
    for (const Node& node : nodes) {
        switch (node.kind) {
        case Node::Kind::Text:
            if (!out.empty() && out.back().source == "template")
                out.back().text += node.text;
            else
                out.push_back({"template", "", node.text});
            break;
        case Node::Kind::Slot:
            if (const Slot* slot = slotText(node.text))
                for (const PromptPiece& piece : *slot)
                    if (!piece.text.empty()) out.push_back(piece);
            break;
        case Node::Kind::Section:
            if (!isEmpty(node.text)) renderNodes(node.children, values, out);
            break;
        }
    }
}

bool PromptTemplate::uses(std::string_view slot) const {
    auto search = [&](const auto& self, const std::vector<Node>& nodes) -> bool {
        for (const Node& n : nodes)
            if ((n.kind != Node::Kind::Text && n.text == slot) || self(self, n.children))
                return true;
        return false;
    };
    return search(search, m_nodes);
}

} // namespace fabulist::inference::prompting
