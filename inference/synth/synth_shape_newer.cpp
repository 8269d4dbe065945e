// Shapes of the newer architectures: the tiny ones are the reference-next files' hyper-
// parameters (../shared/reference-next/README.md), the big ones the published models' configs.
#include "inference/synth/synth_shape.h"

namespace fabulist::inference {

namespace {

SynthShape tinyDeepseek2(bool v3) {
    SynthShape s; // MLA, 1 leading dense layer, sigmoid routing, 1 shared expert
    s.name = v3 ? "tiny-deepseek2-v3" : "tiny-deepseek2-lite";
    s.architecture = "deepseek2";
    s.nLayer = 4, s.nEmbd = 256, s.nHead = 4, s.nHeadKv = 1, s.nFf = 128, s.nFfDense = 512;
    s.nExpert = 8, s.nExpertUsed = 2, s.nExpertShared = 1, s.leadingDense = 1;
    s.gatingFunc = 2, s.expertWeightsScale = 2.5f, s.expertWeightsNorm = true;
    s.mla = {v3 ? 64 : 0, 64, 32, 16, 32};
    s.ropeDim = 16;
    s.contextLength = 256;
    s.rmsEps = 1e-6f;
    if (v3) s.yarnFactor = 4.0f, s.yarnOriginalContext = 64, s.yarnLogMultiplier = 0.1f;
    s.summary = v3 ? "deepseek2 (V3 style: q LoRA, YaRN), 8 experts + 1 shared, 4 layers"
                   : "deepseek2 (V2-Lite style: plain q), 8 experts + 1 shared, 4 layers";
    return s;
}

SynthShape deepseekV2Lite() {
    SynthShape s; // DeepSeek-V2-Lite: 15.7B total, 2.4B active
    s.name = "deepseek-v2-lite";
    s.architecture = "deepseek2";
    s.nLayer = 27, s.nEmbd = 2048, s.nHead = 16, s.nHeadKv = 1, s.nFf = 1408, s.nFfDense = 10944;
    s.nExpert = 64, s.nExpertUsed = 6, s.nExpertShared = 2, s.leadingDense = 1;
    s.gatingFunc = 1, s.expertWeightsScale = 1.0f, s.expertWeightsNorm = false;
    s.mla = {0, 512, 128, 64, 128};
    s.ropeDim = 64;
    s.contextLength = 163840;
    s.rmsEps = 1e-6f;
    s.yarnFactor = 40.0f, s.yarnOriginalContext = 4096, s.yarnLogMultiplier = 0.0707f;
    s.summary = "deepseek2, MLA (kv rank 512), 64 experts (top-6) + 2 shared, 27 layers";
    return s;
}

SynthShape gptOss(bool tiny) {
    SynthShape s; // attention sinks, alternating sliding-window/full layers, biases, YaRN
    s.name = tiny ? "tiny-gptoss" : "gpt-oss-20b";
    s.architecture = "gpt-oss";
    if (tiny) {
        s.nLayer = 4, s.nEmbd = 256, s.nHead = 6, s.nHeadKv = 2, s.nFf = 64;
        s.nExpert = 8, s.nExpertUsed = 2, s.contextLength = 256, s.slidingWindow = 16;
        s.yarnOriginalContext = 64, s.yarnFactor = 4.0f;
    } else {
        s.nLayer = 24, s.nEmbd = 2880, s.nHead = 64, s.nHeadKv = 8, s.nFf = 2880;
        s.nExpert = 32, s.nExpertUsed = 4, s.contextLength = 131072, s.slidingWindow = 128;
        s.yarnOriginalContext = 4096, s.yarnFactor = 32.0f;
    }
    s.headDim = 64;
    s.ropeFreqBase = 150000.0f;
    s.writeKeyLength = true;
    s.norms = SynthShape::Norms::PostAttention;
    s.qkvBias = true, s.gptOssExtras = true;
    s.summary = tiny ? "gpt-oss, 8 experts (top-2), window 16, 4 layers (like the reference)"
                     : "gpt-oss, 32 experts (top-4), window 128, 24 layers, n_embd 2880";
    return s;
}

SynthShape gemma3(bool tiny) {
    SynthShape s; // 5 sliding-window layers to 1 global, Q/K norms, sandwich norms, GeGLU
    s.name = tiny ? "tiny-gemma3" : "gemma-3-12b";
    s.architecture = "gemma3";
    if (tiny) {
        s.nLayer = 6, s.nEmbd = 256, s.nHead = 4, s.nHeadKv = 2, s.headDim = 64, s.nFf = 256;
        s.contextLength = 256, s.slidingWindow = 16;
    } else {
        s.nLayer = 48, s.nEmbd = 3840, s.nHead = 16, s.nHeadKv = 8, s.headDim = 256;
        s.nFf = 15360, s.contextLength = 131072, s.slidingWindow = 1024;
        s.linearRopeFactor = 8.0f, s.tiedOutput = true;
    }
    s.ropeFreqBase = 1000000.0f;
    s.rmsEps = 1e-6f;
    s.writeKeyLength = true;
    s.qkNorm = SynthShape::QkNorm::PerHead;
    s.norms = SynthShape::Norms::Sandwich;
    s.embdStd = 0.1f;
    s.summary = tiny ? "gemma3, dense, 6 layers (5 windowed : 1 global) (like the reference)"
                     : "gemma3, dense, 48 layers, n_embd 3840, head size 256, window 1024";
    return s;
}

SynthShape glm4moe(bool tiny) {
    SynthShape s; // partial NEOX RoPE, QKV bias, sigmoid routing + bias, 1 shared expert
    s.name = tiny ? "tiny-glm4moe" : "glm-4.5-air";
    s.architecture = "glm4moe";
    if (tiny) {
        s.nLayer = 4, s.nEmbd = 128, s.nHead = 4, s.nHeadKv = 2, s.headDim = 64, s.nFf = 128;
        s.nFfDense = 256, s.nExpert = 8, s.nExpertUsed = 2, s.ropeDim = 32;
        s.contextLength = 256, s.expertWeightsScale = 2.5f;
        s.qkNorm = SynthShape::QkNorm::PerHead;
    } else {
        s.nLayer = 46, s.nEmbd = 4096, s.nHead = 96, s.nHeadKv = 8, s.headDim = 128, s.nFf = 1408;
        s.nFfDense = 10944, s.nExpert = 128, s.nExpertUsed = 8, s.ropeDim = 64;
        s.contextLength = 131072, s.expertWeightsScale = 1.0f;
    }
    s.nExpertShared = 1, s.leadingDense = 1, s.gatingFunc = 2, s.expertWeightsNorm = true;
    s.ropeFreqBase = 1000000.0f;
    s.writeKeyLength = true;
    s.qkvBias = true;
    s.norms = SynthShape::Norms::PostAttention;
    s.outputStd = 0.25f * 1.41421356f;
    s.summary = tiny ? "glm4moe, 8 experts (top-2) + 1 shared, 4 layers (like the reference)"
                     : "glm4moe, 128 experts (top-8) + 1 shared, 46 layers, n_embd 4096";
    return s;
}

SynthShape graniteMoe(bool tiny) {
    SynthShape s; // Granite 3 MoE: embedding, residual, attention and logit multipliers
    s.name = tiny ? "tiny-granitemoe" : "granite-3.1-3b-a800m";
    s.architecture = "granitemoe";
    if (tiny) {
        s.nLayer = 4, s.nEmbd = 128, s.nHead = 4, s.nHeadKv = 2, s.headDim = 32, s.nFf = 128;
        s.nExpert = 8, s.nExpertUsed = 2, s.contextLength = 256;
        s.granite = {12.0f, 0.22f, 0.03125f, 8.0f};
        s.outputStd = 2.5f;
    } else {
        s.nLayer = 32, s.nEmbd = 1536, s.nHead = 24, s.nHeadKv = 8, s.headDim = 64, s.nFf = 512;
        s.nExpert = 40, s.nExpertUsed = 8, s.contextLength = 131072;
        s.ropeFreqBase = 10000000.0f;
        s.granite = {12.0f, 0.22f, 0.015625f, 6.0f};
        s.tiedOutput = true;
    }
    s.rmsEps = 1e-6f;
    s.embdStd = 0.05f;
    s.summary = tiny ? "granitemoe, 8 experts (top-2), 4 layers (like the reference)"
                     : "granitemoe, 40 experts (top-8), 32 layers, n_embd 1536, tied output";
    return s;
}

} // namespace

void appendNewerShapes(std::vector<SynthShape>& shapes) {
    for (bool tiny : {true, false}) {
        if (tiny) {
            shapes.push_back(tinyDeepseek2(false));
            shapes.push_back(tinyDeepseek2(true));
        } else {
            shapes.push_back(deepseekV2Lite());
        }
        shapes.push_back(gptOss(tiny));
        shapes.push_back(gemma3(tiny));
        shapes.push_back(glm4moe(tiny));
        shapes.push_back(graniteMoe(tiny));
    }
}

} // namespace fabulist::inference
