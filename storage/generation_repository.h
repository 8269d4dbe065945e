#pragma once
// Generations: every text the model produced for the writer, with everything needed to know
// how it was made and to make it again: task, the context span it was asked about, model and
// adapter identity, the mix alpha, every sampler setting, the seed, prompt, output, token
// counts, timings, what the writer did with it, and the generation it branched from.

#include "inference/sampling/sampler_settings.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

class Database;

enum class GenerationStatus { Pending, Accepted, Rejected, Edited };

const char* toString(GenerationStatus status) noexcept; // "pending", "accepted", ...
std::optional<GenerationStatus> generationStatusFromString(std::string_view name) noexcept;

// How the model stopped. Unknown: not recorded (generations made before schema v2).
enum class GenerationStop { Unknown, EndOfText, Length, Stopped, ContextFull };

const char* toString(GenerationStop stop) noexcept; // "", "end_of_text", "length", ...
std::optional<GenerationStop> generationStopFromString(std::string_view name) noexcept;

// The sampler chain's settings: the engine's own struct, so one set of names and types runs
// from the engine to the database. Its seed has no column of its own: Generation::seed is the
// record (written from it, never from sampler.seed), and a read fills sampler.seed with that
// seed's low 32 bits (the engine's seeds are 32-bit), so a record's settings redo its draw.
using SamplerSettings = inference::SamplerSettings;

struct Generation {
    int64_t id = 0;   // assigned by record()
    std::string task; // "continue", "brainstorm", "rewrite", "describe", ...

    // The context span: a range of a document's text, in UTF-16 code units (QString /
    // QTextCursor positions). Storage keeps them as given and never interprets them.
    std::optional<int64_t> documentId; // nullopt: no document (or it was purged since)
    int64_t contextStart = 0;
    int64_t contextEnd = 0;

    std::string modelId;     // e.g. the model file name or general.name
    std::string modelSha256; // 64 lowercase hex digits of the model file
    std::string adapterId;   // diversity-head adapter; empty: none
    double mixAlpha = 0.0;   // 0..1 (the α the generation started with)
    // Where the writer moved the slider while it streamed: from token `tokenIndex` on (0-based,
    // in the generated tokens) it was sampled at `alpha`. Empty: α stayed mixAlpha throughout.
    struct AlphaChange {
        int64_t tokenIndex = 0;
        double alpha = 0.0;
        bool operator==(const AlphaChange&) const = default;
    };
    std::vector<AlphaChange> alphaChanges;
    SamplerSettings sampler;
    uint64_t seed = 0;
    int expertsPerToken = 0; // MoE models; 0: the model's default

    std::string prompt;
    std::string output;       // what the model produced
    std::string editedOutput; // what the writer kept after editing it (status Edited)
    int64_t promptTokens = 0;
    int64_t generatedTokens = 0;
    double promptMs = 0.0;     // prompt processing time
    double generationMs = 0.0; // token generation time

    GenerationStatus status = GenerationStatus::Pending; // what the writer did with it
    GenerationStop stopReason = GenerationStop::Unknown; // how the model stopped
    std::optional<int64_t> parentId;                     // the generation this one branched from
    int64_t createdAtMs = 0;                             // 0 in record(): now

    // What it read (schema v4; empty in older records): the writer's instruction for the task,
    // the bible entries (binder node ids) its prompt held, and the prompt's parts in order.
    std::string instruction;
    std::vector<int64_t> bibleEntries;
    struct PromptPart {
        std::string source; // "memory", "bible", "authors_note", "scene", "template", ...
        int64_t start = 0;  // UTF-8 bytes of prompt
        int64_t end = 0;
        bool operator==(const PromptPart&) const = default;
    };
    std::vector<PromptPart> promptParts;

    // Which engine wrote it (schema v5; empty in older records and for this machine's engine):
    // a remote server's base URL (modelId is then the model name the server reported), the
    // sampler settings that server honours (space-separated names), and why the request failed
    // (output holds the text streamed until then; empty when it did not fail).
    std::string engine;
    std::string engineSettings;
    std::string failure;
};

class GenerationRepository {
public:
    explicit GenerationRepository(Database& db) : m_db(db) {}

    // Stores a new generation (its id is ignored); returns the new id.
    int64_t record(const Generation& generation);
    Generation get(int64_t id) const; // throws NotFound
    std::optional<Generation> find(int64_t id) const;

    void setStatus(int64_t id, GenerationStatus status);
    // Keeps what the writer made of the output; sets the status to Edited.
    void setEditedOutput(int64_t id, std::string_view editedOutput);
    void remove(int64_t id); // children keep existing, their parentId becomes nullopt

    std::vector<Generation> forDocument(int64_t documentId, int limit = 100) const; // newest first
    std::vector<Generation> children(int64_t parentId) const;                       // oldest first
    std::vector<Generation> recent(int limit = 100) const;                          // newest first

private:
    Database& m_db;
};

} // namespace fabulist::storage
