#include "inference/head_training/head_trainer.h"

#include "inference/engine/session.h"
#include "inference/head_training/head_position_cache.h"
#include "inference/parallel/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace fabulist::inference {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// splitmix64: fixed, portable stream (std distributions differ between standard libraries).
struct SplitMix {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); } // [0, 1)
    double normal() {                                                              // Box–Muller
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
};

// Adam over one parameter vector; the moments live in the trainer's state (checkpointed).
struct Adam {
    std::vector<float>& m;
    std::vector<float>& v;
    // Updates params[lo, hi) with gradient g.
    void step(float* params, const float* g, size_t lo, size_t hi, double lr, int t) {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        const double c1 = 1.0 - std::pow(b1, t), c2 = 1.0 - std::pow(b2, t);
        for (size_t i = lo; i < hi; ++i) {
            m[i] = float(b1 * m[i] + (1.0 - b1) * g[i]);
            v[i] = float(b2 * v[i] + (1.0 - b2) * double(g[i]) * g[i]);
            params[i] -= float(lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));
        }
    }
};

} // namespace

HeadTrainingData collectHeadTrainingData(Session& session, std::span<const int32_t> tokens,
                                         const HeadTrainerOptions& options) {
    HeadTrainingData data;
    if (tokens.size() < 2) return data;
    const int chunk = std::max(2, std::min(options.chunkLength, session.contextLength()));
    // Positions with a next token: all but the last of every chunk.
    const int64_t n = int64_t(tokens.size());
    const int64_t chunks = (n + chunk - 1) / chunk;
    const int64_t positions = std::max<int64_t>(0, n - chunks);
    session.evaluate(tokens.subspan(0, 1)); // learn the sizes
    data.nEmbd = int(session.hiddenState().size());
    data.nVocab = int(session.logits().size());
    const size_t record = size_t(data.nEmbd) + size_t(data.nVocab);
    const uint64_t bytes = uint64_t(positions) * record * 4;
    if (bytes > options.maxCacheBytes)
        throw EngineError("head training: caching " + std::to_string(positions) +
                          " positions needs " + std::to_string(bytes >> 20) +
                          " MiB, more than the limit of " +
                          std::to_string(options.maxCacheBytes >> 20) +
                          " MiB; train on a smaller corpus (or raise the limit)");
    std::unique_ptr<HeadPositionCacheFile> file;
    if (bytes > options.maxMemoryBytes && !options.keepCachePath.empty()) {
        // A resumed run finds the positions of the stopped one here.
        if (openHeadPositionCache(options.keepCachePath, options.cacheFingerprint, data.nEmbd,
                                  data.nVocab, uint64_t(positions), data)) {
            session.clear();
            data.fromSavedCache = true;
            return data;
        }
        file = HeadPositionCacheFile::named(options.keepCachePath, options.cacheFingerprint,
                                            data.nEmbd, data.nVocab, uint64_t(positions));
    } else if (bytes > options.maxMemoryBytes) {
        file = HeadPositionCacheFile::temporary(options.cacheDirectory, data.nEmbd, data.nVocab,
                                                uint64_t(positions));
    } else {
        data.hidden.reserve(size_t(positions) * size_t(data.nEmbd));
        data.logits.reserve(size_t(positions) * size_t(data.nVocab));
    }
    data.targets.reserve(size_t(positions));
    const auto t0 = Clock::now();
    for (int64_t c0 = 0; c0 < n; c0 += chunk) {
        const auto piece = tokens.subspan(size_t(c0), size_t(std::min<int64_t>(chunk, n - c0)));
        if (piece.size() < 2) break;
        session.clear(); // every chunk from position 0, and logitsAt covers all of it
        session.evaluate(piece, true);
        for (size_t i = 0; i + 1 < piece.size(); ++i) {
            const auto h = session.hiddenStateAt(int(i));
            const auto z = session.logitsAt(int(i));
            if (file) {
                file->write(h.data(), h.size());
                file->write(z.data(), z.size());
            } else {
                data.hidden.insert(data.hidden.end(), h.begin(), h.end());
                data.logits.insert(data.logits.end(), z.begin(), z.end());
            }
            data.targets.push_back(piece[i + 1]);
        }
        data.evaluatedTokens += int64_t(piece.size());
        if (options.progress) {
            HeadTrainerProgress p;
            p.phase = HeadTrainerProgress::Phase::Collect;
            p.done = std::min(n, c0 + chunk);
            p.total = n;
            p.elapsedSeconds = secondsSince(t0);
            p.etaSeconds = p.elapsedSeconds / double(p.done) * double(n - p.done);
            options.progress(p);
        }
    }
    session.clear();
    if (file) file->finish(data);
    return data;
}

