#pragma once
// Hyperparameters of a transformer read from GGUF metadata, plus the per-architecture rules
// (RoPE mode, expert-weight normalisation). The forward pass is driven entirely by this struct
// and by which optional tensors exist (biases, Q/K norms, experts, shared expert): there is no
// per-architecture code path.

#include <string>

namespace fabulist::inference {

class GgufFile;

struct ModelConfig {
    std::string architecture;
    int nLayer = 0;
    int nEmbd = 0;
    int nHead = 0;
    int nHeadKv = 0;
    int headDimK = 0; // query/key head size
    int headDimV = 0; // value head size
    int nRot = 0;     // rotary dimensions per head (<= headDimK)
    int nFf = 0;      // dense FFN size
    int nFfExpert = 0;
    int nFfShared = 0;
    int nExpert = 0;
    int nExpertUsed = 0;
    int nCtxTrain = 0;
    int nVocab = 0;
    int slidingWindow = 0; // 0 = full attention
    float ropeFreqBase = 10000.0f;
    float ropeFreqScale = 1.0f; // 1 / rope.scaling.factor for linear scaling
    bool ropeNeox = false;
    bool expertWeightsNorm = true;
    float rmsEps = 1e-5f;

    bool isMoe() const { return nExpert > 0; }

    // Reads and checks the metadata of `file`. Throws EngineError naming the file and the key.
    static ModelConfig fromGguf(const GgufFile& file);
};

// Architectures the engine can run (general.architecture values).
bool isSupportedArchitecture(const std::string& arch);
std::string supportedArchitectures(); // "llama, qwen2, ..." for error messages

} // namespace fabulist::inference
