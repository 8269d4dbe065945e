#pragma once
// Schema migrations: an ordered list of steps, each bringing the schema from version N-1 to N
// (PRAGMA user_version). The runner applies every step above the file's version, each in its
// own transaction together with the user_version bump, so a crash leaves the file at a whole
// version. Tests pass their own list (with an extra v2 step) to exercise the upgrade path.

#include <functional>
#include <span>

namespace fabulist::storage {

class Database;

struct MigrationStep {
    int toVersion;           // the user_version after this step; steps are 1, 2, 3, ...
    const char* description; // one line, for logs
    std::function<void(Database&)> apply;
};

// The steps of this build of Fabulist (v1: the initial schema; v2: generation.stop_reason).
std::span<const MigrationStep> builtinMigrations();
// The highest toVersion in builtinMigrations(): files above it are NewerSchema.
int latestSchemaVersion();

// Applies steps with toVersion > the file's user_version, in order. Returns the final version.
// Throws StorageError(NewerSchema) when the file is above the last step, InvalidArgument when
// the steps are not numbered 1, 2, 3, ...
int runMigrations(Database& db, std::span<const MigrationStep> steps);

} // namespace fabulist::storage