namespace {

// Buffers for evaluating the mean loss over a whole data set, made once per training run.
struct LossEvaluator {
    std::vector<uint32_t> all;
    std::vector<double> sums;
    std::vector<HeadLossScratch> scratch;

    LossEvaluator(const HeadTrainingData& data, int slices, int rank, int nVocab)
        : all(data.size()), sums(size_t(slices), 0.0),
          scratch(size_t(slices), HeadLossScratch(rank, nVocab)) {
        for (size_t i = 0; i < all.size(); ++i) all[i] = uint32_t(i);
    }

    // One fixed slice per thread, summed in slice order: the same value for any scheduling.
    double mean(const HeadAdapter& head, const HeadTrainingData& data,
                std::span<const float> tokenWeights, ThreadPool& pool) {
        if (all.empty()) return 0.0;
        const size_t slices = sums.size();
        auto job = [&](int chunk, int, int) {
            const size_t lo = all.size() * size_t(chunk) / slices,
                         hi = all.size() * size_t(chunk + 1) / slices;
            sums[size_t(chunk)] =
                faceLoss(head, data, std::span<const uint32_t>(all).subspan(lo, hi - lo),
                         tokenWeights, 0.0, nullptr, scratch[size_t(chunk)]);
        };
        pool.run(job, int(slices));
        double total = 0.0;
        for (double s : sums) total += s;
        return total / double(all.size());
    }
};

} // namespace

double meanFaceLoss(const HeadAdapter& head, const HeadTrainingData& data,
                    std::span<const float> tokenWeights, int threads) {
    const int slices = std::max(1, threads);
    ThreadPool pool(slices);
    LossEvaluator evaluator(data, slices, head.rank(), head.nVocab());
    return evaluator.mean(head, data, tokenWeights, pool);
}

