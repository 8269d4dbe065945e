// fabulist-vecdot-bench: single-thread throughput of the engine's vec-dot kernels, in GB/s of
// weight bytes, for matrix rows the size of a model's (default 1024 values), once with the
// weights in L2 (compute bound) and once streaming a matrix far larger than the caches (memory
// bound). Decode speed per thread cannot exceed the streaming number; comparing it with
// fabulist-membw shows whether a kernel, not memory, is the limit.
//
// usage: fabulist-vecdot-bench [ROW_LENGTH] [STREAM_MIB]
#include "inference/quant/quant_kernels.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace fabulist::inference;

namespace {

double measure(const QuantKernels& k, const std::vector<uint8_t>& weights, size_t rowBytes,
               int64_t n, const std::vector<uint8_t>& act, int passes, float& sink) {
    const size_t rows = weights.size() / rowBytes;
    double best = 0.0;
    for (int p = 0; p < passes; ++p) {
        const auto start = std::chrono::steady_clock::now();
        float s = 0.0f;
        for (size_t r = 0; r < rows; ++r)
            s += k.vecDot(weights.data() + r * rowBytes, act.data(), n);
        const double sec =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        sink += s;
        best = std::max(best, double(weights.size()) / sec / 1e9);
    }
    return best;
}

} // namespace

int main(int argc, char** argv) {
    const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1024;
    const size_t streamMib = argc > 2 ? size_t(std::atoll(argv[2])) : 512;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> row(static_cast<size_t>(n));
    for (float& v : row) v = normal(rng);
    float sink = 0.0f;
    std::printf("{\"row_length\": %lld, \"results\": [\n", static_cast<long long>(n));
    const GgmlType types[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::Q8_0, GgmlType::Q4_0,
                              GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::MXFP4};
    bool first = true;
    for (GgmlType t : types) {
        const QuantKernels& k = quantKernels(t);
        const size_t rowBytes = ggmlRowBytes(t, n);
        std::vector<uint8_t> one(rowBytes);
        quantizeRow(t, row.data(), one.data(), n);
        std::vector<uint8_t> act(activationBytes(t, n));
        k.quantizeActivations(row.data(), act.data(), n);
        // In cache: 256 KiB of rows (fits L2), many passes.
        std::vector<uint8_t> small(std::max<size_t>(1, (256u << 10) / rowBytes) * rowBytes);
        for (size_t off = 0; off < small.size(); off += rowBytes)
            std::copy(one.begin(), one.end(), small.begin() + off);
        const double cached = measure(k, small, rowBytes, n, act, 200, sink);
        std::vector<uint8_t> big(std::max<size_t>(1, (streamMib << 20) / rowBytes) * rowBytes);
        for (size_t off = 0; off < big.size(); off += rowBytes)
            std::copy(one.begin(), one.end(), big.begin() + off);
        const double streamed = measure(k, big, rowBytes, n, act, 3, sink);
        std::printf("%s  {\"type\": \"%s\", \"isa\": \"%s\", \"in_cache_gb_per_s\": %.2f, "
                    "\"streaming_gb_per_s\": %.2f}",
                    first ? "" : ",\n", std::string(ggmlTypeTraits(t).name).c_str(), k.isa, cached,
                    streamed);
        first = false;
    }
    std::printf("\n]}\n");
    return std::isnan(sink) ? 1 : 0;
}
