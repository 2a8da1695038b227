package osv

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// Verdict is the answer to "is this version affected?" for one affected[]
// entry.
//
// Affected is true when the version is listed in versions, or falls in a
// SEMVER or ECOSYSTEM range. Err is set, and Affected false, when the
// answer is unknown: the version (or an event version of a range) cannot
// be read by the range's ordering, or the ecosystem has no known ordering.
// A range that cannot be read does not hide a positive answer from another
// range or from the versions list; it is then named in Unevaluated instead.
// GIT ranges are never evaluated (that needs the repository's commit
// graph) and are always named in Unevaluated.
//
// Within a SEMVER or ECOSYSTEM range the schema's IncludedInRanges is
// followed: events sorted by version (introduced "0" first; at equal
// versions introduced, then last_affected, then fixed), introduced opens,
// fixed closes (the fixed version is not affected), last_affected closes
// after its version. limit events bound the range: as the schema's
// BeforeLimits says, the version must be below at least one limit (a limit
// holding "*" is infinity), so with one limit a version at or above it is
// outside the range whatever the other events say.
//
// Fixed, when Affected, lists the fixed versions of the ranges the version
// falls in (every fixed event of those ranges, so with several introduced /
// fixed pairs the one above the version is among them); when the version is
// affected only through the versions list, or not affected, it lists every
// fixed version of the entry's SEMVER and ECOSYSTEM ranges. Ranges are taken
// in record order, each range's fixed versions in ascending order (as given
// when the range cannot be ordered), without repeats. A range closed by
// last_affected has no known fixed version and adds nothing. GIT fixed
// events are commits, not versions, and are never listed.
type Verdict struct {
	Affected    bool
	Fixed       []string
	Unevaluated []string
	Err         error
}

// ordering reads versions of one range type: SEMVER, or ECOSYSTEM of one
// ecosystem.
type ordering struct {
	name  string
	parse func(string) (orderedVersion, error)
}

// orderedVersion is a version read by one ordering; it is compared only
// with versions read by the same ordering.
type orderedVersion interface{ cmp(orderedVersion) int }

type semverValue semver

func (v semverValue) cmp(w orderedVersion) int { return semver(v).compare(semver(w.(semverValue))) }

type scalibrValue struct{ v semantic.Version }

func (v scalibrValue) cmp(w orderedVersion) int {
	c, _ := v.v.Compare(w.(scalibrValue).v) // same ordering: no error
	return c
}

var semverOrdering = ordering{
	name: "SemVer 2.0",
	parse: func(s string) (orderedVersion, error) {
		v, err := parseSemver(s)
		return semverValue(v), err
	},
}

func ecosystemOrdering(ecosystem string) (ordering, error) {
	if !Supported(ecosystem) {
		if ecosystem == "" {
			return ordering{}, fmt.Errorf("%w: the package names no ecosystem", ErrUnsupportedEcosystem)
		}
		return ordering{}, fmt.Errorf("%w: %q", ErrUnsupportedEcosystem, ecosystem)
	}
	return ordering{
		name: baseEcosystem(ecosystem),
		parse: func(s string) (orderedVersion, error) {
			v, err := parseEcosystemVersion(ecosystem, s)
			if err != nil {
				return nil, err
			}
			return scalibrValue{v}, nil
		},
	}, nil
}

// Evaluate decides whether version of the entry's package is affected,
// following the OSV schema's evaluation rules (see Verdict). version is
// written as the ecosystem writes it; for SEMVER ranges one leading "v" is
// allowed, as Go module versions have.
func (a *Affected) Evaluate(version string) Verdict {
	return a.EvaluateWith(nil, version)
}

// VersionCache remembers the versions already read, so that evaluating
// many entries (a scan, a re-match) reads each version text once. The zero
// value is ready; it is for one goroutine at a time.
type VersionCache struct {
	read map[string]parsedVersion // ordering name, NUL, text
}

type parsedVersion struct {
	v   orderedVersion
	err error
}

// parse reads s with ord, through the cache when there is one.
func (c *VersionCache) parse(ord ordering, s string) (orderedVersion, error) {
	if c == nil {
		return ord.parse(s)
	}
	key := ord.name + "\x00" + s
	if p, ok := c.read[key]; ok {
		return p.v, p.err
	}
	v, err := ord.parse(s)
	if c.read == nil {
		c.read = map[string]parsedVersion{}
	}
	c.read[key] = parsedVersion{v, err}
	return v, err
}

