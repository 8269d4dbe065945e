#pragma once
// Prompt templates: the text a task sends to the model, as a file a writer can read and change
// (resources/prompts/*.txt, overridden by a copy in the user's data folder). The syntax is small:
//   {{name}}               the slot's text (memory, bible, scene, after, selection, instruction,
//                          subject, title)
//   {{#name}}...{{/name}}  the part between, only when the slot is not empty (may nest)
//   a line starting "##"   a comment for the reader of the file; not sent
// parse() refuses anything else with the file name, the line and what to write instead.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference::prompting {

class TemplateError : public std::runtime_error {
public:
    TemplateError(const std::string& file, int line, const std::string& what)
        : std::runtime_error(file + ":" + std::to_string(line) + ": " + what), m_file(file),
          m_line(line) {}
    const std::string& file() const { return m_file; }
    int line() const { return m_line; }

private:
    std::string m_file;
    int m_line;
};

// One stretch of a rendered prompt and where it came from: "template" for the file's own text,
// else the slot's source ("memory", "bible", "authors_note", "scene", ...), with a label (the
// bible entry's name) where there is one.
struct PromptPiece {
    std::string source;
    std::string label;
    std::string text;
};

// A slot's value: its pieces in order (the scene slot holds the scene and the Author's Note).
using Slot = std::vector<PromptPiece>;
using SlotValues = std::map<std::string, Slot, std::less<>>;

class PromptTemplate {
public:
    // The slot names a template may use.
    static const std::vector<std::string>& slotNames();

    // Throws TemplateError naming `fileName` and the line.
    static PromptTemplate parse(std::string_view text, const std::string& fileName);

    // The pieces in order; a slot that is absent from `values` is empty.
    std::vector<PromptPiece> render(const SlotValues& values) const;
    // The slots the template uses.
    bool uses(std::string_view slot) const;
    const std::string& fileName() const { return m_fileName; }

private:
    struct Node {
        enum class Kind { Text, Slot, Section } kind = Kind::Text;
        std::string text; // Text: the literal; Slot and Section: the slot name
        std::vector<Node> children;
    };
    void renderNodes(const std::vector<Node>& nodes, const SlotValues& values,
                     std::vector<PromptPiece>& out) const;

    std::string m_fileName;
    std::vector<Node> m_nodes;
};

} // namespace fabulist::inference::prompting
