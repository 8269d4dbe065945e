#include "inference/engine/session.h"

#include "inference/engine/engine_impl.h"
#include "inference/gguf/gguf_file.h"
#include "inference/heads/head_adapter.h"
#include "inference/heads/word_start_mask.h"

#include <algorithm>
#include <climits>

namespace fabulist::inference {

struct Session::Impl {
    Engine::Impl* engine = nullptr;
    Model* model = nullptr;
    std::unique_ptr<KvCache> cache;
    std::vector<int32_t> tokens; // what the cache holds
    std::vector<float> logits;   // logitsCount rows of nVocab
    int logitsCount = 0;
    std::vector<float> hidden; // hiddenCount rows of nEmbd (the last one is hiddenState())
    int hiddenCount = 1;
    int expertsUsed = 0; // 0 = model default
    OverflowPolicy policy;
    std::optional<ContextShift> lastShift;
    // Diversity head: the adapter's tensors copied (the CPU backend computes from this memory;
    // they never move after upload) and uploaded. Device memory of an upload stays with the
    // backend, so a session uploads only when the values change.
    std::vector<float> headA, headB, headBias;
    HeadWeights head;
    bool hasHead = false;
    Act projected;            // rows x rank scratch (rows: model->logitRows())
    Act mixedAct;             // 1 x nVocab: the last position mixed
    std::vector<float> mixed; // host copy of mixedAct
    float allLogitsAlpha = 0.0f;
    std::vector<float> mixedAll;  // logitsCount rows mixed at mixedAllAlpha (wantAllLogits)
    std::vector<bool> wordStarts; // a word-starts head's mask (word_start_mask.h); else empty
    float mixedAllAlpha = 0.0f;
    uint64_t outputSerial = 0; // model->forwardSerial() after the run that left the logits
    // A ring cache (sliding-window layers) can be cut back at most this far and continued;
    // further back, the ring no longer holds the window before the cut: start over.
    int rewindLimit = INT_MAX;
    // Candidates (beginSequences): the sequences' own K/V, maxTokens slots each.
    std::unique_ptr<KvCache> tail;
    int sequenceSlots = 0;
    std::vector<int> sequenceLengths;
    std::vector<SequenceStep> steps;
    std::vector<float> sequenceLogits, sequenceMixed; // rows of the last step
    int sequenceRows = 0;
    bool sequenceMixedValid = false;

    ~Impl() { releaseHead(); }
    void releaseHead() {
        if (head.rank == 0) return;
        Backend& b = model->backend();
        b.release(head.a);
        b.release(head.b);
        b.release(head.bias);
        head = HeadWeights{};
        hasHead = false;
    }

    int contextLength() const { return cache->capacity(); }
    int topK() const { return expertsUsed > 0 ? expertsUsed : model->config().nExpertUsed; }

    void checkIds(std::span<const int32_t> ids) const {
        const int nVocab = model->config().nVocab;
        for (size_t i = 0; i < ids.size(); ++i)
            if (ids[i] < 0 || ids[i] >= nVocab)
                throw EngineError(engine->file->path() + ": token id " + std::to_string(ids[i]) +
                                  " at position " + std::to_string(i) +
                                  " is outside the vocabulary (0.." + std::to_string(nVocab - 1) +
                                  ")");
    }

    // Applies the overflow policy to a request longer than the context.
    std::vector<int32_t> fit(std::span<const int32_t> request) {
        const int ctx = contextLength();
        if (policy.mode == OverflowPolicy::Mode::Throw)
            throw ContextOverflow(
                engine->file->path() + ": " + std::to_string(request.size()) +
                    " tokens do not fit the context of " + std::to_string(ctx) +
                    " tokens; shorten the text or enable dropping the middle of the context",
                int64_t(request.size()), ctx);
        const int keep =
            std::clamp(policy.keepFirst >= 0 ? policy.keepFirst : 1 + ctx / 4, 0, ctx - 1);
        const int slack = std::clamp(policy.slack >= 0 ? policy.slack : ctx / 8, 0, ctx - keep - 1);
        const int tail = ctx - keep - slack; // tokens kept from the end of the request
        const int dropped = int(request.size()) - keep - tail;
        std::vector<int32_t> out(request.begin(), request.begin() + keep);
        out.insert(out.end(), request.end() - tail, request.end());
        lastShift = ContextShift{keep, dropped};
        return out;
    }

