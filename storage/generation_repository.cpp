#include "storage/generation_repository.h"

#include "storage/database.h"
#include "storage/enum_names.h"
#include "storage/revision_repository.h"
#include "storage/statement.h"
#include "storage/storage_error.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace fabulist::storage {

namespace {

constexpr const char* kStatusNames[] = {"pending", "accepted", "rejected", "edited"};
// Index = GenerationStop; the schema's CHECK on generation.stop_reason lists the same names.
constexpr const char* kStopNames[] = {"", "end_of_text", "length", "stopped", "context_full"};
constexpr char kBreakerSeparator = '\x1f'; // ASCII unit separator: never inside a breaker

constexpr const char* kColumns =
    "id, task, document_id, context_start, context_end, model_id, model_sha256, adapter_id, "
    "mix_alpha, temperature, top_k, top_p, min_p, typical_p, repeat_penalty, repeat_last_n, "
    "frequency_penalty, presence_penalty, dry_multiplier, dry_base, dry_allowed_length, "
    "dry_penalty_last_n, dry_sequence_breakers, xtc_probability, xtc_threshold, mirostat, "
    "mirostat_tau, mirostat_eta, seed, experts_per_token, prompt, output, edited_output, "
    "prompt_tokens, generated_tokens, prompt_ms, generation_ms, status, stop_reason, parent_id, "
    "created_at, alpha_changes, instruction, bible_entries, prompt_parts, engine, "
    "engine_settings, failure";
constexpr int kColumnCount = 48;

std::string joinBreakers(const std::vector<std::string>& breakers) {
    std::string joined;
    for (size_t i = 0; i < breakers.size(); ++i) {
        if (i) joined += kBreakerSeparator;
        joined += breakers[i];
    }
    return joined;
}

// "12:0.5;30:0.80000001": token index and α, as many digits as a double round-trips.
std::string joinAlphaChanges(const std::vector<Generation::AlphaChange>& changes) {
    std::string joined;
    char number[64];
    for (const Generation::AlphaChange& c : changes) {
        std::snprintf(number, sizeof number, "%lld:%.17g", static_cast<long long>(c.tokenIndex),
                      c.alpha);
        if (!joined.empty()) joined += ';';
        joined += number;
    }
    return joined;
}

// "3,17,20"
std::string joinIds(const std::vector<int64_t>& ids) {
    std::string joined;
    for (int64_t id : ids) {
        if (!joined.empty()) joined += ',';
        joined += std::to_string(id);
    }
    return joined;
}

std::vector<int64_t> splitIds(const std::string& joined) {
    std::vector<int64_t> ids;
    size_t start = 0;
    while (start < joined.size()) {
        const size_t end = std::min(joined.find(',', start), joined.size());
        ids.push_back(std::strtoll(joined.c_str() + start, nullptr, 10));
        start = end + 1;
    }
    return ids;
}

// "memory:0:120;scene:120:900": source names never hold ':' or ';'.
std::string joinParts(const std::vector<Generation::PromptPart>& parts) {
    std::string joined;
    for (const Generation::PromptPart& p : parts) {
        if (!joined.empty()) joined += ';';
        joined += p.source;
        joined += ':' + std::to_string(p.start) + ':' + std::to_string(p.end);
    }
    return joined;
}

std::vector<Generation::PromptPart> splitParts(const std::string& joined) {
    std::vector<Generation::PromptPart> parts;
    size_t start = 0;
    while (start < joined.size()) {
        const size_t end = std::min(joined.find(';', start), joined.size());
        const std::string item = joined.substr(start, end - start);
        const size_t a = item.find(':'), b = item.rfind(':');
        if (a != std::string::npos && b > a)
            parts.push_back({item.substr(0, a), std::strtoll(item.c_str() + a + 1, nullptr, 10),
                             std::strtoll(item.c_str() + b + 1, nullptr, 10)});
        start = end + 1;
    }
    return parts;
}

std::vector<Generation::AlphaChange> splitAlphaChanges(const std::string& joined) {
    std::vector<Generation::AlphaChange> changes;
    size_t start = 0;
    while (start < joined.size()) {
        const size_t end = std::min(joined.find(';', start), joined.size());
        const std::string item = joined.substr(start, end - start);
        const size_t colon = item.find(':');
        if (colon != std::string::npos)
            changes.push_back({std::strtoll(item.c_str(), nullptr, 10),
                               std::strtod(item.c_str() + colon + 1, nullptr)});
        start = end + 1;
    }
    return changes;
}

std::vector<std::string> splitBreakers(const std::string& joined) {
    std::vector<std::string> breakers;
    if (joined.empty()) return breakers;
    size_t start = 0;
    for (;;) {
        const size_t end = joined.find(kBreakerSeparator, start);
        breakers.push_back(joined.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return breakers;
}

Generation readGeneration(const Statement& row) {
    Generation g;
    int c = 0;
    g.id = row.columnInt64(c++);
    g.task = row.columnText(c++);
    g.documentId = row.columnOptionalInt64(c++);
    g.contextStart = row.columnInt64(c++);
    g.contextEnd = row.columnInt64(c++);
    g.modelId = row.columnText(c++);
    g.modelSha256 = row.columnText(c++);
    g.adapterId = row.columnText(c++);
    g.mixAlpha = row.columnDouble(c++);
    SamplerSettings& s = g.sampler;
    // REAL columns hold the engine's floats exactly (float -> double -> float round-trips).
    auto real = [&] { return static_cast<float>(row.columnDouble(c++)); };
    s.temperature = real();
    s.topK = row.columnInt(c++);
    s.topP = real();
    s.minP = real();
    s.typicalP = real();
    s.repeatPenalty = real();
    s.penaltyLastN = row.columnInt(c++);
    s.frequencyPenalty = real();
    s.presencePenalty = real();
    s.dryMultiplier = real();
    s.dryBase = real();
    s.dryAllowedLength = row.columnInt(c++);
    s.dryPenaltyLastN = row.columnInt(c++);
    s.drySequenceBreakers = splitBreakers(row.columnText(c++));
    s.xtcProbability = real();
    s.xtcThreshold = real();
    c += 3; // mirostat, mirostat_tau, mirostat_eta: the engine has no Mirostat stage
    g.seed = static_cast<uint64_t>(row.columnInt64(c++));
    s.seed = static_cast<uint32_t>(g.seed); // see SamplerSettings in the header
    g.expertsPerToken = row.columnInt(c++);
    g.prompt = row.columnText(c++);
    g.output = row.columnText(c++);
    g.editedOutput = row.columnText(c++);
    g.promptTokens = row.columnInt64(c++);
    g.generatedTokens = row.columnInt64(c++);
    g.promptMs = row.columnDouble(c++);
    g.generationMs = row.columnDouble(c++);
    g.status = generationStatusFromString(row.columnText(c++)).value_or(GenerationStatus::Pending);
    g.stopReason = generationStopFromString(row.columnText(c++)).value_or(GenerationStop::Unknown);
    g.parentId = row.columnOptionalInt64(c++);
    g.createdAtMs = row.columnInt64(c++);
    g.alphaChanges = splitAlphaChanges(row.columnText(c++));
    g.instruction = row.columnText(c++);
    g.bibleEntries = splitIds(row.columnText(c++));
    g.promptParts = splitParts(row.columnText(c++));
    g.engine = row.columnText(c++);
    g.engineSettings = row.columnText(c++);
    g.failure = row.columnText(c++);
    return g;
}

std::vector<Generation> readAll(Statement& query) {
    std::vector<Generation> generations;
    while (query.step()) generations.push_back(readGeneration(query));
    return generations;
}

[[noreturn]] void generationNotFound(Database& db, int64_t id) {
    throw StorageError(StorageError::Kind::NotFound,
                       "Project '" + db.path() + "': generation " + std::to_string(id) +
                           " does not exist (it may have been deleted).",
                       db.path());
}

} // namespace

const char* toString(GenerationStatus status) noexcept {
    return enumName(kStatusNames, status);
}

std::optional<GenerationStatus> generationStatusFromString(std::string_view name) noexcept {
    return enumFromName<GenerationStatus>(kStatusNames, name);
}

const char* toString(GenerationStop stop) noexcept {
    return enumName(kStopNames, stop);
}

std::optional<GenerationStop> generationStopFromString(std::string_view name) noexcept {
    return enumFromName<GenerationStop>(kStopNames, name);
}

int64_t GenerationRepository::record(const Generation& g) {
    std::string sql = std::string("INSERT INTO generation(") + (kColumns + 4) + ") VALUES (?";
    for (int i = 1; i < kColumnCount - 1; ++i) sql += ", ?";
    sql += ")";
    Statement insert(m_db, sql);
    const SamplerSettings& s = g.sampler;
    // Binds the values in column order (index = position in kColumns, without "id").
    int index = 1;
    auto put = [&](const auto& value) { insert.bind(index++, value); };
    put(g.task);
    put(g.documentId);
    put(g.contextStart);
    put(g.contextEnd);
    put(g.modelId);
    put(g.modelSha256);
    put(g.adapterId);
    put(g.mixAlpha);
    put(s.temperature);
    put(s.topK);
    put(s.topP);
    put(s.minP);
    put(s.typicalP);
    put(s.repeatPenalty);
    put(s.penaltyLastN);
    put(s.frequencyPenalty);
    put(s.presencePenalty);
    put(s.dryMultiplier);
    put(s.dryBase);
    put(s.dryAllowedLength);
    put(s.dryPenaltyLastN);
    put(joinBreakers(s.drySequenceBreakers));
    put(s.xtcProbability);
    put(s.xtcThreshold);
    // mirostat, mirostat_tau, mirostat_eta (NOT NULL since v1): off, the engine has no such stage.
    put(0);
    put(0.0);
    put(0.0);
    put(static_cast<int64_t>(g.seed)); // the record of the seed, not sampler.seed
    put(g.expertsPerToken);
    put(g.prompt);
    put(g.output);
    put(g.editedOutput);
    put(g.promptTokens);
    put(g.generatedTokens);
    put(g.promptMs);
    put(g.generationMs);
    put(toString(g.status));
    put(toString(g.stopReason));
    put(g.parentId);
    put(g.createdAtMs ? g.createdAtMs : currentTimeMs());
    put(joinAlphaChanges(g.alphaChanges));
    put(g.instruction);
    put(joinIds(g.bibleEntries));
    put(joinParts(g.promptParts));
    put(g.engine);
    put(g.engineSettings);
    put(g.failure);
    insert.exec();
    return m_db.lastInsertRowId();
}

Generation GenerationRepository::get(int64_t id) const {
    auto found = find(id);
    if (!found) generationNotFound(m_db, id);
    return *found;
}

std::optional<Generation> GenerationRepository::find(int64_t id) const {
    Statement query(m_db, std::string("SELECT ") + kColumns + " FROM generation WHERE id = ?");
    if (!query.bind(1, id).step()) return std::nullopt;
    return readGeneration(query);
}

void GenerationRepository::setStatus(int64_t id, GenerationStatus status) {
    Statement update(m_db, "UPDATE generation SET status = ? WHERE id = ?");
    update.bind(1, toString(status)).bind(2, id).exec();
    if (m_db.changes() == 0) generationNotFound(m_db, id);
}

void GenerationRepository::setEditedOutput(int64_t id, std::string_view editedOutput) {
    Statement update(m_db,
                     "UPDATE generation SET edited_output = ?, status = 'edited' WHERE id = ?");
    update.bind(1, editedOutput).bind(2, id).exec();
    if (m_db.changes() == 0) generationNotFound(m_db, id);
}

void GenerationRepository::remove(int64_t id) {
    Statement erase(m_db, "DELETE FROM generation WHERE id = ?");
    erase.bind(1, id).exec();
    if (m_db.changes() == 0) generationNotFound(m_db, id);
}

std::vector<Generation> GenerationRepository::forDocument(int64_t documentId, int limit) const {
    Statement query(m_db, std::string("SELECT ") + kColumns +
                              " FROM generation WHERE document_id = ? "
                              "ORDER BY created_at DESC, id DESC LIMIT ?");
    query.bind(1, documentId).bind(2, limit);
    return readAll(query);
}

std::vector<Generation> GenerationRepository::children(int64_t parentId) const {
    Statement query(m_db, std::string("SELECT ") + kColumns +
                              " FROM generation WHERE parent_id = ? ORDER BY created_at, id");
    query.bind(1, parentId);
    return readAll(query);
}

std::vector<Generation> GenerationRepository::recent(int limit) const {
    Statement query(m_db, std::string("SELECT ") + kColumns +
                              " FROM generation ORDER BY created_at DESC, id DESC LIMIT ?");
    query.bind(1, limit);
    return readAll(query);
}

} // namespace fabulist::storage
