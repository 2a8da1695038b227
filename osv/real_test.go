package osv

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// sharedData returns ../../shared/data/<sub> (the repository's
// ../shared/data), or skips the test when this checkout has none.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "data", sub))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no shared test data at %s (the repository's ../shared/data): %v", dir, err)
	}
	return dir
}

// osvPacks lists ../shared/data/osv/*.tar.gz.
func osvPacks(t testing.TB) []string {
	t.Helper()
	packs, err := filepath.Glob(filepath.Join(sharedData(t, "osv"), "*.tar.gz"))
	if err != nil || len(packs) == 0 {
		t.Skipf("no OSV packs in ../shared/data/osv: %v", err)
	}
	return packs
}

// sharedRecords is every record of the OSV packs, by source, read once.
var sharedRecords = sync.OnceValues(func() (map[string]Item, error) {
	packs, err := filepath.Glob(filepath.Join("..", "..", "shared", "data", "osv", "*.tar.gz"))
	if err != nil {
		return nil, err
	}
	items := map[string]Item{}
	err = Walk(packs, func(it Item) error {
		items[it.Source] = it
		return nil
	})
	return items, err
})

// recordAt returns the record of one pack member ("almalinux.tar.gz!…").
func recordAt(t *testing.T, member string) *Record {
	t.Helper()
	osvPacks(t)
	items, err := sharedRecords()
	if err != nil {
		t.Fatal(err)
	}
	source := filepath.Join("..", "..", "shared", "data", "osv", member)
	it, ok := items[source]
	if !ok {
		t.Fatalf("no record %s in the packs", member)
	}
	if it.Err != nil {
		t.Fatalf("%s: %v", member, it.Err)
	}
	return it.Record
}

// The data README (section 2) gives 5,268 advisories in 9 packs.
const sharedAdvisories = 5268

