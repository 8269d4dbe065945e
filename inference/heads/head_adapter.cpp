#include "inference/heads/head_adapter.h"

#include "inference/gguf/gguf_file.h"
#include "inference/gguf/gguf_writer.h"
#include "inference/heads/sha256.h"
#include "inference/quant/fp16.h"

#include <cmath>
#include <cstring>

namespace fabulist::inference {

namespace {

constexpr const char* kKind = "diversity-head";
constexpr const char* kTensorA = "diversity.A";
constexpr const char* kTensorB = "diversity.B";
constexpr const char* kTensorBias = "diversity.b";
constexpr int kMaxRank = 4096;

const std::string kPrefix = "fabulist.adapter.";

// Reads an F32 or F16 tensor of exactly the given shape into floats, refusing non-finite values
// (a diverged training run must not silently poison every generation).
std::vector<float> readTensor(const GgufFile& f, const char* name,
                              std::initializer_list<int64_t> ne) {
    const GgufTensorInfo* t = f.findTensor(name);
    if (!t)
        throw HeadAdapterError(f.path() + ": adapter tensor '" + name +
                               "' is missing; the file is not a complete diversity-head adapter");
    try {
        f.requireShape(*t, ne);
    } catch (const GgufError& e) {
        throw HeadAdapterError(e.what());
    }
    const size_t n = size_t(t->elementCount());
    std::vector<float> out(n);
    if (t->type == GgmlType::F32 && t->nbytes == n * 4) {
        std::memcpy(out.data(), t->data, n * 4);
    } else if (t->type == GgmlType::F16 && t->nbytes == n * 2) {
        for (size_t i = 0; i < n; ++i) {
            uint16_t h;
            std::memcpy(&h, t->data + 2 * i, 2);
            out[i] = fp16ToFp32(h);
        }
    } else {
        throw HeadAdapterError(f.path() + ": adapter tensor '" + name + "' has type " +
                               std::string(ggmlTypeTraits(t->type).name) +
                               "; diversity-head adapters hold F32 or F16 tensors");
    }
    for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(out[i]))
            throw HeadAdapterError(f.path() + ": adapter tensor '" + name +
                                   "' holds a non-finite value at element " + std::to_string(i) +
                                   "; retrain the adapter");
    return out;
}

} // namespace

HeadAdapterBase HeadAdapterBase::fromModel(const GgufFile& model) {
    HeadAdapterBase b;
    b.architecture = model.getString("general.architecture");
    b.nEmbd = model.getInt(b.architecture + ".embedding_length");
    const GgufTensorInfo* out = model.findTensor("output.weight");
    b.outputTensor = "output.weight";
    if (!out) {
        out = model.findTensor("token_embd.weight");
        b.outputTensor = "token_embd.weight";
    }
    if (!out)
        throw HeadAdapterError(model.path() +
                               ": the model has neither output.weight nor token_embd.weight, so "
                               "it has no output head a diversity head could be made for");
    if (out->ne[0] != b.nEmbd)
        throw HeadAdapterError(model.path() + ": " + b.outputTensor + " has " +
                               std::to_string(out->ne[0]) +
                               " columns but the embedding length is " + std::to_string(b.nEmbd));
    b.nVocab = out->ne[1];
    b.outputSha256 = Sha256::hex(out->data, size_t(out->nbytes));
    return b;
}

HeadAdapter::HeadAdapter(HeadAdapterBase base, int rank)
    : m_base(std::move(base)), m_rank(rank), m_a(size_t(rank) * size_t(m_base.nEmbd), 0.0f),
      m_bMatrix(size_t(m_base.nVocab) * size_t(rank), 0.0f), m_bias(size_t(m_base.nVocab), 0.0f) {}

HeadAdapter HeadAdapter::load(const std::string& path, const GgufFile& model) {
    return load(path, HeadAdapterBase::fromModel(model), model.path());
}

