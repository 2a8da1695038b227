package ecosystem_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/ecosystem"
)

// versionsDir holds osv-scalibr's hand-written ordering fixtures
// (../shared/data/README.md, section 3).
const versionsDir = "../../shared/data/versions"

// versionFixtures names each fixture file and the OSV ecosystems upstream
// runs it against.
var versionFixtures = []struct {
	file       string
	ecosystems []string
}{
	{"semver-versions.txt", []string{"npm", "crates.io", "Go", "Hex"}},
	{"nuget-versions.txt", []string{"NuGet"}},
	{"redhat-versions.txt", []string{"Red Hat"}},
	{"alpine-versions.txt", []string{"Alpine"}},
	{"cran-versions.txt", []string{"CRAN"}},
	{"debian-versions.txt", []string{"Debian"}},
	{"maven-versions.txt", []string{"Maven"}},
	{"packagist-versions.txt", []string{"Packagist"}},
	{"pypi-versions.txt", []string{"PyPI"}},
	{"rubygems-versions.txt", []string{"RubyGems"}},
}

// TestCompareInFixtures checks every comparison of every fixture, both ways
// round, through CompareIn: a failing line is a failure, whoever is wrong.
func TestCompareInFixtures(t *testing.T) {
	if _, err := os.Stat(versionsDir); err != nil {
		t.Skipf("version fixtures not available (%v): they are ../shared/data/versions next to this repository", err)
	}
	seen := map[string]bool{}
	for _, f := range versionFixtures {
		seen[f.file] = true
		lines := readComparisons(t, filepath.Join(versionsDir, f.file))
		for _, eco := range f.ecosystems {
			t.Run(f.file+"/"+eco, func(t *testing.T) {
				for _, l := range lines {
					for _, c := range []struct {
						a, b string
						want int
					}{{l.a, l.b, l.want}, {l.b, l.a, -l.want}} {
						got, err := ecosystem.CompareIn(eco, c.a, c.b)
						if err != nil {
							t.Errorf("%s:%d %q: CompareIn(%q, %q, %q): %v", f.file, l.n, l.text, eco, c.a, c.b, err)
						} else if got != c.want {
							t.Errorf("%s:%d %q: CompareIn(%q, %q, %q) = %d, want %d", f.file, l.n, l.text, eco, c.a, c.b, got, c.want)
						}
					}
				}
				t.Logf("%s as %s: %d lines checked (each both ways round)", f.file, eco, len(lines))
			})
		}
	}
	// A fixture added to the directory must be given its ecosystems here.
	all, _ := filepath.Glob(filepath.Join(versionsDir, "*.txt"))
	for _, p := range all {
		if !seen[filepath.Base(p)] {
			t.Errorf("%s: no ecosystem assigned to this fixture", p)
		}
	}
}

type comparison struct {
	n    int // line number
	text string
	a, b string
	want int
}

// readComparisons reads "<a> <op> <b>" lines; blank lines and lines
// starting with "# " or "// " are comments. Any other line is a failure.
func readComparisons(t *testing.T, path string) []comparison {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []comparison
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "// ") {
			continue
		}
		parts := strings.Split(line, " ")
		want, ok := map[string]int{"<": -1, "=": 0, ">": 1}[parts[min(1, len(parts)-1)]]
		if len(parts) != 3 || !ok {
			t.Fatalf("%s:%d: %q is not \"<a> <op> <b>\" with op <, = or >", path, n, line)
		}
		out = append(out, comparison{n: n, text: line, a: parts[0], b: parts[2], want: want})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no comparisons", path)
	}
	return out
}
