#include "storage/schema_v4.h"

#include "storage/database.h"

namespace fabulist::storage {

namespace {

constexpr const char* kSchemaV4 = R"sql(
-- A character's or place's bible fields; its binder node's document stays the writer's notes.
CREATE TABLE bible_entry (
  node_id     INTEGER PRIMARY KEY REFERENCES binder_node(id) ON DELETE CASCADE,
  aliases     TEXT NOT NULL DEFAULT '', -- one alias a line
  model_note  TEXT NOT NULL DEFAULT '', -- "what the model should know"; '' = the document text
  always_in   INTEGER NOT NULL DEFAULT 0 CHECK (always_in IN (0, 1)),
  modified_at INTEGER NOT NULL
);
CREATE VIRTUAL TABLE bible_entry_fts USING fts5(
  aliases, model_note, content='bible_entry', content_rowid='node_id',
  tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER bible_entry_fts_insert AFTER INSERT ON bible_entry BEGIN
  INSERT INTO bible_entry_fts(rowid, aliases, model_note)
    VALUES (new.node_id, new.aliases, new.model_note);
END;
CREATE TRIGGER bible_entry_fts_delete AFTER DELETE ON bible_entry BEGIN
  INSERT INTO bible_entry_fts(bible_entry_fts, rowid, aliases, model_note)
    VALUES ('delete', old.node_id, old.aliases, old.model_note);
END;
CREATE TRIGGER bible_entry_fts_update AFTER UPDATE OF aliases, model_note ON bible_entry BEGIN
  INSERT INTO bible_entry_fts(bible_entry_fts, rowid, aliases, model_note)
    VALUES ('delete', old.node_id, old.aliases, old.model_note);
  INSERT INTO bible_entry_fts(rowid, aliases, model_note)
    VALUES (new.node_id, new.aliases, new.model_note);
END;

-- The project's Memory (always read first) and Author's Note (read near the cursor).
CREATE TABLE story_note (
  kind        TEXT PRIMARY KEY CHECK (kind IN ('memory', 'authors_note')),
  text        TEXT NOT NULL DEFAULT '',
  modified_at INTEGER NOT NULL
);
CREATE VIRTUAL TABLE story_note_fts USING fts5(
  text, content='story_note', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER story_note_fts_insert AFTER INSERT ON story_note BEGIN
  INSERT INTO story_note_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER story_note_fts_delete AFTER DELETE ON story_note BEGIN
  INSERT INTO story_note_fts(story_note_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER story_note_fts_update AFTER UPDATE OF text ON story_note BEGIN
  INSERT INTO story_note_fts(story_note_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  INSERT INTO story_note_fts(rowid, text) VALUES (new.rowid, new.text);
END;

-- What a generation read: the writer's instruction ("more tension"), the bible entries put in
-- its prompt (node ids joined by ','), and the prompt's parts ("source:start:end" in UTF-8
-- bytes of prompt, joined by ';'), so the tree and the token view can say why.
ALTER TABLE generation ADD COLUMN instruction TEXT NOT NULL DEFAULT '';
ALTER TABLE generation ADD COLUMN bible_entries TEXT NOT NULL DEFAULT '';
ALTER TABLE generation ADD COLUMN prompt_parts TEXT NOT NULL DEFAULT '';
)sql";

} // namespace

void applySchemaV4(Database& db) {
    db.exec(kSchemaV4);
}

} // namespace fabulist::storage
