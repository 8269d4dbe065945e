#pragma once
// Version 1 of the project schema (the initial one). Applied by the migration runner only.

namespace fabulist::storage {

class Database;

void applySchemaV1(Database& db);

} // namespace fabulist::storage
