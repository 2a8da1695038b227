package demo

import (
	"sync/atomic"
	"time"
)

// Clock is the store's clock while the demo is seeded (pass its Now as
// sqldb.Options.Now). It runs with real time, shifted by an offset: it
// starts three months back, and seeding only moves it forward, up to real
// time, so releases, imports and decisions get the dates a real
// organisation would have produced while the ledger's event times stay in
// order and nothing is dated in the future.
//
// A nil *Clock is real time, and its moves do nothing: seeding a store whose
// clock is not this one still works, with every date "now".
type Clock struct {
	offset atomic.Int64 // nanoseconds, always <= 0
}

// StoryDays is how far back the demo's story begins.
const StoryDays = 90

// NewClock returns a clock at the start of the demo's story: 07:00 UTC,
// StoryDays before today. Open the store with it before anything is
// written, the organisation root included, so that every ledger event is
// dated in order; Reset it once seeding is done (Run does).
func NewClock() *Clock {
	c := &Clock{}
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -StoryDays).Add(7 * time.Hour)
	c.offset.Store(int64(time.Until(start)))
	return c
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// Go moves the clock to t. A t before the clock's time leaves it where it
// is (time only moves forward), and a t after real time stops at real
// time.
func (c *Clock) Go(t time.Time) {
	if c == nil {
		return
	}
	want := min(int64(time.Until(t)), 0)
	for {
		old := c.offset.Load()
		if want <= old || c.offset.CompareAndSwap(old, want) {
			return
		}
	}
}

// Reset returns the clock to real time.
func (c *Clock) Reset() {
	if c != nil {
		c.offset.Store(0)
	}
}
