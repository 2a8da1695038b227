-- Foundation: scopes, users and grants, sessions and tokens, evidence, ledger.
-- Times are Unix microseconds (UTC) in both dialects.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE scopes (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES scopes(id),
    kind       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    path       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX scopes_parent_name ON scopes (COALESCE(parent_id, 0), name);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    home_scope_id INTEGER NOT NULL REFERENCES scopes(id),
    password_hash TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL
);

CREATE TABLE grants (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT    NOT NULL,
    scope_id   INTEGER NOT NULL REFERENCES scopes(id),
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, role, scope_id)
);
CREATE INDEX grants_scope ON grants (scope_id);

CREATE TABLE sessions (
    secret_hash  BLOB    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    secret_hash  BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE token_grants (
    token_id INTEGER NOT NULL REFERENCES tokens(id),
    role     TEXT    NOT NULL,
    scope_id INTEGER NOT NULL REFERENCES scopes(id),
    PRIMARY KEY (token_id, role, scope_id)
);

CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

CREATE TABLE evidence_blobs (
    digest     TEXT    PRIMARY KEY,
    size       INTEGER NOT NULL,
    content    BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE evidence (
    id         INTEGER PRIMARY KEY,
    digest     TEXT    NOT NULL REFERENCES evidence_blobs(digest),
    scope_id   INTEGER NOT NULL REFERENCES scopes(id),
    name       TEXT    NOT NULL,
    media_type TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL
);
CREATE INDEX evidence_digest ON evidence (digest);

-- The ledger: one row of head state, the leaves, and the stored hashes of
-- the Merkle tree in golang.org/x/mod/sumdb/tlog's index layout.
CREATE TABLE ledger_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
);
INSERT INTO ledger_head (id, size) VALUES (1, 0);

CREATE TABLE ledger_events (
    idx     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    scope   TEXT    NOT NULL,
    leaf    BLOB    NOT NULL
);
CREATE INDEX ledger_events_kind    ON ledger_events (kind, idx);
CREATE INDEX ledger_events_subject ON ledger_events (subject, idx);
CREATE INDEX ledger_events_actor   ON ledger_events (actor, idx);
CREATE INDEX ledger_events_scope   ON ledger_events (scope, idx);
CREATE INDEX ledger_events_at      ON ledger_events (at);

CREATE TABLE ledger_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB    NOT NULL
);

CREATE TABLE ledger_checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB    NOT NULL,
    note       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
