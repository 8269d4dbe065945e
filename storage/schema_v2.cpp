#include "storage/schema_v2.h"

#include "storage/database.h"

namespace fabulist::storage {

void applySchemaV2(Database& db) {
    // ADD COLUMN keeps every existing row (they get '' = not recorded) and needs no table
    // rebuild; SQLite checks the CHECK constraint against the existing rows as it adds it.
    db.exec("ALTER TABLE generation ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '' "
            "CHECK (stop_reason IN ('', 'end_of_text', 'length', 'stopped', 'context_full'))");
}

} // namespace fabulist::storage
