#pragma once
// The tensors of one transformer block, per architecture, appended to a synth plan (the
// internal half of synth_plan.cpp: names and shapes exactly as llama.cpp's converters write
// them, and the draw each tensor gets).

#include "inference/synth/synth_plan.h"

#include <initializer_list>
#include <string>
#include <vector>

namespace fabulist::inference {

class SynthPlanBuilder {
public:
    SynthPlanBuilder(const SynthShape& shape, SynthFileType fileType,
                     std::vector<SynthTensor>& out)
        : m_s(shape), m_type(fileType), m_out(out) {}

    // A matrix typed by llama-quantize's rules (`layer` -1 outside the blocks).
    void weight(std::string name, std::initializer_list<int64_t> ne, float stddev, int layer);
    // Norms, routers and biases: F32 in every llama.cpp file type.
    void f32(std::string name, std::initializer_list<int64_t> ne, float stddev, bool isNorm,
             float centre = 1.0f);

    void block(int layer); // every tensor of block `layer`

private:
    void attention(int l);
    void latentAttention(int l); // deepseek2's MLA
    void feedForward(int l);
    void experts(int l);
    bool denseLayer(int l) const;

    const SynthShape& m_s;
    SynthFileType m_type;
    std::vector<SynthTensor>& m_out;
};

} // namespace fabulist::inference
