package sqldb

import (
	"context"
	"time"
)

// SetClock replaces the store's clock; call it before the store is used.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// PretendSlowRefresh makes the findings snapshot look expensive to
// recompute, so that the next stale read is served it while a refresh runs
// in the background.
func (db *DB) PretendSlowRefresh() {
	c := &db.metrics.findings
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		c.cur.took = time.Hour
	}
}

// WaitRefresh waits for the findings snapshot's refresh in flight, if any.
func (db *DB) WaitRefresh() {
	c := &db.metrics.findings
	c.mu.Lock()
	run := c.run
	c.mu.Unlock()
	if run != nil {
		<-run.done
	}
}

// TakeFindingSnapshot computes the findings snapshot without keeping it,
// and returns how many scopes it counted.
func (db *DB) TakeFindingSnapshot(ctx context.Context) (int, error) {
	s, err := takeSnapshot(ctx, db, findingSnapshot)
	if err != nil {
		return 0, err
	}
	return len(s.value.scopes), nil
}

// ForgetViews drops the per-caller sums kept with the findings snapshot.
func (db *DB) ForgetViews() {
	c := &db.metrics.findings
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		c.cur.value.mu.Lock()
		clear(c.cur.value.views)
		c.cur.value.mu.Unlock()
	}
}
