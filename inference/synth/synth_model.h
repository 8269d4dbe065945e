#pragma once
// Writes a random-weight GGUF model of a given shape and file type, with the tokenizer copied
// from an existing GGUF. Tensor names, shapes, KV keys and the llama-quantize type mix follow
// llama.cpp, so llama.cpp loads these files too. Weights are generated, quantized and written
// row chunk by row chunk (several threads), so even a 7B-parameter F32 file needs little memory.

#include "inference/synth/synth_plan.h"

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace fabulist::inference {

class SynthError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SynthOptions {
    std::string shapeName;
    SynthFileType fileType = SynthFileType::F32;
    std::string vocabFrom; // GGUF whose tokenizer.* keys are copied
    uint64_t seed = 1234;
    std::string outputPath;
    int threads = 2;
    // Called with (bytes written, total bytes); return false to cancel.
    std::function<bool(uint64_t, uint64_t)> progress;
};

struct SynthSummary {
    int64_t parameters = 0;
    uint64_t fileBytes = 0;
    int64_t vocabSize = 0;
    size_t tensorCount = 0;
};

// Throws SynthError (naming the file and what to do) or GgufError for an unusable vocab file.
SynthSummary writeSynthModel(const SynthOptions& options);

} // namespace fabulist::inference
