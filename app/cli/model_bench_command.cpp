// `fabulist-cli bench -m MODEL -p 512 -n 128 -t N [-r 5] [--json]`: llama-bench's two tests.
// pp: one evaluation of N_PROMPT random tokens from an empty cache (batched prompt path).
// tg: N_GEN single-token decode steps from an empty cache (matrix-vector path). Each runs -r
// times after one warm-up; tokens/s are averaged over the repetitions. Peak RSS comes from
// /proc/self/status (VmHWM), or getrusage where that is missing. With --bandwidth (measured
// read bandwidth, e.g. from fabulist-membw) it also reports decode speed as a fraction of the
// memory roofline: weight bytes read per token x tokens/s / bandwidth. With --profile a
// backend that times its ops (Vulkan: timestamp queries) reports the device time per op kind of
// the timed pp and tg runs (warm-ups excluded) after the results, and --json adds it as a
// "profile" array. With --depth D both tests start with D tokens already in the cache
// (llama-bench -d): prompt processing and decoding deep into a long text. With --candidates N it
// times a request of N candidates against one of a
// single candidate instead (model_bench_candidates.h).
#include "app/cli/model_args.h"
#include "app/cli/model_bench_candidates.h"
#include "app/cli/model_bench_edit.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_engine_args.h"
#include "app/cli/model_file_summary.h"
#include "app/cli/model_json.h"
#include "inference/engine/session.h"
#include "inference/quant/quant_kernels.h"
#include "inference/tokenizer/tokenizer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <sys/resource.h>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage = "bench -m MODEL [-p N_PROMPT (512)] [-n N_GEN (128)] "
                               "[-t THREADS] [-r REPETITIONS (5)] [--kv-type f16|f32|q8_0] "
                               "[--experts-used E] [--device D [--cpu-moe N]] "
                               "[--bandwidth GB_PER_S] [--profile] "
                               "[--depth D] [--candidates N] [--edit-at-end -f TEXTFILE] [--json]";

uint64_t peakRssBytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

struct Stats {
    double mean = 0.0, stddev = 0.0;
};

Stats stats(const std::vector<double>& v) {
    Stats s;
    if (v.empty()) return s;
    for (double x : v) s.mean += x;
    s.mean /= double(v.size());
    if (v.size() > 1) {
        double sq = 0.0;
        for (double x : v) sq += (x - s.mean) * (x - s.mean);
        s.stddev = std::sqrt(sq / double(v.size() - 1));
    }
    return s;
}

// The ISA of the kernels for the weight type holding most bytes.
std::string kernelIsa(const inference::ModelInfo& info) {
    std::string best;
    int64_t bestBytes = -1;
    for (const auto& [name, bytes] : info.tensorTypeBytes)
        if (bytes > bestBytes) best = name, bestBytes = bytes;
    for (uint32_t raw = 0; raw < 64; ++raw)
        if (const auto* traits = inference::ggmlTypeTraits(raw); traits && traits->name == best) {
            try {
                return inference::quantKernels(traits->type).isa;
            } catch (const std::exception&) {
                return "unknown";
            }
        }
    return "unknown";
}

// One op kind's device time in one phase ("pp" or "tg") of a --profile run.
struct ProfileRow {
    std::string phase, op;
    double totalMs = 0.0, share = 0.0;
    int64_t count = 0;
};

// The engine's per-op profile recorded since the last reset, as rows of `phase`; then a reset.
std::vector<ProfileRow> takeProfile(inference::Engine& engine, const std::string& phase) {
    std::vector<ProfileRow> rows;
    for (const inference::OpTiming& t : engine.profile())
        rows.push_back({phase, t.op, t.totalMs, t.share, t.count});
    engine.resetProfile();
    return rows;
}

