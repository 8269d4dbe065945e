#pragma once
// Which KV cache types every backend stores (F16, F32, Q8_0) and the widths they need: one rule
// for the CPU, Vulkan and CUDA caches.

#include "inference/quant/ggml_type.h"

#include <string>

namespace fabulist::inference {

// Empty when a cache of `type` can hold rows of kvDimK / kvDimV values, else why not and what to
// choose instead.
std::string kvCacheTypeProblem(GgmlType type, int kvDimK, int kvDimV);

} // namespace fabulist::inference
