package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
	"golang.org/x/mod/sumdb/tlog"
)

func benchEvents(n int, base int) []*bulwark.Event {
	evs := make([]*bulwark.Event, n)
	for i := range evs {
		evs[i] = &bulwark.Event{Kind: "bench.appended", Subject: fmt.Sprintf("thing:%d", base+i), Scope: "/1/",
			After: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Reason: "benchmark"}
	}
	return evs
}

// BenchmarkLedgerAppend measures appending events inside real transactions:
// one event per transaction (a single state change) and batches of 1,000.
func BenchmarkLedgerAppend(b *testing.B) {
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres} {
		for _, batch := range []int{1, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", d, batch), func(b *testing.B) {
				db := sqldbtest.Open(b, d)
				ctx := sqldbtest.System(context.Background())
				b.ResetTimer()
				start := time.Now()
				n := 0
				for i := 0; i < b.N; i++ {
					if err := db.AppendEvents(ctx, benchEvents(batch, n)); err != nil {
						b.Fatal(err)
					}
					n += batch
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
			})
		}
	}
}

// bigLedger returns a SQLite store holding BULWARK_BENCH_EVENTS events
// (default 1,000,000), built once per benchmark run.
func bigLedger(b *testing.B) (*sqldb.DB, int64) {
	b.Helper()
	want := int64(1_000_000)
	if v := os.Getenv("BULWARK_BENCH_EVENTS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 2 {
			b.Fatalf("BULWARK_BENCH_EVENTS=%q", v)
		}
		want = n
	}
	db := sqldbtest.Open(b, sqldb.SQLite)
	ctx := sqldbtest.System(context.Background())
	start := time.Now()
	for n := int64(0); n < want; n += 5000 {
		if err := db.AppendEvents(ctx, benchEvents(int(min(5000, want-n)), int(n))); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built a ledger of %d events in %s", want, time.Since(start).Round(time.Millisecond))
	return db, want
}

// BenchmarkProofs measures inclusion and consistency proofs against a
// large ledger, read from the database as the API serves them.
func BenchmarkProofs(b *testing.B) {
	db, size := bigLedger(b)
	ctx := sqldbtest.System(context.Background())
	cp, err := db.Checkpoint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var root tlog.Hash
	copy(root[:], cp.Root)
	b.Run("inclusion", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			idx := int64(i*7919) % size
			p, err := db.ProveInclusion(ctx, idx, size)
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				hs, _ := ledger.FromHashes(p.Hashes)
				var lh tlog.Hash
				copy(lh[:], p.LeafHash)
				if err := tlog.CheckRecord(hs, size, root, idx, lh); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("consistency", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.ProveConsistency(ctx, 1+int64(i*104729)%(size-1), size); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("checkpoint", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.Checkpoint(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
