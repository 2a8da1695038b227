package osv

import (
	"bufio"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompareFixtures runs osv-scalibr's hand-written ordering fixtures
// (../shared/data/versions) through Compare, with the ecosystem names
// records use, suffixes included. The SemVer fixture also goes through the
// strict SEMVER ordering of ranges.
func TestCompareFixtures(t *testing.T) {
	dir := sharedData(t, "versions")
	files := map[string][]string{
		"semver-versions.txt":    {"npm", "crates.io", "Go", "Hex", "Bitnami"},
		"nuget-versions.txt":     {"NuGet"},
		"redhat-versions.txt":    {"Red Hat:rhel_aus:8.4::appstream", "AlmaLinux:9", "Rocky Linux:8", "openSUSE:Leap 15.5", "SUSE:Linux Enterprise Server 15 SP5", "Mageia:9", "openEuler:22.03-LTS", "Photon OS:5.0"},
		"alpine-versions.txt":    {"Alpine:v3.19", "Wolfi"},
		"cran-versions.txt":      {"CRAN"},
		"debian-versions.txt":    {"Debian:12", "Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS"},
		"maven-versions.txt":     {"Maven", "Maven:https://maven.google.com"},
		"packagist-versions.txt": {"Packagist", "Packagist:https://packages.drupal.org/8"},
		"pypi-versions.txt":      {"PyPI"},
		"rubygems-versions.txt":  {"RubyGems"},
	}
	for _, file := range slices.Sorted(maps.Keys(files)) {
		ecosystems := files[file]
		lines := readComparisons(t, filepath.Join(dir, file))
		for _, eco := range ecosystems {
			bad := 0
			for _, c := range lines {
				got, err := Compare(eco, c.a, c.b)
				if err != nil || got != c.want {
					bad++
					t.Errorf("%s: Compare(%q, %q) = %d, %v; want %d", eco, c.a, c.b, got, err, c.want)
				}
			}
			t.Logf("%-24s %-40s %d/%d", file, eco, len(lines)-bad, len(lines))
		}
		if file == "semver-versions.txt" {
			strict, skipped := 0, 0
			for _, c := range lines {
				a, errA := parseSemver(c.a)
				b, errB := parseSemver(c.b)
				if errA != nil || errB != nil {
					skipped++ // the fixture also orders SemVer-like strings
					continue
				}
				strict++
				if got := a.compare(b); got != c.want {
					t.Errorf("SEMVER: %s vs %s = %d, want %d", c.a, c.b, got, c.want)
				}
			}
			t.Logf("SEMVER ranges' strict ordering: %d comparisons, %d lines not SemVer 2.0", strict, skipped)
		}
	}
}

type comparison struct {
	a, b string
	want int
}

// readComparisons reads "<a> <op> <b>" lines (see the data README,
// section 3).
func readComparisons(t *testing.T, path string) []comparison {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []comparison
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "// ") {
			continue
		}
		parts := strings.Split(line, " ")
		if len(parts) != 3 {
			t.Fatalf("%s: bad line %q", path, line)
		}
		want := map[string]int{"<": -1, "=": 0, ">": 1}[parts[1]]
		out = append(out, comparison{parts[0], parts[2], want})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSupported(t *testing.T) {
	for eco, want := range map[string]bool{
		"PyPI": true, "Go": true, "npm": true, "Maven": true, "crates.io": true, "Bitnami": true,
		"AlmaLinux:8": true, "AlmaLinux": true, "Rocky Linux:9": true, "Red Hat:enterprise_linux:9::appstream": true,
		"openSUSE:Leap 15.5": true, "SUSE:Linux Enterprise Server 15": true, "Mageia:9": true, "openEuler:22.03-LTS": true,
		"Photon OS:3.0": true, "Debian:12": true, "Ubuntu:22.04:LTS": true, "Alpine:v3.19": true, "Hackage": true, "GHC": true,
		"Packagist:https://packages.drupal.org/8": true, "CRAN": true,
		"": false, "Linux": false, "Android": false, "OSS-Fuzz": false, "GIT": false, "pypi": false,
	} {
		if got := Supported(eco); got != want {
			t.Errorf("Supported(%q) = %v, want %v", eco, got, want)
		}
	}
}

func TestCompareErrors(t *testing.T) {
	if _, err := Compare("Nonesuch", "1", "2"); !errors.Is(err, ErrUnsupportedEcosystem) {
		t.Errorf("unknown ecosystem: %v", err)
	}
	for _, tc := range []struct{ eco, v string }{
		{"PyPI", "1.0 beta"}, {"npm", "latest"}, {"Go", ""}, {"Maven", "1.0\n"}, {"Debian:12", "a:b:c"},
	} {
		if _, err := Compare(tc.eco, tc.v, "1.0"); !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("Compare(%q, %q): %v, want ErrInvalidVersion", tc.eco, tc.v, err)
		}
	}
}