// TestWalkSharedPacks reads every pack: each record parses or is rejected
// with a reason, and the total is the README's.
func TestWalkSharedPacks(t *testing.T) {
	packs := osvPacks(t)
	type tally struct {
		read, rejected, withdrawn int
		reasons, warnings, scored map[string]int
	}
	byPack := map[string]*tally{}
	total := 0
	for _, p := range packs {
		tl := &tally{reasons: map[string]int{}, warnings: map[string]int{}, scored: map[string]int{}}
		byPack[filepath.Base(p)] = tl
		err := Walk([]string{p}, func(it Item) error {
			total++
			if !strings.HasPrefix(it.Source, p+"!") {
				t.Errorf("source %q does not name the pack", it.Source)
			}
			if it.Err != nil {
				tl.rejected++
				e, ok := it.Err.(*Error)
				if !ok || e.Msg == "" {
					t.Errorf("%s: rejected without a reason: %v", it.Source, it.Err)
					return nil
				}
				tl.reasons[e.Field+": "+e.Msg]++
				return nil
			}
			tl.read++
			if it.Record.ID == "" {
				t.Errorf("%s: accepted without an id", it.Source)
			}
			for _, w := range it.Warnings {
				tl.warnings[warningKind(w)]++
			}
			if it.Record.IsWithdrawn() {
				tl.withdrawn++
			}
			s := Score(it.Record)
			if s.Source == "" {
				s.Source = "none"
			}
			tl.scored[s.Source]++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Count([]string{p})
		if err != nil {
			t.Fatal(err)
		}
		if n != tl.read+tl.rejected {
			t.Errorf("%s: Count %d, Walk %d", filepath.Base(p), n, tl.read+tl.rejected)
		}
	}
	names := slices.Sorted(maps.Keys(byPack))
	var b strings.Builder
	fmt.Fprintf(&b, "%-26s %6s %8s %9s  %s\n", "pack", "read", "rejected", "withdrawn", "severity from")
	for _, n := range names {
		tl := byPack[n]
		var sources []string
		for _, src := range slices.Sorted(maps.Keys(tl.scored)) {
			sources = append(sources, fmt.Sprintf("%s %d", src, tl.scored[src]))
		}
		fmt.Fprintf(&b, "%-26s %6d %8d %9d  %s\n", n, tl.read, tl.rejected, tl.withdrawn, strings.Join(sources, ", "))
		for _, r := range slices.Sorted(maps.Keys(tl.reasons)) {
			fmt.Fprintf(&b, "    rejected %4d× %s\n", tl.reasons[r], r)
		}
		for _, w := range slices.Sorted(maps.Keys(tl.warnings)) {
			fmt.Fprintf(&b, "    warning  %4d× %s\n", tl.warnings[w], w)
		}
	}
	t.Logf("records in ../shared/data/osv:\n%s", b.String())
	if total != sharedAdvisories {
		t.Errorf("walked %d records, the data README says %d", total, sharedAdvisories)
	}
}

// warningKind drops the indexes and values of a warning, for tallying.
func warningKind(w string) string {
	var b strings.Builder
	skip := false
	for _, r := range w {
		switch {
		case r == '[':
			skip = true
			b.WriteString("[]")
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	s := b.String()
	if i := strings.Index(s, `"`); i >= 0 {
		if j := strings.LastIndex(s, `"`); j > i {
			s = s[:i] + "…" + s[j+1:]
		}
	}
	return s
}

// TestEvaluateRealRecords checks Evaluate on a handful of real records,
// inside and outside their ranges.
func TestEvaluateRealRecords(t *testing.T) {
	tests := []struct {
		member, pkg, version string
		affected             bool
		fixed                []string
		unevaluated          int
		err                  error
	}{
		// AlmaLinux: RPM ordering, epoch-less versions, "AlmaLinux:10".
		{"almalinux.tar.gz!almalinux/almalinux10/ALSA-2025:10195.json", "thunderbird", "128.11.0-1.el10_0.alma.1", true, []string{"128.12.0-1.el10_0.alma.1"}, 0, nil},
		{"almalinux.tar.gz!almalinux/almalinux10/ALSA-2025:10195.json", "thunderbird", "128.12.0-1.el10_0.alma.1", false, []string{"128.12.0-1.el10_0.alma.1"}, 0, nil},
		{"almalinux.tar.gz!almalinux/almalinux10/ALSA-2025:10195.json", "thunderbird", "128.12.0-1.el10_0.alma.2", false, []string{"128.12.0-1.el10_0.alma.1"}, 0, nil},
		// PyPI: a GIT range first, then the ECOSYSTEM range that decides.
		{"pypa-pypi.tar.gz!pypi/bleach/PYSEC-2018-51.json", "bleach", "2.1.2", true, []string{"2.1.3"}, 1, nil},
		{"pypa-pypi.tar.gz!pypi/bleach/PYSEC-2018-51.json", "bleach", "2.1.3", false, []string{"2.1.3"}, 1, nil},
		{"pypa-pypi.tar.gz!pypi/bleach/PYSEC-2018-51.json", "bleach", "2.0", false, []string{"2.1.3"}, 1, nil},
		// Go: SEMVER with two introduced/fixed pairs and a pre-release bound.
		{"go-vulndb.tar.gz!go/GO-2022-0537.json", "stdlib", "1.17.12", true, []string{"1.17.13", "1.18.5"}, 0, nil},
		{"go-vulndb.tar.gz!go/GO-2022-0537.json", "stdlib", "v1.17.13", false, []string{"1.17.13", "1.18.5"}, 0, nil},
		{"go-vulndb.tar.gz!go/GO-2022-0537.json", "stdlib", "1.18.0-rc1", true, []string{"1.17.13", "1.18.5"}, 0, nil},
		{"go-vulndb.tar.gz!go/GO-2022-0537.json", "stdlib", "1.18.5", false, []string{"1.17.13", "1.18.5"}, 0, nil},
		// Bitnami: last_affected pairs that name single versions.
		{"bitnami.tar.gz!bitnami/activemq/BIT-activemq-2021-21343.json", "activemq", "5.16.1", true, nil, 0, nil},
		{"bitnami.tar.gz!bitnami/activemq/BIT-activemq-2021-21343.json", "activemq", "5.16.2", false, []string{"5.15.14"}, 0, nil},
		// Bitnami's minio writes dates as SEMVER versions: "2023.03.20" is not SemVer.
		{"bitnami.tar.gz!bitnami/minio/BIT-minio-2023-28433.json", "minio", "2023.3.1", false, []string{"2023.03.20"}, 0, ErrInvalidVersion},
	}
	for _, tt := range tests {
		t.Run(tt.member+"@"+tt.version, func(t *testing.T) {
			r := recordAt(t, tt.member)
			var a *Affected
			for i := range r.Affected {
				if r.Affected[i].Package.Name == tt.pkg {
					a = &r.Affected[i]
					break
				}
			}
			if a == nil {
				t.Fatalf("no package %s in %s", tt.pkg, r.ID)
			}
			got := a.Evaluate(tt.version)
			if got.Affected != tt.affected || !slices.Equal(got.Fixed, tt.fixed) || len(got.Unevaluated) != tt.unevaluated {
				t.Errorf("Evaluate(%q) = %+v; want affected %v, fixed %q, %d unevaluated", tt.version, got, tt.affected, tt.fixed, tt.unevaluated)
			}
			if tt.err == nil && got.Err != nil || tt.err != nil && !errors.Is(got.Err, tt.err) {
				t.Errorf("Err = %v, want %v", got.Err, tt.err)
			}
		})
	}
}

// TestVersionsListsAgreeWithRanges cross-checks the orderings: where an
// entry has both a versions list (which osv.dev expands from the ranges)
// and SEMVER or ECOSYSTEM ranges, every listed version should fall in a
// range by Evaluate with the list taken away. It does, but for six
// pre-releases of PYSEC-2023-61 (django 3.2a1 … 4.2rc1): its ranges start
// at "3.2" and "4.2", which PEP 440 orders after their pre-releases, while
// its versions list names them. Evaluate says affected for them (the list
// counts on its own), as the schema wants.
func TestVersionsListsAgreeWithRanges(t *testing.T) {
	osvPacks(t)
	items, err := sharedRecords()
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ agree, outside, unknown int }
	byPack := map[string]*tally{}
	var shown int
	for _, source := range slices.Sorted(maps.Keys(items)) {
		it := items[source]
		if it.Err != nil {
			continue
		}
		pack := filepath.Base(source[:strings.Index(source, "!")])
		if byPack[pack] == nil {
			byPack[pack] = &tally{}
		}
		tl := byPack[pack]
		for _, a := range it.Record.Affected {
			if len(a.Versions) == 0 || !slices.ContainsFunc(a.Ranges, func(r Range) bool { return r.Type != "GIT" }) {
				continue
			}
			ranges := a
			ranges.Versions = nil
			for _, v := range a.Versions {
				got := ranges.Evaluate(v)
				switch {
				case got.Affected:
					tl.agree++
				case got.Err != nil:
					tl.unknown++
					if shown++; shown <= 15 {
						t.Logf("%s %s %s: %v", it.Record.ID, a.Package.Name, v, got.Err)
					}
				default:
					tl.outside++
					if shown++; shown <= 15 {
						t.Logf("%s %s %q listed but outside its ranges", it.Record.ID, a.Package.Name, v)
					}
				}
			}
		}
	}
	wantOutside := map[string]int{"pypa-pypi.tar.gz": 6}
	for _, p := range slices.Sorted(maps.Keys(byPack)) {
		tl := byPack[p]
		if tl.agree+tl.outside+tl.unknown > 0 {
			t.Logf("%-26s listed versions in range %5d, outside %3d, not evaluable %3d", p, tl.agree, tl.outside, tl.unknown)
		}
		if tl.outside != wantOutside[p] || tl.unknown != 0 {
			t.Errorf("%s: %d listed versions outside the ranges (want %d), %d not evaluable (want 0)", p, tl.outside, wantOutside[p], tl.unknown)
		}
	}
}