    // Evaluates `fresh` at positions pos0.. (the cache holds exactly pos0 tokens).
    void run(std::span<const int32_t> fresh, int pos0, bool wantAll,
             const std::atomic<bool>* cancel) {
        const ModelConfig& c = model->config();
        const int total = int(fresh.size());
        logitsCount = wantAll ? total : 1;
        logits.resize(size_t(logitsCount) * c.nVocab);
        hiddenCount = logitsCount;
        hidden.resize(size_t(hiddenCount) * c.nEmbd);
        // With a head and an α for all rows, every kept row is mixed on the backend too.
        OutputMix rowMix;
        mixedAllAlpha = 0.0f;
        if (wantAll && hasHead && allLogitsAlpha != 0.0f) {
            mixedAll.resize(logits.size());
            mixedAllAlpha = allLogitsAlpha;
            rowMix = OutputMix{&head, allLogitsAlpha, projected, nullptr};
        }
        outputSerial = 0;
        const int batch = model->maxRows();
        for (int p = 0; p < total; p += batch) {
            if (cancel && cancel->load(std::memory_order_relaxed))
                throw EvaluationCancelled(engine->file->path() + ": evaluation cancelled with " +
                                          std::to_string(pos0 + p) + " tokens in the cache");
            const int n = std::min(batch, total - p);
            const bool last = p + n == total;
            const int outputFirst = wantAll ? 0 : (last ? n - 1 : n);
            float* dst = wantAll ? logits.data() + size_t(p) * c.nVocab : logits.data();
            float* hid =
                wantAll ? hidden.data() + size_t(p) * c.nEmbd : (last ? hidden.data() : nullptr);
            rowMix.out = mixedAllAlpha != 0.0f ? mixedAll.data() + size_t(p) * c.nVocab : nullptr;
            model->forward(*cache, fresh.subspan(size_t(p), size_t(n)), pos0 + p, outputFirst, dst,
                           hid, topK(), wantAll, rowMix.out ? &rowMix : nullptr);
            tokens.insert(tokens.end(), fresh.begin() + p, fresh.begin() + p + n);
            if (rowMix.out && !wordStarts.empty())
                for (int row = 0; row < n; ++row)
                    keepContinuationMass(
                        std::span<const float>(dst + size_t(row) * c.nVocab, size_t(c.nVocab)),
                        std::span<float>(rowMix.out + size_t(row) * c.nVocab, size_t(c.nVocab)),
                        wordStarts);
        }
        // A mixed pass leaves the mixed rows in the model's logits scratch, not z_c.
        if (mixedAllAlpha == 0.0f) outputSerial = model->forwardSerial();
    }

