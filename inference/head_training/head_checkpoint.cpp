#include "inference/head_training/head_checkpoint.h"

#include "inference/gguf/gguf_file.h"
#include "inference/gguf/gguf_writer.h"

#include <cmath>
#include <cstring>
#include <type_traits>

namespace fabulist::inference {

namespace {

constexpr const char* kType = "fabulist.head-checkpoint";
const std::string kPrefix = "fabulist.checkpoint.";

// Tensor names and which state vector each holds; shapes follow the adapter's (A: rank rows of
// nEmbd, B: nVocab rows of rank, b: nVocab).
enum class Shape { A, B, Bias };

template <class Vector> struct Slot {
    const char* name;
    Shape shape;
    Vector& values;
};

// One list for writing (const state) and reading (mutable state).
template <class State, class Vector = std::conditional_t<
                           std::is_const_v<State>, const std::vector<float>, std::vector<float>>>
std::vector<Slot<Vector>> slots(State& s) {
    return {{"head.A", Shape::A, s.head.a()},       {"head.B", Shape::B, s.head.bMatrix()},
            {"head.b", Shape::Bias, s.head.bias()}, {"best.A", Shape::A, s.best.a()},
            {"best.B", Shape::B, s.best.bMatrix()}, {"best.b", Shape::Bias, s.best.bias()},
            {"adam.m.A", Shape::A, s.adamMA},       {"adam.v.A", Shape::A, s.adamVA},
            {"adam.m.B", Shape::B, s.adamMB},       {"adam.v.B", Shape::B, s.adamVB},
            {"adam.m.b", Shape::Bias, s.adamMBias}, {"adam.v.b", Shape::Bias, s.adamVBias}};
}

std::vector<int64_t> neOf(Shape shape, int64_t rank, int64_t nEmbd, int64_t nVocab) {
    switch (shape) {
    case Shape::A:
        return {nEmbd, rank};
    case Shape::B:
        return {rank, nVocab};
    case Shape::Bias:
        break;
    }
    return {nVocab};
}

[[noreturn]] void unreadable(const std::string& path, const std::string& why) {
    throw HeadCheckpointError(path + ": not a usable head-training checkpoint (" + why +
                              "); delete it or run train-head with --fresh to start over");
}

} // namespace

void writeHeadCheckpoint(const std::string& path, const HeadCheckpointKey& key,
                         const HeadTrainerState& state) {
    GgufWriter w;
    w.setString("general.type", kType);
    std::vector<std::string> names, values;
    for (const auto& [name, value] : key) {
        names.push_back(name);
        values.push_back(value);
    }
    w.setStringArray(kPrefix + "key.names", names);
    w.setStringArray(kPrefix + "key.values", values);
    w.setU32(kPrefix + "rank", uint32_t(state.head.rank()));
    w.setU64(kPrefix + "step", uint64_t(state.step));
    w.setU64(kPrefix + "rng_state", state.rngState);
    w.setF64(kPrefix + "best_loss", state.bestLoss);
    w.setF64(kPrefix + "held_out_loss", state.heldOutLoss);
    w.setF64(kPrefix + "recent_loss", state.recentLoss);
    w.setU64(kPrefix + "recent_steps", uint64_t(state.recentSteps));
    const HeadTrainingInfo& info = state.head.training();
    w.setF64(kPrefix + "train_loss", info.trainLoss);
    w.setF64(kPrefix + "held_out_loss_before", info.heldOutLossBefore);
    w.setU64(kPrefix + "best_step", uint64_t(info.bestStep));
    const int64_t r = state.head.rank(), d = state.head.nEmbd(), v = state.head.nVocab();
    for (const auto& slot : slots(state))
        w.addTensor(slot.name, GgmlType::F32, neOf(slot.shape, r, d, v), slot.values.data(),
                    slot.values.size() * 4);
    w.write(path);
}

HeadTrainerState readHeadCheckpoint(const std::string& path, const HeadCheckpointKey& key,
                                    const HeadAdapterBase& base) {
    std::unique_ptr<GgufFile> f;
    try {
        f = GgufFile::open(path);
    } catch (const GgufError& e) {
        unreadable(path, e.what());
    }
    try {
        if (f->getString("general.type", "") != kType)
            unreadable(path, "general.type is not '" + std::string(kType) + "'");
        const std::vector<std::string_view> names = f->getStringArray(kPrefix + "key.names");
        const std::vector<std::string_view> values = f->getStringArray(kPrefix + "key.values");
        if (names.size() != values.size())
            unreadable(path, "its key has " + std::to_string(names.size()) + " names but " +
                                 std::to_string(values.size()) + " values");
        // Every difference, in this run's order, then anything only the checkpoint has.
        std::string differs;
        auto note = [&](const std::string& what) {
            differs += (differs.empty() ? "" : "; ") + what;
        };
        for (const auto& [name, mine] : key) {
            size_t i = 0;
            while (i < names.size() && names[i] != name) ++i;
            if (i == names.size())
                note(name + " not recorded (checkpoint) vs " + mine + " (this run)");
            else if (values[i] != mine)
                note(name + " " + std::string(values[i]) + " (checkpoint) vs " + mine +
                     " (this run)");
        }
        for (size_t i = 0; i < names.size(); ++i) {
            bool known = false;
            for (const auto& kv : key) known = known || kv.first == names[i];
            if (!known)
                note(std::string(names[i]) + " " + std::string(values[i]) +
                     " (checkpoint) vs not used (this run)");
        }
        if (!differs.empty())
            throw HeadCheckpointError(
                path + " is the checkpoint of a different training run: " + differs +
                ". Run train-head with the checkpoint's options to resume it, or pass --fresh "
                "to start over (the checkpoint is then overwritten)");

        const int64_t rank = f->getInt(kPrefix + "rank");
        if (rank < 1 || rank > base.nEmbd)
            unreadable(path, "rank " + std::to_string(rank) + " is out of range");
        HeadTrainerState s;
        s.head = HeadAdapter(base, int(rank));
        s.best = HeadAdapter(base, int(rank));
        s.step = int(f->getInt(kPrefix + "step"));
        s.rngState = f->getUInt(kPrefix + "rng_state");
        s.bestLoss = f->getFloat(kPrefix + "best_loss");
        s.heldOutLoss = f->getFloat(kPrefix + "held_out_loss");
        s.recentLoss = f->getFloat(kPrefix + "recent_loss");
        s.recentSteps = int(f->getInt(kPrefix + "recent_steps"));
        HeadTrainingInfo& info = s.head.training();
        info.trainLoss = f->getFloat(kPrefix + "train_loss");
        info.heldOutLossBefore = f->getFloat(kPrefix + "held_out_loss_before");
        info.bestStep = f->getInt(kPrefix + "best_step");
        if (s.step < 0 || s.recentSteps < 0 || s.recentSteps > s.step || info.bestStep > s.step)
            unreadable(path, "its step counters are inconsistent");

        for (const auto& slot : slots(s)) {
            const std::vector<int64_t> ne = neOf(slot.shape, rank, base.nEmbd, base.nVocab);
            const GgufTensorInfo* t = f->findTensor(slot.name);
            if (!t) unreadable(path, std::string("tensor '") + slot.name + "' is missing");
            int64_t count = 1;
            for (int64_t n : ne) count *= n;
            bool shapeOk = t->type == GgmlType::F32 && t->elementCount() == count &&
                           t->nbytes == uint64_t(count) * 4;
            for (size_t i = 0; i < ne.size(); ++i) shapeOk = shapeOk && t->ne[i] == ne[i];
            if (!shapeOk)
                unreadable(path, std::string("tensor '") + slot.name +
                                     "' does not have the F32 shape of this model and rank");
            slot.values.resize(size_t(count));
            std::memcpy(slot.values.data(), t->data, size_t(count) * 4);
            for (float x : slot.values)
                if (!std::isfinite(x))
                    unreadable(path,
                               std::string("tensor '") + slot.name + "' holds a non-finite value");
        }
        return s;
    } catch (const GgufError& e) {
        unreadable(path, e.what());
    }
}

} // namespace fabulist::inference
