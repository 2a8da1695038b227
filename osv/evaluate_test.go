package osv

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// ev writes events compactly: "i:1.0" introduced, "f:" fixed, "l:"
// last_affected, "x:" limit.
func ev(specs ...string) []Event {
	out := make([]Event, 0, len(specs))
	for _, s := range specs {
		k, v, _ := strings.Cut(s, ":")
		switch k {
		case "i":
			out = append(out, Event{Introduced: v})
		case "f":
			out = append(out, Event{Fixed: v})
		case "l":
			out = append(out, Event{LastAffected: v})
		case "x":
			out = append(out, Event{Limit: v})
		}
	}
	return out
}

func semverRange(specs ...string) Range { return Range{Type: "SEMVER", Events: ev(specs...)} }
func ecoRange(specs ...string) Range    { return Range{Type: "ECOSYSTEM", Events: ev(specs...)} }

func TestEvaluate(t *testing.T) {
	gitRange := Range{Type: "GIT", Repo: "https://github.com/o/r", Events: ev("i:0", "f:abc123")}
	tests := []struct {
		name     string
		affected Affected
		version  string
		want     bool
		fixed    []string
		unevals  int
		err      error // errors.Is target; nil: no error
	}{
		// introduced "0" sorts before every version.
		{"zero introduced, below fix", Affected{Ranges: []Range{semverRange("i:0", "f:1.0.2")}}, "0.0.1", true, []string{"1.0.2"}, 0, nil},
		{"zero introduced, at fix", Affected{Ranges: []Range{semverRange("i:0", "f:1.0.2")}}, "1.0.2", false, []string{"1.0.2"}, 0, nil},
		{"zero introduced, no fix", Affected{Ranges: []Range{semverRange("i:0")}}, "99.0.0", true, nil, 0, nil},
		{"zero introduced, pre-release of 0.0.0", Affected{Ranges: []Range{semverRange("i:0", "f:1.0.0")}}, "0.0.0-alpha", true, []string{"1.0.0"}, 0, nil},
		// introduced is inclusive, fixed exclusive.
		{"at introduced", Affected{Ranges: []Range{semverRange("i:1.0.0", "f:1.0.2")}}, "1.0.0", true, []string{"1.0.2"}, 0, nil},
		{"below introduced", Affected{Ranges: []Range{semverRange("i:1.0.0", "f:1.0.2")}}, "0.9.9", false, []string{"1.0.2"}, 0, nil},
		{"pre-release of fix", Affected{Ranges: []Range{semverRange("i:1.0.0", "f:1.0.2")}}, "1.0.2-rc.1", true, []string{"1.0.2"}, 0, nil},
		// last_affected is inclusive; nothing is known fixed.
		{"at last_affected", Affected{Ranges: []Range{semverRange("i:0", "l:2.1.214")}}, "2.1.214", true, nil, 0, nil},
		{"above last_affected", Affected{Ranges: []Range{semverRange("i:0", "l:2.1.214")}}, "2.1.215", false, nil, 0, nil},
		// Several introduced/fixed pairs in one range.
		{"pairs: first", Affected{Ranges: []Range{semverRange("i:1.0.0", "f:1.0.2", "i:3.0.0", "f:3.2.5")}}, "1.0.1", true, []string{"1.0.2", "3.2.5"}, 0, nil},
		{"pairs: between", Affected{Ranges: []Range{semverRange("i:1.0.0", "f:1.0.2", "i:3.0.0", "f:3.2.5")}}, "2.0.0", false, []string{"1.0.2", "3.2.5"}, 0, nil},
		{"pairs: second", Affected{Ranges: []Range{semverRange("i:1.0.0", "f:1.0.2", "i:3.0.0", "f:3.2.5")}}, "3.2.4", true, []string{"1.0.2", "3.2.5"}, 0, nil},
		{"pairs: above", Affected{Ranges: []Range{semverRange("i:1.0.0", "f:1.0.2", "i:3.0.0", "f:3.2.5")}}, "3.2.5", false, []string{"1.0.2", "3.2.5"}, 0, nil},
		// Unsorted events are sorted first (by version, not as text).
		{"unsorted: second pair", Affected{Ranges: []Range{semverRange("f:3.10.0", "i:3.2.0", "f:1.0.2", "i:0")}}, "3.9.0", true, []string{"1.0.2", "3.10.0"}, 0, nil},
		{"unsorted: between", Affected{Ranges: []Range{semverRange("f:3.10.0", "i:3.2.0", "f:1.0.2", "i:0")}}, "2.0.0", false, []string{"1.0.2", "3.10.0"}, 0, nil},
		// An introduced and a fixed event of the same version make an empty range.
		{"empty range", Affected{Ranges: []Range{semverRange("f:1.0.0", "i:1.0.0")}}, "1.0.0", false, []string{"1.0.0"}, 0, nil},
		// limit: a version at or above the limit is outside the range.
		{"below limit", Affected{Ranges: []Range{semverRange("i:1.0.0", "x:2.0.0")}}, "1.5.0", true, nil, 0, nil},
		{"at limit", Affected{Ranges: []Range{semverRange("i:1.0.0", "x:2.0.0")}}, "2.0.0", false, nil, 0, nil},
		{"above limit", Affected{Ranges: []Range{semverRange("i:1.0.0", "x:2.0.0")}}, "3.0.0", false, nil, 0, nil},
		{"limit *", Affected{Ranges: []Range{semverRange("i:1.0.0", "x:*")}}, "300.0.0", true, nil, 0, nil},
		{"limit below fix", Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{ecoRange("i:0", "f:5.0", "x:2.0")}}, "3.0", false, []string{"5.0"}, 0, nil},
		// Several limits: the schema's BeforeLimits asks for being below any one of them.
		{"two limits, below the higher", Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{ecoRange("i:1.0", "x:2.0", "x:3.0")}}, "2.5", true, nil, 0, nil},
		{"two limits, above both", Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{ecoRange("i:1.0", "x:2.0", "x:3.0")}}, "3.0", false, nil, 0, nil},
		// The explicit versions list: exact matches.
		{"versions: listed", Affected{Package: Package{Ecosystem: "PyPI"}, Versions: []string{"1.0", "1.1"}}, "1.1", true, nil, 0, nil},
		{"versions: not listed", Affected{Package: Package{Ecosystem: "PyPI"}, Versions: []string{"1.0", "1.1"}}, "1.1.0", false, nil, 0, nil},
		{"versions: listed, outside range", Affected{Package: Package{Ecosystem: "PyPI"}, Versions: []string{"0.5"}, Ranges: []Range{ecoRange("i:1.0", "f:2.0")}}, "0.5", true, []string{"2.0"}, 0, nil},
		// Multiple ranges: any one is enough.
		{"second range", Affected{Package: Package{Ecosystem: "npm"}, Ranges: []Range{ecoRange("i:1.0.0", "f:1.1.0"), ecoRange("i:2.0.0", "f:2.1.0")}}, "2.0.5", true, []string{"2.1.0"}, 0, nil},
		// GIT ranges are not evaluated; later ranges still are.
		{"GIT then ECOSYSTEM, inside", Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{gitRange, ecoRange("i:0", "f:2.0")}}, "1.5", true, []string{"2.0"}, 1, nil},
		{"GIT then ECOSYSTEM, outside", Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{gitRange, ecoRange("i:0", "f:2.0")}}, "2.0", false, []string{"2.0"}, 1, nil},
		{"GIT only", Affected{Ranges: []Range{gitRange}}, "1.0", false, nil, 1, nil},
		// Ecosystem orderings, not text order.
		{"PyPI ordering", Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{ecoRange("i:0", "f:1.10")}}, "1.9", true, []string{"1.10"}, 0, nil},
		{"PyPI pre-release", Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{ecoRange("i:0", "f:2.0")}}, "2.0rc1", true, []string{"2.0"}, 0, nil},
		{"RPM with epoch, suffixed ecosystem", Affected{Package: Package{Ecosystem: "AlmaLinux:9"}, Ranges: []Range{ecoRange("i:0", "f:1:2.4.57-5.el9")}}, "1:2.4.57-4.el9", true, []string{"1:2.4.57-5.el9"}, 0, nil},
		{"RPM, fixed", Affected{Package: Package{Ecosystem: "AlmaLinux:9"}, Ranges: []Range{ecoRange("i:0", "f:1:2.4.57-5.el9")}}, "1:2.4.57-5.el9", false, []string{"1:2.4.57-5.el9"}, 0, nil},
		{"Debian suffix", Affected{Package: Package{Ecosystem: "Debian:12"}, Ranges: []Range{ecoRange("i:0", "f:1.2-3+deb12u1")}}, "1.2-3", true, []string{"1.2-3+deb12u1"}, 0, nil},
		{"Drupal Packagist", Affected{Package: Package{Ecosystem: "Packagist:https://packages.drupal.org/8"}, Ranges: []Range{ecoRange("i:8.0.0", "f:8.9.1")}}, "8.9.0", true, []string{"8.9.1"}, 0, nil},
		// SEMVER: a leading "v" on the version is allowed (Go modules).
		{"SEMVER with v", Affected{Package: Package{Ecosystem: "Go"}, Ranges: []Range{semverRange("i:0", "f:1.2.3")}}, "v1.2.2", true, []string{"1.2.3"}, 0, nil},
		{"SEMVER build metadata ignored", Affected{Ranges: []Range{semverRange("i:0", "f:1.2.3")}}, "1.2.3+build.5", false, []string{"1.2.3"}, 0, nil},
		// Errors: reported, never guessed.
		{"unknown ecosystem", Affected{Package: Package{Ecosystem: "Nonesuch"}, Ranges: []Range{ecoRange("i:0", "f:1.0")}}, "0.5", false, []string{"1.0"}, 0, ErrUnsupportedEcosystem},
		{"unknown ecosystem, listed version", Affected{Package: Package{Ecosystem: "Nonesuch"}, Versions: []string{"0.5"}, Ranges: []Range{ecoRange("i:0", "f:1.0")}}, "0.5", true, []string{"1.0"}, 1, nil},
		{"unparseable version, SEMVER", Affected{Ranges: []Range{semverRange("i:0", "f:1.0.0")}}, "1.0", false, []string{"1.0.0"}, 0, ErrInvalidVersion},
		{"unparseable version, PyPI", Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{ecoRange("i:0", "f:1.0")}}, "not a version!", false, []string{"1.0"}, 0, ErrInvalidVersion},
		{"unparseable version, npm", Affected{Package: Package{Ecosystem: "npm"}, Ranges: []Range{ecoRange("i:0", "f:1.0.0")}}, "latest", false, []string{"1.0.0"}, 0, ErrInvalidVersion},
		{"empty version", Affected{Package: Package{Ecosystem: "npm"}, Ranges: []Range{ecoRange("i:0", "f:1.0.0")}}, "", false, []string{"1.0.0"}, 0, ErrInvalidVersion},
		{"unparseable event", Affected{Ranges: []Range{semverRange("i:0", "f:2023.03.20")}}, "1.0.0", false, []string{"2023.03.20"}, 0, ErrInvalidVersion},
		{"unparseable range, affected by another", Affected{Ranges: []Range{semverRange("i:0", "f:2023.03.20"), semverRange("i:0", "f:2.0.0")}}, "1.0.0", true, []string{"2.0.0"}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.affected.Evaluate(tt.version)
			if got.Affected != tt.want {
				t.Errorf("Affected = %v, want %v (verdict %+v)", got.Affected, tt.want, got)
			}
			if !slices.Equal(got.Fixed, tt.fixed) {
				t.Errorf("Fixed = %q, want %q", got.Fixed, tt.fixed)
			}
			if len(got.Unevaluated) != tt.unevals {
				t.Errorf("Unevaluated = %q, want %d notes", got.Unevaluated, tt.unevals)
			}
			switch {
			case tt.err == nil && got.Err != nil:
				t.Errorf("Err = %v, want none", got.Err)
			case tt.err != nil && !errors.Is(got.Err, tt.err):
				t.Errorf("Err = %v, want %v", got.Err, tt.err)
			}
			if got.Err != nil && got.Affected {
				t.Error("Affected with an error")
			}
		})
	}
}

