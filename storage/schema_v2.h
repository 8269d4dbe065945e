#pragma once
// Version 2 of the project schema: generations record how they ended (stop_reason), so the
// history can tell a stopped generation from one the writer rejected after reading it.
// Applied by the migration runner only; a v1 file is upgraded in place on open (after a backup).

namespace fabulist::storage {

class Database;

void applySchemaV2(Database& db);

} // namespace fabulist::storage
