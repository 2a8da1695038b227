package sqldb

import (
	"context"
	"time"
)

// SQLite appends commits to its write-ahead log and copies them into the
// database file at a checkpoint. Left to itself, SQLite checkpoints inside
// the commit that crosses the log's size limit, so one writer in a few pays
// for everybody's pages and an fsync. Here a goroutine checkpoints in the
// background instead (PASSIVE: it never waits for readers or writers);
// commits checkpoint themselves only as a backstop, when the log has grown
// past checkpointBackstop pages.

const (
	checkpointEvery    = time.Second
	checkpointBackstop = "20000" // pages (about 80 MB) before a commit checkpoints itself
)

// startCheckpoints runs background checkpoints until the returned function
// is called; that function waits for the goroutine to end.
func (db *DB) startCheckpoints() func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(checkpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				// A failed checkpoint is retried on the next tick; the
				// backstop bounds the log meanwhile.
				_, _ = db.sql.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
