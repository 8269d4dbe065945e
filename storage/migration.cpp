#include "storage/migration.h"

#include "storage/database.h"
#include "storage/schema_v1.h"
#include "storage/schema_v2.h"
#include "storage/schema_v3.h"
#include "storage/schema_v4.h"
#include "storage/schema_v5.h"
#include "storage/storage_error.h"
#include "storage/transaction.h"

#include <string>

namespace fabulist::storage {

namespace {

const MigrationStep kBuiltinSteps[] = {
    {1, "initial schema: binder, documents, revisions, generations, storyboard, search",
     applySchemaV1},
    {2, "generations record how they ended (stop_reason)", applySchemaV2},
    {3, "generations record where the slider moved while they streamed (alpha_changes)",
     applySchemaV3},
    {4, "the story bible (aliases, model notes, Memory, Author's Note); what generations read",
     applySchemaV4},
    {5, "generations record which engine wrote them (a remote server) and why one failed",
     applySchemaV5},
};

} // namespace

std::span<const MigrationStep> builtinMigrations() {
    return kBuiltinSteps;
}

int latestSchemaVersion() {
    return builtinMigrations().back().toVersion;
}

int runMigrations(Database& db, std::span<const MigrationStep> steps) {
    for (size_t i = 0; i < steps.size(); ++i)
        if (steps[i].toVersion != static_cast<int>(i) + 1 || !steps[i].apply)
            throw StorageError(StorageError::Kind::InvalidArgument,
                               "Migration steps must be numbered 1, 2, 3, ... (step " +
                                   std::to_string(i) + " is not)");
    const int last = steps.empty() ? 0 : steps.back().toVersion;
    int version = static_cast<int>(db.queryInt64("PRAGMA user_version"));
    if (version > last)
        throw StorageError(StorageError::Kind::NewerSchema,
                           "'" + db.path() + "' was saved by a newer version of Fabulist (schema " +
                               std::to_string(version) + ", this version knows up to " +
                               std::to_string(last) + "). Update Fabulist to open it.",
                           db.path());
    for (const MigrationStep& step : steps) {
        if (step.toVersion <= version) continue;
        // The step and its version bump commit together: a crash leaves a whole version.
        Transaction transaction(db);
        step.apply(db);
        db.exec("PRAGMA user_version = " + std::to_string(step.toVersion));
        transaction.commit();
        version = step.toVersion;
    }
    return version;
}

} // namespace fabulist::storage
