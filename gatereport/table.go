package gatereport

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/bulwark-sec/bulwark"
)

// TableOptions changes what Table prints.
type TableOptions struct {
	// All lists passing components too; by default they are only counted.
	All bool
	// Color adds ANSI colour to the outcome words, for terminals.
	Color bool
	// RunURL is the gate run's page in Bulwark, where the uncertified
	// components can be requested in one action. Optional.
	RunURL string
}

// Table writes g as a plain-text report for a terminal or a CI log: a
// header line, a table of failures and warnings (and passes with
// opts.All), a summary line and, when components failed for want of
// certification, a hint on how to request them.
func Table(w io.Writer, g *bulwark.GateResult, opts TableOptions) (err error) {
	defer bulwark.Wrap(&err, "gatereport.Table(gate run %d)", g.ID)
	paint := func(o bulwark.GateOutcome) string {
		if s, ok := outcomes[o]; ok && opts.Color {
			return s.color + s.word + "\x1b[0m"
		}
		return Word(o)
	}
	t := count(g)
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %s: %s%s\n", clean(g.Release.Product), clean(g.Release.Version), paint(g.Outcome), sbomSummary(g.SBOM))

	var rows []bulwark.GateCheck
	for _, c := range g.Checks {
		if c.Outcome != bulwark.GatePass || opts.All {
			rows = append(rows, c)
		}
	}
	// The gate sorts its checks already; sorting again keeps a result built
	// by other hands readable too.
	rank := map[bulwark.GateOutcome]int{bulwark.GateFail: 0, bulwark.GateWarn: 1, bulwark.GatePass: 2}
	slices.SortStableFunc(rows, func(a, b bulwark.GateCheck) int { return rank[a.Outcome] - rank[b.Outcome] })
	if len(rows) > 0 {
		out.WriteString("\n")
		out.Write(alignRows(rows, paint))
	}

	out.WriteString("\n")
	if t.passed > 0 && !opts.All {
		fmt.Fprintf(&out, "%s passed\n", plural(t.passed, "component", "components"))
	}
	fmt.Fprintf(&out, "%s: %d failed, %s, %d passed\n", paint(g.Outcome), t.failed, plural(t.warned, "warning", "warnings"), t.passed)
	if n := requestable(g); n > 0 {
		where := "from this gate run in Bulwark"
		if opts.RunURL != "" {
			where = "at " + clean(opts.RunURL)
		}
		fmt.Fprintf(&out, "hint: %s can be requested for certification in one action %s\n", plural(n, "uncertified component", "uncertified components"), where)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// alignRows lays the checks out in columns. Colour is added after
// alignment, because tabwriter would count the escape sequences as width.
func alignRows(rows []bulwark.GateCheck, paint func(bulwark.GateOutcome) string) []byte {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "OUTCOME\tCOMPONENT\tSTATE\tRULE\tMESSAGE")
	for _, c := range rows {
		// MESSAGE is the last cell, so tabwriter leaves it unpadded: a long
		// message runs on without widening the other columns.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", Word(c.Outcome), clean(component(&c)), clean(state(&c)), clean(c.Rule), clean(c.Message))
	}
	tw.Flush()
	lines := strings.SplitAfter(buf.String(), "\n")
	var out bytes.Buffer
	out.WriteString(lines[0])
	// clean removed every line break from the cells, so line i+1 is row i.
	for i, c := range rows {
		word := Word(c.Outcome)
		out.WriteString(paint(c.Outcome) + strings.TrimPrefix(lines[i+1], word))
	}
	return out.Bytes()
}

// sbomSummary describes the SBOM for the header line.
func sbomSummary(s bulwark.SBOMInfo) string {
	var parts []string
	if f := strings.TrimSpace(s.Format + " " + s.SpecVersion); f != "" {
		parts = append(parts, clean(f))
	}
	parts = append(parts, plural(s.Components, "component", "components"))
	if s.Digest != "" {
		parts = append(parts, clean(shortDigest(s.Digest)))
	}
	return " (SBOM " + strings.Join(parts, ", ") + ")"
}

// shortDigest abbreviates "sha256:<64 hex>" to its first 12 hex digits,
// enough to tell SBOMs apart in a log.
func shortDigest(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok {
		algo, hex = "", d
	} else {
		algo += ":"
	}
	if len(hex) > 12 {
		hex = hex[:12]
	}
	return algo + hex
}

// requestable counts the components that RequestUncertified would turn
// into introduction requests: failing as uncertified, not in the catalog
// or rejected (those requested already are on their way), and not
// requested from this run before.
func requestable(g *bulwark.GateResult) int {
	seen := map[string]bool{}
	for _, c := range g.Checks {
		if c.Outcome != bulwark.GateFail || c.Rule != bulwark.RuleUncertified {
			continue
		}
		if c.State != "" && c.State != bulwark.StateRejected {
			continue
		}
		if id := identity(&c); !slices.Contains(g.Requested, id) {
			seen[id] = true
		}
	}
	return len(seen)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// clean makes text that came from an SBOM safe for one line of a
// terminal: line breaks and tabs (which would break the table) become
// spaces; other control characters (which could move the cursor or
// recolour the terminal) and bidirectional overrides (which could make a
// name read as another) become U+FFFD.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || unicode.In(r, unicode.Zl, unicode.Zp):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
