// bench --candidates N (model_bench_candidates.h). Each repetition times, from an empty cache,
// one request of a single candidate (the prompt, then nGen decode steps of one row) and one of
// N candidates (the same prompt, then nGen steps of N rows through Session::
// appendSequenceTokens; one after another where the backend has no sequence ops). Tokens are
// random, as in the plain bench: the forward passes are what is timed, not the sampler.
#include "app/cli/model_bench_candidates.h"

#include "app/cli/model_json.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace fabulist::cli {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct RequestTime {
    double promptMs = 0.0, decodeMs = 0.0;
    double totalMs() const { return promptMs + decodeMs; }
};

double mean(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / double(v.size());
}

double stddev(const std::vector<double>& v) {
    if (v.size() < 2) return 0.0;
    const double m = mean(v);
    double s = 0.0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / double(v.size() - 1));
}

class CandidatesBench {
public:
    CandidatesBench(inference::Engine& engine, const CandidatesBenchSpec& spec)
        : m_spec(spec), m_session(engine.createSession()), m_anyToken(0, engine.info().nVocab - 1) {
        const auto& tok = engine.tokenizer();
        m_prompt.resize(size_t(std::max(spec.nPrompt, 1)));
        for (int32_t& t : m_prompt) t = m_anyToken(m_rng);
        if (tok.addsBos() && tok.bos() >= 0) m_prompt[0] = tok.bos();
    }
    bool together() const { return m_session->decodesSequences(); }

    RequestTime single(int nGen) {
        RequestTime t;
        m_session->clear();
        auto start = Clock::now();
        m_session->evaluate(m_prompt);
        t.promptMs = msSince(start);
        start = Clock::now();
        for (int i = 0; i < nGen; ++i) m_session->appendToken(m_anyToken(m_rng));
        t.decodeMs = msSince(start);
        return t;
    }

    RequestTime candidates(int nGen) {
        const int n = m_spec.candidates;
        RequestTime t;
        m_session->clear();
        auto start = Clock::now();
        m_session->evaluate(m_prompt);
        t.promptMs = msSince(start);
        start = Clock::now();
        if (together()) {
            m_session->beginSequences(n, nGen);
            std::vector<int32_t> tokens(static_cast<size_t>(n));
            std::vector<int> sequences(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) sequences[size_t(i)] = i;
            for (int step = 0; step < nGen; ++step) {
                for (int32_t& id : tokens) id = m_anyToken(m_rng);
                m_session->appendSequenceTokens(tokens, sequences);
            }
        } else {
            for (int i = 0; i < n; ++i) {
                m_session->evaluate(m_prompt); // the prompt's cache is reused
                for (int k = 0; k < nGen; ++k) m_session->appendToken(m_anyToken(m_rng));
            }
        }
        t.decodeMs = msSince(start);
        return t;
    }

private:
    CandidatesBenchSpec m_spec;
    std::unique_ptr<inference::Session> m_session;
    std::mt19937 m_rng{1234};
    std::uniform_int_distribution<int32_t> m_anyToken;
    std::vector<int32_t> m_prompt;
};

} // namespace

int runCandidatesBench(inference::Engine& engine, const std::string& modelPath,
                       const CandidatesBenchSpec& spec) {
    CandidatesBench bench(engine, spec);
    bench.single(4); // warm-up: page in the weights, grow the buffers
    bench.candidates(4);
    std::vector<double> oneTotal, manyTotal, oneDecodeRate, manyDecodeRate, ratio, decodeRatio;
    for (int r = 0; r < spec.reps; ++r) {
        const RequestTime one = bench.single(spec.nGen);
        const RequestTime many = bench.candidates(spec.nGen);
        oneTotal.push_back(one.totalMs());
        manyTotal.push_back(many.totalMs());
        oneDecodeRate.push_back(spec.nGen * 1000.0 / one.decodeMs);
        manyDecodeRate.push_back(double(spec.candidates) * spec.nGen * 1000.0 / many.decodeMs);
        ratio.push_back(many.totalMs() / one.totalMs());
        decodeRatio.push_back(many.decodeMs / one.decodeMs);
    }
    const inference::ModelInfo& info = engine.info();
    if (spec.json) {
        std::printf("{\"model\": %s, \"architecture\": %s, \"threads\": %d, \"device\": %s, "
                    "\"candidates\": %d, \"together\": %s, \"n_prompt\": %d, \"n_gen\": %d, "
                    "\"repetitions\": %d, \"decode_tokens_per_s\": %s, "
                    "\"decode_tokens_per_s_stddev\": %s, \"single_decode_tokens_per_s\": %s, "
                    "\"request_ms\": %s, \"single_request_ms\": %s, \"time_ratio\": %s, "
                    "\"time_ratio_stddev\": %s, \"decode_time_ratio\": %s}\n",
                    jsonString(modelPath).c_str(), jsonString(info.architecture).c_str(),
                    info.threads, jsonString(info.device).c_str(), spec.candidates,
                    bench.together() ? "true" : "false", spec.nPrompt, spec.nGen, spec.reps,
                    jsonNumber(mean(manyDecodeRate)).c_str(),
                    jsonNumber(stddev(manyDecodeRate)).c_str(),
                    jsonNumber(mean(oneDecodeRate)).c_str(), jsonNumber(mean(manyTotal)).c_str(),
                    jsonNumber(mean(oneTotal)).c_str(), jsonNumber(mean(ratio)).c_str(),
                    jsonNumber(stddev(ratio)).c_str(), jsonNumber(mean(decodeRatio)).c_str());
    } else {
        std::printf("model %s (%s), %d threads, %d candidates %s\n", modelPath.c_str(),
                    info.architecture.c_str(), info.threads, spec.candidates,
                    bench.together() ? "decoded together" : "one after another (backend)");
        std::printf("1 candidate:  %8.1f ms per request (pp%d + tg%d), decode %.1f tokens/s\n",
                    mean(oneTotal), spec.nPrompt, spec.nGen, mean(oneDecodeRate));
        std::printf("%d candidates: %8.1f ms per request, decode %.1f tokens/s over all\n",
                    spec.candidates, mean(manyTotal), mean(manyDecodeRate));
        std::printf("cost of %d candidates: %.2fx one (+/- %.2f), decode alone %.2fx\n",
                    spec.candidates, mean(ratio), stddev(ratio), mean(decodeRatio));
    }
    return 0;
}

} // namespace fabulist::cli