void printProfile(const std::vector<ProfileRow>& rows, const std::string& phase,
                  const std::string& title) {
    std::printf("profile %s (device time per op kind, timestamp queries)\n", title.c_str());
    std::printf("  %-22s %10s %8s %10s %7s\n", "op", "total ms", "count", "us/op", "share");
    bool any = false;
    for (const ProfileRow& r : rows) {
        if (r.phase != phase) continue;
        any = true;
        std::printf("  %-22s %10.3f %8lld %10.2f %6.1f%%\n", r.op.c_str(), r.totalMs,
                    static_cast<long long>(r.count),
                    r.count > 0 ? r.totalMs * 1000.0 / double(r.count) : 0.0, r.share * 100.0);
    }
    if (!any)
        std::printf("  (nothing timed: this backend does not time its ops, or its device has no "
                    "timestamps)\n");
}

std::string profileJson(const std::vector<ProfileRow>& rows) {
    std::string out = ", \"profile\": [";
    for (size_t i = 0; i < rows.size(); ++i) {
        const ProfileRow& r = rows[i];
        out += (i ? ", " : "") + std::string("{\"phase\": ") + jsonString(r.phase) +
               ", \"op\": " + jsonString(r.op) + ", \"total_ms\": " + jsonNumber(r.totalMs) +
               ", \"count\": " + std::to_string(r.count) + ", \"share\": " + jsonNumber(r.share) +
               "}";
    }
    return out + "]";
}

double seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int runBenchCommand(const std::vector<std::string>& argv) {
    inference::EngineOptions options;
    int nPrompt = 512, nGen = 128, reps = 5;
    bool json = false, profile = false;
    int candidates = 1, depth = 0;
    bool editAtEnd = false;
    std::string textPath;
    double bandwidthGbs = 0.0;
    try {
        ModelArgs args(argv, engineArgSpecs({{{"--bandwidth"}},
                                             {{"-p", "--n-prompt"}},
                                             {{"-n", "--n-gen"}},
                                             {{"-r", "--repetitions"}},
                                             {{"--profile"}, false},
                                             {{"--candidates"}},
                                             {{"--depth"}},
                                             {{"--edit-at-end"}, false},
                                             {{"-f", "--file"}},
                                             {{"--json"}, false}}));
        options = engineOptions(args);
        editAtEnd = args.has("--edit-at-end");
        textPath = args.string("-f");
        if (editAtEnd && textPath.empty())
            throw UsageError("--edit-at-end needs the scene's text: -f TEXTFILE");
        depth = static_cast<int>(args.integer("--depth", 0, 0, 1 << 22));
        nPrompt = static_cast<int>(args.integer("-p", 512, 0, 1 << 20));
        nGen = static_cast<int>(args.integer("-n", 128, 0, 1 << 20));
        reps = static_cast<int>(args.integer("-r", 5, 1, 1000));
        json = args.has("--json");
        profile = args.has("--profile");
        candidates = static_cast<int>(args.integer("--candidates", 1, 1, 8));
        options.profile = profile;
        bandwidthGbs = args.number("--bandwidth", 0.0);
        if (bandwidthGbs < 0.0) throw UsageError("--bandwidth must be positive (GB/s)");
        // Room for the depth, a prompt and the decoded tokens after it (candidates decode
        // after the prompt).
        if (options.contextLength == 0)
            options.contextLength = editAtEnd ? nPrompt + 512 : std::max(depth + nPrompt + nGen, 16);
        if (nPrompt > 0) options.batchSize = std::max(options.batchSize, nPrompt);
    } catch (const UsageError& e) {
        return usageFailure("bench", kUsage, e.what());
    }
    std::unique_ptr<inference::Engine> engine;
    try {
        engine = inference::Engine::load(options);
    } catch (const std::exception& e) {
        return runtimeFailure("bench", e.what());
    }
    if (editAtEnd) {
        try {
            return runEditBench(*engine, options.modelPath, {textPath, nPrompt, reps, json});
        } catch (const std::exception& e) {
            return runtimeFailure("bench", e.what());
        }
    }
    if (candidates > 1) {
        try {
            return runCandidatesBench(*engine, options.modelPath,
                                      {candidates, nPrompt, std::max(nGen, 1), reps, json});
        } catch (const std::exception& e) {
            return runtimeFailure("bench", e.what());
        }
    }
    const inference::ModelInfo& info = engine->info();
    const inference::Tokenizer& tokenizer = engine->tokenizer();
    auto session = engine->createSession();
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int32_t> anyToken(0, info.nVocab - 1);
    const int32_t firstToken = tokenizer.addsBos() && tokenizer.bos() >= 0 ? tokenizer.bos() : -1;

    // The first `depth` tokens (untimed, evaluated once and kept while they stay the same).
    std::vector<int32_t> context(static_cast<size_t>(depth));
    for (int32_t& t : context) t = anyToken(rng);
    if (firstToken >= 0 && depth > 0) context[0] = firstToken;
    auto fillDepth = [&] {
        if (depth == 0) {
            session->clear();
            return;
        }
        session->evaluate(context); // reuses all but the last token after the first time
    };
    auto runPrompt = [&](int n) {
        std::vector<int32_t> tokens = context;
        for (int i = 0; i < n; ++i) tokens.push_back(anyToken(rng));
        if (firstToken >= 0 && depth == 0 && n > 0) tokens[0] = firstToken;
        fillDepth();
        const auto start = std::chrono::steady_clock::now();
        session->evaluate(tokens);
        return seconds(start);
    };
    auto runGen = [&](int n) {
        fillDepth();
        int32_t token = firstToken >= 0 && depth == 0 ? firstToken : anyToken(rng);
        const auto start = std::chrono::steady_clock::now();
        if (depth == 0) {
            const int32_t one[1] = {token};
            session->evaluate(one);
        } else {
            session->appendToken(token);
        }
        for (int i = 1; i < n; ++i) session->appendToken(anyToken(rng));
        return seconds(start);
    };

    std::vector<double> ppRates, tgRates;
    std::vector<ProfileRow> profileRows;
    try {
        if (nPrompt > 0) {
            runPrompt(nPrompt); // warm-up: page in the weights, grow buffers
            engine->resetProfile();
            for (int r = 0; r < reps; ++r) ppRates.push_back(nPrompt / runPrompt(nPrompt));
            if (profile) profileRows = takeProfile(*engine, "pp");
        }
        if (nGen > 0) {
            runGen(std::min(nGen, 4));
            engine->resetProfile();
            for (int r = 0; r < reps; ++r) tgRates.push_back(nGen / runGen(nGen));
            if (profile)
                for (auto& row : takeProfile(*engine, "tg")) profileRows.push_back(std::move(row));
        }
    } catch (const std::exception& e) {
        return runtimeFailure("bench", e.what());
    }
    const Stats pp = stats(ppRates), tg = stats(tgRates);
    const uint64_t rss = peakRssBytes();
    // Where the weights were read from (CPU: a copy in huge pages or the file); CUDA: where the
    // experts were and how often the router found them on the GPU (stderr, so
    // --json stays one object).
    for (const auto& [name, value] : engine->describeDevice())
        if (name == "placement" || name == "weights" || name.starts_with("expert hit rate"))
            std::fprintf(stderr, "%s: %s\n", name.c_str(), value.c_str());
    const std::string isa = kernelIsa(info);
    const std::string kvName = options.kvCacheType == inference::GgmlType::F32    ? "f32"
                               : options.kvCacheType == inference::GgmlType::Q8_0 ? "q8_0"
                                                                                  : "f16";
    const char* kvType = kvName.c_str();
    // Bytes one decode step streams (the router's expert share, one embedding row), and the
    // fraction of the memory roofline the decode speed reaches.
    ModelFileSummary summary = summarizeModelFile(engine->file());
    if (info.nExpert > 0 && summary.nExpertUsed != info.nExpertUsed && summary.nExpertUsed > 0) {
        // --experts-used changed the expert share.
        summary.activeWeightBytesPerToken = 0;
        for (const auto& t : engine->file().tensors()) {
            const bool expert = t.name.find("_exps.") != std::string::npos;
            if (expert)
                summary.activeWeightBytesPerToken +=
                    t.nbytes / uint64_t(info.nExpert) * uint64_t(info.nExpertUsed);
            else if (t.name == "token_embd.weight" && engine->file().findTensor("output.weight"))
                summary.activeWeightBytesPerToken += t.nbytes / uint64_t(t.ne[1]);
            else
                summary.activeWeightBytesPerToken += t.nbytes;
        }
    }
    const double bytesPerToken = double(summary.activeWeightBytesPerToken);
    const double decodeGbs = tg.mean * bytesPerToken / 1e9;
    const double roofline = bandwidthGbs > 0.0 ? decodeGbs / bandwidthGbs : 0.0;
    if (json) {
        std::printf("{\"model\": %s, \"architecture\": %s, \"threads\": %d, \"isa\": %s, "
                    "\"device\": %s, \"kv_type\": \"%s\", \"experts_used\": %d, "
                    "\"n_prompt\": %d, \"n_gen\": %d, \"depth\": %d, \"repetitions\": %d, "
                    "\"prompt_tokens_per_s\": %s, \"prompt_tokens_per_s_stddev\": %s, "
                    "\"decode_tokens_per_s\": %s, \"decode_tokens_per_s_stddev\": %s, "
                    "\"peak_rss_bytes\": %llu, \"file_bytes\": %llu, "
                    "\"weight_bytes_per_token\": %.0f, \"decode_weight_gb_per_s\": %s%s%s}\n",
                    jsonString(options.modelPath).c_str(), jsonString(info.architecture).c_str(),
                    info.threads, jsonString(isa).c_str(), jsonString(info.device).c_str(), kvType,
                    info.nExpertUsed, nPrompt, nGen, depth, reps, jsonNumber(pp.mean).c_str(),
                    jsonNumber(pp.stddev).c_str(), jsonNumber(tg.mean).c_str(),
                    jsonNumber(tg.stddev).c_str(), static_cast<unsigned long long>(rss),
                    static_cast<unsigned long long>(info.fileBytes), bytesPerToken,
                    jsonNumber(decodeGbs).c_str(),
                    bandwidthGbs > 0.0 ? (", \"bandwidth_gb_per_s\": " + jsonNumber(bandwidthGbs) +
                                          ", \"roofline_fraction\": " + jsonNumber(roofline))
                                             .c_str()
                                       : "",
                    profile ? profileJson(profileRows).c_str() : "");
    } else {
        std::printf("model %s (%s), %d threads, %s kernels, KV %s\n", options.modelPath.c_str(),
                    info.architecture.c_str(), info.threads, isa.c_str(), kvType);
        if (nPrompt > 0)
            std::printf("pp%-5d %10.2f +/- %.2f tokens/s%s\n", nPrompt, pp.mean, pp.stddev,
                        depth ? (" @ d" + std::to_string(depth)).c_str() : "");
        if (nGen > 0)
            std::printf("tg%-5d %10.2f +/- %.2f tokens/s%s\n", nGen, tg.mean, tg.stddev,
                        depth ? (" @ d" + std::to_string(depth)).c_str() : "");
        std::printf("peak RSS %.1f MiB\n", double(rss) / (1024.0 * 1024.0));
        if (nGen > 0) {
            std::printf("decode streams %.1f MiB of weights per token = %.2f GB/s",
                        bytesPerToken / 1048576.0, decodeGbs);
            if (bandwidthGbs > 0.0)
                std::printf(", %.0f%% of the %.1f GB/s roofline", roofline * 100.0, bandwidthGbs);
            std::printf("\n");
        }
        if (profile) {
            if (nPrompt > 0)
                printProfile(profileRows, "pp",
                             "pp" + std::to_string(nPrompt) + ", " + std::to_string(reps) +
                                 " runs");
            if (nGen > 0)
                printProfile(profileRows, "tg",
                             "tg" + std::to_string(nGen) + ", " + std::to_string(reps) + " runs");
        }
    }
    return 0;
}

} // namespace fabulist::cli
