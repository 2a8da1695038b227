-- Impact counts a vulnerability's open findings by release and state: an
-- index that holds those columns answers without reading the rows, and
-- walks the releases in order for a page.
DROP INDEX findings_vuln;
CREATE INDEX findings_vuln ON findings (vuln_key, active, release_id, state);
