package sqldb_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/osv/osvtest"
	"github.com/bulwark-sec/bulwark/sbom"
	"github.com/bulwark-sec/bulwark/sbom/sbomtest"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// The vulnerability benchmarks build their portfolio from the real
// advisories in ../shared/data/osv (replicated to scale by osvtest) and
// cache each built store in the temp directory, keyed by its size.

func sharedAdvisories(b *testing.B) []osv.Item {
	b.Helper()
	items, ok, err := osvtest.Shared("../../shared/data/osv")
	if err != nil {
		b.Fatal(err)
	}
	if !ok {
		b.Skip("../shared/data/osv is absent: the vulnerability benchmarks build on the real advisories")
	}
	return items
}

// importAll imports items in batches as `bulwark advisories import` does.
func importAll(b *testing.B, db *sqldb.DB, items []osv.Item) *bulwark.AdvisoryImportResult {
	ctx := sqldbtest.System(context.Background())
	sum := &bulwark.AdvisoryImportResult{}
	for lo := 0; lo < len(items); lo += 2000 {
		res, err := db.ImportAdvisories(ctx, items[lo:min(lo+2000, len(items))])
		if err != nil {
			b.Fatal(err)
		}
		sum.New, sum.Updated, sum.Rejected = sum.New+res.New, sum.Updated+res.Updated, sum.Rejected+res.Rejected
		sum.NewFindings += res.NewFindings
	}
	return sum
}

