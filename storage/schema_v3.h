#pragma once
// Version 3 of the project schema: generations record where the writer moved the
// coherence <-> diversity slider while the text streamed (alpha_changes), so the text can be
// reproduced. Applied by the migration runner only; older files are upgraded on open (after a
// backup).

namespace fabulist::storage {

class Database;

void applySchemaV3(Database& db);

} // namespace fabulist::storage
