#pragma once
// Version 5 of the project schema: which engine wrote a generation, and how a failed one ended.
//   generation - gains engine (a remote server's base URL; '' = this machine's engine),
//                engine_settings (the sampler settings that server honours, space-separated)
//                and failure (why the request failed, its text so far kept; '' = it did not)
// Applied by the migration runner only; older files are upgraded on open (after a backup).

namespace fabulist::storage {

class Database;

void applySchemaV5(Database& db);

} // namespace fabulist::storage
