#include "storage/schema_v1.h"

#include "storage/database.h"

namespace fabulist::storage {

namespace {

// Enumerations are stored as words ('scene', 'accepted') so that the file explains itself
// when opened with the sqlite3 shell. Times are ms since the Unix epoch (UTC).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE project_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE binder_node (
  id          INTEGER PRIMARY KEY,
  parent_id   INTEGER REFERENCES binder_node(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL
              CHECK (kind IN ('folder','chapter','scene','note','character','place')),
  title       TEXT NOT NULL DEFAULT '',
  position    INTEGER NOT NULL,
  trashed     INTEGER NOT NULL DEFAULT 0 CHECK (trashed IN (0, 1)),
  trashed_at  INTEGER,
  created_at  INTEGER NOT NULL,
  modified_at INTEGER NOT NULL
);
CREATE INDEX binder_node_by_parent ON binder_node(parent_id, position);

-- One row per binder node: its current text.
CREATE TABLE document (
  node_id     INTEGER PRIMARY KEY REFERENCES binder_node(id) ON DELETE CASCADE,
  text        TEXT NOT NULL DEFAULT '',
  word_count  INTEGER NOT NULL DEFAULT 0,
  modified_at INTEGER NOT NULL
);

-- External-content index over document.text: the text is stored once, in document.
CREATE VIRTUAL TABLE document_fts USING fts5(
  text, content='document', content_rowid='node_id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER document_fts_insert AFTER INSERT ON document BEGIN
  INSERT INTO document_fts(rowid, text) VALUES (new.node_id, new.text);
END;
CREATE TRIGGER document_fts_delete AFTER DELETE ON document BEGIN
  INSERT INTO document_fts(document_fts, rowid, text) VALUES ('delete', old.node_id, old.text);
END;
CREATE TRIGGER document_fts_update AFTER UPDATE OF text ON document BEGIN
  INSERT INTO document_fts(document_fts, rowid, text) VALUES ('delete', old.node_id, old.text);
  INSERT INTO document_fts(rowid, text) VALUES (new.node_id, new.text);
END;

CREATE TABLE revision (
  id          INTEGER PRIMARY KEY,
  node_id     INTEGER NOT NULL REFERENCES binder_node(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('autosave', 'named')),
  name        TEXT NOT NULL DEFAULT '',
  text        TEXT NOT NULL,
  word_count  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX revision_by_node ON revision(node_id, created_at);

CREATE TABLE generation (
  id                    INTEGER PRIMARY KEY,
  task                  TEXT NOT NULL,
  document_id           INTEGER REFERENCES binder_node(id) ON DELETE SET NULL,
  context_start         INTEGER NOT NULL DEFAULT 0,
  context_end           INTEGER NOT NULL DEFAULT 0,
  model_id              TEXT NOT NULL DEFAULT '',
  model_sha256          TEXT NOT NULL DEFAULT '',
  adapter_id            TEXT NOT NULL DEFAULT '',
  mix_alpha             REAL NOT NULL DEFAULT 0,
  temperature           REAL NOT NULL,
  top_k                 INTEGER NOT NULL,
  top_p                 REAL NOT NULL,
  min_p                 REAL NOT NULL,
  typical_p             REAL NOT NULL,
  repeat_penalty        REAL NOT NULL,
  repeat_last_n         INTEGER NOT NULL,
  frequency_penalty     REAL NOT NULL,
  presence_penalty      REAL NOT NULL,
  dry_multiplier        REAL NOT NULL,
  dry_base              REAL NOT NULL,
  dry_allowed_length    INTEGER NOT NULL,
  dry_penalty_last_n    INTEGER NOT NULL,
  dry_sequence_breakers TEXT NOT NULL DEFAULT '', -- breakers joined by U+001F (unit separator)
  xtc_probability       REAL NOT NULL,
  xtc_threshold         REAL NOT NULL,
  mirostat              INTEGER NOT NULL,
  mirostat_tau          REAL NOT NULL,
  mirostat_eta          REAL NOT NULL,
  seed                  INTEGER NOT NULL, -- the uint64 seed's bits as a signed integer
  experts_per_token     INTEGER NOT NULL DEFAULT 0,
  prompt                TEXT NOT NULL DEFAULT '',
  output                TEXT NOT NULL DEFAULT '',
  edited_output         TEXT NOT NULL DEFAULT '',
  prompt_tokens         INTEGER NOT NULL DEFAULT 0,
  generated_tokens      INTEGER NOT NULL DEFAULT 0,
  prompt_ms             REAL NOT NULL DEFAULT 0,
  generation_ms         REAL NOT NULL DEFAULT 0,
  status                TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending','accepted','rejected','edited')),
  parent_id             INTEGER REFERENCES generation(id) ON DELETE SET NULL,
  created_at            INTEGER NOT NULL
);
CREATE INDEX generation_by_document ON generation(document_id, created_at);
CREATE INDEX generation_by_parent ON generation(parent_id);

CREATE VIRTUAL TABLE generation_fts USING fts5(
  prompt, output, edited_output, content='generation', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER generation_fts_insert AFTER INSERT ON generation BEGIN
  INSERT INTO generation_fts(rowid, prompt, output, edited_output)
    VALUES (new.id, new.prompt, new.output, new.edited_output);
END;
CREATE TRIGGER generation_fts_delete AFTER DELETE ON generation BEGIN
  INSERT INTO generation_fts(generation_fts, rowid, prompt, output, edited_output)
    VALUES ('delete', old.id, old.prompt, old.output, old.edited_output);
END;
CREATE TRIGGER generation_fts_update AFTER UPDATE OF prompt, output, edited_output ON generation
BEGIN
  INSERT INTO generation_fts(generation_fts, rowid, prompt, output, edited_output)
    VALUES ('delete', old.id, old.prompt, old.output, old.edited_output);
  INSERT INTO generation_fts(rowid, prompt, output, edited_output)
    VALUES (new.id, new.prompt, new.output, new.edited_output);
END;

CREATE TABLE board (
  id         INTEGER PRIMARY KEY,
  title      TEXT NOT NULL DEFAULT '',
  position   INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE card (
  id            INTEGER PRIMARY KEY,
  board_id      INTEGER NOT NULL REFERENCES board(id) ON DELETE CASCADE,
  title         TEXT NOT NULL DEFAULT '',
  text          TEXT NOT NULL DEFAULT '',
  color         INTEGER NOT NULL DEFAULT 16115368 CHECK (color BETWEEN 0 AND 16777215),
  x             REAL NOT NULL DEFAULT 0,
  y             REAL NOT NULL DEFAULT 0,
  document_id   INTEGER REFERENCES binder_node(id) ON DELETE SET NULL,
  generation_id INTEGER REFERENCES generation(id) ON DELETE SET NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX card_by_board ON card(board_id);
CREATE INDEX card_by_document ON card(document_id);
CREATE INDEX card_by_generation ON card(generation_id);
)sql";

} // namespace

void applySchemaV1(Database& db) {
    db.exec(kSchemaV1);
}

} // namespace fabulist::storage
