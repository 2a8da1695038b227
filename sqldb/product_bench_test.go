package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	cyclonedx "github.com/CycloneDX/cyclonedx-go"
	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/sbom"
	"github.com/bulwark-sec/bulwark/sbom/sbomtest"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// BenchmarkSBOMIngest stores a generated CycloneDX JSON SBOM of
// BULWARK_BENCH_SBOM components (default 10,000) into a new release per
// iteration: parse, checks, packages, release edges with depth and
// parent, the evidence copy and the ledger event. The first iteration
// meets every package for the first time; later ones find them stored.
// The raw decode of the same bytes is measured beside it: the limit.
func BenchmarkSBOMIngest(b *testing.B) {
	n := envInt(b, "BULWARK_BENCH_SBOM", 10_000)
	doc := sbomtest.CycloneDXJSON(n, 1)
	b.Run("decode-any", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var v any
			if err := json.Unmarshal(doc, &v); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "components/s")
	})
	b.Run("decode-cyclonedx-go", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var bom cyclonedx.BOM
			if err := json.Unmarshal(doc, &bom); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "components/s")
	})
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, err := sbom.Parse(doc); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "components/s")
	})
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres} {
		b.Run("store-"+string(d), func(b *testing.B) {
			if d == sqldb.Postgres && os.Getenv("BULWARK_BENCH_POSTGRES") == "" {
				b.Skip("set BULWARK_BENCH_POSTGRES=1 to measure PostgreSQL too")
			}
			db := sqldbtest.Open(b, d)
			ctx := sqldbtest.System(context.Background())
			root, err := db.CreateScope(ctx, 0, bulwark.ScopeOrg, "Bench", "")
			if err != nil {
				b.Fatal(err)
			}
			p, err := db.CreateProduct(ctx, bulwark.NewProduct{ScopeID: root.ID, Name: "Bench"})
			if err != nil {
				b.Fatal(err)
			}
			var first time.Duration
			i := 0
			for b.Loop() {
				b.StopTimer()
				r, err := db.CreateRelease(ctx, p.ID, bulwark.NewRelease{Version: fmt.Sprint(i)})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				ch, err := db.StoreSBOM(ctx, r.ID, bulwark.SBOMUpload{Name: "bom.json", Content: doc})
				if err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					first = time.Since(start)
					if ch.SBOM.Components != n {
						b.Fatalf("stored %d of %d components", ch.SBOM.Components, n)
					}
				}
				i++
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "components/s")
			b.Logf("%s: first ingest (all packages new) %s = %.0f components/s", d, first.Round(time.Millisecond), float64(n)/first.Seconds())
		})
	}
}

