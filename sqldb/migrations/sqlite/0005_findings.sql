-- Findings: one per (release, package, vulnerability), with VEX analysis.

-- Packages carry the OSV identity advisories name them by, so a new
-- advisory finds the packages it affects through an index.
ALTER TABLE packages ADD COLUMN osv_ecosystem TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN osv_name TEXT NOT NULL DEFAULT '';
CREATE INDEX packages_osv ON packages (osv_name, osv_ecosystem);

CREATE TABLE findings (
    id             INTEGER PRIMARY KEY,
    release_id     INTEGER NOT NULL REFERENCES releases(id),
    package_id     INTEGER NOT NULL REFERENCES packages(id),
    vuln_key       TEXT    NOT NULL,
    advisories     TEXT    NOT NULL, -- JSON list of the matching records' ids
    rating         TEXT    NOT NULL DEFAULT '',
    score          REAL    NOT NULL DEFAULT 0,
    fixed          TEXT    NOT NULL DEFAULT '[]',
    state          TEXT    NOT NULL,
    justification  TEXT    NOT NULL DEFAULT '',
    response       TEXT    NOT NULL DEFAULT '',
    detail         TEXT    NOT NULL DEFAULT '',
    owner          TEXT    NOT NULL DEFAULT '',
    inherited_from INTEGER REFERENCES findings(id), -- the earlier release's finding this analysis came from
    sla_due        INTEGER,
    active         BOOLEAN NOT NULL DEFAULT TRUE, -- FALSE once the release no longer matches
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (release_id, package_id, vuln_key)
);
CREATE INDEX findings_vuln ON findings (vuln_key, release_id);
CREATE INDEX findings_worklist ON findings (active, score DESC, id);
