package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The dashboards do not aggregate large tables on every request: figures
// are computed in one pass into a snapshot held in memory, and per-caller
// views are summed in Go from its per-scope rows.
//
// When a snapshot is refreshed. Every change that moves a figure commits
// together with a ledger event (the store's rule), so the ledger says
// whether anything changed, on this replica or another: a snapshot records
// the ledger size it was computed at, and a read first asks the database
// for the ledger size (one row) and, when it grew, whether any event since
// is of a kind that moves the figures (an indexed range of the new events
// only). A snapshot is stale when such an event exists or when it is older
// than snapshotMaxAge (ages, SLA due dates and waiver expiry move with the
// clock). A stale snapshot is refreshed in the background, never more than
// one refresh at a time per snapshot; the reader waits for the refresh
// only when there is no snapshot yet, or when the last refresh took less
// than cheapRefresh (and then at most refreshWait), and is otherwise
// served the previous snapshot, whose time the pages show. So small stores
// always show a change on the next read, and large ones never make a
// reader wait behind a recompute.

const (
	snapshotMaxAge = 60 * time.Second
	cheapRefresh   = 500 * time.Millisecond
	refreshWait    = time.Second
	// refreshTimeout bounds one recompute, which runs on no request's
	// context so that a reader giving up does not waste the work.
	refreshTimeout = 15 * time.Minute
)

// metricsCaches are the snapshots a DB keeps.
type metricsCaches struct {
	findings snapshotCache[*findingFigures]
	catalog  snapshotCache[*catalogFigures]
}

// snapshot is one computation of figures and what it was computed from.
type snapshot[T any] struct {
	value  T
	at     time.Time // store clock when it was taken
	ledger int64     // ledger size read before the figures
	took   time.Duration
	// checked is the ledger size up to which later events were found not
	// to move the figures; stale is set once one that does was found.
	checked atomic.Int64
	stale   atomic.Bool
}

// refreshRun is one refresh in flight; done is closed when it ends.
type refreshRun[T any] struct {
	done chan struct{}
	snap *snapshot[T]
	err  error
}

// snapshotCache holds the latest snapshot of one kind of figures. The zero
// value is ready to use.
type snapshotCache[T any] struct {
	mu  sync.Mutex
	cur *snapshot[T]
	run *refreshRun[T] // nil when no refresh runs
}

// snapshotKind says how to compute one kind of figures and which ledger
// events move them: exact kinds, or prefixes ending in ".".
type snapshotKind[T any] struct {
	kinds   []string
	compute func(t *Tx) (T, error)
}

// get returns a snapshot fresh enough to serve, by the rule above.
func (c *snapshotCache[T]) get(ctx context.Context, db *DB, k snapshotKind[T]) (*snapshot[T], error) {
	c.mu.Lock()
	s := c.cur
	c.mu.Unlock()
	if s != nil && !s.staleFor(ctx, db, k.kinds) {
		return s, nil
	}
	if s != nil && s.took >= cheapRefresh {
		c.start(db, k)
		return s, nil
	}
	var deadline <-chan time.Time
	if s != nil {
		timer := time.NewTimer(refreshWait)
		defer timer.Stop()
		deadline = timer.C
	}
	for {
		run := c.start(db, k)
		select {
		case <-run.done:
		case <-deadline:
			return s, nil
		case <-ctx.Done():
			if s != nil {
				return s, nil
			}
			return nil, ctx.Err()
		}
		switch {
		case run.err != nil && s != nil:
			return s, nil
		case run.err != nil:
			return nil, run.err
		case s == nil:
			// The first snapshot is served even if a change landed while
			// it was taken: waiting again could go on for ever.
			return run.snap, nil
		}
		// A refresh already running when the change was seen may have
		// begun before it: check the new snapshot too.
		s = run.snap
		if !s.staleFor(ctx, db, k.kinds) {
			return s, nil
		}
	}
}

// start begins a refresh unless one is running, and returns the one that
// runs.
func (c *snapshotCache[T]) start(db *DB, k snapshotKind[T]) *refreshRun[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.run != nil {
		return c.run
	}
	run := &refreshRun[T]{done: make(chan struct{})}
	c.run = run
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
		defer cancel()
		snap, err := takeSnapshot(ctx, db, k)
		c.mu.Lock()
		run.snap, run.err = snap, err
		if err == nil {
			c.cur = snap
		}
		c.run = nil
		c.mu.Unlock()
		close(run.done)
	}()
	return run
}

// takeSnapshot computes figures in one read transaction, reading the ledger
// size first: every event below it committed with its change, so the
// figures include at least those changes.
func takeSnapshot[T any](ctx context.Context, db *DB, k snapshotKind[T]) (*snapshot[T], error) {
	began := time.Now()
	s := &snapshot[T]{}
	err := db.readTx(ctx, func(t *Tx) error {
		s.at = t.now
		var err error
		if s.ledger, err = t.ledgerSize(); err != nil {
			return err
		}
		s.value, err = k.compute(t)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.took = time.Since(began)
	s.checked.Store(s.ledger)
	return s, nil
}

// staleFor applies the staleness rule to s, for figures that the ledger
// events of kinds move. A failed probe counts as fresh: the figures in hand
// are better than none, and the next read asks again.
func (s *snapshot[T]) staleFor(ctx context.Context, db *DB, kinds []string) bool {
	if s.stale.Load() {
		return true
	}
	if age := db.now().Sub(s.at); age >= snapshotMaxAge || age < 0 {
		return true
	}
	var size int64
	if err := db.sql.QueryRowContext(ctx, "SELECT size FROM ledger_head WHERE id = 1").Scan(&size); err != nil {
		return false
	}
	from := max(s.checked.Load(), s.ledger)
	if size <= from {
		return false
	}
	var conds []string
	args := []any{from, size}
	for _, k := range kinds {
		if strings.HasSuffix(k, ".") {
			conds = append(conds, "kind LIKE ?")
			args = append(args, k+"%")
		} else {
			conds = append(conds, "kind = ?")
			args = append(args, k)
		}
	}
	var one int
	err := db.sql.QueryRowContext(ctx, db.rebind("SELECT 1 FROM ledger_events WHERE idx >= ? AND idx < ? AND ("+strings.Join(conds, " OR ")+") LIMIT 1"), args...).Scan(&one)
	switch err {
	case nil:
		s.stale.Store(true)
		return true
	case sql.ErrNoRows:
		// Nothing that matters happened up to size: later reads start there.
		for {
			c := s.checked.Load()
			if c >= size || s.checked.CompareAndSwap(c, size) {
				return false
			}
		}
	}
	return false
}