func TestEvaluateGITNote(t *testing.T) {
	a := Affected{Package: Package{Ecosystem: "PyPI"}, Ranges: []Range{
		{Type: "GIT", Repo: "https://github.com/o/r", Events: ev("i:0", "f:abc")},
		ecoRange("i:0", "f:2.0"),
	}}
	got := a.Evaluate("1.0")
	if want := []string{"GIT range on https://github.com/o/r not evaluated"}; !slices.Equal(got.Unevaluated, want) {
		t.Errorf("Unevaluated = %q, want %q", got.Unevaluated, want)
	}
}

func TestSemverOrder(t *testing.T) {
	// SemVer 2.0.0 section 11's example chain.
	chain := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1", "10.0.0"}
	for i := 0; i+1 < len(chain); i++ {
		a, err := parseSemver(chain[i])
		if err != nil {
			t.Fatal(err)
		}
		b, err := parseSemver(chain[i+1])
		if err != nil {
			t.Fatal(err)
		}
		if a.compare(b) != -1 || b.compare(a) != 1 || a.compare(a) != 0 {
			t.Errorf("%s < %s does not hold", chain[i], chain[i+1])
		}
	}
	// "-1" is an alphanumeric identifier, so above any numeric one.
	a, _ := parseSemver("1.0.0--1")
	b, _ := parseSemver("1.0.0-1")
	if a.compare(b) != 1 {
		t.Error("1.0.0--1 should sort after 1.0.0-1")
	}
	for _, bad := range []string{"1", "1.2", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3-a..b", "1.2.3-é", "", " 1.2.3", "vv1.2.3"} {
		if _, err := parseSemver(bad); err == nil {
			t.Errorf("parseSemver(%q) accepted", bad)
		}
	}
}