// EvaluateWith is Evaluate reading versions through cache (nil for none).
func (a *Affected) EvaluateWith(cache *VersionCache, version string) Verdict {
	var out Verdict
	listed := slices.Contains(a.Versions, version)

	// The version is read once per ordering; a failure is one error, not
	// one per range.
	mine := map[string]parsedVersion{}
	var errs []error
	var inFixed, allFixed []string

	for i, r := range a.Ranges {
		var ord ordering
		switch r.Type {
		case "GIT":
			repo := r.Repo
			if repo == "" {
				repo = "(no repo)"
			}
			out.Unevaluated = append(out.Unevaluated, "GIT range on "+repo+" not evaluated")
			continue
		case "SEMVER":
			ord = semverOrdering
		case "ECOSYSTEM":
			var err error
			if ord, err = ecosystemOrdering(a.Package.Ecosystem); err != nil {
				errs = appendOnce(errs, err)
				allFixed = appendFixed(allFixed, r, nil)
				out.Unevaluated = append(out.Unevaluated, fmt.Sprintf("ranges[%d]: %v", i, err))
				continue
			}
		default:
			err := fmt.Errorf("ranges[%d]: unknown range type %q", i, r.Type)
			errs = append(errs, err)
			out.Unevaluated = append(out.Unevaluated, err.Error())
			continue
		}
		p, ok := mine[ord.name]
		if !ok {
			p.v, p.err = cache.parse(ord, version)
			mine[ord.name] = p
		}
		events, err := sortEvents(cache, ord, r.Events)
		allFixed = appendFixed(allFixed, r, events)
		if p.err != nil {
			errs = appendOnce(errs, p.err)
			out.Unevaluated = append(out.Unevaluated, fmt.Sprintf("ranges[%d]: %v", i, p.err))
			continue
		}
		if err != nil {
			err = fmt.Errorf("ranges[%d]: %w", i, err)
			errs = append(errs, err)
			out.Unevaluated = append(out.Unevaluated, err.Error())
			continue
		}
		if inRange(p.v, events) {
			out.Affected = true
			inFixed = appendFixed(inFixed, r, events)
		}
	}

	switch {
	case out.Affected:
		out.Fixed = inFixed
	case listed:
		out.Affected = true
		out.Fixed = allFixed
	default:
		out.Fixed = allFixed
		out.Err = errors.Join(errs...)
		// Without an answer, Unevaluated repeats Err; keep only GIT notes.
		out.Unevaluated = slices.DeleteFunc(out.Unevaluated, func(s string) bool {
			return !strings.HasPrefix(s, "GIT range")
		})
	}
	if len(out.Unevaluated) == 0 {
		out.Unevaluated = nil
	}
	return out
}

// event is an event with its version read.
type event struct {
	kind int // order at equal versions; see below
	raw  string
	v    orderedVersion // nil for introduced "0" and limits holding "*"
}

// Event kinds, in the order events of equal version are walked: an
// introduced event before a fixed one of the same version makes an empty
// range, as it should.
const (
	kIntroduced = iota
	kLastAffected
	kFixed
	kLimit
)

// sortEvents reads and sorts the events of a range. Introduced "0" sorts
// first; a limit holding "*" is infinity.
func sortEvents(cache *VersionCache, ord ordering, in []Event) ([]event, error) {
	out := make([]event, 0, len(in))
	for j, e := range in {
		var ev event
		switch {
		case e.Introduced != "":
			ev = event{kind: kIntroduced, raw: e.Introduced}
		case e.LastAffected != "":
			ev = event{kind: kLastAffected, raw: e.LastAffected}
		case e.Fixed != "":
			ev = event{kind: kFixed, raw: e.Fixed}
		case e.Limit != "":
			ev = event{kind: kLimit, raw: e.Limit}
		default:
			continue // Parse rejects these; nothing to walk
		}
		zero := ev.kind == kIntroduced && ev.raw == "0"
		infinite := ev.kind == kLimit && strings.Contains(ev.raw, "*")
		if !zero && !infinite {
			v, err := cache.parse(ord, ev.raw)
			if err != nil {
				return nil, fmt.Errorf("events[%d]: %w", j, err)
			}
			ev.v = v
		}
		out = append(out, ev)
	}
	slices.SortStableFunc(out, func(a, b event) int {
		switch {
		case a.v == nil && b.v == nil:
		case a.v == nil: // "0" lowest, "*" highest
			if a.kind == kLimit {
				return 1
			}
			return -1
		case b.v == nil:
			if b.kind == kLimit {
				return -1
			}
			return 1
		default:
			if c := a.v.cmp(b.v); c != 0 {
				return c
			}
		}
		return a.kind - b.kind
	})
	return out, nil
}

// inRange is the schema's IncludedInRanges for one range whose events are
// sorted: BeforeLimits, then the walk.
func inRange(v orderedVersion, events []event) bool {
	limited, before := false, false
	for _, e := range events {
		if e.kind == kLimit {
			limited = true
			if e.v == nil || v.cmp(e.v) < 0 {
				before = true
			}
		}
	}
	if limited && !before {
		return false
	}
	vulnerable := false
	for _, e := range events {
		switch e.kind {
		case kIntroduced:
			if e.v == nil || v.cmp(e.v) >= 0 {
				vulnerable = true
			}
		case kFixed:
			if v.cmp(e.v) >= 0 {
				vulnerable = false
			}
		case kLastAffected:
			if v.cmp(e.v) > 0 {
				vulnerable = false
			}
		}
	}
	return vulnerable
}

// appendFixed adds a range's fixed versions: sorted when events is the
// sorted list, else as the record gives them.
func appendFixed(list []string, r Range, events []event) []string {
	if r.Type == "GIT" {
		return list
	}
	add := func(s string) {
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	if events != nil {
		for _, e := range events {
			if e.kind == kFixed {
				add(e.raw)
			}
		}
		return list
	}
	for _, e := range r.Events {
		if e.Fixed != "" && e.Introduced == "" && e.LastAffected == "" && e.Limit == "" {
			add(e.Fixed)
		}
	}
	return list
}

func appendOnce(errs []error, err error) []error {
	for _, e := range errs {
		if e.Error() == err.Error() {
			return errs
		}
	}
	return append(errs, err)
}
