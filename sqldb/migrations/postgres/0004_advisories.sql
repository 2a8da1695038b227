-- Vulnerability advisories (OSV records) and the index matching walks (PostgreSQL).

CREATE TABLE advisories (
    id              TEXT    PRIMARY KEY,
    vuln_key        TEXT    NOT NULL, -- shared by records that alias each other
    modified        BIGINT  NOT NULL,
    published       BIGINT,
    withdrawn       BIGINT,
    summary         TEXT    NOT NULL DEFAULT '',
    score           DOUBLE PRECISION NOT NULL DEFAULT 0,
    rating          TEXT    NOT NULL DEFAULT '',
    vector          TEXT    NOT NULL DEFAULT '',
    severity_source TEXT    NOT NULL DEFAULT '',
    record          TEXT    NOT NULL, -- the record as imported (JSON)
    source          TEXT    NOT NULL,
    imported_at     BIGINT  NOT NULL
);
CREATE INDEX advisories_key ON advisories (vuln_key);

-- Every id a record goes by, its own included: any of them finds it.
CREATE TABLE advisory_aliases (
    alias       TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories(id),
    PRIMARY KEY (alias, advisory_id)
);
CREATE INDEX advisory_aliases_advisory ON advisory_aliases (advisory_id);

-- One row per affected package of a record that is not withdrawn: matching
-- looks packages up by (name, ecosystem) and evaluates the stored entry.
CREATE TABLE advisory_packages (
    advisory_id TEXT    NOT NULL REFERENCES advisories(id),
    seq         BIGINT  NOT NULL, -- index in the record's affected list
    ecosystem   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    affected    TEXT    NOT NULL, -- the affected entry (JSON)
    PRIMARY KEY (advisory_id, seq)
);
CREATE INDEX advisory_packages_name ON advisory_packages (name, ecosystem);
