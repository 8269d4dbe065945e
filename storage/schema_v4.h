#pragma once
// Version 4 of the project schema: the story bible and what generations read.
//   bible_entry  - for a character or place: its aliases and what the model should know
//   story_note   - the project's Memory (always in the prompt) and Author's Note
//   generation   - gains instruction, bible_entries (the node ids it read) and prompt_parts
// Aliases, notes and the Memory / Author's Note are in the full-text index. Applied by the
// migration runner only; older files are upgraded on open (after a backup).

namespace fabulist::storage {

class Database;

void applySchemaV4(Database& db);

} // namespace fabulist::storage
