-- Component catalog and certification workflow.

CREATE TABLE components (
    id           INTEGER PRIMARY KEY,
    purl         TEXT    NOT NULL UNIQUE,
    type         TEXT    NOT NULL,
    namespace    TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    search_name  TEXT    NOT NULL, -- lower-case display name, for search
    description  TEXT    NOT NULL DEFAULT '',
    alternatives TEXT    NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL
);
CREATE INDEX components_search_name ON components (search_name);

-- Substring search over names through a trigram index; kept in step by
-- triggers (components are never renamed or deleted, but be safe).
CREATE VIRTUAL TABLE components_fts USING fts5(search_name, content='components', content_rowid='id', tokenize='trigram');
CREATE TRIGGER components_fts_insert AFTER INSERT ON components BEGIN
    INSERT INTO components_fts (rowid, search_name) VALUES (new.id, new.search_name);
END;
CREATE TRIGGER components_fts_update AFTER UPDATE OF search_name ON components BEGIN
    INSERT INTO components_fts (components_fts, rowid, search_name) VALUES ('delete', old.id, old.search_name);
    INSERT INTO components_fts (rowid, search_name) VALUES (new.id, new.search_name);
END;

CREATE TABLE component_versions (
    id                INTEGER PRIMARY KEY,
    component_id      INTEGER NOT NULL REFERENCES components(id),
    version           TEXT    NOT NULL,
    purl              TEXT    NOT NULL UNIQUE,
    license           TEXT    NOT NULL,
    supplier          TEXT    NOT NULL DEFAULT '',
    hashes            TEXT    NOT NULL DEFAULT '[]',
    download_location TEXT    NOT NULL DEFAULT '',
    export_control    TEXT    NOT NULL DEFAULT '',
    personal_data     BOOLEAN NOT NULL DEFAULT FALSE,
    support_ends      INTEGER,
    state             TEXT    NOT NULL,
    certified_until   INTEGER,
    replacement       TEXT    NOT NULL DEFAULT '',
    state_reason      TEXT    NOT NULL DEFAULT '',
    round             INTEGER NOT NULL DEFAULT 1, -- bumped when a rejected version is requested again
    origin            TEXT    NOT NULL DEFAULT '', -- how it entered the catalog: request, or import:<evidence digest>
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX component_versions_component ON component_versions (component_id);
CREATE INDEX component_versions_state   ON component_versions (state, component_id);
CREATE INDEX component_versions_support ON component_versions (support_ends) WHERE support_ends IS NOT NULL;

CREATE TABLE version_licenses (
    version_id   INTEGER NOT NULL REFERENCES component_versions(id),
    license_id   TEXT    NOT NULL, -- lower-case
    component_id INTEGER NOT NULL, -- so licence search walks one index in component order
    PRIMARY KEY (version_id, license_id)
) WITHOUT ROWID;
CREATE INDEX version_licenses_license ON version_licenses (license_id, component_id, version_id);

CREATE TABLE component_requests (
    id               INTEGER PRIMARY KEY,
    version_id       INTEGER NOT NULL REFERENCES component_versions(id),
    requester_id     INTEGER NOT NULL REFERENCES users(id),
    scope_id         INTEGER NOT NULL REFERENCES scopes(id),
    intended_product TEXT    NOT NULL,
    justification    TEXT    NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX component_requests_version ON component_requests (version_id);

CREATE TABLE evaluation_findings (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES component_versions(id),
    round      INTEGER NOT NULL,
    automatic  BOOLEAN NOT NULL,
    check_name TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    summary    TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '',
    evidence   TEXT    NOT NULL DEFAULT '[]',
    author     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX evaluation_findings_version ON evaluation_findings (version_id);

CREATE TABLE certification_decisions (
    id              INTEGER PRIMARY KEY,
    version_id      INTEGER NOT NULL REFERENCES component_versions(id),
    round           INTEGER NOT NULL,
    verdict         TEXT    NOT NULL,
    decider_id      INTEGER NOT NULL REFERENCES users(id),
    reason          TEXT    NOT NULL,
    certified_until INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (version_id, round, decider_id)
);

CREATE TABLE version_history (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES component_versions(id),
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    summary    TEXT    NOT NULL
);
CREATE INDEX version_history_version ON version_history (version_id, id);

CREATE TABLE catalog_policies (
    version    INTEGER PRIMARY KEY,
    document   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    reason     TEXT    NOT NULL
);

CREATE TABLE waivers (
    id             INTEGER PRIMARY KEY,
    component_purl TEXT    NOT NULL,
    versions       TEXT    NOT NULL,
    scope_id       INTEGER NOT NULL REFERENCES scopes(id),
    reason         TEXT    NOT NULL,
    requester_id   INTEGER NOT NULL,
    requested_by   TEXT    NOT NULL,
    approved_by    TEXT    NOT NULL DEFAULT '',
    approved_at    INTEGER,
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX waivers_component ON waivers (component_purl);
CREATE INDEX waivers_expiry    ON waivers (expires_at);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    link       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, id);
