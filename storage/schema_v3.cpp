#include "storage/schema_v3.h"

#include "storage/database.h"

namespace fabulist::storage {

void applySchemaV3(Database& db) {
    // "index:alpha;index:alpha" (GenerationRepository); '' = α never moved (or not recorded).
    db.exec("ALTER TABLE generation ADD COLUMN alpha_changes TEXT NOT NULL DEFAULT ''");
}

} // namespace fabulist::storage
