package main

import (
	"fmt"
	"io"
	"os"
)

// progress reports long work on stderr: one updating line on a terminal,
// a plain line per tenth otherwise (logs, CI).
type progress struct {
	w     io.Writer
	label string
	tty   bool
	last  int64
	shown bool
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, last: -1, tty: isTerminal(w)}
}

func (p *progress) update(done, total int64) {
	if total <= 0 {
		return
	}
	pct := done * 100 / total
	if p.tty {
		fmt.Fprintf(p.w, "\r%s: %d/%d (%d%%)", p.label, done, total, pct)
		p.shown = true
		return
	}
	if tenth := pct / 10; tenth != p.last {
		p.last = tenth
		fmt.Fprintf(p.w, "%s: %d/%d (%d%%)\n", p.label, done, total, pct)
	}
}

func (p *progress) done() {
	if p.tty && p.shown {
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a terminal (not a pipe or a file).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
