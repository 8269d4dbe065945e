#include "app/cli/model_file_summary.h"

namespace fabulist::cli {

using fabulist::inference::ggmlTypeTraits;
using fabulist::inference::GgufFile;

ModelFileSummary summarizeModelFile(const GgufFile& f) {
    ModelFileSummary s;
    s.architecture = f.getString("general.architecture", "");
    s.name = f.getString("general.name", "");
    const std::string a = s.architecture + ".";
    auto u = [&](const std::string& key, uint64_t fallback) {
        return static_cast<int64_t>(f.getUInt(a + key, fallback));
    };
    s.nLayer = u("block_count", 0);
    s.nEmbd = u("embedding_length", 0);
    s.nHead = u("attention.head_count", 0);
    s.nHeadKv = u("attention.head_count_kv", static_cast<uint64_t>(s.nHead));
    const int64_t defaultHead = s.nHead > 0 ? s.nEmbd / s.nHead : 0;
    s.headDimK = u("attention.key_length", static_cast<uint64_t>(defaultHead));
    s.headDimV = u("attention.value_length", static_cast<uint64_t>(defaultHead));
    s.nExpert = u("expert_count", 0);
    s.nExpertUsed = u("expert_used_count", 0);
    s.nFf = u("expert_feed_forward_length", 0);
    if (s.nFf == 0) s.nFf = u("feed_forward_length", 0);
    s.contextLength = u("context_length", 0);
    s.fileBytes = f.fileSize();

    s.tokenizerModel = f.getString("tokenizer.ggml.model", "");
    s.tokenizerPre = f.getString("tokenizer.ggml.pre", "");
    if (f.has("tokenizer.ggml.tokens"))
        s.tokenCount = int64_t(f.arrayLength("tokenizer.ggml.tokens"));
    if (f.has("tokenizer.ggml.merges"))
        s.mergeCount = int64_t(f.arrayLength("tokenizer.ggml.merges"));
    if (f.has("tokenizer.ggml.bos_token_id")) s.bosId = f.getInt("tokenizer.ggml.bos_token_id");
    if (f.has("tokenizer.ggml.eos_token_id")) s.eosId = f.getInt("tokenizer.ggml.eos_token_id");
    s.addBos = f.getBool("tokenizer.ggml.add_bos_token", false);
    s.nVocab = u("vocab_size", static_cast<uint64_t>(s.tokenCount));

    const bool tied = f.findTensor("output.weight") == nullptr;
    for (const auto& t : f.tensors()) {
        const auto& traits = ggmlTypeTraits(t.type);
        auto& entry = s.typeCountsAndBytes[std::string(traits.name)];
        entry.first += 1;
        entry.second += t.nbytes;
        s.parameters += t.elementCount();
        s.weightBytes += t.nbytes;
        const bool expert = t.name.find("_exps.") != std::string::npos && s.nExpert > 0;
        if (expert) {
            s.activeParameters += t.elementCount() / s.nExpert * s.nExpertUsed;
            s.activeWeightBytesPerToken += t.nbytes / uint64_t(s.nExpert) * uint64_t(s.nExpertUsed);
        } else {
            s.activeParameters += t.elementCount();
            if (t.name == "token_embd.weight" && !tied && t.ne[1] > 0)
                s.activeWeightBytesPerToken += t.nbytes / uint64_t(t.ne[1]); // one row
            else
                s.activeWeightBytesPerToken += t.nbytes;
        }
    }
    return s;
}

} // namespace fabulist::cli
