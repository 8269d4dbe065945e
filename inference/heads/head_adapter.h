#pragma once
// A diversity-head adapter: the low-rank delta Δz = B·(A·h) + b that is added to a model's own
// logits (see head_mix.h), stored as a small GGUF file beside the model so any GGUF model can
// get one and the model file stays untouched.
//
// File layout (GGUF v3):
//   general.type                          = "adapter"
//   fabulist.adapter.kind                 = "diversity-head"
//   fabulist.adapter.base.architecture    = base model's general.architecture
//   fabulist.adapter.base.n_embd          = base model's embedding length
//   fabulist.adapter.base.n_vocab         = base model's vocabulary (output rows)
//   fabulist.adapter.base.output_sha256   = SHA-256 (hex) of the bytes of the base model's output
//                                           head tensor (output.weight, token_embd.weight when
//                                           tied)
//   fabulist.adapter.rank                 = r
//   fabulist.adapter.train.*              = how it was trained (HeadTrainingInfo), including
//                                           delta_tokens ("all" or "word-starts")
//   tensors diversity.A ne [n_embd, r], diversity.B ne [r, n_vocab], diversity.b ne [n_vocab],
//   F32 or F16.
// The base identity makes an adapter refuse to load on any other model: the hidden states and
// the vocabulary of another model mean something else even when the shapes agree.

#include "inference/engine_error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fabulist::inference {

class GgufFile;

// An adapter file that is malformed or belongs to another model. The message names the
// file(s), what is wrong and what to do.
class HeadAdapterError : public EngineError {
public:
    using EngineError::EngineError;
};

// What identifies the model an adapter was trained on.
struct HeadAdapterBase {
    std::string architecture;
    int64_t nEmbd = 0;
    int64_t nVocab = 0;
    std::string outputSha256; // lower-case hex
    std::string outputTensor; // "output.weight" or "token_embd.weight" (not stored)

    // Reads the identity of a model file (hashes its output head tensor: about 1 s per GB).
    static HeadAdapterBase fromModel(const GgufFile& model);
};

struct HeadTrainingInfo {
    std::string objective = "face"; // frequency-aware cross-entropy (see head_trainer.h)
    double gamma = 0.0;             // FACE exponent: w_t ∝ (count_t + 1)^-gamma
    double learningRate = 0.0;      // Adam
    int64_t batchSize = 0;          // positions per step
    std::string corpusSha256;       // of the corpus files' bytes, in the order given
    int64_t corpusTokens = 0;       // tokens of the corpus that were evaluated
    int64_t steps = 0;
    uint64_t seed = 0;
    std::string date;               // UTC, ISO 8601
    double trainLoss = 0.0;         // FACE loss of the last steps
    double heldOutLossBefore = 0.0; // held-out FACE loss with Δz = 0
    double heldOutLossAfter = 0.0;  // held-out FACE loss of the written adapter
    int64_t bestStep = 0;           // step of the kept parameters (lowest held-out loss)
    // Which tokens the delta touches: "all", or "word-starts" (word_start_mask.h).
    std::string deltaTokens = "all";
    double strength = 1.0; // the stored delta is this times the trained one (train-head --strength)
};

class HeadAdapter {
public:
    HeadAdapter() = default;
    // A zero adapter (A, B, b all 0) of rank r for this base.
    HeadAdapter(HeadAdapterBase base, int rank);

    // Reads and validates `path` and checks that it was made for `model`; throws
    // HeadAdapterError naming both files and what differs.
    static HeadAdapter load(const std::string& path, const GgufFile& model);
    // Same, against an already computed model identity (modelPath only names it in messages).
    static HeadAdapter load(const std::string& path, const HeadAdapterBase& model,
                            const std::string& modelPath);
    // Writes the adapter atomically (F32 tensors); throws GgufError naming the path.
    void write(const std::string& path) const;

    const HeadAdapterBase& base() const { return m_base; }
    int rank() const { return m_rank; }
    int nEmbd() const { return int(m_base.nEmbd); }
    int nVocab() const { return int(m_base.nVocab); }

    // Row-major: A is rank rows of nEmbd, B is nVocab rows of rank, b is nVocab values.
    std::vector<float>& a() { return m_a; }
    std::vector<float>& bMatrix() { return m_bMatrix; }
    std::vector<float>& bias() { return m_bias; }
    const std::vector<float>& a() const { return m_a; }
    const std::vector<float>& bMatrix() const { return m_bMatrix; }
    const std::vector<float>& bias() const { return m_bias; }

    HeadTrainingInfo& training() { return m_training; }
    const HeadTrainingInfo& training() const { return m_training; }

private:
    HeadAdapterBase m_base;
    int m_rank = 0;
    std::vector<float> m_a, m_bMatrix, m_bias;
    HeadTrainingInfo m_training;
};

} // namespace fabulist::inference
