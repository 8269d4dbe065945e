// libFuzzer target: the model metadata path after the GGUF reader. Any input must give a
// config, or a GgufError/EngineError naming the problem: ModelConfig from the metadata (every
// count, size and ratio checked) and the memory estimate computed from it. (Binding weights
// needs the CPU backend, whose F16C detection clang's builtin does not accept; engine_load_test
// covers malformed weights.)

#include "inference/engine/engine.h"
#include "inference/engine/memory_estimate.h"
#include "inference/gguf/gguf_file.h"
#include "inference/model/model_config.h"

#include <cstddef>
#include <cstdint>

using namespace fabulist::inference;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto file = GgufFile::openMemory(data, size, "fuzz-input");
        const ModelConfig config = ModelConfig::fromGguf(*file);
        (void)estimateMemory(*file, config, 4096, GgmlType::F16, 512, 1).total();
    } catch (const GgufError&) {
    } catch (const EngineError&) {
    }
    return 0;
}
