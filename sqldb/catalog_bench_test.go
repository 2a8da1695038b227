package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

var benchLicenses = []string{"MIT", "MIT", "MIT", "MIT", "Apache-2.0", "Apache-2.0", "Apache-2.0", "BSD-3-Clause", "MIT OR Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0", "EPL-2.0", "MPL-2.0"}

var benchTypes = []string{"npm", "pypi", "maven", "golang", "cargo", "nuget", "gem"}

// benchRows makes n components × perComponent versions of an approved list.
func benchRows(n, perComponent int) []bulwark.ImportRow {
	rows := make([]bulwark.ImportRow, 0, n*perComponent)
	line := 1
	for c := 0; c < n; c++ {
		typ := benchTypes[c%len(benchTypes)]
		name := fmt.Sprintf("pkg:%s/component-%06d", typ, c)
		if typ == "maven" || typ == "golang" {
			name = fmt.Sprintf("pkg:%s/org.example%d/component-%06d", typ, c%97, c)
		}
		for v := 0; v < perComponent; v++ {
			line++
			state := bulwark.StateCertified
			switch {
			case v == 0 && c%10 == 0:
				state = bulwark.StateBanned
			case v < 2 && c%7 == 0:
				state = bulwark.StateEndOfLife
			}
			rows = append(rows, bulwark.ImportRow{Line: line, PURL: fmt.Sprintf("%s@%d.%d.0", name, v/3+1, v), State: state,
				VersionDetails: bulwark.VersionDetails{License: benchLicenses[(c+v)%len(benchLicenses)], Supplier: "Example Supplier"}})
		}
	}
	return rows
}

func envInt(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q", name, v)
		}
		return n
	}
	return def
}

// BenchmarkCatalog imports BULWARK_BENCH_COMPONENTS components (default
// 100,000) × 10 versions through the real import path, reporting the import
// rate, then measures search latency on that catalog (p50/p99 over the runs).
func BenchmarkCatalog(b *testing.B) {
	components := envInt(b, "BULWARK_BENCH_COMPONENTS", 100_000)
	db := sqldbtest.Open(b, sqldb.SQLite)
	ctx := sqldbtest.System(context.Background())
	if _, err := db.CreateScope(ctx, 0, bulwark.ScopeOrg, "Bench", ""); err != nil {
		b.Fatal(err)
	}
	rows := benchRows(components, 10)
	start := time.Now()
	res, err := db.Import(ctx, rows, nil, []byte("bench"), "bench.csv", false)
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.Logf("imported %d components, %d versions in %s: %.0f versions/s", res.Components, res.Created, took.Round(time.Millisecond), float64(res.Created)/took.Seconds())

	searches := []struct {
		name string
		f    bulwark.CatalogFilter
	}{
		{"name-substring", bulwark.CatalogFilter{Query: "component-0421"}},
		{"name-miss", bulwark.CatalogFilter{Query: "no-such-thing"}},
		{"name-broad", bulwark.CatalogFilter{Query: "component"}},
		{"purl-prefix", bulwark.CatalogFilter{Query: "pkg:maven/org.example42/"}},
		{"license-common", bulwark.CatalogFilter{License: "MIT"}},
		{"license-rare", bulwark.CatalogFilter{License: "EPL-2.0"}},
		{"state-banned", bulwark.CatalogFilter{State: bulwark.StateBanned}},
		{"name-and-state", bulwark.CatalogFilter{Query: "component-01", State: bulwark.StateEndOfLife}},
		{"first-page", bulwark.CatalogFilter{}},
	}
	for _, s := range searches {
		b.Run(s.name, func(b *testing.B) {
			var ds []time.Duration
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, _, err := db.SearchCatalog(ctx, s.f, bulwark.Page{Limit: 50}); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
			}
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
