package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// record parses a hand-written OSV record.
func record(t *testing.T, text string) osv.Item {
	t.Helper()
	r, warnings, err := osv.Parse([]byte(text), "test.json")
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return osv.Item{Source: r.ID + ".json", Record: r, Warnings: warnings}
}

const ghsa = `{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-1111"], "summary": "prototype pollution",
	"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
	"affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}`

func TestAdvisoryImportAndMatch(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		sys := sqldbtest.System(context.Background())
		pysec := record(t, `{"id": "PYSEC-2024-1", "modified": "2024-02-01T00:00:00Z", "aliases": ["CVE-2024-2222"],
			"affected": [{"package": {"ecosystem": "PyPI", "name": "Django"}, "ranges": [
				{"type": "GIT", "repo": "https://github.com/django/django", "events": [{"introduced": "0"}, {"fixed": "abc123"}]},
				{"type": "ECOSYSTEM", "events": [{"introduced": "4.0"}, {"fixed": "4.2.8"}]}]}]}`)
		limited := record(t, `{"id": "OSV-LIMIT-1", "modified": "2024-01-01T00:00:00Z",
			"affected": [{"package": {"ecosystem": "crates.io", "name": "serde"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"limit": "1.0.100"}]}]}]}`)
		res, err := db.ImportAdvisories(sys, []osv.Item{record(t, ghsa), pysec, limited, {Source: "broken.json", Err: &osv.Error{Source: "broken.json", Msg: "id is required"}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 3 || res.Rejected != 1 || res.Rejections[0].Source != "broken.json" {
			t.Fatalf("first import: %+v", res)
		}
		before := ledgerSize(t, db)
		res, err = db.ImportAdvisories(sys, []osv.Item{record(t, ghsa), pysec, limited})
		if err != nil || res.Unchanged != 3 || res.New+res.Updated != 0 || ledgerSize(t, db) != before {
			t.Fatalf("second import of the same records: %+v %v", res, err)
		}

		purls := []string{"pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21", "pkg:pypi/django@4.2.7", "pkg:pypi/Django@5.0",
			"pkg:cargo/serde@1.0.99", "pkg:cargo/serde@1.0.193", "pkg:npm/lodash", "pkg:unknown/x@1"}
		ms, notes, err := db.MatchPURLs(sys, purls)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(i int) []string {
			var out []string
			for _, m := range ms[i] {
				out = append(out, m.IDs[0])
			}
			return out
		}
		for i, want := range [][]string{{"GHSA-aaaa-bbbb-cccc"}, nil, {"PYSEC-2024-1"}, nil, {"OSV-LIMIT-1"}, nil, nil, nil} {
			if !slices.Equal(ids(i), want) {
				t.Errorf("%s: %v, want %v (note %q)", purls[i], ids(i), want, notes[i])
			}
		}
		if m := ms[0][0]; m.Key != "CVE-2024-1111" || !slices.Equal(m.Aliases, []string{"CVE-2024-1111"}) || !slices.Equal(m.Fixed, []string{"4.17.21"}) || m.Rating != "critical" {
			t.Fatalf("lodash match: %+v", m)
		}
		if m := ms[2][0]; len(m.Unevaluated) == 0 {
			t.Fatalf("the GIT range before the ECOSYSTEM one is not reported: %+v", m)
		}
		if notes[6] == "" || notes[7] == "" {
			t.Fatalf("unmatched purls carry no note: %q", notes)
		}

		// Any alias finds every record of the vulnerability.
		found, err := db.FindAdvisories(sys, "CVE-2024-1111")
		if err != nil || len(found) != 1 || found[0].ID != "GHSA-aaaa-bbbb-cccc" || found[0].Score != 9.8 {
			t.Fatalf("by alias: %+v %v", found, err)
		}
		_, err = db.FindAdvisories(sys, "CVE-1999-0001")
		wantCode(t, err, bulwark.ENOTFOUND)

		// A later modified time updates; a withdrawn record stays findable
		// but stops matching.
		withdrawn := strings.Replace(ghsa, `"modified": "2024-01-01T00:00:00Z"`, `"modified": "2024-03-01T00:00:00Z", "withdrawn": "2024-03-01T00:00:00Z"`, 1)
		res, err = db.ImportAdvisories(sys, []osv.Item{record(t, withdrawn)})
		if err != nil || res.Updated != 1 || res.Withdrawn != 1 || ledgerSize(t, db) != before+1 {
			t.Fatalf("withdrawal: %+v %v", res, err)
		}
		ms, _, _ = db.MatchPURLs(sys, purls[:1])
		if len(ms[0]) != 0 {
			t.Fatalf("a withdrawn record still matches: %+v", ms[0])
		}
		if found, err := db.FindAdvisories(sys, "GHSA-aaaa-bbbb-cccc"); err != nil || found[0].Withdrawn == nil {
			t.Fatalf("withdrawn record: %+v %v", found, err)
		}

		// Importing is for PSIRT, product security and administrators.
		_, err = db.ImportAdvisories(as(t, db, "developer"), []osv.Item{record(t, ghsa)})
		wantCode(t, err, bulwark.EFORBIDDEN)
	})
}

// TestImportRealAdvisories imports every OSV pack under ../shared/data/osv.
func TestImportRealAdvisories(t *testing.T) {
	packs, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "osv", "*.tar.gz"))
	if len(packs) == 0 {
		if _, err := os.Stat(filepath.Join("..", "..", "shared", "data")); err != nil {
			t.Skip("../shared/data is absent: the real advisories are not here")
		}
		t.Fatal("no OSV packs in ../shared/data/osv")
	}
	db := sqldbtest.Open(t, sqldb.SQLite)
	seed(t, db)
	sys := sqldbtest.System(context.Background())
	var items []osv.Item
	if err := osv.Walk(packs, func(it osv.Item) error { items = append(items, it); return nil }); err != nil {
		t.Fatal(err)
	}
	res, err := db.ImportAdvisories(sys, items)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read %d: %d new, %d withdrawn, %d rejected, %d warnings", res.Read, res.New, res.Withdrawn, res.Rejected, len(res.Warnings))
	for _, r := range res.Rejections {
		t.Logf("rejected %s: %s", r.Source, r.Reason)
	}
	if res.Read != 5268 || res.New+res.Rejected+res.Unchanged != res.Read {
		t.Fatalf("counts %+v", res)
	}
	again, err := db.ImportAdvisories(sys, items)
	if err != nil || again.New != 0 || again.Updated != 0 {
		t.Fatalf("re-import: %+v %v", again, err)
	}
}

// Long lists are matched by several readers; the answer is the same.
func TestMatchManyPURLs(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		sys := sqldbtest.System(context.Background())
		if _, err := db.ImportAdvisories(sys, []osv.Item{record(t, ghsa)}); err != nil {
			t.Fatal(err)
		}
		purls := make([]string, 2500)
		for i := range purls {
			purls[i] = fmt.Sprintf("pkg:npm/pad-%d@1.0.0", i)
		}
		purls[7], purls[1234], purls[2499] = "pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21", "pkg:npm/lodash@4.0.0"
		ms, notes, err := db.MatchPURLs(sys, purls)
		if err != nil || len(ms) != len(purls) || len(notes) != len(purls) {
			t.Fatalf("%d matches, %d notes, %v", len(ms), len(notes), err)
		}
		for i, m := range ms {
			want := i == 7 || i == 2499
			if (len(m) == 1 && m[0].Key == "CVE-2024-1111") != want || !want && len(m) != 0 {
				t.Errorf("purl %d (%s): %+v", i, purls[i], m)
			}
		}
	})
}
