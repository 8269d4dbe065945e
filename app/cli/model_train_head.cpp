// `fabulist-cli train-head -m MODEL -c CORPUS... -o ADAPTER`: trains a diversity-head adapter
// for MODEL on text files with the model frozen (inference/head_training/head_trainer.h) and writes
// it as a GGUF adapter. Progress (ETA, training and held-out FACE loss) goes to stderr.
//
// Resumable: the training state goes to a checkpoint (--checkpoint, default ADAPTER.ckpt) every
// --checkpoint-every steps and when SIGINT/SIGTERM arrive; the same command run again resumes
// from it and writes the adapter an uninterrupted run would have written. The checkpoint is
// removed once the adapter is written. --fresh starts over; --stop-after STEP stops on purpose.
// --word-starts-only trains the delta on the tokens that begin a word or a mark only (the
// others keep a zero delta: inference/heads/word_start_mask.h), so the head varies the choice
// of words and the coherence head spells them. --strength S writes S times the trained delta
// (B and b scaled), so that α 1 is a calibrated end of the slider; the file records S.
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/head_training/head_trainer.h"
#include "inference/heads/sha256.h"
#include "inference/heads/word_start_mask.h"
#include "inference/tokenizer/tokenizer.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage =
    "train-head -m MODEL -c CORPUS.txt [MORE.txt...] -o ADAPTER.gguf [--rank 32] [--steps 300] "
    "[--batch 64] [--lr 0.001] [--gamma 0.5] [--held-out 0.1] [--eval-every 50] [--seed 1] "
    "[-t THREADS] [--ctx 256] [--max-memory-mib 2048] [--cache-dir DIR] [--max-cache-mib 65536] "
    "[--checkpoint FILE (default ADAPTER.ckpt)] [--checkpoint-every 50] [--fresh] "
    "[--stop-after STEP] [--word-starts-only] [--strength 1]";

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw UsageError("cannot read corpus file '" + path +
                         "': check the path (a UTF-8 text file is expected)");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Set by SIGINT/SIGTERM during training: the trainer checkpoints and stops after the current
// step. The handler resets itself, so a second signal ends the process at once.
std::atomic<bool> g_stopRequested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void requestStop(int) {
    g_stopRequested.store(true);
}

// Installs requestStop for SIGINT and SIGTERM while alive; restores the previous handlers.
class StopOnSignal {
public:
    StopOnSignal() {
        struct sigaction sa {};
        sa.sa_handler = requestStop;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &m_oldInt);
        sigaction(SIGTERM, &sa, &m_oldTerm);
    }
    ~StopOnSignal() {
        sigaction(SIGINT, &m_oldInt, nullptr);
        sigaction(SIGTERM, &m_oldTerm, nullptr);
    }
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;

private:
    struct sigaction m_oldInt {
    }, m_oldTerm{};
};

void printProgress(const inference::HeadTrainerProgress& p) {
    using Phase = inference::HeadTrainerProgress::Phase;
    if (p.phase == Phase::Collect)
        std::fprintf(stderr, "train-head: model pass %lld/%lld tokens, %.1f s, ETA %.0f s\n",
                     static_cast<long long>(p.done), static_cast<long long>(p.total),
                     p.elapsedSeconds, p.etaSeconds);
    else
        std::fprintf(stderr,
                     "train-head: step %lld/%lld%s  train FACE %.4f  held-out FACE %.4f  %.1f s, "
                     "ETA %.0f s\n",
                     static_cast<long long>(p.done), static_cast<long long>(p.total),
                     p.resumedFromStep > 0
                         ? (" (resumed at " + std::to_string(p.resumedFromStep) + ")").c_str()
                         : "",
                     p.trainLoss, p.heldOutLoss, p.elapsedSeconds, p.etaSeconds);
}

} // namespace

