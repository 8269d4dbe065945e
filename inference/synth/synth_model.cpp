#include "inference/synth/synth_model.h"

#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"
#include "inference/synth/synth_random.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace fabulist::inference {

namespace {

constexpr uint64_t kAlignment = 32;

uint64_t alignUp(uint64_t v) {
    return (v + kAlignment - 1) / kAlignment * kAlignment;
}

// Sequential GGUF v3 output with a running byte count.
class GgufStream {
public:
    explicit GgufStream(const std::string& path) : m_path(path) {
        m_file = std::fopen(path.c_str(), "wb");
        if (!m_file)
            throw SynthError("cannot create '" + path + "': " + std::strerror(errno) +
                             " (check the directory exists and is writable)");
    }
    ~GgufStream() {
        if (m_file) std::fclose(m_file);
    }
    void bytes(const void* p, size_t n) {
        if (n && std::fwrite(p, 1, n, m_file) != n)
            throw SynthError("cannot write '" + m_path + "': " + std::strerror(errno) +
                             " (is the disk full?)");
        m_written += n;
    }
    template <typename T> void pod(T v) { bytes(&v, sizeof v); }
    void str(std::string_view s) {
        pod<uint64_t>(s.size());
        bytes(s.data(), s.size());
    }
    void padTo(uint64_t alignedSize) {
        static const char zeros[kAlignment] = {};
        while (m_written < alignedSize)
            bytes(zeros, std::min<uint64_t>(kAlignment, alignedSize - m_written));
    }
    uint64_t written() const { return m_written; }
    void close() {
        if (std::fclose(m_file) != 0) {
            m_file = nullptr;
            throw SynthError("cannot finish writing '" + m_path + "' (is the disk full?)");
        }
        m_file = nullptr;
    }

private:
    std::string m_path;
    std::FILE* m_file = nullptr;
    uint64_t m_written = 0;
};

// One KV pair, encoded once so it can be counted before the header is written.
struct KvBlob {
    std::string bytes;
};

class KvEncoder {
public:
    template <typename T> void pod(T v) {
        m_out.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void str(std::string_view s) {
        pod<uint64_t>(s.size());
        m_out.append(s.data(), s.size());
    }
    void key(std::string_view k, GgufValueType type) {
        str(k);
        pod<uint32_t>(static_cast<uint32_t>(type));
        ++m_count;
    }
    void u32(std::string_view k, uint32_t v) { key(k, GgufValueType::U32), pod(v); }
    void f32(std::string_view k, float v) { key(k, GgufValueType::F32), pod(v); }
    void string(std::string_view k, std::string_view v) { key(k, GgufValueType::String), str(v); }
    void boolean(std::string_view k, bool v) {
        key(k, GgufValueType::Bool), pod<uint8_t>(v ? 1 : 0);
    }

    // Copies one KV from another GGUF, keeping its type.
    void copy(const GgufFile& src, const std::string& k) {
        const GgufValueType type = *src.typeOf(k);
        if (type == GgufValueType::Array) {
            const GgufValueType elem = src.arrayElementType(k);
            key(k, GgufValueType::Array);
            pod<uint32_t>(static_cast<uint32_t>(elem));
            pod<uint64_t>(src.arrayLength(k));
            switch (elem) {
            case GgufValueType::String:
                for (std::string_view s : src.getStringArray(k)) str(s);
                break;
            case GgufValueType::F32:
                for (float v : src.getFloatArray(k)) pod(v);
                break;
            case GgufValueType::F64:
                for (float v : src.getFloatArray(k)) pod(static_cast<double>(v));
                break;
            default:
                for (int64_t v : src.getIntArray(k)) scalarInt(elem, v);
            }
            return;
        }
        key(k, type);
        switch (type) {
        case GgufValueType::String:
            str(src.getString(k));
            break;
        case GgufValueType::F32:
            pod(static_cast<float>(src.getFloat(k)));
            break;
        case GgufValueType::F64:
            pod(src.getFloat(k));
            break;
        case GgufValueType::Bool:
            pod<uint8_t>(src.getBool(k) ? 1 : 0);
            break;
        case GgufValueType::U64:
            pod<uint64_t>(src.getUInt(k));
            break;
        default:
            scalarInt(type, src.getInt(k));
        }
    }

    const std::string& bytes() const { return m_out; }
    uint64_t count() const { return m_count; }

private:
    void scalarInt(GgufValueType type, int64_t v) {
        switch (type) {
        case GgufValueType::U8:
            pod(static_cast<uint8_t>(v));
            break;
        case GgufValueType::I8:
            pod(static_cast<int8_t>(v));
            break;
        case GgufValueType::U16:
            pod(static_cast<uint16_t>(v));
            break;
        case GgufValueType::I16:
            pod(static_cast<int16_t>(v));
            break;
        case GgufValueType::U32:
            pod(static_cast<uint32_t>(v));
            break;
        case GgufValueType::I32:
            pod(static_cast<int32_t>(v));
            break;
        case GgufValueType::U64:
            pod(static_cast<uint64_t>(v));
            break;
        case GgufValueType::I64:
            pod(static_cast<int64_t>(v));
            break;
        default:
            throw SynthError("synth: unexpected KV value type");
        }
    }

    std::string m_out;
    uint64_t m_count = 0;
};

// Key/value sizes per head: MLA's latent sizes, or decoupled heads, or the RoPE width alone.
void encodeHeadKvs(KvEncoder& kv, const SynthShape& s, const std::string& a) {
    const SynthShape::Mla& m = s.mla;
    if (m.kvLoraRank > 0) {
        kv.u32(a + "attention.q_lora_rank", uint32_t(m.qLoraRank));
        kv.u32(a + "attention.kv_lora_rank", uint32_t(m.kvLoraRank));
        // As convert_hf_to_gguf.py writes MLA: the cache's sizes, then the per-head ones.
        kv.u32(a + "attention.key_length", uint32_t(m.kvLoraRank + m.rope));
        kv.u32(a + "attention.value_length", uint32_t(m.kvLoraRank));
        kv.u32(a + "attention.key_length_mla", uint32_t(m.nope + m.rope));
        kv.u32(a + "attention.value_length_mla", uint32_t(m.value));
        kv.u32(a + "rope.dimension_count", uint32_t(s.ropeDim));
        return;
    }
    if (s.writeKeyLength) {
        kv.u32(a + "attention.key_length", uint32_t(s.headDim));
        kv.u32(a + "attention.value_length", uint32_t(s.headDim));
        if (s.ropeDim > 0) kv.u32(a + "rope.dimension_count", uint32_t(s.ropeDim));
    } else {
        kv.u32(a + "rope.dimension_count", uint32_t(s.ropeDim ? s.ropeDim : s.headDim));
    }
}

void encodeExpertKvs(KvEncoder& kv, const SynthShape& s, const std::string& a) {
    kv.u32(a + "expert_count", uint32_t(s.nExpert));
    kv.u32(a + "expert_used_count", uint32_t(s.nExpertUsed));
    // llama (Mixtral layout) sizes experts by feed_forward_length alone; the others also
    // read expert_feed_forward_length.
    if (s.architecture != "llama") kv.u32(a + "expert_feed_forward_length", uint32_t(s.nFf));
    if (s.nExpertShared > 0) kv.u32(a + "expert_shared_count", uint32_t(s.nExpertShared));
    if (s.leadingDense > 0) kv.u32(a + "leading_dense_block_count", uint32_t(s.leadingDense));
    if (s.expertWeightsScale > 0.0f) {
        kv.f32(a + "expert_weights_scale", s.expertWeightsScale);
        kv.boolean(a + "expert_weights_norm", s.expertWeightsNorm);
    }
    if (s.gatingFunc > 0) kv.u32(a + "expert_gating_func", uint32_t(s.gatingFunc));
    if (s.architecture == "glm4moe") kv.u32(a + "nextn_predict_layers", 0); // no MTP layer
}

void encodeRopeScalingKvs(KvEncoder& kv, const SynthShape& s, const std::string& a) {
    if (s.yarnFactor > 0.0f) {
        kv.string(a + "rope.scaling.type", "yarn");
        kv.f32(a + "rope.scaling.factor", s.yarnFactor);
        kv.u32(a + "rope.scaling.original_context_length", uint32_t(s.yarnOriginalContext));
        if (s.yarnLogMultiplier > 0.0f)
            kv.f32(a + "rope.scaling.yarn_log_multiplier", s.yarnLogMultiplier);
    } else if (s.linearRopeFactor > 0.0f) {
        kv.string(a + "rope.scaling.type", "linear");
        kv.f32(a + "rope.scaling.factor", s.linearRopeFactor);
    }
}

void encodeModelKvs(KvEncoder& kv, const SynthShape& s, const SynthOptions& o, int64_t nVocab,
                    const GgufFile& vocab) {
    const std::string a = s.architecture + ".";
    kv.string("general.architecture", s.architecture);
    kv.string("general.name", s.name);
    kv.string("general.description", "random weights (seed " + std::to_string(o.seed) +
                                         "), made by fabulist-cli synth; not a trained model");
    kv.u32("general.file_type", llamaFileTypeId(o.fileType));
    if (isQuantized(o.fileType)) kv.u32("general.quantization_version", 2);
    kv.u32(a + "context_length", uint32_t(s.contextLength));
    kv.u32(a + "embedding_length", uint32_t(s.nEmbd));
    kv.u32(a + "block_count", uint32_t(s.nLayer));
    const int ffLength = s.nFfDense ? s.nFfDense : s.kvFeedForwardLength ? s.kvFeedForwardLength : s.nFf;
    kv.u32(a + "feed_forward_length", uint32_t(ffLength));
    kv.u32(a + "attention.head_count", uint32_t(s.nHead));
    kv.u32(a + "attention.head_count_kv", uint32_t(s.nHeadKv));
    kv.f32(a + "rope.freq_base", s.ropeFreqBase);
    kv.f32(a + "attention.layer_norm_rms_epsilon", s.rmsEps);
    kv.u32(a + "vocab_size", uint32_t(nVocab));
    encodeHeadKvs(kv, s, a);
    if (s.isMoe()) encodeExpertKvs(kv, s, a);
    encodeRopeScalingKvs(kv, s, a);
    if (s.slidingWindow > 0) kv.u32(a + "attention.sliding_window", uint32_t(s.slidingWindow));
    if (s.granite.embedding > 0.0f) {
        kv.f32(a + "embedding_scale", s.granite.embedding);
        kv.f32(a + "residual_scale", s.granite.residual);
        kv.f32(a + "attention.scale", s.granite.attention);
        kv.f32(a + "logit_scale", s.granite.logit);
    }
    for (const std::string& k : vocab.keys())
        if (k.rfind("tokenizer.", 0) == 0) kv.copy(vocab, k);
}

// Fills rows [begin, end) of tensor t in its file type; `out` holds (end - begin) rows.
void generateRows(const SynthTensor& t, uint64_t seed, int64_t begin, int64_t end, uint8_t* out,
                  std::vector<float>& scratch) {
    const int64_t n = t.ne[0];
    const size_t rowBytes = ggmlRowBytes(t.type, n);
    scratch.resize(static_cast<size_t>(n));
    for (int64_t r = begin; r < end; ++r) {
        NormalStream rng = NormalStream::forRow(seed, t.name, r);
        rng.fill(scratch.data(), n, t.centre, t.std);
        uint8_t* dst = out + static_cast<size_t>(r - begin) * rowBytes;
        if (t.type == GgmlType::F32)
            std::memcpy(dst, scratch.data(), rowBytes);
        else
            quantizeRow(t.type, scratch.data(), dst, n);
    }
}

} // namespace

SynthSummary writeSynthModel(const SynthOptions& o) {
    const SynthShape* shape = findSynthShape(o.shapeName);
    if (!shape) {
        std::string names;
        for (const SynthShape& s : synthShapes()) names += (names.empty() ? "" : ", ") + s.name;
        throw SynthError("unknown shape '" + o.shapeName + "' (known: " + names + ")");
    }
    std::unique_ptr<GgufFile> vocab = GgufFile::open(o.vocabFrom);
    if (!vocab->has("tokenizer.ggml.tokens") || !vocab->has("tokenizer.ggml.model"))
        throw SynthError("'" + o.vocabFrom +
                         "' has no tokenizer (tokenizer.ggml.tokens / tokenizer.ggml.model): "
                         "pass a GGUF model that has one to --vocab-from");
    const int64_t nVocab = static_cast<int64_t>(vocab->arrayLength("tokenizer.ggml.tokens"));
    const std::vector<SynthTensor> plan = planSynthTensors(*shape, nVocab, o.fileType);

    KvEncoder kv;
    encodeModelKvs(kv, *shape, o, nVocab, *vocab);

    // Tensor infos with their (aligned) offsets in the data section.
    std::vector<uint64_t> offsets;
    uint64_t dataBytes = 0;
    SynthSummary summary;
    for (const SynthTensor& t : plan) {
        offsets.push_back(dataBytes);
        dataBytes = alignUp(dataBytes + ggmlRowBytes(t.type, t.ne[0]) *
                                            static_cast<uint64_t>(t.ne[1] * t.ne[2] * t.ne[3]));
        summary.parameters += t.elementCount();
    }

    // Write to a temporary name and rename at the end, so a failed or cancelled run never
    // leaves a truncated file under the requested name.
    const std::string partial = o.outputPath + ".partial";
    GgufStream out(partial);
    try {
        out.bytes("GGUF", 4);
        out.pod<uint32_t>(3);
        out.pod<uint64_t>(plan.size());
        out.pod<uint64_t>(kv.count());
        out.bytes(kv.bytes().data(), kv.bytes().size());
        for (size_t i = 0; i < plan.size(); ++i) {
            const SynthTensor& t = plan[i];
            out.str(t.name);
            out.pod<uint32_t>(t.nDims);
            for (uint32_t d = 0; d < t.nDims; ++d) out.pod<uint64_t>(uint64_t(t.ne[d]));
            out.pod<uint32_t>(static_cast<uint32_t>(t.type));
            out.pod<uint64_t>(offsets[i]);
        }
        out.padTo(alignUp(out.written()));
        const uint64_t dataStart = out.written();
        const uint64_t total = dataStart + dataBytes;

        const int threads = std::max(1, o.threads);
        std::vector<std::vector<float>> scratch(static_cast<size_t>(threads));
        std::vector<uint8_t> chunk;
        for (size_t i = 0; i < plan.size(); ++i) {
            const SynthTensor& t = plan[i];
            out.padTo(dataStart + offsets[i]);
            const int64_t rows = t.ne[1] * t.ne[2] * t.ne[3];
            const size_t rowBytes = ggmlRowBytes(t.type, t.ne[0]);
            // About 16 MiB per chunk, split across the threads.
            const int64_t chunkRows = std::max<int64_t>(
                1, static_cast<int64_t>((16u << 20) / std::max<size_t>(rowBytes, 1)));
            chunk.resize(static_cast<size_t>(std::min(rows, chunkRows)) * rowBytes);
            for (int64_t begin = 0; begin < rows; begin += chunkRows) {
                const int64_t end = std::min(rows, begin + chunkRows);
                const int64_t span = end - begin;
                std::vector<std::thread> pool;
                for (int w = 1; w < threads; ++w) {
                    const int64_t b = begin + span * w / threads,
                                  e = begin + span * (w + 1) / threads;
                    pool.emplace_back([&, w, b, e] {
                        generateRows(t, o.seed, b, e, chunk.data() + size_t(b - begin) * rowBytes,
                                     scratch[size_t(w)]);
                    });
                }
                generateRows(t, o.seed, begin, begin + span / threads, chunk.data(), scratch[0]);
                for (auto& th : pool) th.join();
                out.bytes(chunk.data(), static_cast<size_t>(span) * rowBytes);
                if (o.progress && !o.progress(out.written(), total))
                    throw SynthError("cancelled; '" + o.outputPath + "' was not written");
            }
        }
        out.padTo(total);
        out.close();
    } catch (...) {
        std::remove(partial.c_str());
        throw;
    }
    if (std::rename(partial.c_str(), o.outputPath.c_str()) != 0) {
        std::remove(partial.c_str());
        throw SynthError("cannot rename '" + partial + "' to '" + o.outputPath +
                         "': " + std::strerror(errno));
    }
    summary.fileBytes = 0;
    if (std::FILE* f = std::fopen(o.outputPath.c_str(), "rb")) {
        std::fseek(f, 0, SEEK_END);
        summary.fileBytes = static_cast<uint64_t>(std::ftell(f));
        std::fclose(f);
    }
    summary.vocabSize = nVocab;
    summary.tensorCount = plan.size();
    return summary;
}

} // namespace fabulist::inference
