#pragma once
// Shapes of real (and tiny test) model architectures for the synthetic-model maker: hyper-
// parameters only. Weights are random, so these files measure speed and memory, not quality.

#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {

struct SynthShape {
    enum class QkNorm { None, PerHead, FullWidth }; // qwen3moe: per head; olmoe: over all heads

    std::string name;
    std::string architecture; // general.architecture: "llama", "qwen3moe", "olmoe"
    int nLayer = 0;
    int nEmbd = 0;
    int nHead = 0;
    int nHeadKv = 0;
    int headDim = 0; // key/value length per head (usually nEmbd / nHead)
    int nFf = 0;     // dense FFN size, or the FFN size of one expert
    int nExpert = 0; // 0 for dense models
    int nExpertUsed = 0;
    int contextLength = 0;
    float ropeFreqBase = 10000.0f;
    float rmsEps = 1e-5f;
    bool tiedOutput = false; // no output.weight: token_embd doubles as the output matrix
    QkNorm qkNorm = QkNorm::None;
    bool writeKeyLength = false; // write attention.key_length/value_length (decoupled heads)
    // feed_forward_length to write when it differs from nFf (qwen3moe's dense size, while
    // expert_feed_forward_length holds nFf); 0 = nFf.
    int kvFeedForwardLength = 0;
    std::string summary;

    bool isMoe() const { return nExpert > 0; }
};

const std::vector<SynthShape>& synthShapes();
// nullptr when there is no shape of that name.
const SynthShape* findSynthShape(std::string_view name);

} // namespace fabulist::inference
