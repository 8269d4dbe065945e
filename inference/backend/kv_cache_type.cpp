#include "inference/backend/kv_cache_type.h"

namespace fabulist::inference {

std::string kvCacheTypeProblem(GgmlType type, int kvDimK, int kvDimV) {
    if (type != GgmlType::F16 && type != GgmlType::F32 && type != GgmlType::Q8_0)
        return "the KV cache must be F16, F32 or Q8_0";
    if (type == GgmlType::Q8_0 && (kvDimK % 32 != 0 || kvDimV % 32 != 0))
        return "a Q8_0 KV cache needs rows of whole 32-value blocks; use --kv-type f16";
    return {};
}

} // namespace fabulist::inference