func openFile(b *testing.B, path string) *sqldb.DB {
	db, err := sqldb.Open(context.Background(), path, sqldb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

// cached opens the store at name in the temp directory, building it with
// build the first time.
func cached(b *testing.B, name string, build func(db *sqldb.DB)) *sqldb.DB {
	return cachedFrom(b, name, nil, build)
}

// cachedFrom is cached starting from a copy of another store (from, nil
// for an empty one).
func cachedFrom(b *testing.B, name string, from func() string, build func(db *sqldb.DB)) *sqldb.DB {
	path := filepath.Join(os.TempDir(), name)
	if _, err := os.Stat(path + ".done"); err == nil {
		return openFile(b, path)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	if from != nil {
		if err := os.Rename(from(), path); err != nil {
			b.Fatal(err)
		}
	}
	db := openFile(b, path)
	start := time.Now()
	build(db)
	b.Logf("built %s in %s", name, time.Since(start).Round(time.Second))
	if err := os.WriteFile(path+".done", nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return db
}

// copyOf copies a cached store so a benchmark may change it, and returns
// the copy and its path.
func copyOf(b *testing.B, db *sqldb.DB, name string) (*sqldb.DB, string) {
	if _, err := db.Raw().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(os.TempDir(), name)
	dst := filepath.Join(b.TempDir(), name)
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	out.Close()
	return openFile(b, dst), dst
}

func benchRoot(b *testing.B, db *sqldb.DB) *bulwark.Scope {
	root, err := db.CreateScope(sqldbtest.System(context.Background()), 0, bulwark.ScopeOrg, "Bench", "")
	if err != nil {
		b.Fatal(err)
	}
	return root
}

// BenchmarkAdvisoryImport imports every advisory in the shared data into a
// new store, the way `bulwark advisories import` does.
func BenchmarkAdvisoryImport(b *testing.B) {
	items := sharedAdvisories(b)
	for b.Loop() {
		b.StopTimer()
		db := openFile(b, filepath.Join(b.TempDir(), "import.db"))
		benchRoot(b, db)
		b.StartTimer()
		res := importAll(b, db, items)
		b.StopTimer()
		if res.New == 0 {
			b.Fatalf("nothing imported: %+v", res)
		}
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
	b.ReportMetric(float64(len(items)*b.N)/b.Elapsed().Seconds(), "records/s")
}

// advisoryDB holds n advisories: the shared ones replicated.
func advisoryDB(b *testing.B, n int) (*sqldb.DB, []osv.Item, string) {
	items, err := osvtest.Replicate(sharedAdvisories(b), n)
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("bulwark-bench-advisories-%d.db", n)
	db := cached(b, name, func(db *sqldb.DB) {
		benchRoot(b, db)
		importAll(b, db, items)
	})
	return db, items, name
}

// scanPURLs picks n distinct package URLs, about a third of them at
// versions an advisory affects, the rest made up (packages no advisory
// names).
func scanPURLs(items []osv.Item, n int, seed uint64) []string {
	targets := osvtest.Targets(items)
	rng := rand.New(rand.NewPCG(seed, 7))
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var p string
		if rng.IntN(3) == 0 {
			p = targets[rng.IntN(len(targets))].PURL
		} else {
			p = fmt.Sprintf("pkg:%s/unadvised-%d@1.%d.0", []string{"npm", "pypi", "maven/org.acme", "golang/example.com", "cargo"}[rng.IntN(5)], rng.IntN(50_000), rng.IntN(20))
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// BenchmarkScan is `bulwark scan` of a 10,000-component SBOM against
// 150,000 advisories: parse, then match every component through the
// (name, ecosystem) index.
func BenchmarkScan(b *testing.B) {
	n := envInt(b, "BULWARK_BENCH_ADVISORIES", 150_000)
	comps := envInt(b, "BULWARK_BENCH_SBOM", 10_000)
	db, items, _ := advisoryDB(b, n)
	defer db.Close()
	doc := sbomtest.CycloneDXOf(scanPURLs(items, comps, 1))
	ctx := sqldbtest.System(context.Background())
	var matched int
	for b.Loop() {
		d, err := sbom.Parse(doc)
		if err != nil {
			b.Fatal(err)
		}
		purls := make([]string, len(d.Components))
		for i, c := range d.Components {
			purls[i] = c.PURL
		}
		ms, _, err := db.MatchPURLs(ctx, purls)
		if err != nil {
			b.Fatal(err)
		}
		matched = 0
		for _, m := range ms {
			if len(m) > 0 {
				matched++
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/scan")
	b.ReportMetric(float64(matched), "vulnerable-components")
}

// portfolioDB holds the advisories of advisoryDB and releases × perRelease
// components stored through the real SBOM path: 10 products whose
// releases follow each other, components drawn from the advisories'
// packages (at affected and fixed versions) and from packages no advisory
// names.
func portfolioDB(b *testing.B, releases, perRelease int) (*sqldb.DB, []osv.Item, string) {
	n := envInt(b, "BULWARK_BENCH_ADVISORIES", 150_000)
	adb, items, aname := advisoryDB(b, n)
	name := fmt.Sprintf("bulwark-bench-portfolio-%d-%dx%d.db", n, releases, perRelease)
	defer adb.Close()
	fromAdvisories := func() string {
		db, path := copyOf(b, adb, aname)
		db.Close()
		return path
	}
	db := cachedFrom(b, name, fromAdvisories, func(db *sqldb.DB) {
		ctx := sqldbtest.System(context.Background())
		var rootID int64
		if err := db.Raw().QueryRow("SELECT id FROM scopes WHERE parent_id IS NULL").Scan(&rootID); err != nil {
			b.Fatal(err)
		}
		pool := scanPURLs(items, 20*perRelease, 2)
		rng := rand.New(rand.NewPCG(3, 4))
		for p := range 10 {
			prod, err := db.CreateProduct(ctx, bulwark.NewProduct{ScopeID: rootID, Name: fmt.Sprintf("Product %02d", p)})
			if err != nil {
				b.Fatal(err)
			}
			prev := ""
			for r := range releases / 10 {
				v := fmt.Sprintf("%d.0", r)
				rel, err := db.CreateRelease(ctx, prod.ID, bulwark.NewRelease{Version: v, Predecessor: prev})
				if err != nil {
					b.Fatal(err)
				}
				prev = v
				picked := map[int]bool{}
				var purls []string
				for len(purls) < perRelease {
					i := rng.IntN(len(pool))
					if !picked[i] {
						picked[i] = true
						purls = append(purls, pool[i])
					}
				}
				if _, err := db.StoreSBOM(ctx, rel.ID, bulwark.SBOMUpload{Name: "bom.json", Content: sbomtest.CycloneDXOf(purls)}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	return db, items, name
}

// BenchmarkRematch matches the whole portfolio (1,000 releases × 1,000
// components) against every advisory again.
func BenchmarkRematch(b *testing.B) {
	db, _, _ := portfolioDB(b, envInt(b, "BULWARK_BENCH_RELEASES", 1_000), envInt(b, "BULWARK_BENCH_RELEASE_COMPONENTS", 1_000))
	defer db.Close()
	ctx := sqldbtest.System(context.Background())
	var findings int
	if err := db.Raw().QueryRow("SELECT COUNT(*) FROM findings WHERE active = TRUE").Scan(&findings); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := db.Rematch(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if res.NewFindings != 0 || res.ResolvedFindings != 0 {
			b.Fatalf("re-matching changed findings: %+v", res)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/rematch")
	b.ReportMetric(float64(findings), "findings")
}

// BenchmarkIncrementalAdvisory imports one new advisory naming a package
// the portfolio uses, matching it against the releases that hold it.
func BenchmarkIncrementalAdvisory(b *testing.B) {
	db, _, name := portfolioDB(b, envInt(b, "BULWARK_BENCH_RELEASES", 1_000), envInt(b, "BULWARK_BENCH_RELEASE_COMPONENTS", 1_000))
	orig := db
	db, _ = copyOf(b, orig, name)
	orig.Close()
	defer db.Close()
	ctx := sqldbtest.System(context.Background())
	// Packages with an OSV identity by how many releases hold them: the
	// most used one, and one at the median.
	rows, err := db.Raw().Query(`SELECT p.osv_ecosystem, p.osv_name, COUNT(DISTINCT rc.release_id) FROM packages p JOIN release_components rc ON rc.package_id = p.id
		WHERE p.osv_name <> '' GROUP BY p.osv_ecosystem, p.osv_name ORDER BY 3 DESC, 2`)
	if err != nil {
		b.Fatal(err)
	}
	type named struct {
		eco, name string
		holders   int
	}
	var all []named
	for rows.Next() {
		var n named
		if err := rows.Scan(&n.eco, &n.name, &n.holders); err != nil {
			b.Fatal(err)
		}
		all = append(all, n)
	}
	rows.Close()
	i := 0
	for _, c := range []struct {
		name string
		pkg  named
	}{{"most-used", all[0]}, {"median", all[len(all)/2]}} {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			var found int
			for b.Loop() {
				i++
				rec := &osv.Record{ID: fmt.Sprintf("BENCH-INC-%d", i), Modified: time.Now().UTC(),
					Affected: []osv.Affected{{Package: osv.Package{Ecosystem: c.pkg.eco, Name: c.pkg.name}, Ranges: []osv.Range{{Type: "ECOSYSTEM", Events: []osv.Event{{Introduced: "0"}}}}}}}
				start := time.Now()
				res, err := db.ImportAdvisories(ctx, []osv.Item{{Source: rec.ID, Record: rec}})
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				found = res.NewFindings
			}
			if found == 0 {
				b.Fatalf("the advisory on %s (%s) found nothing", c.pkg.name, c.pkg.eco)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(c.pkg.holders), "releases")
			b.ReportMetric(float64(found), "new-findings")
		})
	}
}

// findingsDB adds one finding per release-component edge to the where-used
// store (10,000 releases × 1,000 components: 10M findings), one
// vulnerability per component (all its versions), written directly: the
// benchmarks measure reading.
func findingsDB(b *testing.B, releases, perRelease int) *sqldb.DB {
	db := whereUsedDB(b, releases, perRelease)
	marker := filepath.Join(os.TempDir(), fmt.Sprintf("bulwark-bench-whereused-%dx%d.db.findings", releases, perRelease))
	if _, err := os.Stat(marker); err == nil {
		return db
	}
	start := time.Now()
	raw := db.Raw()
	exec := func(q string, args ...any) {
		if _, err := raw.Exec(q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now().UnixMicro()
	day := int64(24 * time.Hour / time.Microsecond)
	exec("DELETE FROM findings")
	exec("DELETE FROM advisory_aliases")
	exec("DELETE FROM advisories")
	// One vulnerability per component: key BENCH-<component>, rated by the
	// component number, found over the last 200 days.
	exec(`INSERT INTO findings (release_id, package_id, vuln_key, advisories, rating, score, severity, fixed, state, sla_due, active, created_at, updated_at, closed_at)
		SELECT rc.release_id, rc.package_id, 'BENCH-' || ((rc.package_id - 1) / 5), '[]',
			CASE (rc.package_id / 5) % 4 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'medium' ELSE 'low' END,
			CASE (rc.package_id / 5) % 4 WHEN 0 THEN 9.8 WHEN 1 THEN 7.5 WHEN 2 THEN 5.3 ELSE 3.1 END,
			CASE (rc.package_id / 5) % 4 WHEN 0 THEN 5098 WHEN 1 THEN 4075 WHEN 2 THEN 3053 ELSE 2031 END,
			'["9.9.9"]',
			CASE (rc.release_id + rc.package_id) % 10 WHEN 0 THEN 'not_affected' WHEN 1 THEN 'affected' ELSE 'in_triage' END,
			? - ((rc.release_id * 7 + rc.package_id) % 200) * ? + 30 * ?, TRUE,
			? - ((rc.release_id * 7 + rc.package_id) % 200) * ?, ?,
			CASE (rc.release_id + rc.package_id) % 10 WHEN 0 THEN ? END
		FROM release_components rc`, now, day, day, now, day, now, now)
	for _, c := range []int{0, 50, 19999} {
		key := fmt.Sprintf("BENCH-%d", c)
		exec(`INSERT INTO advisories (id, vuln_key, modified, summary, score, rating, record, source, imported_at) VALUES (?, ?, 0, 'bench', 9.8, 'critical', ?, 'bench', 0)`,
			key, key, `{"id": "`+key+`", "modified": "2024-01-01T00:00:00Z"}`)
		exec("INSERT INTO advisory_aliases (alias, advisory_id) VALUES (?, ?)", key, key)
	}
	exec("ANALYZE")
	b.Logf("added %d × %d findings in %s", releases, perRelease, time.Since(start).Round(time.Second))
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return db
}

func percentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

// BenchmarkImpact answers "how widely is it used" for one vulnerability at
// 10M release-component edges, for components used by nearly every
// release, by some, and by few.
func BenchmarkImpact(b *testing.B) {
	db := findingsDB(b, envInt(b, "BULWARK_BENCH_RELEASES", 10_000), envInt(b, "BULWARK_BENCH_RELEASE_COMPONENTS", 1_000))
	defer db.Close()
	ctx := sqldbtest.System(context.Background())
	for _, c := range []struct{ name, key string }{{"everywhere", "BENCH-0"}, {"mid", "BENCH-50"}, {"rare", "BENCH-19999"}} {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			var rows, releases int
			for b.Loop() {
				start := time.Now()
				imp, err := db.Impact(ctx, c.key, bulwark.Page{Limit: bulwark.DefaultPageLimit})
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				rows, releases = len(imp.Rows), imp.Releases
			}
			percentiles(b, lat)
			b.ReportMetric(float64(rows), "rows")
			b.ReportMetric(float64(releases), "releases")
		})
	}
}

// BenchmarkWorklist reads the first page of the findings worklist, most
// severe first, at 10M findings, as the system principal and as a
// developer who sees one of two business units.
func BenchmarkWorklist(b *testing.B) {
	db := findingsDB(b, envInt(b, "BULWARK_BENCH_RELEASES", 10_000), envInt(b, "BULWARK_BENCH_RELEASE_COMPONENTS", 1_000))
	defer db.Close()
	dev := networksDeveloper(b, db)
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"system", sqldbtest.System(context.Background())}, {"developer", dev}} {
		for _, f := range []struct {
			name string
			f    bulwark.FindingFilter
		}{{"severity", bulwark.FindingFilter{}}, {"open-severity", bulwark.FindingFilter{Open: true}}, {"age", bulwark.FindingFilter{Sort: bulwark.SortAge}}} {
			b.Run(who.name+"/"+f.name, func(b *testing.B) {
				var lat []time.Duration
				for b.Loop() {
					start := time.Now()
					list, _, err := db.Findings(who.ctx, f.f, bulwark.Page{Limit: 50})
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
					if len(list) != 50 {
						b.Fatalf("%d findings on the first page", len(list))
					}
				}
				percentiles(b, lat)
			})
		}
	}
}

// networksDeveloper is a developer of the Networks business unit of a
// bench store (one of its two units).
func networksDeveloper(b *testing.B, db *sqldb.DB) context.Context {
	var networks string
	if err := db.Raw().QueryRow("SELECT path FROM scopes WHERE name = 'Networks'").Scan(&networks); err != nil {
		b.Fatal(err)
	}
	return bulwark.WithPrincipal(context.Background(), &bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: 1, Name: "bench",
		Grants: []bulwark.Grant{{Role: bulwark.RoleDeveloper, ScopePath: networks}}})
}