HeadAdapter HeadAdapter::load(const std::string& path, const HeadAdapterBase& model,
                              const std::string& modelPath) {
    std::unique_ptr<GgufFile> f;
    try {
        f = GgufFile::open(path);
    } catch (const GgufError& e) {
        throw HeadAdapterError(std::string(e.what()) + " (while loading a diversity-head adapter)");
    }
    try {
        const std::string type = f->getString("general.type", "");
        const std::string kind = f->getString(kPrefix + "kind", "");
        if (type != "adapter" || kind != kKind)
            throw HeadAdapterError(path + ": not a diversity-head adapter (general.type '" + type +
                                   "', fabulist.adapter.kind '" + kind +
                                   "'; expected 'adapter' and 'diversity-head'). Pass the adapter "
                                   "file, not a model; make one with fabulist-cli train-head");

        HeadAdapterBase base;
        base.architecture = f->getString(kPrefix + "base.architecture");
        base.nEmbd = f->getInt(kPrefix + "base.n_embd");
        base.nVocab = f->getInt(kPrefix + "base.n_vocab");
        base.outputSha256 = f->getString(kPrefix + "base.output_sha256");
        const int64_t rank = f->getInt(kPrefix + "rank");

        std::string differs;
        auto note = [&](const std::string& what, const std::string& mine,
                        const std::string& theirs) {
            if (mine == theirs) return;
            differs += (differs.empty() ? "" : "; ") + what + " " + mine + " (adapter) vs " +
                       theirs + " (model)";
        };
        note("architecture", base.architecture, model.architecture);
        note("n_embd", std::to_string(base.nEmbd), std::to_string(model.nEmbd));
        note("n_vocab", std::to_string(base.nVocab), std::to_string(model.nVocab));
        note("output head SHA-256", base.outputSha256, model.outputSha256);
        if (!differs.empty())
            throw HeadAdapterError(path + " was made for a different model than " + modelPath +
                                   ": " + differs +
                                   ". Use the adapter trained for this model, or train one with "
                                   "fabulist-cli train-head -m " +
                                   modelPath);
        if (rank < 1 || rank > kMaxRank || rank > base.nEmbd)
            throw HeadAdapterError(path + ": rank " + std::to_string(rank) +
                                   " is out of range (1.." +
                                   std::to_string(std::min<int64_t>(kMaxRank, base.nEmbd)) + ")");

        base.outputTensor = model.outputTensor;
        HeadAdapter h;
        h.m_base = base;
        h.m_rank = int(rank);
        h.m_a = readTensor(*f, kTensorA, {base.nEmbd, rank});
        h.m_bMatrix = readTensor(*f, kTensorB, {rank, base.nVocab});
        h.m_bias = readTensor(*f, kTensorBias, {base.nVocab});

        HeadTrainingInfo& t = h.m_training;
        const std::string tp = kPrefix + "train.";
        t.objective = f->getString(tp + "objective", "");
        t.gamma = f->getFloat(tp + "gamma", 0.0);
        t.learningRate = f->getFloat(tp + "learning_rate", 0.0);
        t.batchSize = int64_t(f->getUInt(tp + "batch_size", 0));
        t.corpusSha256 = f->getString(tp + "corpus_sha256", "");
        t.corpusTokens = int64_t(f->getUInt(tp + "corpus_tokens", 0));
        t.steps = int64_t(f->getUInt(tp + "steps", 0));
        t.seed = f->getUInt(tp + "seed", 0);
        t.date = f->getString(tp + "date", "");
        t.trainLoss = f->getFloat(tp + "train_loss", 0.0);
        t.heldOutLossBefore = f->getFloat(tp + "held_out_loss_before", 0.0);
        t.heldOutLossAfter = f->getFloat(tp + "held_out_loss_after", 0.0);
        t.bestStep = int64_t(f->getUInt(tp + "best_step", 0));
        t.deltaTokens = f->getString(tp + "delta_tokens", "all"); // older heads: every token
        t.strength = f->getFloat(tp + "strength", 1.0);
        return h;
    } catch (const GgufError& e) {
        throw HeadAdapterError(std::string(e.what()) +
                               " (while loading a diversity-head adapter; regenerate it with "
                               "fabulist-cli train-head)");
    }
}

void HeadAdapter::write(const std::string& path) const {
    GgufWriter w;
    w.setString("general.type", "adapter");
    w.setString("general.name", "diversity head for " + m_base.architecture);
    w.setString(kPrefix + "kind", kKind);
    w.setString(kPrefix + "base.architecture", m_base.architecture);
    w.setU64(kPrefix + "base.n_embd", uint64_t(m_base.nEmbd));
    w.setU64(kPrefix + "base.n_vocab", uint64_t(m_base.nVocab));
    w.setString(kPrefix + "base.output_sha256", m_base.outputSha256);
    w.setU32(kPrefix + "rank", uint32_t(m_rank));
    const std::string tp = kPrefix + "train.";
    w.setString(tp + "objective", m_training.objective);
    w.setF64(tp + "gamma", m_training.gamma);
    w.setF64(tp + "learning_rate", m_training.learningRate);
    w.setU64(tp + "batch_size", uint64_t(m_training.batchSize));
    w.setString(tp + "corpus_sha256", m_training.corpusSha256);
    w.setU64(tp + "corpus_tokens", uint64_t(m_training.corpusTokens));
    w.setU64(tp + "steps", uint64_t(m_training.steps));
    w.setU64(tp + "seed", m_training.seed);
    w.setString(tp + "date", m_training.date);
    w.setF64(tp + "train_loss", m_training.trainLoss);
    w.setF64(tp + "held_out_loss_before", m_training.heldOutLossBefore);
    w.setF64(tp + "held_out_loss_after", m_training.heldOutLossAfter);
    w.setU64(tp + "best_step", uint64_t(m_training.bestStep));
    w.setString(tp + "delta_tokens", m_training.deltaTokens);
    w.setF64(tp + "strength", m_training.strength);
    w.addTensor(kTensorA, GgmlType::F32, {m_base.nEmbd, m_rank}, m_a.data(), m_a.size() * 4);
    w.addTensor(kTensorB, GgmlType::F32, {m_rank, m_base.nVocab}, m_bMatrix.data(),
                m_bMatrix.size() * 4);
    w.addTensor(kTensorBias, GgmlType::F32, {m_base.nVocab}, m_bias.data(), m_bias.size() * 4);
    w.write(path);
}

} // namespace fabulist::inference
