#include "inference/synth/synth_shape.h"

namespace fabulist::inference {

// synth_shape_newer.cpp: deepseek2, gpt-oss, gemma3, glm4moe, granitemoe.
void appendNewerShapes(std::vector<SynthShape>& shapes);

namespace {

std::vector<SynthShape> makeShapes() {
    std::vector<SynthShape> shapes;
    {
        SynthShape s; // the reference tiny-dense: dense llama with a tied output
        s.name = "tiny-dense";
        s.architecture = "llama";
        s.nLayer = 2, s.nEmbd = 64, s.nHead = 4, s.nHeadKv = 2, s.headDim = 16, s.nFf = 128;
        s.contextLength = 256;
        s.tiedOutput = true;
        s.summary = "llama, dense, 2 layers, n_embd 64, tied output (like the reference)";
        shapes.push_back(s);
    }
    {
        SynthShape s; // the reference tiny-moe: Mixtral layout
        s.name = "tiny-moe";
        s.architecture = "llama";
        s.nLayer = 2, s.nEmbd = 256, s.nHead = 4, s.nHeadKv = 2, s.headDim = 64, s.nFf = 256;
        s.nExpert = 8, s.nExpertUsed = 2;
        s.contextLength = 256;
        s.summary = "llama + 8 experts (top-2), 2 layers, n_embd 256 (like the reference)";
        shapes.push_back(s);
    }
    {
        SynthShape s; // the reference tiny-qwen3moe
        s.name = "tiny-qwen3moe";
        s.architecture = "qwen3moe";
        s.nLayer = 2, s.nEmbd = 256, s.nHead = 4, s.nHeadKv = 2, s.headDim = 128, s.nFf = 256;
        s.nExpert = 8, s.nExpertUsed = 2;
        s.contextLength = 256;
        s.ropeFreqBase = 1000000.0f;
        s.rmsEps = 1e-6f;
        s.qkNorm = SynthShape::QkNorm::PerHead;
        s.writeKeyLength = true;
        s.kvFeedForwardLength = 512;
        s.summary = "qwen3moe, 8 experts (top-2), head size 128, 2 layers (like the reference)";
        shapes.push_back(s);
    }
    {
        SynthShape s; // a small OLMoE for tests: full-width Q/K norms, NEOX RoPE, 8 experts
        s.name = "tiny-olmoe";
        s.architecture = "olmoe";
        s.nLayer = 2, s.nEmbd = 256, s.nHead = 4, s.nHeadKv = 4, s.headDim = 64, s.nFf = 256;
        s.nExpert = 8, s.nExpertUsed = 2;
        s.contextLength = 256;
        s.qkNorm = SynthShape::QkNorm::FullWidth;
        s.summary = "olmoe, 8 experts (top-2), 2 layers, n_embd 256 (small, for tests)";
        shapes.push_back(s);
    }
    {
        SynthShape s; // IBM Granite 3.0 1B-A400M's sizes, written as llama + experts
        s.name = "granite-1b-a400m";
        s.architecture = "llama";
        s.nLayer = 24, s.nEmbd = 1024, s.nHead = 16, s.nHeadKv = 8, s.headDim = 64, s.nFf = 512;
        s.nExpert = 32, s.nExpertUsed = 8;
        s.contextLength = 4096;
        s.summary = "llama + 32 experts (top-8), 24 layers, n_embd 1024, expert FFN 512";
        shapes.push_back(s);
    }
    {
        SynthShape s; // OLMoE-1B-7B's sizes
        s.name = "olmoe-1b-7b";
        s.architecture = "olmoe";
        s.nLayer = 16, s.nEmbd = 2048, s.nHead = 16, s.nHeadKv = 16, s.headDim = 128;
        s.nFf = 1024;
        s.nExpert = 64, s.nExpertUsed = 8;
        s.contextLength = 4096;
        s.qkNorm = SynthShape::QkNorm::FullWidth;
        s.summary = "olmoe, 64 experts (top-8), 16 layers, n_embd 2048, expert FFN 1024";
        shapes.push_back(s);
    }
    {
        SynthShape s; // Qwen3-30B-A3B's sizes (the CUDA decode target's shape, #21)
        s.name = "qwen3-30b-a3b";
        s.architecture = "qwen3moe";
        s.nLayer = 48, s.nEmbd = 2048, s.nHead = 32, s.nHeadKv = 4, s.headDim = 128, s.nFf = 768;
        s.nExpert = 128, s.nExpertUsed = 8;
        s.contextLength = 40960;
        s.ropeFreqBase = 1000000.0f;
        s.rmsEps = 1e-6f;
        s.qkNorm = SynthShape::QkNorm::PerHead;
        s.writeKeyLength = true;
        s.kvFeedForwardLength = 6144;
        s.summary = "qwen3moe, 128 experts (top-8), 48 layers, n_embd 2048, expert FFN 768";
        shapes.push_back(s);
    }
    appendNewerShapes(shapes);
    return shapes;
}

} // namespace

const std::vector<SynthShape>& synthShapes() {
    static const std::vector<SynthShape> shapes = makeShapes();
    return shapes;
}

const SynthShape* findSynthShape(std::string_view name) {
    for (const SynthShape& s : synthShapes())
        if (s.name == name) return &s;
    return nullptr;
}

} // namespace fabulist::inference
