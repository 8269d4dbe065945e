#pragma once
// Public entry point of the inference engine: load a GGUF model once, then create Sessions
// (one KV cache each) that evaluate tokens. One inference thread owns an Engine and its
// Sessions; nothing here takes locks.

#include "inference/backend/backend.h"
#include "inference/engine_error.h"
#include "inference/quant/ggml_type.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace fabulist::inference {

class GgufFile;
class Tokenizer;
class Session;

struct EngineOptions {
    std::string modelPath;
    int threads = 0;       // 0 = number of physical cores
    int contextLength = 0; // 0 = the trained context, at most kDefaultWorkingContext (4096)
    GgmlType kvCacheType = GgmlType::F16; // F16 (llama.cpp's default) or F32
    int expertsUsed = 0; // 0 = model default; 1..nExpert overrides the router's top-k
    // CUDA: experts of layers [0, N) stay on the CPU (--cpu-moe N); -1 = placed from free memory
    // (backend/expert_placement.h). Other backends ignore it.
    int cpuMoeLayers = -1;
    std::string device = "cpu";
    bool allowCpuDevice = false; // Vulkan may use a CPU implementation (lavapipe): chosen by hand
    int batchSize = 512;  // tokens per forward pass during prompt processing
    bool profile = false; // per-op device timing where the backend has it (Engine::profile)
    // Sliding-window layers keep only their window (plus one batch) in a ring, so a long
    // context costs the window there (backends with rings: the CPU). false: full caches.
    bool slidingWindowRing = true;
    // Called during loading with a fraction in [0, 1]; return false to cancel (load() then
    // throws EngineError saying it was cancelled).
    std::function<bool(float fraction)> progress;
};

struct ModelInfo {
    std::string path;
    std::string architecture;         // general.architecture, e.g. "llama", "qwen3moe"
    std::string name;                 // general.name (may be empty)
    int64_t parameterCount = 0;       // all weights
    int64_t activeParameterCount = 0; // weights touched per token (only nExpertUsed experts)
    int nLayer = 0, nEmbd = 0, nHead = 0, nHeadKv = 0, headDim = 0, nVocab = 0, nCtxTrain = 0;
    int nFf = 0;                      // dense FFN size, or per-expert FFN size for MoE models
    int nExpert = 0, nExpertUsed = 0; // 0, 0 for dense models
    int contextLength = 0;            // what Sessions of this Engine hold
    std::map<std::string, int64_t> tensorTypeCounts; // "Q4_K" -> number of tensors
    std::map<std::string, int64_t> tensorTypeBytes;  // "Q4_K" -> bytes of those tensors
    uint64_t fileBytes = 0;
    uint64_t weightBytes = 0;
    uint64_t kvBytesPerToken = 0; // for the chosen KV cache type, all layers, K and V
    uint64_t kvCacheBytes = 0;    // a session's whole cache at contextLength (rings counted)
    GgmlType kvCacheType = GgmlType::F16;
    std::string device; // backend that runs it, e.g. "cpu"
    int threads = 0;    // threads the backend uses
};

class Engine {
public:
    // Opens, validates and maps the model, builds its tokenizer and backend. Throws
    // EngineError (or GgufError / TokenizerError from the parts) naming the file.
    static std::unique_ptr<Engine> load(const EngineOptions& options);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const ModelInfo& info() const;
    const Tokenizer& tokenizer() const;
    const GgufFile& file() const;
    const EngineOptions& options() const;

    // The backend's description of its device (Backend::describeDevice).
    DeviceDescription describeDevice() const;
    // Device time per op kind since the last resetProfile() (EngineOptions::profile).
    std::vector<OpTiming> profile() const;
    void resetProfile();

    // A new, empty KV cache of info().contextLength tokens. Sessions must not outlive the Engine.
    std::unique_ptr<Session> createSession();

    struct Impl;

private:
    explicit Engine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace fabulist::inference
