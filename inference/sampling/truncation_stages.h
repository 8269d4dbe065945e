#pragma once
// The stages that cut the candidate list down, with llama.cpp's semantics (min_keep = 1):
// top-k, locally typical, top-p (nucleus) and min-p, plus temperature scaling.

#include "inference/sampling/sampler_stage.h"

#include <vector>

namespace fabulist::inference {

// Keeps the k highest logits (k <= 0: off).
class TopKStage : public SamplerStage {
public:
    explicit TopKStage(int32_t k) : m_k(k) {}
    const char* name() const override { return "top-k"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;

private:
    int32_t m_k;
};

// Locally typical sampling: orders tokens by |-log p - entropy| and keeps the smallest prefix
// whose probability mass exceeds p (p >= 1: off).
class TypicalStage : public SamplerStage {
public:
    TypicalStage(size_t nVocab, float p);
    const char* name() const override { return "typical"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;

private:
    struct Scored {
        float score;
        TokenCandidate candidate;
    };
    float m_p;
    std::vector<Scored> m_scratch; // sized for the vocabulary once
};

// Nucleus: keeps the most probable tokens until their mass reaches p (p >= 1: off).
class TopPStage : public SamplerStage {
public:
    explicit TopPStage(float p) : m_p(p) {}
    const char* name() const override { return "top-p"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;

private:
    float m_p;
};

// Keeps tokens whose probability is at least p times the best one's (p <= 0: off).
class MinPStage : public SamplerStage {
public:
    explicit MinPStage(float p) : m_p(p) {}
    const char* name() const override { return "min-p"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;

private:
    float m_p;
};

// Divides logits by t; t <= 0 keeps only the best token (greedy).
class TemperatureStage : public SamplerStage {
public:
    explicit TemperatureStage(float t) : m_t(t) {}
    const char* name() const override { return "temperature"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;

private:
    float m_t;
};

} // namespace fabulist::inference
