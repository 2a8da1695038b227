-- When each finding stopped being open (for the dashboards' history).
-- (SQLite also re-clusters advisory_packages by name here; PostgreSQL
-- reads it through advisory_packages_name already.)

-- A finding is open while it is active and in_triage or affected; closed_at
-- is when it last stopped being open (NULL while open).
ALTER TABLE findings ADD COLUMN closed_at BIGINT;
UPDATE findings SET closed_at = updated_at WHERE NOT active OR state NOT IN ('in_triage', 'affected');

-- What matching last found for each package version, one row per
-- (package, vulnerability): a release's findings are these rows for its
-- packages. Re-matching compares against them, so it touches findings
-- only where the answer changed.
CREATE TABLE package_matches (
    package_id BIGINT           NOT NULL REFERENCES packages(id),
    vuln_key   TEXT             NOT NULL,
    advisories TEXT             NOT NULL, -- JSON list of the matching records' ids
    rating     TEXT             NOT NULL DEFAULT '',
    score      DOUBLE PRECISION NOT NULL DEFAULT 0,
    fixed      TEXT             NOT NULL DEFAULT '[]',
    PRIMARY KEY (package_id, vuln_key)
);
INSERT INTO package_matches (package_id, vuln_key, advisories, rating, score, fixed)
    SELECT package_id, vuln_key, MAX(advisories), MAX(rating), MAX(score), MAX(fixed) FROM findings WHERE active GROUP BY package_id, vuln_key;
CREATE INDEX package_matches_key ON package_matches (vuln_key);
