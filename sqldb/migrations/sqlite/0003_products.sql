-- Products, releases, their SBOMs as configuration items, and gate runs.

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    scope_id    INTEGER NOT NULL REFERENCES scopes(id),
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX products_scope ON products (scope_id);

CREATE TABLE releases (
    id             INTEGER PRIMARY KEY,
    product_id     INTEGER NOT NULL REFERENCES products(id),
    version        TEXT    NOT NULL,
    predecessor_id INTEGER REFERENCES releases(id),
    state          TEXT    NOT NULL,
    sbom           TEXT    NOT NULL DEFAULT '', -- JSON SBOMInfo of the current SBOM, '' when none
    created_at     INTEGER NOT NULL,
    released_at    INTEGER,
    UNIQUE (product_id, version)
);
CREATE INDEX releases_predecessor ON releases (predecessor_id);

-- A release built from releases of other products (a DAG).
CREATE TABLE release_uses (
    release_id INTEGER NOT NULL REFERENCES releases(id),
    uses_id    INTEGER NOT NULL REFERENCES releases(id),
    PRIMARY KEY (release_id, uses_id)
) WITHOUT ROWID;
CREATE INDEX release_uses_uses ON release_uses (uses_id, release_id);

-- Every distinct package any SBOM named.
CREATE TABLE packages (
    id        INTEGER PRIMARY KEY,
    purl      TEXT    NOT NULL UNIQUE, -- the key: normalised purl with qualifiers, or "name:" + name@version
    component TEXT    NOT NULL, -- version-less purl (or "name:" + name)
    versioned TEXT    NOT NULL, -- purl at the version, no qualifiers: the catalog's key
    name      TEXT    NOT NULL,
    version   TEXT    NOT NULL
);
CREATE INDEX packages_component ON packages (component, version);
CREATE INDEX packages_versioned ON packages (versioned);

-- The edges where-used walks: which release holds which package, how deep,
-- and the package that pulls it in (0 for direct dependencies).
CREATE TABLE release_components (
    release_id INTEGER NOT NULL,
    package_id INTEGER NOT NULL,
    depth      INTEGER NOT NULL,
    parent_id  INTEGER NOT NULL,
    license    TEXT    NOT NULL, -- as this SBOM declares them
    supplier   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (release_id, package_id)
) WITHOUT ROWID;
CREATE INDEX release_components_package ON release_components (package_id, release_id);

-- Every SBOM a release held, with the diff against the one before.
CREATE TABLE sbom_history (
    id         INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES releases(id),
    digest     TEXT    NOT NULL,
    info       TEXT    NOT NULL,
    diff       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL
);
CREATE INDEX sbom_history_release ON sbom_history (release_id, id);

CREATE TABLE gate_runs (
    id          INTEGER PRIMARY KEY,
    release_id  INTEGER NOT NULL REFERENCES releases(id),
    sbom        TEXT    NOT NULL, -- JSON SBOMInfo
    outcome     TEXT    NOT NULL,
    checks      TEXT    NOT NULL, -- JSON []GateCheck
    requested   TEXT    NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX gate_runs_release ON gate_runs (release_id, id);
