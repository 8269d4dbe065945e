#include "inference/engine/engine.h"

#include "inference/engine/engine_impl.h"
#include "inference/engine/memory_estimate.h"
#include "inference/engine/session.h"

#include <algorithm>

namespace fabulist::inference {

namespace {

ModelInfo describe(const Engine::Impl& e) {
    const ModelConfig& c = e.model->config();
    const ModelWeights& w = e.model->weights();
    ModelInfo i;
    i.path = e.file->path();
    i.architecture = c.architecture;
    i.name = e.file->getString("general.name", "");
    i.parameterCount = w.parameterCount;
    i.activeParameterCount = w.activeParameterCount;
    i.nLayer = c.nLayer;
    i.nEmbd = c.nEmbd;
    i.nHead = c.nHead;
    i.nHeadKv = c.nHeadKv;
    i.headDim = c.headDimK;
    i.nVocab = c.nVocab;
    i.nCtxTrain = c.nCtxTrain;
    i.nFf = c.isMoe() ? (w.layers.empty() ? 0 : int(w.layers[0].gateExps.nOut)) : c.nFf;
    i.nExpert = c.nExpert;
    i.nExpertUsed = c.nExpertUsed;
    for (const auto& t : e.file->tensors()) {
        const std::string name(ggmlTypeTraits(t.type).name);
        i.tensorTypeCounts[name] += 1;
        i.tensorTypeBytes[name] += int64_t(t.nbytes);
    }
    i.fileBytes = e.file->fileSize();
    i.weightBytes = w.weightBytes;
    const GgmlType kvType = e.options.kvCacheType;
    i.kvBytesPerToken = ggmlRowBytes(kvType, c.kvValuesPerToken()); // whole blocks per row
    i.kvCacheType = e.options.kvCacheType;
    i.device = e.backend->name();
    i.threads = e.backend->threads();
    return i;
}

constexpr int kMaxContext = 1 << 22;

// Weights, KV cache and buffers of a model at this context (both backends keep sliding-window
// layers in rings).
MemoryEstimate memoryNeeded(const GgufFile& f, const ModelConfig& config, int ctx,
                            const EngineOptions& options) {
    return estimateMemory(f, config, ctx, options.kvCacheType, options.batchSize, options.threads,
                          options.slidingWindowRing);
}

// Refuses, before anything is allocated, a model whose weights, KV cache and buffers would not
// fit the memory the system has available.
void requireMemory(const GgufFile& f, const ModelConfig& config, int ctx,
                   const EngineOptions& options) {
    const MemoryEstimate need = memoryNeeded(f, config, ctx, options);
    const uint64_t available = availableMemoryBytes();
    if (available == 0 || need.total() <= available) return;
    throw EngineError(f.path() + ": running this model with a context of " + std::to_string(ctx) +
                      " tokens needs about " + formatBytes(need.total()) + " of memory (weights " +
                      formatBytes(need.weights) + ", KV cache " + formatBytes(need.kvCache) +
                      ", buffers " + formatBytes(need.scratch + need.runtime) + "), but only " +
                      formatBytes(available) +
                      " is available. Run it with a smaller context (fabulist-cli -c N)" +
                      (options.kvCacheType == GgmlType::F32 ? ", an F16 KV cache" : "") +
                      " or choose a smaller model, or close other programs.");
}

} // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::load(const EngineOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    if (options.kvCacheType != GgmlType::F16 && options.kvCacheType != GgmlType::F32 &&
        options.kvCacheType != GgmlType::Q8_0)
        throw EngineError(options.modelPath + ": the KV cache type must be F16, F32 or Q8_0");
    if (options.threads < 0 || options.threads > 1024)
        throw EngineError("thread count " + std::to_string(options.threads) +
                          " is out of range (0 = physical cores)");
    if (options.batchSize < 1 || options.batchSize > 8192)
        throw EngineError("batch size " + std::to_string(options.batchSize) +
                          " is out of range (1..8192)");
    try {
        impl->file = GgufFile::open(options.modelPath);
    } catch (const GgufError& e) {
        throw EngineError(std::string(e.what()));
    }
    const GgufFile& f = *impl->file;
    ModelConfig config = ModelConfig::fromGguf(f);
    if (options.kvCacheType == GgmlType::Q8_0 &&
        (config.headDimK % 32 != 0 || (!config.isMla() && config.headDimV % 32 != 0)))
        throw EngineError(f.path() +
                          ": a Q8_0 KV cache stores each head in 32-value blocks, and "
                          "this model's heads have " +
                          std::to_string(config.headDimK) + " values; use --kv-type f16");
    if (options.expertsUsed != 0 &&
        (options.expertsUsed < 1 || options.expertsUsed > config.nExpert))
        throw EngineError(f.path() + ": experts used must be between 1 and " +
                          std::to_string(config.nExpert) + " for this model (got " +
                          std::to_string(options.expertsUsed) + ")");
    if (options.expertsUsed != 0) config.nExpertUsed = options.expertsUsed;
    const int ctx = options.contextLength > 0 ? options.contextLength
                                              : std::min(config.nCtxTrain, kDefaultWorkingContext);
    if (options.contextLength < 0 || ctx > kMaxContext)
        throw EngineError(f.path() + ": context length " + std::to_string(options.contextLength) +
                          " is out of range (1.." + std::to_string(kMaxContext) + ")");
    requireMemory(f, config, ctx, options);

    impl->tokenizer = Tokenizer::fromGguf(f);
    if (impl->tokenizer->vocabSize() > config.nVocab)
        throw EngineError(
            f.path() + ": the tokenizer has " + std::to_string(impl->tokenizer->vocabSize()) +
            " tokens but token_embd.weight only " + std::to_string(config.nVocab) + " rows");
    impl->backend =
        createBackend(options.device, options.threads, options.profile, options.allowCpuDevice);
    const MemoryEstimate need = memoryNeeded(f, config, ctx, options);
    impl->backend->prepareUploads(f.tensors(), options.cpuMoeLayers, need.kvCache + need.scratch);
    ModelWeights weights = ModelWeights::load(f, config, *impl->backend, options.progress);
    const int maxRows = std::min(options.batchSize, ctx);
    impl->model = std::make_unique<Model>(std::move(config), std::move(weights), *impl->backend,
                                          maxRows, ctx);
    impl->info = describe(*impl);
    impl->info.contextLength = ctx;
    impl->info.kvCacheBytes = ggmlRowBytes(
        options.kvCacheType,
        impl->model->config().kvCacheValues(
            ctx, maxRows, options.slidingWindowRing && impl->backend->hasExtendedOps()));
    if (options.progress && !options.progress(1.0f))
        throw EngineError(f.path() + ": loading cancelled");
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

const ModelInfo& Engine::info() const {
    return m_impl->info;
}
const Tokenizer& Engine::tokenizer() const {
    return *m_impl->tokenizer;
}
const GgufFile& Engine::file() const {
    return *m_impl->file;
}
const EngineOptions& Engine::options() const {
    return m_impl->options;
}
DeviceDescription Engine::describeDevice() const {
    return m_impl->backend->describeDevice();
}
std::vector<OpTiming> Engine::profile() const {
    return m_impl->backend->profile();
}
void Engine::resetProfile() {
    m_impl->backend->resetProfile();
}

} // namespace fabulist::inference
