package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// The dashboards' figures on the findings store of vuln_bench_test.go
// (BULWARK_BENCH_RELEASES × BULWARK_BENCH_RELEASE_COMPONENTS findings,
// 10,000 × 1,000 by default): what one recompute of the snapshot costs,
// and what a request costs once the snapshot is there.

// BenchmarkDashboardSnapshot recomputes the findings snapshot: one pass for
// the counts and the weekly history, one for the vulnerable packages.
func BenchmarkDashboardSnapshot(b *testing.B) {
	db := findingsDB(b, envInt(b, "BULWARK_BENCH_RELEASES", 10_000), envInt(b, "BULWARK_BENCH_RELEASE_COMPONENTS", 1_000))
	defer db.Close()
	var findings int
	if err := db.Raw().QueryRow("SELECT COUNT(*) FROM findings").Scan(&findings); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if n, err := db.TakeFindingSnapshot(ctx); err != nil || n == 0 {
			b.Fatalf("snapshot: %d scopes, %v", n, err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/recompute")
	b.ReportMetric(float64(findings), "findings")
}

// BenchmarkDashboardServe serves the vulnerability dashboard and a role
// dashboard from a snapshot already taken, as the organisation and as a
// developer of one of two business units: "cached" reuses the sums of an
// earlier request by the same scopes, "summed" adds up the scopes again
// (the first request of a caller after each refresh).
func BenchmarkDashboardServe(b *testing.B) {
	db := findingsDB(b, envInt(b, "BULWARK_BENCH_RELEASES", 10_000), envInt(b, "BULWARK_BENCH_RELEASE_COMPONENTS", 1_000))
	defer db.Close()
	dev := networksDeveloper(b, db)
	sys := sqldbtest.System(context.Background())
	start := time.Now()
	if _, err := db.Dashboard(sys); err != nil {
		b.Fatal(err)
	}
	b.Logf("first request (takes the snapshot): %s", time.Since(start).Round(time.Millisecond))
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"system", sys}, {"developer", dev}} {
		for _, mode := range []string{"cached", "summed"} {
			b.Run(who.name+"/"+mode, func(b *testing.B) {
				var lat []time.Duration
				for b.Loop() {
					if mode == "summed" {
						db.ForgetViews()
					}
					t0 := time.Now()
					d, err := db.Dashboard(who.ctx)
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
					if d.Open == 0 {
						b.Fatal("no open findings")
					}
				}
				percentiles(b, lat)
			})
		}
	}
	b.Run("developer/role-dashboard", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			t0 := time.Now()
			d, err := db.RoleDashboard(dev)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
			if d.Developer == nil || d.Developer.Findings.Open == 0 {
				b.Fatalf("role dashboard: %+v", d.Developer)
			}
		}
		percentiles(b, lat)
	})
}
