// quant_bench: single-threaded 4096 x 4096 matrix-vector product per weight type and per ISA
// (scalar / AVX2 / AVX-512, whichever this CPU has), including the once-per-matvec activation
// quantization. Prints JSON: GB/s of weight bytes read and milliseconds per matvec. Not a test.
//
// usage: quant_bench [ROWS] [COLS]   (default 4096 4096)

#include "inference/quant/quant_kernels.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

using namespace fabulist::inference;

int main(int argc, char** argv) {
    const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 4096;
    const int64_t cols = argc > 2 ? std::atoll(argv[2]) : 4096;
    if (rows < 1 || cols < 256 || cols % 256 != 0) {
        std::fprintf(stderr, "usage: quant_bench [ROWS] [COLS, a multiple of 256]\n");
        return 2;
    }
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.f, 1.f);
    constexpr int64_t kDistinctRows = 64; // quantized once, then tiled (values don't matter)
    std::vector<float> w(static_cast<size_t>(kDistinctRows * cols)), x(static_cast<size_t>(cols));
    for (float& v : w) v = normal(rng);
    for (float& v : x) v = normal(rng);
    std::vector<float> out(static_cast<size_t>(rows));

    const GgmlType types[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0,
                              GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1,
                              GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};
    std::printf("{\"rows\": %lld, \"cols\": %lld, \"threads\": 1, \"results\": [",
                static_cast<long long>(rows), static_cast<long long>(cols));
    bool first = true;
    for (GgmlType t : types) {
        const size_t rowBytes = ggmlRowBytes(t, cols);
        std::vector<uint8_t> distinct(rowBytes * kDistinctRows);
        for (int64_t r = 0; r < kDistinctRows; ++r)
            quantizeRow(t, w.data() + r * cols, distinct.data() + r * rowBytes, cols);
        std::vector<uint8_t> matrix(rowBytes * static_cast<size_t>(rows));
        for (int64_t r = 0; r < rows; ++r)
            std::memcpy(matrix.data() + r * rowBytes,
                        distinct.data() + (r % kDistinctRows) * rowBytes, rowBytes);
        std::vector<uint8_t> act(activationBytes(t, cols));
        for (QuantIsa isa : {QuantIsa::Scalar, QuantIsa::Avx2, QuantIsa::Avx512}) {
            const QuantKernels* k = quantKernelsFor(t, isa);
            if (!k) continue;
            double best = 1e30;
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
            int reps = 0;
            do {
                const auto start = std::chrono::steady_clock::now();
                k->quantizeActivations(x.data(), act.data(), cols);
                for (int64_t r = 0; r < rows; ++r)
                    out[r] = k->vecDot(matrix.data() + r * rowBytes, act.data(), cols);
                const double sec =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                best = std::min(best, sec);
                ++reps;
            } while (std::chrono::steady_clock::now() < deadline || reps < 3);
            std::printf("%s\n  {\"type\": \"%s\", \"isa\": \"%s\", \"requested_isa\": \"%s\", "
                        "\"gb_per_s\": %.2f, \"ms_per_matvec\": %.3f, \"checksum\": %.4g}",
                        first ? "" : ",", ggmlTypeTraits(t).name.data(), k->isa,
                        isa == QuantIsa::Scalar ? "scalar"
                        : isa == QuantIsa::Avx2 ? "avx2"
                                                : "avx512",
                        double(matrix.size()) / best / 1e9, best * 1e3, double(out[rows / 2]));
            first = false;
        }
    }
    std::printf("\n]}\n");
    return 0;
}