namespace {

std::string exact(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

} // namespace

HeadCheckpointKey headCheckpointKey(const HeadAdapterBase& base,
                                    const HeadTrainerOptions& options) {
    return {{"model architecture", base.architecture},
            {"model n_embd", std::to_string(base.nEmbd)},
            {"model n_vocab", std::to_string(base.nVocab)},
            {"model output head SHA-256", base.outputSha256},
            {"corpus", options.corpusFingerprint},
            {"--rank", std::to_string(options.rank)},
            {"--steps", std::to_string(options.steps)},
            {"--batch", std::to_string(std::max(1, options.batchSize))},
            {"--lr", exact(options.learningRate)},
            {"--gamma", exact(options.gamma)},
            {"--held-out", exact(options.heldOutFraction)},
            {"--eval-every", std::to_string(options.evalEvery)},
            {"--seed", std::to_string(options.seed)},
            {"--ctx", std::to_string(options.chunkLength)},
            {"threads", std::to_string(std::max(1, options.threads))}};
}

HeadAdapter trainHeadAdapter(const HeadAdapterBase& base, const HeadTrainingData& train,
                             const HeadTrainingData& heldOut, const HeadTrainerOptions& options) {
    HeadTrainerOptions plain = options;
    plain.checkpointPath.clear();
    plain.stopAfterStep = 0;
    plain.stopRequested = nullptr;
    return runHeadTraining(base, train, heldOut, plain).adapter;
}

HeadTrainingRun runHeadTraining(const HeadAdapterBase& base, const HeadTrainingData& train,
                                const HeadTrainingData& heldOut,
                                const HeadTrainerOptions& options) {
    if (train.size() == 0)
        throw EngineError("head training: the corpus gave no training positions; give more text");
    if (train.nEmbd != base.nEmbd || train.nVocab != base.nVocab)
        throw EngineError("head training: the cached positions do not match the model's shape");
    const int r = options.rank, d = int(base.nEmbd), v = int(base.nVocab);
    if (!options.deltaTokens.empty() && options.deltaTokens.size() != size_t(v))
        throw EngineError("the token mask has " + std::to_string(options.deltaTokens.size()) +
                          " entries for a vocabulary of " + std::to_string(v));
    if (r < 1 || r > d)
        throw EngineError("head training: rank must be between 1 and n_embd (" + std::to_string(d) +
                          "); got " + std::to_string(r));
    const int slices = std::max(1, options.threads);
    const int batch = std::max(1, options.batchSize);
    const bool checkpointing = !options.checkpointPath.empty();
    const HeadCheckpointKey key =
        checkpointing ? headCheckpointKey(base, options) : HeadCheckpointKey{};

    const std::vector<float> weights = faceTokenWeights(train.targets, v, options.gamma);
    std::vector<HeadGradient> grads(static_cast<size_t>(slices));
    for (HeadGradient& g : grads) g.resize(r, d, v);
    std::vector<HeadLossScratch> scratch(size_t(slices), HeadLossScratch(r, v));
    std::vector<double> losses(size_t(slices), 0.0);
    std::vector<uint32_t> positions(static_cast<size_t>(batch));
    ThreadPool pool(slices);
    LossEvaluator heldOutEval(heldOut, slices, r, v);

    // Everything the loop carries from step to step lives in `state`, so that a checkpoint is
    // one write of it and a resume one read.
    HeadTrainingRun run;
    HeadTrainerState state;
    SplitMix rng{options.seed};
    if (checkpointing && options.resume && ::access(options.checkpointPath.c_str(), F_OK) == 0) {
        state = readHeadCheckpoint(options.checkpointPath, key, base);
        if (state.step > options.steps)
            throw HeadCheckpointError(options.checkpointPath + " is at step " +
                                      std::to_string(state.step) + ", past --steps " +
                                      std::to_string(options.steps) + "; pass --fresh");
        rng.state = state.rngState;
        run.resumedFromStep = state.step;
    } else {
        state.head = HeadAdapter(base, r);
        const double scale = 1.0 / std::sqrt(double(d));
        for (float& x : state.head.a()) x = float(rng.normal() * scale);
        const size_t nA = state.head.a().size(), nB = state.head.bMatrix().size();
        state.adamMA.assign(nA, 0.0f);
        state.adamVA.assign(nA, 0.0f);
        state.adamMB.assign(nB, 0.0f);
        state.adamVB.assign(nB, 0.0f);
        state.adamMBias.assign(size_t(v), 0.0f);
        state.adamVBias.assign(size_t(v), 0.0f);
    }
    HeadAdapter& head = state.head;
    HeadTrainingInfo& info = head.training();
    info.objective = "face";
    info.gamma = options.gamma;
    info.learningRate = options.learningRate;
    info.batchSize = batch;
    info.steps = options.steps;
    info.seed = options.seed;
    info.deltaTokens = options.deltaTokens.empty() ? "all" : "word-starts";
    if (run.resumedFromStep == 0) {
        info.heldOutLossBefore = heldOutEval.mean(head, heldOut, weights, pool); // B = 0: Δz = 0
        state.heldOutLoss = info.heldOutLossBefore;
        // Early stopping: the parameters with the lowest held-out loss seen are the ones
        // returned (on a small corpus the head starts to memorise the training text long
        // before the steps run out).
        state.best = head;
        state.bestLoss = state.heldOutLoss;
    }
    HeadAdapter& best = state.best;
    Adam adamA{state.adamMA, state.adamVA}, adamB{state.adamMB, state.adamVB},
        adamBias{state.adamMBias, state.adamVBias};

    auto writeCheckpoint = [&](int step) {
        state.step = step;
        state.rngState = rng.state;
        writeHeadCheckpoint(options.checkpointPath, key, state);
    };
    const auto t0 = Clock::now();
    for (int step = state.step + 1; step <= options.steps; ++step) {
        for (uint32_t& p : positions) p = uint32_t(rng.next() % train.size());
        // Gradient: one fixed slice of the batch per thread, summed in slice order below.
        auto gradJob = [&](int chunk, int, int) {
            HeadGradient& g = grads[size_t(chunk)];
            g.zero();
            const size_t lo = size_t(batch) * size_t(chunk) / size_t(slices),
                         hi = size_t(batch) * size_t(chunk + 1) / size_t(slices);
            losses[size_t(chunk)] =
                faceLoss(head, train, std::span<const uint32_t>(positions).subspan(lo, hi - lo),
                         weights, 1.0 / batch, &g, scratch[size_t(chunk)]);
        };
        pool.run(gradJob, slices);
        double loss = 0.0;
        for (double l : losses) loss += l;
        loss /= batch;

        // Reduce and update, split by rows of B (the largest part); A is small.
        const int rowsPerJob = std::max(1, v / (4 * slices));
        const int jobs = (v + rowsPerJob - 1) / rowsPerJob;
        auto updateJob = [&](int chunk, int, int) {
            const size_t row0 = size_t(chunk) * size_t(rowsPerJob),
                         row1 = std::min(size_t(v), row0 + size_t(rowsPerJob));
            for (int s = 1; s < slices; ++s) {
                const HeadGradient& o = grads[size_t(s)];
                for (size_t i = row0 * r; i < row1 * r; ++i) grads[0].bMatrix[i] += o.bMatrix[i];
                for (size_t i = row0; i < row1; ++i) grads[0].bias[i] += o.bias[i];
            }
            adamB.step(head.bMatrix().data(), grads[0].bMatrix.data(), row0 * r, row1 * r,
                       options.learningRate, step);
            adamBias.step(head.bias().data(), grads[0].bias.data(), row0, row1,
                          options.learningRate, step);
            // Projected: tokens outside the mask keep a zero delta (and zero moments).
            if (!options.deltaTokens.empty())
                for (size_t t = row0; t < row1; ++t)
                    if (!options.deltaTokens[t]) {
                        std::fill_n(head.bMatrix().begin() + std::ptrdiff_t(t * r), r, 0.0f);
                        head.bias()[t] = 0.0f;
                    }
        };
        // A's gradient depends on B before this step's update: reduce and update A first.
        for (int s = 1; s < slices; ++s)
            for (size_t i = 0; i < grads[0].a.size(); ++i) grads[0].a[i] += grads[size_t(s)].a[i];
        adamA.step(head.a().data(), grads[0].a.data(), 0, head.a().size(), options.learningRate,
                   step);
        pool.run(updateJob, jobs);

        state.recentLoss += loss;
        ++state.recentSteps;
        const bool evalNow =
            step == options.steps || (options.evalEvery > 0 && step % options.evalEvery == 0);
        if (evalNow && heldOut.size() > 0) {
            state.heldOutLoss = heldOutEval.mean(head, heldOut, weights, pool);
            if (state.heldOutLoss < state.bestLoss) {
                state.bestLoss = state.heldOutLoss;
                best.a() = head.a(); // same sizes: copies, no allocation
                best.bMatrix() = head.bMatrix();
                best.bias() = head.bias();
                info.bestStep = step;
            }
        }
        if (options.progress && (evalNow || step % 10 == 0)) {
            HeadTrainerProgress p;
            p.phase = HeadTrainerProgress::Phase::Train;
            p.done = step;
            p.total = options.steps;
            p.trainLoss = state.recentLoss / state.recentSteps;
            p.heldOutLoss = state.heldOutLoss;
            p.elapsedSeconds = secondsSince(t0);
            const int stepsHere = step - run.resumedFromStep;
            p.etaSeconds = p.elapsedSeconds / stepsHere * (options.steps - step);
            p.resumedFromStep = run.resumedFromStep;
            options.progress(p);
        }
        if (step % 10 == 0 || step == options.steps) {
            info.trainLoss = state.recentLoss / state.recentSteps;
            state.recentLoss = 0.0;
            state.recentSteps = 0;
        }
        run.stepsDone = step;
        // stopAfterStep is met exactly, so rerunning the same command continues past it.
        const bool stop =
            step < options.steps && (step == options.stopAfterStep ||
                                     (options.stopRequested && options.stopRequested->load()));
        if (checkpointing && step < options.steps &&
            (stop || (options.checkpointEvery > 0 && step % options.checkpointEvery == 0)))
            writeCheckpoint(step);
        if (stop) return run; // unfinished: the adapter stays empty
    }
    run.stepsDone = options.steps;
    run.finished = true;
    if (heldOut.size() == 0) { // nothing to select with: the last parameters
        run.adapter = std::move(head);
        return run;
    }
    info.heldOutLossAfter = state.bestLoss;
    best.training() = info;
    run.adapter = std::move(best);
    return run;
}

} // namespace fabulist::inference
