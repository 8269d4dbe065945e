#pragma once
// Writing statistics, computed from what the project already stores: the revisions (each with
// the document's word count and when it was taken), the documents' current word counts and the
// generations the writer accepted. Days are calendar days in the writer's local time zone.
//
// Words written on a day D, per document, then summed over every document (notes and trashed
// ones too; a document deleted for good takes its revisions, and so its days, with it):
//   the word count of its last revision on D  minus  that of its last revision before D
//   (0 before its first revision); a document with no revision on D adds nothing.
// Today the current text stands in for "the last revision on D" when the document changed today
// (a revision is taken only every few minutes of typing). The figure is net: deleting words
// subtracts them, so a day of cutting can be negative. Text that came in without a revision
// (the sample project's) counts as written on the day it came in, or if that day has passed
// without a revision, on the day of the document's first revision.
// Autosaves older than a day are pruned to the newest of each UTC day, so far from UTC a day's
// figure can move a few words to its neighbour; named snapshots are never pruned.
//
// Mine vs the model, over the manuscript (chapters and scenes, as an export compiles it):
// the words of each distinct text accepted from the model into a manuscript document
// (generation status accepted, or edited: what the writer kept) that is still found verbatim
// in that document's current text count as the model's; every other word is the writer's.
// Accepted text the writer has since reworded counts as the writer's.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fabulist::storage {

class Project;

// The local calendar day of a moment (ms since the Unix epoch), as days since 1970-01-01.
int64_t localDay(int64_t ms);
// The first millisecond of a local day (its midnight, or the first valid time after it).
int64_t localDayStartMs(int64_t day);

struct DayWords {
    int64_t day = 0;   // localDay()
    int64_t words = 0; // net words written that day
};

struct WritingStatistics {
    // Every day from the first revision's day to today, oldest first, days without writing
    // included (words 0). Empty for a project without revisions.
    std::vector<DayWords> perDay;
    int64_t today = 0;
    // Consecutive days with words > 0 ending today, or ending yesterday while today has none
    // yet (the streak is not lost before the day is over).
    int64_t streak = 0;
    int64_t manuscriptWords = 0; // every word of the manuscript now
    int64_t modelWords = 0;      // of those, accepted from the model and still there verbatim
    int64_t writerWords() const { return manuscriptWords - modelWords; }
};

WritingStatistics computeWritingStatistics(Project& project, int64_t nowMs);

// Where today's count starts, per document (for a live "words today" while typing):
// today's words = sum over documents changed today of (current count - startWords).
struct TodayBaseline {
    struct Document {
        int64_t startWords = 0;    // its last revision before today, or 0
        int64_t words = 0;         // its current stored word count
        bool changedToday = false; // a revision today, or its text saved today
    };
    int64_t day = 0; // localDay() of today
    std::map<int64_t, Document> documents;
    int64_t todayWords() const;
};

TodayBaseline todayBaseline(Project& project, int64_t nowMs);

// The ids of the manuscript's documents (chapters and scenes not inside a note, character or
// place, not in the trash): what an export compiles and what the project's goal counts.
std::vector<int64_t> manuscriptNodeIds(Project& project);

} // namespace fabulist::storage