// whereUsedDB builds (once, then reuses from the temp directory) a store
// with BULWARK_BENCH_RELEASES releases (default 10,000) of
// BULWARK_BENCH_RELEASE_COMPONENTS components each (default 1,000),
// drawn with a skewed popularity from a pool of 20,000 components × 5
// versions, with depths and parents. It writes the tables directly: the
// benchmark measures reading.
func whereUsedDB(b *testing.B, releases, perRelease int) *sqldb.DB {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("bulwark-bench-whereused-%dx%d.db", releases, perRelease))
	ctx := context.Background()
	if _, err := os.Stat(path + ".done"); err == nil {
		db, err := sqldb.Open(ctx, path, sqldb.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		return db
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	db, err := sqldb.Open(ctx, path, sqldb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	sys := sqldbtest.System(ctx)
	root, err := db.CreateScope(sys, 0, bulwark.ScopeOrg, "Bench", "")
	if err != nil {
		b.Fatal(err)
	}
	var units []*bulwark.Scope
	for _, name := range []string{"Networks", "Devices"} {
		s, err := db.CreateScope(sys, root.ID, bulwark.ScopeBusinessUnit, name, "")
		if err != nil {
			b.Fatal(err)
		}
		units = append(units, s)
	}
	start := time.Now()
	// One connection: the build runs in its own transactions (BEGIN …
	// COMMIT), which a pool could hand to different connections.
	raw, err := db.Raw().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string, args ...any) {
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	const components, versions = 20_000, 5
	exec("BEGIN")
	for c := 0; c < components; c++ {
		typ := benchTypes[c%len(benchTypes)]
		comp := fmt.Sprintf("pkg:%s/component-%05d", typ, c)
		for v := 0; v < versions; v++ {
			ver := fmt.Sprintf("%d.%d.0", 1+v/2, v)
			exec("INSERT INTO packages (id, purl, component, versioned, name, version) VALUES (?, ?, ?, ?, ?, ?)",
				c*versions+v+1, comp+"@"+ver, comp, comp+"@"+ver, fmt.Sprintf("component-%05d", c), ver)
		}
	}
	products := releases / 100
	for p := 0; p < products; p++ {
		exec("INSERT INTO products (id, scope_id, name, created_at, created_by) VALUES (?, ?, ?, 0, 'bench')", p+1, units[p%2].ID, fmt.Sprintf("Product %03d", p))
	}
	exec("COMMIT")
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 10, components-1)
	picked := make([]int, 0, perRelease)
	seen := map[int]bool{}
	for r := 0; r < releases; r++ {
		if r%500 == 0 {
			if r > 0 {
				exec("COMMIT")
			}
			exec("BEGIN")
		}
		exec("INSERT INTO releases (id, product_id, version, state, created_at) VALUES (?, ?, ?, 'released', 0)", r+1, r%products+1, fmt.Sprintf("%d.0", r/products))
		picked, seen = picked[:0], map[int]bool{}
		for len(picked) < perRelease {
			c := int(zipf.Uint64())
			if !seen[c] {
				seen[c] = true
				picked = append(picked, c)
			}
		}
		// Newer releases of a product use newer versions.
		v := min(versions-1, r/products*versions/(releases/products))
		q := "INSERT INTO release_components (release_id, package_id, depth, parent_id, license) VALUES "
		args := make([]any, 0, 5*perRelease)
		for i, c := range picked {
			depth, parent := 1, 0
			if i >= 30 {
				j := rng.IntN(i)
				depth, parent = 2+rng.IntN(5), picked[j]*versions+v+1
			}
			if i > 0 {
				q += ", "
			}
			q += "(?, ?, ?, ?, 'MIT')"
			args = append(args, r+1, c*versions+v+1, depth, parent)
			if len(args) >= 5*1000 || i == len(picked)-1 {
				exec(q, args...)
				q, args = "INSERT INTO release_components (release_id, package_id, depth, parent_id, license) VALUES ", args[:0]
			}
		}
	}
	exec("COMMIT")
	exec("ANALYZE")
	b.Logf("built %d releases × %d components = %d edges in %s", releases, perRelease, releases*perRelease, time.Since(start).Round(time.Second))
	if err := os.WriteFile(path+".done", nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkWhereUsed measures where-used (first page of 50 releases with
// paths, and the total) at 10,000 releases × 1,000 components, as the
// system principal and as a developer who sees one business unit.
func BenchmarkWhereUsed(b *testing.B) {
	releases := envInt(b, "BULWARK_BENCH_RELEASES", 10_000)
	perRelease := envInt(b, "BULWARK_BENCH_RELEASE_COMPONENTS", 1_000)
	db := whereUsedDB(b, releases, perRelease)
	defer db.Close()
	sys := sqldbtest.System(context.Background())
	var networks string
	if err := db.Raw().QueryRow("SELECT path FROM scopes WHERE name = 'Networks'").Scan(&networks); err != nil {
		b.Fatal(err)
	}
	dev := bulwark.WithPrincipal(context.Background(), &bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: 1, Name: "bench",
		Grants: []bulwark.Grant{{Role: bulwark.RoleDeveloper, ScopePath: networks}}})
	queries := []struct {
		name string
		q    bulwark.WhereUsedQuery
	}{
		{"most-used-any-version", bulwark.WhereUsedQuery{PURL: "pkg:npm/component-00000"}},
		{"most-used-one-version", bulwark.WhereUsedQuery{PURL: "pkg:npm/component-00000@3.4.0"}},
		{"popular-range", bulwark.WhereUsedQuery{PURL: "pkg:cargo/component-00004", Versions: ">=1.0.0 <3.0.0"}},
		{"mid", bulwark.WhereUsedQuery{PURL: "pkg:pypi/component-00050"}},
		{"rare", bulwark.WhereUsedQuery{PURL: "pkg:npm/component-19999"}},
		{"unknown", bulwark.WhereUsedQuery{PURL: "pkg:npm/not-there"}},
	}
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"system", sys}, {"developer", dev}} {
		for _, q := range queries {
			b.Run(who.name+"/"+q.name, func(b *testing.B) {
				var lat []time.Duration
				var total int
				for b.Loop() {
					start := time.Now()
					res, err := db.WhereUsed(who.ctx, q.q, bulwark.Page{Limit: 50})
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
					total = res.Total
				}
				percentiles(b, lat)
				b.ReportMetric(float64(total), "releases")
			})
		}
	}
}