    // Makes the model's scratch hold this session's last position again (another session's
    // forward pass, or a mixed pass, overwrote it): evaluates the last token once more at its
    // position. That rewrites the same K/V and gives the same hidden state and logits, up to
    // the rounding of a one-row pass where the position was part of a batch; the host copies
    // (logits(), hiddenState()) are left as they were.
    void refreshLastOutput() {
        const int pos = int(tokens.size()) - 1;
        mixed.resize(size_t(model->config().nVocab));
        model->forward(*cache, std::span<const int32_t>(tokens).subspan(size_t(pos), 1), pos, 0,
                       mixed.data(), nullptr, topK());
        outputSerial = model->forwardSerial();
    }
};

Session::Session(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Session::~Session() = default;

std::unique_ptr<Session> Engine::createSession() {
    auto s = std::make_unique<Session::Impl>();
    s->engine = m_impl.get();
    s->model = m_impl->model.get();
    const bool ring =
        m_impl->options.slidingWindowRing && s->model->backend().hasExtendedOps(); // CPU, Vulkan
    s->cache =
        s->model->createKvCache(m_impl->info.contextLength, m_impl->options.kvCacheType, ring);
    s->rewindLimit = ring ? s->model->rewindLimit(m_impl->info.contextLength) : INT_MAX;
    s->hidden.assign(size_t(s->model->config().nEmbd), 0.0f);
    s->tokens.reserve(size_t(m_impl->info.contextLength)); // no allocation while decoding
    s->logits.reserve(size_t(s->model->config().nVocab));
    s->mixed.resize(size_t(s->model->config().nVocab));
    return std::make_unique<Session>(std::move(s));
}

int Session::evaluate(std::span<const int32_t> request, bool wantAllLogits,
                      const std::atomic<bool>* cancel) {
    Impl& s = *m_impl;
    s.lastShift.reset();
    s.checkIds(request);
    std::vector<int32_t> fitted;
    if (int64_t(request.size()) > s.contextLength()) {
        fitted = s.fit(request);
        request = fitted;
    }
    if (request.empty()) {
        clear();
        return 0;
    }
    size_t common = 0;
    while (common < s.tokens.size() && common < request.size() &&
           s.tokens[common] == request[common])
        ++common;
    // Always evaluate at least the last token: its logits are what the caller wants.
    common = std::min(common, request.size() - 1);
    if (s.tokens.size() - common > size_t(s.rewindLimit)) common = 0;
    s.tokens.resize(common);
    s.logitsCount = 0;
    s.run(request.subspan(common), int(common), wantAllLogits, cancel);
    return int(common);
}

void Session::appendToken(int32_t token) {
    Impl& s = *m_impl;
    s.lastShift.reset();
    const int32_t one[1] = {token};
    s.checkIds(one);
    if (int(s.tokens.size()) >= s.contextLength()) {
        std::vector<int32_t> request = s.tokens;
        request.push_back(token);
        auto fitted = s.fit(request); // throws ContextOverflow under the default policy
        const auto shift = s.lastShift;
        // The pinned prefix stays valid; everything after moves (all of it when a ring no longer
        // holds the window before the pinned end).
        const size_t keep = s.tokens.size() - size_t(shift->droppedBegin) > size_t(s.rewindLimit)
                                ? 0
                                : size_t(shift->droppedBegin);
        s.tokens.resize(keep);
        s.run(std::span<const int32_t>(fitted).subspan(keep), int(keep), false, nullptr);
        return;
    }
    s.run(std::span<const int32_t>(one, 1), int(s.tokens.size()), false, nullptr);
}

std::span<const float> Session::logits() const {
    const Impl& s = *m_impl;
    const size_t n = size_t(s.model->config().nVocab);
    if (s.logitsCount == 0) return {};
    return std::span<const float>(s.logits).subspan(size_t(s.logitsCount - 1) * n, n);
}

std::span<const float> Session::logitsAt(int i) const {
    const Impl& s = *m_impl;
    const size_t n = size_t(s.model->config().nVocab);
    if (i < 0 || i >= s.logitsCount) return {};
    return std::span<const float>(s.logits).subspan(size_t(i) * n, n);
}

int Session::logitsCount() const {
    return m_impl->logitsCount;
}
std::span<const float> Session::hiddenState() const {
    const Impl& s = *m_impl;
    const size_t n = size_t(s.model->config().nEmbd);
    return std::span<const float>(s.hidden).subspan(size_t(s.hiddenCount - 1) * n, n);
}

std::span<const float> Session::hiddenStateAt(int i) const {
    const Impl& s = *m_impl;
    const size_t n = size_t(s.model->config().nEmbd);
    if (i < 0 || i >= s.logitsCount) return {};
    return std::span<const float>(s.hidden).subspan(size_t(i) * n, n);
}
void Session::setHead(const HeadAdapter* adapter) {
    Impl& s = *m_impl;
    if (!adapter) {
        s.hasHead = false;
        return;
    }
    const ModelConfig& c = s.model->config();
    const int rank = adapter->rank();
    if (adapter->nEmbd() != c.nEmbd || adapter->nVocab() != c.nVocab || rank <= 0 ||
        adapter->a().size() != size_t(rank) * size_t(c.nEmbd) ||
        adapter->bMatrix().size() != size_t(c.nVocab) * size_t(rank) ||
        adapter->bias().size() != size_t(c.nVocab))
        throw EngineError("the diversity-head adapter (n_embd " + std::to_string(adapter->nEmbd()) +
                          ", n_vocab " + std::to_string(adapter->nVocab()) + ", rank " +
                          std::to_string(rank) + ") does not fit " + s.engine->file->path() +
                          " (n_embd " + std::to_string(c.nEmbd) + ", n_vocab " +
                          std::to_string(c.nVocab) + "); load the adapter made for this model");
    // A word-starts head keeps the coherence head's chance of continuing a word.
    s.wordStarts = adapter->training().deltaTokens == "word-starts"
                       ? wordStartTokens(*s.engine->tokenizer)
                       : std::vector<bool>();
    if (s.head.rank == rank && s.headA == adapter->a() && s.headB == adapter->bMatrix() &&
        s.headBias == adapter->bias()) {
        s.hasHead = true; // already uploaded
        return;
    }
    s.releaseHead();
    s.headA = adapter->a();
    s.headB = adapter->bMatrix();
    s.headBias = adapter->bias();
    Backend& b = s.model->backend();
    auto upload = [&](const char* name, const std::vector<float>& v, int64_t nIn, int64_t nOut) {
        return b.upload(hostF32MatrixView(name, v, nIn, nOut));
    };
    s.head.a = upload("diversity.A", s.headA, c.nEmbd, rank);
    s.head.b = upload("diversity.B", s.headB, rank, c.nVocab);
    s.head.bias = upload("diversity.b", s.headBias, c.nVocab, 1);
    if (s.projected.cols < rank) s.projected = b.allocate(std::max(1, s.model->logitRows()), rank);
    if (!s.mixedAct.data) s.mixedAct = b.allocate(1, c.nVocab);
    s.head.rank = rank;
    s.hasHead = true;
}

bool Session::hasHead() const {
    return m_impl->hasHead;
}

std::span<const float> Session::mixedLogits(float alpha) {
    Impl& s = *m_impl;
    if (alpha == 0.0f || !s.hasHead || s.logitsCount == 0 || s.tokens.empty()) return logits();
    if (s.outputSerial == 0 || s.model->forwardSerial() != s.outputSerial) s.refreshLastOutput();
    Backend& b = s.model->backend();
    b.headMix(s.model->lastHidden(), s.model->lastLogits(), s.head, alpha, s.projected.view(0, 1),
              s.mixedAct);
    b.read(s.mixedAct, 0, s.mixed.data());
    if (!s.wordStarts.empty()) keepContinuationMass(logits(), s.mixed, s.wordStarts);
    return s.mixed;
}

void Session::setAllLogitsAlpha(float alpha) {
    m_impl->allLogitsAlpha = alpha;
}

std::span<const float> Session::mixedLogitsAt(int i) const {
    const Impl& s = *m_impl;
    if (s.mixedAllAlpha == 0.0f) return logitsAt(i);
    const size_t n = size_t(s.model->config().nVocab);
    if (i < 0 || i >= s.logitsCount) return {};
    return std::span<const float>(s.mixedAll).subspan(size_t(i) * n, n);
}

std::span<const int32_t> Session::tokens() const {
    return m_impl->tokens;
}
int Session::contextLength() const {
    return m_impl->contextLength();
}

void Session::clear() {
    m_impl->tokens.clear();
    m_impl->logitsCount = 0;
    m_impl->mixedAllAlpha = 0.0f;
    m_impl->outputSerial = 0;
}

void Session::setExpertsUsed(int k) {
    Impl& s = *m_impl;
    const int nExpert = s.model->config().nExpert;
    if (k < 0 || k > nExpert || (k > 0 && nExpert == 0))
        throw EngineError(s.engine->file->path() + ": experts used must be between 1 and " +
                          std::to_string(nExpert) + " (0 = model default); got " +
                          std::to_string(k));
    if (s.topK() != (k > 0 ? k : s.model->config().nExpertUsed))
        clear(); // cached K/V were computed with the other routing
    s.expertsUsed = k;
}

int Session::expertsUsed() const {
    return m_impl->topK();
}
void Session::betweenRequests() {
    m_impl->model->backend().betweenRequests();
}

bool Session::decodesSequences() const {
    return m_impl->model->backend().decodesSequences();
}

void Session::beginSequences(int count, int maxTokens) {
    Impl& s = *m_impl;
    if (!decodesSequences())
        throw EngineError("the " + s.model->backend().name() +
                          " backend decodes one sequence at a time");
    if (s.tokens.empty()) throw EngineError("candidates continue a prompt: evaluate one first");
    if (count < 1 || maxTokens < 1 || count > s.model->maxRows())
        throw EngineError("candidates: between 1 and " + std::to_string(s.model->maxRows()) +
                          " sequences of at least one token");
    const int slots = count * maxTokens;
    if (!s.tail || s.tail->capacity() < slots)
        s.tail = s.model->createKvCache(slots, s.cache->type());
    s.sequenceSlots = maxTokens;
    s.sequenceLengths.assign(size_t(count), 0);
    s.sequenceRows = 0;
}

void Session::appendSequenceTokens(std::span<const int32_t> tokens, std::span<const int> sequences,
                                   float alpha) {
    Impl& s = *m_impl;
    if (tokens.size() != sequences.size() || tokens.empty())
        throw EngineError("appendSequenceTokens: one sequence per token");
    s.checkIds(tokens);
    const int prefixLen = int(s.tokens.size());
    s.steps.resize(tokens.size());
    for (size_t r = 0; r < tokens.size(); ++r) {
        const int seq = sequences[r];
        if (seq < 0 || seq >= int(s.sequenceLengths.size()))
            throw EngineError("appendSequenceTokens: no sequence " + std::to_string(seq));
        const int length = s.sequenceLengths[size_t(seq)] + 1;
        if (length > s.sequenceSlots || prefixLen + length > s.contextLength())
            throw ContextOverflow("candidate " + std::to_string(seq) + " is full (" +
                                      std::to_string(prefixLen + length) + " tokens)",
                                  prefixLen + length, s.contextLength());
        s.steps[r] = SequenceStep{seq * s.sequenceSlots, length};
    }
    const int nVocab = s.model->config().nVocab;
    const int rows = int(tokens.size());
    s.sequenceLogits.resize(size_t(rows) * size_t(nVocab));
    OutputMix mix;
    const bool mixed = alpha != 0.0f && s.hasHead;
    if (mixed) {
        s.sequenceMixed.resize(s.sequenceLogits.size());
        mix = OutputMix{&s.head, alpha, s.projected, s.sequenceMixed.data()};
    }
    s.model->forwardSequences(*s.cache, prefixLen, *s.tail, tokens, s.steps,
                              s.sequenceLogits.data(), s.topK(), mixed ? &mix : nullptr);
    s.outputSerial = 0; // the model's scratch now holds the sequences' rows
    for (size_t r = 0; r < tokens.size(); ++r) ++s.sequenceLengths[size_t(sequences[r])];
    s.sequenceRows = rows;
    s.sequenceMixedValid = mixed;
    if (mixed && !s.wordStarts.empty())
        for (int r = 0; r < rows; ++r)
            keepContinuationMass(
                sequenceLogits(r),
                std::span<float>(s.sequenceMixed).subspan(size_t(r) * nVocab, size_t(nVocab)),
                s.wordStarts);
}

std::span<const float> Session::sequenceLogits(int row) const {
    const Impl& s = *m_impl;
    const size_t n = size_t(s.model->config().nVocab);
    if (row < 0 || row >= s.sequenceRows) return {};
    return std::span<const float>(s.sequenceLogits).subspan(size_t(row) * n, n);
}

std::span<const float> Session::sequenceMixedLogits(int row) const {
    const Impl& s = *m_impl;
    if (!s.sequenceMixedValid) return sequenceLogits(row);
    const size_t n = size_t(s.model->config().nVocab);
    if (row < 0 || row >= s.sequenceRows) return {};
    return std::span<const float>(s.sequenceMixed).subspan(size_t(row) * n, n);
}

int Session::sequenceLength(int sequence) const {
    const Impl& s = *m_impl;
    if (sequence < 0 || sequence >= int(s.sequenceLengths.size())) return 0;
    return s.sequenceLengths[size_t(sequence)];
}

void Session::setOverflowPolicy(const OverflowPolicy& policy) {
    m_impl->policy = policy;
}
const OverflowPolicy& Session::overflowPolicy() const {
    return m_impl->policy;
}
std::optional<ContextShift> Session::lastShift() const {
    return m_impl->lastShift;
}

} // namespace fabulist::inference
