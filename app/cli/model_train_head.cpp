// `fabulist-cli train-head -m MODEL -c CORPUS... -o ADAPTER`: trains a diversity-head adapter
// for MODEL on text files with the model frozen (inference/heads/head_trainer.h) and writes it
// as a GGUF adapter. Progress (ETA, training and held-out FACE loss) goes to stderr.
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/heads/head_trainer.h"
#include "inference/heads/sha256.h"
#include "inference/tokenizer/tokenizer.h"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage =
    "train-head -m MODEL -c CORPUS.txt [MORE.txt...] -o ADAPTER.gguf [--rank 32] [--steps 300] "
    "[--batch 64] [--lr 0.001] [--gamma 0.5] [--held-out 0.1] [--eval-every 50] [--seed 1] "
    "[-t THREADS] [--ctx 256] [--max-memory-mib 2048] [--cache-dir DIR] [--max-cache-mib 65536]";

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

void printProgress(const inference::HeadTrainerProgress& p) {
    using Phase = inference::HeadTrainerProgress::Phase;
    if (p.phase == Phase::Collect)
        std::fprintf(stderr, "train-head: model pass %lld/%lld tokens, %.1f s, ETA %.0f s\n",
                     static_cast<long long>(p.done), static_cast<long long>(p.total),
                     p.elapsedSeconds, p.etaSeconds);
    else
        std::fprintf(stderr,
                     "train-head: step %lld/%lld  train FACE %.4f  held-out FACE %.4f  %.1f s, "
                     "ETA %.0f s\n",
                     static_cast<long long>(p.done), static_cast<long long>(p.total), p.trainLoss,
                     p.heldOutLoss, p.elapsedSeconds, p.etaSeconds);
}

} // namespace

int runTrainHeadCommand(const std::vector<std::string>& argv) {
    inference::EngineOptions options;
    inference::HeadTrainerOptions train;
    std::vector<std::string> corpus;
    std::string outPath;
    double heldOutFraction = 0.1;
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
                        {{"--max-cache-mib"}}},
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
        if (!(train.learningRate > 0.0 && train.learningRate < 1.0))
            throw UsageError("--lr must be between 0 and 1");
        if (!(train.gamma >= 0.0 && train.gamma <= 4.0))
            throw UsageError("--gamma must be between 0 and 4");
        if (!(heldOutFraction > 0.0 && heldOutFraction < 0.9))
            throw UsageError("--held-out must be a fraction between 0 and 0.9");
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
        std::fprintf(stderr,
                     "train-head: %zu corpus tokens (%zu training, %zu held out), rank %d, %d "
                     "steps of %d positions, %d threads\n",
                     tokens.size(), split, heldOutTokens, train.rank, train.steps, train.batchSize,
                     train.threads);
        train.progress = printProgress;
        auto session = engine->createSession();
        const std::span<const int32_t> all(tokens);
        const inference::HeadTrainingData trainData =
            inference::collectHeadTrainingData(*session, all.subspan(0, split), train);
        const inference::HeadTrainingData heldOut =
            inference::collectHeadTrainingData(*session, all.subspan(split), train);
        const inference::HeadAdapterBase base =
            inference::HeadAdapterBase::fromModel(engine->file());
        inference::HeadAdapter head = inference::trainHeadAdapter(base, trainData, heldOut, train);
        inference::HeadTrainingInfo& info = head.training();
        info.corpusSha256 = inference::Sha256::toHex(fingerprint.finish());
        info.corpusTokens = int64_t(tokens.size());
        info.date = utcNow();
        head.write(outPath);
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
