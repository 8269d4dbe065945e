#include "storage/schema_v5.h"

#include "storage/database.h"

namespace fabulist::storage {

void applySchemaV5(Database& db) {
    db.exec("ALTER TABLE generation ADD COLUMN engine TEXT NOT NULL DEFAULT ''");
    db.exec("ALTER TABLE generation ADD COLUMN engine_settings TEXT NOT NULL DEFAULT ''");
    db.exec("ALTER TABLE generation ADD COLUMN failure TEXT NOT NULL DEFAULT ''");
}

} // namespace fabulist::storage
