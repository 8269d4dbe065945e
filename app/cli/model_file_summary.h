#pragma once
// What `info` reports about a GGUF model, computed from the file alone (no weights are touched):
// hyper-parameters, parameter counts (total and active per token), tensor types, tokenizer and
// the memory a session at full context needs.

#include "inference/gguf/gguf_file.h"

#include <cstdint>
#include <map>
#include <string>

namespace fabulist::cli {

struct ModelFileSummary {
    std::string architecture, name;
    int64_t nLayer = 0, nEmbd = 0, nHead = 0, nHeadKv = 0, headDimK = 0, headDimV = 0;
    int64_t nFf = 0, nExpert = 0, nExpertUsed = 0, contextLength = 0, nVocab = 0;
    int64_t parameters = 0;       // every weight
    int64_t activeParameters = 0; // with only nExpertUsed of nExpert experts per layer
    uint64_t weightBytes = 0;
    // Weight bytes one decode step reads: all non-expert matrices except the embedding table
    // (one row), nExpertUsed experts per layer, and the output matrix.
    uint64_t activeWeightBytesPerToken = 0;
    std::map<std::string, std::pair<int64_t, uint64_t>> typeCountsAndBytes;
    std::string tokenizerModel, tokenizerPre;
    int64_t tokenCount = 0, mergeCount = 0;
    int64_t bosId = -1, eosId = -1;
    bool addBos = false;
    uint64_t fileBytes = 0;
};

ModelFileSummary summarizeModelFile(const fabulist::inference::GgufFile& file);

} // namespace fabulist::cli
