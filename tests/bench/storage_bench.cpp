// storage_bench: times the storage paths a writer feels, on a 200,000-word project (200 scenes
// of 1,000 words in 20 chapters, plus a named snapshot of each scene), and prints JSON.
//   open_ms:      Project::open read-write (header check, read-only quick_check, lock,
//                 WAL, migrations check), median of 10
//   autosave_ms:  DocumentRepository::setText of a 5,000-word scene with a one-word change
//                 (text + word count + FTS update, one transaction), median of 100
//   autosave_with_revision_ms: the same plus RevisionRepository::autosave in the same
//                 transaction, median of 100
//   query_ms:     SearchRepository::search of two-word queries with snippets, median of 100
// Usage: storage_bench [DIR]   (default: a temporary folder, removed afterwards)
// Not a test: it checks nothing and is not registered with CTest.
#include "storage/project.h"
#include "storage/transaction.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using namespace fabulist::storage;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// A vocabulary of 4,000 pronounceable made-up words, drawn with a Zipf-like skew so that the
// index has frequent and rare terms like real prose.
class Prose {
public:
    explicit Prose(uint32_t seed) : m_random(seed) {
        static const char* const kSyllables[] = {"ka", "lo",  "ri",  "ten", "mar", "es",  "vin",
                                                 "do", "sha", "bel", "ur",  "ni",  "tha", "gor",
                                                 "pe", "lin", "ast", "co",  "mi",  "ver"};
        std::mt19937 words(seed + 1);
        for (int i = 0; i < 4000; ++i) {
            std::string word;
            const int syllables = 1 + static_cast<int>(words() % 3);
            for (int s = 0; s < syllables; ++s) word += kSyllables[words() % 20];
            m_vocabulary.push_back(word);
        }
    }
    const std::string& word() {
        const double u = std::uniform_real_distribution<double>(0, 1)(m_random);
        return m_vocabulary[static_cast<size_t>(u * u * u * m_vocabulary.size())];
    }
    std::string text(int words) {
        std::string out;
        for (int i = 0; i < words; ++i) {
            out += word();
            out += (i % 120 == 119) ? ".\n\n" : (i % 15 == 14) ? ". " : " ";
        }
        return out;
    }

private:
    std::mt19937 m_random;
    std::vector<std::string> m_vocabulary;
};

} // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    const bool ownDir = argc < 2;
    const fs::path dir = ownDir ? fs::temp_directory_path() /
                                      ("fabulist-storage-bench-" + std::to_string(::getpid()))
                                : fs::path(argv[1]);
    fs::create_directories(dir);
    const std::string path = (dir / "bench.fabulist").string();
    fs::remove(path);

    Prose prose(42);
    constexpr int kChapters = 20, kScenesPerChapter = 10, kWordsPerScene = 1000;
    std::vector<int64_t> scenes;
    const auto buildStart = Clock::now();
    {
        auto project = Project::create(path, "Benchmark");
        Transaction transaction(project->database());
        const int64_t manuscript = project->binder().create(NodeKind::Folder, "Manuscript");
        for (int c = 0; c < kChapters; ++c) {
            const int64_t chapter = project->binder().create(
                NodeKind::Chapter, "Chapter " + std::to_string(c + 1), manuscript);
            for (int s = 0; s < kScenesPerChapter; ++s) {
                const int64_t scene = project->binder().create(
                    NodeKind::Scene, "Scene " + std::to_string(s + 1), chapter);
                project->documents().setText(scene, prose.text(kWordsPerScene));
                project->revisions().snapshot(scene, "First draft");
                scenes.push_back(scene);
            }
        }
        transaction.commit();
    }
    const double buildMs = msSince(buildStart);

    std::vector<double> opens;
    for (int i = 0; i < 10; ++i) {
        const auto start = Clock::now();
        auto project = Project::open(path);
        opens.push_back(msSince(start));
    }

    auto project = Project::open(path);
    const int64_t target = scenes[scenes.size() / 2];
    std::string text = prose.text(5000);
    project->documents().setText(target, text);
    int64_t totalWords = 0;
    for (int64_t scene : scenes) totalWords += project->documents().wordCount(scene);

    std::vector<double> autosaves;
    for (int i = 0; i < 100; ++i) {
        // One word changed, as after a pause in typing.
        const size_t at = (i * 7919) % (text.size() - 8);
        text[at] = static_cast<char>('a' + i % 26);
        const auto start = Clock::now();
        project->documents().setText(target, text);
        autosaves.push_back(msSince(start));
    }
    std::vector<double> autosavesWithRevision;
    for (int i = 0; i < 100; ++i) {
        const size_t at = (i * 104729) % (text.size() - 8);
        text[at] = static_cast<char>('a' + (i + 13) % 26);
        const auto start = Clock::now();
        Transaction transaction(project->database());
        project->documents().setText(target, text);
        project->revisions().autosave(target);
        transaction.commit();
        autosavesWithRevision.push_back(msSince(start));
    }

    std::vector<double> queries;
    size_t hits = 0;
    Prose queryWords(7);
    for (int i = 0; i < 100; ++i) {
        const std::string query = queryWords.word() + " " + queryWords.word();
        const auto start = Clock::now();
        hits += project->search().search(query).size();
        queries.push_back(msSince(start));
    }
    project.reset();
    const auto fileBytes = fs::file_size(path);

    std::printf("{\n"
                "  \"words\": %lld,\n"
                "  \"scenes\": %zu,\n"
                "  \"file_bytes\": %llu,\n"
                "  \"build_ms\": %.1f,\n"
                "  \"open_ms\": %.3f,\n"
                "  \"open_first_ms\": %.3f,\n"
                "  \"autosave_5000_words_ms\": %.3f,\n"
                "  \"autosave_with_revision_ms\": %.3f,\n"
                "  \"query_ms\": %.3f,\n"
                "  \"query_hits_avg\": %.1f,\n"
                "  \"targets_ms\": {\"open\": 150, \"autosave\": 5, \"query\": 20}\n"
                "}\n",
                static_cast<long long>(totalWords), scenes.size(),
                static_cast<unsigned long long>(fileBytes), buildMs, median(opens), opens[0],
                median(autosaves), median(autosavesWithRevision), median(queries),
                static_cast<double>(hits) / 100.0);
    if (ownDir) fs::remove_all(dir);
    return 0;
}