int runTrainHeadCommand(const std::vector<std::string>& argv) {
    inference::EngineOptions options;
    inference::HeadTrainerOptions train;
    std::vector<std::string> corpus;
    std::string outPath;
    double heldOutFraction = 0.1;
    bool wordStartsOnly = false; // the delta stays off word-continuing tokens
    double strength = 1.0;       // the written delta = strength × the trained one
    try {
        ModelArgs args(argv,
                       {{{"-m", "--model"}},
                        {{"-c", "--corpus"}},
                        {{"-o", "--output"}},
                        {{"--rank"}},
                        {{"--steps"}},
                        {{"--batch"}},
                        {{"--lr"}},
                        {{"--gamma"}},
                        {{"--held-out"}},
                        {{"--eval-every"}},
                        {{"-s", "--seed"}},
                        {{"-t", "--threads"}},
                        {{"--ctx"}},
                        {{"--max-memory-mib"}},
                        {{"--cache-dir"}},
                        {{"--max-cache-mib"}},
                        {{"--checkpoint"}},
                        {{"--checkpoint-every"}},
                        {{"--fresh"}, false},
                        {{"--stop-after"}},
                        {{"--word-starts-only"}, false},
                        {{"--strength"}}},
                       1024);
        options.modelPath = args.requiredString("-m");
        requireModelFile(options.modelPath);
        corpus.push_back(args.requiredString("-c"));
        for (const std::string& p : args.positionals()) corpus.push_back(p);
        outPath = args.requiredString("-o");
        train.rank = int(args.integer("--rank", 32, 1, 4096));
        train.steps = int(args.integer("--steps", 300, 1, 100000000));
        train.batchSize = int(args.integer("--batch", 64, 1, 1 << 20));
        train.learningRate = args.number("--lr", 1e-3);
        train.gamma = args.number("--gamma", 0.5);
        heldOutFraction = args.number("--held-out", 0.1);
        train.evalEvery = int(args.integer("--eval-every", 50, 0, 100000000));
        train.seed = uint64_t(args.integer("--seed", 1, 0, INT64_MAX));
        options.threads = int(args.integer("-t", 0, 0, 1024));
        train.chunkLength = int(args.integer("--ctx", 256, 2, 1 << 20));
        train.maxMemoryBytes = uint64_t(args.integer("--max-memory-mib", 2048, 0, 1 << 30)) << 20;
        train.cacheDirectory = args.string("--cache-dir");
        train.maxCacheBytes = uint64_t(args.integer("--max-cache-mib", 65536, 1, 1 << 30)) << 20;
        train.checkpointPath = args.string("--checkpoint", outPath + ".ckpt");
        if (train.checkpointPath.empty()) throw UsageError("--checkpoint needs a FILE");
        if (train.checkpointPath == outPath)
            throw UsageError("--checkpoint must not be the output file " + outPath);
        train.checkpointEvery = int(args.integer("--checkpoint-every", 50, 0, 100000000));
        train.resume = !args.has("--fresh");
        wordStartsOnly = args.has("--word-starts-only");
        strength = args.number("--strength", 1.0);
        if (!(strength > 0.0 && strength <= 4.0))
            throw UsageError("--strength must be above 0 and at most 4");
        train.stopAfterStep = int(args.integer("--stop-after", 0, 0, train.steps));
        if (!(train.learningRate > 0.0 && train.learningRate < 1.0))
            throw UsageError("--lr must be between 0 and 1");
        if (!(train.gamma >= 0.0 && train.gamma <= 4.0))
            throw UsageError("--gamma must be between 0 and 4");
        if (!(heldOutFraction > 0.0 && heldOutFraction < 0.9))
            throw UsageError("--held-out must be a fraction between 0 and 0.9");
        train.heldOutFraction = heldOutFraction;
    } catch (const UsageError& e) {
        return usageFailure("train-head", kUsage, e.what());
    }

    try {
        // Corpus: every file's bytes in the order given (the fingerprint covers exactly them).
        inference::Sha256 fingerprint;
        std::vector<std::string> texts;
        for (const std::string& path : corpus) {
            texts.push_back(readFile(path));
            fingerprint.update(texts.back().data(), texts.back().size());
        }
        options.contextLength = train.chunkLength;
        auto engine = inference::Engine::load(options);
        if (wordStartsOnly) train.deltaTokens = inference::wordStartTokens(engine->tokenizer());
        train.threads = engine->info().threads;
        std::vector<int32_t> tokens;
        for (const std::string& t : texts) {
            const std::vector<int32_t> ids = engine->tokenizer().encode(t, true, false);
            tokens.insert(tokens.end(), ids.begin(), ids.end());
        }
        const size_t heldOutTokens = size_t(double(tokens.size()) * heldOutFraction);
        if (tokens.size() < 64 || heldOutTokens < 16)
            return runtimeFailure("train-head", "the corpus has " + std::to_string(tokens.size()) +
                                                    " tokens; give at least a few pages of text");
        const size_t split = tokens.size() - heldOutTokens;
        // The checkpoint's identity: the model's head, and exactly these tokens (the files'
        // bytes and how the model tokenizes them).
        const inference::HeadAdapterBase base =
            inference::HeadAdapterBase::fromModel(engine->file());
        const std::string corpusSha = inference::Sha256::toHex(fingerprint.finish());
        train.corpusFingerprint = corpusSha + ", " + std::to_string(tokens.size()) + " tokens";
        // A checkpoint that cannot be written should fail now, not after the model pass.
        const std::filesystem::path checkpointDir =
            std::filesystem::absolute(train.checkpointPath).parent_path();
        if (::access(checkpointDir.c_str(), W_OK) != 0)
            return runtimeFailure("train-head", "cannot write the checkpoint " +
                                                    train.checkpointPath + ": its folder " +
                                                    checkpointDir.string() +
                                                    " is missing or not writable; choose "
                                                    "another with --checkpoint FILE");
        // Refuse a foreign checkpoint now, before the model pass over the corpus.
        int resumeStep = 0;
        if (train.resume && std::filesystem::exists(train.checkpointPath)) {
            resumeStep = inference::readHeadCheckpoint(
                             train.checkpointPath, inference::headCheckpointKey(base, train), base)
                             .step;
            std::fprintf(stderr, "train-head: resuming from %s at step %d of %d\n",
                         train.checkpointPath.c_str(), resumeStep, train.steps);
        }
        std::fprintf(stderr,
                     "train-head: %zu corpus tokens (%zu training, %zu held out), rank %d, %d "
                     "steps of %d positions, %d threads\n",
                     tokens.size(), split, heldOutTokens, train.rank, train.steps, train.batchSize,
                     train.threads);
        train.progress = printProgress;
        auto session = engine->createSession();
        const std::span<const int32_t> all(tokens);
        // Position caches too large for memory are kept beside the checkpoint (or in
        // --cache-dir) so that a resumed run skips the model pass; a cache is only reused for
        // the same model file, engine settings, tokens and part of the corpus.
        const std::string cacheBase = train.cacheDirectory.empty()
                                          ? train.checkpointPath
                                          : (std::filesystem::path(train.cacheDirectory) /
                                             std::filesystem::path(train.checkpointPath).filename())
                                                .string();
        const std::string cacheIdentity =
            "model " + options.modelPath + " (" +
            std::to_string(std::filesystem::file_size(options.modelPath)) + " bytes, head " +
            base.outputSha256 + "), kv " + std::to_string(int(options.kvCacheType)) + ", threads " +
            std::to_string(train.threads) + ", ctx " + std::to_string(train.chunkLength) +
            ", corpus " + train.corpusFingerprint;
        auto collect = [&](std::span<const int32_t> part, const std::string& name) {
            inference::HeadTrainerOptions o = train;
            o.keepCachePath = cacheBase + "." + name + "-cache";
            o.cacheFingerprint = cacheIdentity + ", " + name + " positions of " +
                                 std::to_string(part.size()) + " tokens";
            inference::HeadTrainingData data =
                inference::collectHeadTrainingData(*session, part, o);
            if (data.fromSavedCache)
                std::fprintf(stderr, "train-head: reused the %s position cache %s\n", name.c_str(),
                             o.keepCachePath.c_str());
            return data;
        };
        const std::string cachePaths[] = {cacheBase + ".train-cache",
                                          cacheBase + ".held-out-cache"};
        const inference::HeadTrainingData trainData = collect(all.subspan(0, split), "train");
        const inference::HeadTrainingData heldOut = collect(all.subspan(split), "held-out");
        inference::HeadTrainingRun run;
        {
            g_stopRequested.store(false);
            train.stopRequested = &g_stopRequested;
            StopOnSignal stopOnSignal;
            run = inference::runHeadTraining(base, trainData, heldOut, train);
        }
        if (!run.finished) {
            std::fprintf(stderr,
                         "train-head: stopped after step %d of %d; the state is in %s. Run the "
                         "same command again to continue from there\n",
                         run.stepsDone, train.steps, train.checkpointPath.c_str());
            return g_stopRequested.load() ? 130 : 0;
        }
        inference::HeadAdapter& head = run.adapter;
        inference::HeadTrainingInfo& info = head.training();
        info.corpusSha256 = corpusSha;
        info.corpusTokens = int64_t(tokens.size());
        info.date = utcNow();
        if (strength != 1.0) {
            // The delta that α 1 adds, calibrated: B and b scaled (A·h is unchanged).
            for (float& x : head.bMatrix()) x = float(x * strength);
            for (float& x : head.bias()) x = float(x * strength);
            info.strength = strength;
        }
        head.write(outPath);
        std::error_code ignored; // a finished run's checkpoint is of no further use
        std::filesystem::remove(train.checkpointPath, ignored);
        for (const std::string& cache : cachePaths) std::filesystem::remove(cache, ignored);
        std::fprintf(stderr,
                     "train-head: held-out FACE loss %.4f (model alone) -> %.4f (kept step "
                     "%lld); wrote %s\n",
                     info.heldOutLossBefore, info.heldOutLossAfter,
                     static_cast<long long>(info.bestStep), outPath.c_str());
    } catch (const UsageError& e) {
        return usageFailure("train-head", kUsage, e.what());
    } catch (const std::exception& e) {
        return runtimeFailure("train-head", e.what());
    }
    return 0;
}

} // namespace fabulist::cli
