-- Faster matching, and when each finding stopped being open (for the
-- dashboards' history).

-- Matching reads the affected entries of a package name: store the rows of
-- one name next to each other rather than in advisory order.
CREATE TABLE advisory_packages_by_name (
    advisory_id TEXT    NOT NULL REFERENCES advisories(id),
    seq         INTEGER NOT NULL, -- index in the record's affected list
    ecosystem   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    affected    TEXT    NOT NULL, -- the affected entry (JSON)
    PRIMARY KEY (name, ecosystem, advisory_id, seq)
) WITHOUT ROWID;
INSERT INTO advisory_packages_by_name (advisory_id, seq, ecosystem, name, affected)
    SELECT advisory_id, seq, ecosystem, name, affected FROM advisory_packages;
DROP TABLE advisory_packages;
ALTER TABLE advisory_packages_by_name RENAME TO advisory_packages;
CREATE UNIQUE INDEX advisory_packages_advisory ON advisory_packages (advisory_id, seq);

-- A finding is open while it is active and in_triage or affected; closed_at
-- is when it last stopped being open (NULL while open).
ALTER TABLE findings ADD COLUMN closed_at INTEGER;
UPDATE findings SET closed_at = updated_at WHERE NOT active OR state NOT IN ('in_triage', 'affected');

-- Describing matches reads every alias of the advisories hit: cover it.
DROP INDEX advisory_aliases_advisory;
CREATE INDEX advisory_aliases_advisory ON advisory_aliases (advisory_id, alias);

-- What matching last found for each package version, one row per
-- (package, vulnerability): a release's findings are these rows for its
-- packages. Re-matching compares against them, so it touches findings
-- only where the answer changed.
CREATE TABLE package_matches (
    package_id INTEGER NOT NULL REFERENCES packages(id),
    vuln_key   TEXT    NOT NULL,
    advisories TEXT    NOT NULL, -- JSON list of the matching records' ids
    rating     TEXT    NOT NULL DEFAULT '',
    score      REAL    NOT NULL DEFAULT 0,
    fixed      TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (package_id, vuln_key)
) WITHOUT ROWID;
INSERT INTO package_matches (package_id, vuln_key, advisories, rating, score, fixed)
    SELECT package_id, vuln_key, MAX(advisories), MAX(rating), MAX(score), MAX(fixed) FROM findings WHERE active GROUP BY package_id, vuln_key;
CREATE INDEX package_matches_key ON package_matches (vuln_key);
