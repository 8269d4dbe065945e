// storage_kill_writer PROJECT ROUND [CHECKPOINT_PAGES]: the child process of the kill test. Opens
// the project, prints "ready", then saves forever: each save is one transaction that replaces a
// scene's text and takes an autosave revision; only after commit() returns does it print "ack ROUND
// NODE SEQ". The test SIGKILLs it at random moments. CHECKPOINT_PAGES lowers SQLite's WAL
// auto-checkpoint threshold (default 1000 pages) so that kills also land in the middle of
// checkpoints, which copy the log back into the database file.
#include "storage/project.h"
#include "storage/transaction.h"
#include "tests/storage/kill_save_text.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

using namespace fabulist::storage;

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::fprintf(stderr, "usage: storage_kill_writer PROJECT ROUND [CHECKPOINT_PAGES]\n");
        return 2;
    }
    try {
        const uint64_t round = std::strtoull(argv[2], nullptr, 10);
        auto project = Project::open(argv[1]);
        if (argc == 4)
            project->database().exec(std::string("PRAGMA wal_autocheckpoint = ") +
                                     std::to_string(std::strtol(argv[3], nullptr, 10)));
        std::vector<int64_t> scenes;
        for (const BinderNode& node : project->binder().tree())
            if (node.kind == NodeKind::Scene) scenes.push_back(node.id);
        if (scenes.empty()) {
            std::fprintf(stderr, "storage_kill_writer: no scenes in %s\n", argv[1]);
            return 1;
        }
        std::printf("ready\n");
        std::fflush(stdout);
        for (uint64_t sequence = 1;; ++sequence) {
            const int64_t scene = scenes[sequence % scenes.size()];
            Transaction transaction(project->database());
            project->documents().setText(scene, test::killSaveText(round, sequence));
            project->revisions().autosave(scene);
            transaction.commit();
            std::printf("ack %llu %lld %llu\n", static_cast<unsigned long long>(round),
                        static_cast<long long>(scene), static_cast<unsigned long long>(sequence));
            std::fflush(stdout);
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "storage_kill_writer: %s\n", error.what());
        return 1;
    }
}
