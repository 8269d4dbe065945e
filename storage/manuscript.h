#pragma once
// The manuscript: what an export writes, compiled from the project in one pass on the thread
// that owns the Project. Chapters and scenes in binder order; notes, characters, places (and
// anything under them) and the trash are left out. Folders only group: their own text is the
// writer's synopsis, not prose. Every format renders this model, so all agree on what goes in.

#include <cstdint>
#include <string>
#include <vector>

namespace fabulist::storage {

class Project;

enum class SceneSeparator {
    Hash,      // a centred "#" line between scenes (standard manuscript format)
    BlankLine, // an empty line between scenes
};

struct CompileOptions {
    bool chapterTitles = true;   // the chapter's binder title in its heading
    bool chapterNumbers = false; // "Chapter N" in its heading
    SceneSeparator separator = SceneSeparator::Hash;
    std::string author; // overrides the project's 'author' metadata when not empty
};

struct ManuscriptChapter {
    std::string heading;             // "Chapter 2: Low Water", "Low Water", "Chapter 2" or empty
    std::vector<std::string> scenes; // the texts, in order; separated by the scene separator
};

struct Manuscript {
    std::string title;
    std::string author; // may be empty: the project has none and none was given
    SceneSeparator separator = SceneSeparator::Hash;
    std::vector<ManuscriptChapter> chapters;
    int64_t wordCount = 0; // the scenes' words (countWords), headings not counted

    // "#" or "" (a blank line): the separator's text.
    const char* separatorText() const { return separator == SceneSeparator::Hash ? "#" : ""; }
};

// Reads the binder and the texts. Scenes outside any chapter form an untitled chapter of their
// own; a chapter's own text comes before its scenes as one more scene.
Manuscript compileManuscript(Project& project, const CompileOptions& options = {});

// The author's surname for the manuscript header: the last word of the author's name.
std::string surnameOf(const std::string& author);

} // namespace fabulist::storage
