// cuda_matmul_bench: the CUDA weight-type kernels alone, per type, as JSON on stdout:
//   matvec   4096x4096, 1 token row: microseconds and GB/s of weight bytes read
//   tiled    4096x4096, 512 token rows: microseconds and GFLOP/s
//   moe      Qwen3-30B-A3B's expert gate shape (128 experts of 768 x 2048), 8 slots (one decode
//            token) and 4096 slots (512 prompt tokens): microseconds and GB/s of routed weights
// Weights rotate through copies totalling >= 1 GiB so the GPU's L2 cache does not hold them.
//   cuda_matmul_bench [TYPE...]        (default: every weight type)

#include "inference/backend/cuda/cuda_matmul.h"
#include "inference/quant/quant_kernels.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime_api.h>
#include <random>
#include <string>
#include <vector>

using namespace fabulist::inference;
using namespace fabulist::inference::cuda;

namespace {

void check(cudaError_t e, const char* what) {
    if (e == cudaSuccess) return;
    std::fprintf(stderr, "cuda_matmul_bench: %s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
}

// `copies` copies of an nOut x nIn matrix of random quantized rows (64 distinct rows repeated).
void* deviceWeights(GgmlType type, int64_t nIn, int64_t nOut, int copies) {
    const size_t rowBytes = ggmlRowBytes(type, nIn);
    std::mt19937 rng(7);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> w(static_cast<size_t>(nIn));
    std::vector<uint8_t> rows(rowBytes * 64);
    for (int r = 0; r < 64; ++r) {
        for (float& v : w) v = d(rng);
        quantizeRow(type, w.data(), rows.data() + r * rowBytes, nIn);
    }
    std::vector<uint8_t> matrix(rowBytes * size_t(nOut));
    for (int64_t r = 0; r < nOut; ++r)
        std::copy_n(rows.data() + (r % 64) * rowBytes, rowBytes, matrix.data() + r * rowBytes);
    void* p = nullptr;
    check(cudaMalloc(&p, matrix.size() * size_t(copies)), "cudaMalloc weights");
    for (int c = 0; c < copies; ++c)
        check(cudaMemcpy(static_cast<uint8_t*>(p) + matrix.size() * c, matrix.data(), matrix.size(),
                         cudaMemcpyHostToDevice),
              "upload");
    return p;
}

// Average microseconds of `launch(i)` over `iters` calls after 3 warm-up calls.
template <typename Launch> double timeUs(int iters, Launch launch) {
    for (int i = 0; i < 3; ++i) launch(i);
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    cudaEventRecord(a);
    for (int i = 0; i < iters; ++i) launch(i);
    cudaEventRecord(b);
    check(cudaEventSynchronize(b), "kernels");
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return 1000.0 * ms / iters;
}

int copiesFor(size_t bytes) {
    return int((size_t(1) << 30) / bytes + 1);
}

float* deviceFloats(size_t n) {
    std::vector<float> host(n);
    std::mt19937 rng(3);
    std::normal_distribution<float> d(0.0f, 1.0f);
    for (float& v : host) v = d(rng);
    void* p = nullptr;
    check(cudaMalloc(&p, n * sizeof(float)), "cudaMalloc activations");
    check(cudaMemcpy(p, host.data(), n * sizeof(float), cudaMemcpyHostToDevice), "upload");
    return static_cast<float*>(p);
}

// Appends one JSON object per measurement to `out`.
void benchType(GgmlType type, std::vector<std::string>& out) {
    char line[512];
    const char* name = ggmlTypeTraits(type).name.data();
    const int64_t n = 4096;
    const size_t rowBytes = ggmlRowBytes(type, n), bytes = rowBytes * n;
    const int copies = copiesFor(bytes);
    void* w = deviceWeights(type, n, n, copies);
    float* x = deviceFloats(size_t(512) * n);
    float* y = deviceFloats(size_t(4096) * n);
    auto matrix = [&](int i) { return static_cast<const uint8_t*>(w) + bytes * (i % copies); };
    const double mv = timeUs(200, [&](int i) {
        launchMatmul(type, matrix(i), rowBytes, n, 0, n, x, 1, int(n), y, int(n), nullptr);
    });
    const double tiled = timeUs(10, [&](int i) {
        launchMatmul(type, matrix(i), rowBytes, n, 0, n, x, 512, int(n), y, int(n), nullptr);
    });
    cudaFree(w);
    std::snprintf(line, sizeof line,
                  "{\"type\": \"%s\", \"op\": \"matvec\", \"nIn\": 4096, \"nOut\": 4096, "
                  "\"rows\": 1, \"us\": %.2f, \"GBps\": %.1f}",
                  name, mv, bytes / mv / 1e3);
    out.push_back(line);
    std::snprintf(line, sizeof line,
                  "{\"type\": \"%s\", \"op\": \"tiled\", \"nIn\": 4096, \"nOut\": 4096, "
                  "\"rows\": 512, \"us\": %.1f, \"GFLOPs\": %.1f}",
                  name, tiled, 2.0 * n * n * 512 / tiled / 1e3);
    out.push_back(line);

    // Expert gate matrices of Qwen3-30B-A3B: 128 x (768 x 2048).
    const int64_t nIn = 2048, perExpert = 768, experts = 128;
    const size_t eRowBytes = ggmlRowBytes(type, nIn), stack = eRowBytes * perExpert * experts;
    const int eCopies = copiesFor(stack);
    void* we = deviceWeights(type, nIn, perExpert * experts, eCopies);
    for (int slots : {8, 4096}) {
        std::vector<RouteSlot> route(slots);
        std::mt19937 rng(11);
        for (int s = 0; s < slots; ++s) route[s] = {int32_t(rng() % experts), 0.125f};
        void* rp = nullptr;
        check(cudaMalloc(&rp, slots * sizeof(RouteSlot)), "cudaMalloc route");
        auto* rd = static_cast<RouteSlot*>(rp);
        cudaMemcpy(rd, route.data(), slots * sizeof(RouteSlot), cudaMemcpyHostToDevice);
        std::vector<bool> used(experts);
        for (const RouteSlot& s : route) used[s.id] = true;
        int distinct = 0;
        for (bool u : used) distinct += u;
        const double us = timeUs(slots == 8 ? 200 : 10, [&](int i) {
            launchMoeMatmul(type, static_cast<const uint8_t*>(we) + stack * (i % eCopies),
                            eRowBytes, nIn, perExpert, x, int(nIn), 8, rd, slots, y, int(perExpert),
                            nullptr);
        });
        const double routed = double(eRowBytes) * perExpert * distinct;
        std::snprintf(line, sizeof line,
                      "{\"type\": \"%s\", \"op\": \"moe\", \"nIn\": 2048, \"nOut\": 768, "
                      "\"experts\": 128, \"slots\": %d, \"us\": %.2f, \"GBps\": %.1f}",
                      name, slots, us, routed / us / 1e3);
        out.push_back(line);
        cudaFree(rd);
    }
    cudaFree(we);
    cudaFree(x);
    cudaFree(y);
}

} // namespace

int main(int argc, char** argv) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        std::fprintf(stderr, "cuda_matmul_bench: no CUDA device\n");
        return 1;
    }
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, 0);
    std::vector<GgmlType> types;
    for (int i = 1; i < argc; ++i) {
        bool found = false;
        for (uint32_t raw = 0; raw < 64 && !found; ++raw)
            if (const GgmlTypeTraits* t = ggmlTypeTraits(raw);
                t && t->name == argv[i] && matmulSupports(t->type)) {
                types.push_back(t->type);
                found = true;
            }
        if (!found) {
            std::fprintf(stderr, "cuda_matmul_bench: unknown weight type %s\n", argv[i]);
            return 2;
        }
    }
    if (types.empty())
        for (uint32_t raw = 0; raw < 64; ++raw)
            if (const GgmlTypeTraits* t = ggmlTypeTraits(raw); t && matmulSupports(t->type))
                types.push_back(t->type);
    std::vector<std::string> results;
    for (GgmlType t : types) benchType(t, results);
    std::printf("{\"device\": \"%s\", \"sm\": %d%d, \"results\": [\n", prop.name, prop.major,
                prop.minor);
    for (size_t i = 0; i < results.size(); ++i)
        std::printf("    %s%s\n", results[i].c_str(), i + 1 < results.size() ? "," : "");
    std::printf("]}\n");
    return 0;
}
