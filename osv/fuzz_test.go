package osv

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; it returns a record or an *Error, and a
// record it returns passes its own checks and can be scored and evaluated.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		goodJSON, goodYAML, record("A-1"), badRecord,
		`{"id":"A-1","ID":"B","modified":"0001-01-01T00:00:00Z","\u0053ummary":"x"}`,
		"id: X\nmodified: 2024-01-01T00:00:00Z\nx: &a [1]\ny: *a\n",
		"{}", "[]", "", "\xEF\xBB\xBF{}", "- a\n- b\n", "id: [",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, warnings, err := Parse(data, "fuzz")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || r != nil || warnings != nil {
				t.Fatalf("error %T %v with record %v", err, err, r != nil)
			}
			return
		}
		if r.ID == "" {
			t.Fatal("accepted without an id")
		}
		Score(r)
		for i := range r.Affected {
			for _, v := range []string{"0", "1.0.0", "v1.2.3", "1:2.3-4.el9"} {
				vd := r.Affected[i].Evaluate(v)
				if vd.Err != nil && vd.Affected {
					t.Fatal("affected with an error")
				}
			}
		}
		// What Parse accepts, it accepts again once written as JSON.
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Parse(b, "again"); err != nil && !strings.Contains(err.Error(), "over the limit") {
			t.Fatalf("re-reading %s: %v", b, err)
		}
	})
}

// FuzzEvaluate: Evaluate never panics, whatever the events and version;
// with an error it never says affected.
func FuzzEvaluate(f *testing.F) {
	f.Add("SEMVER", "Go", "0", "1.2.3", "", "", "1.2.0")
	f.Add("ECOSYSTEM", "PyPI", "1.0", "2.0rc1", "", "3.0", "2.0")
	f.Add("ECOSYSTEM", "AlmaLinux:9", "0", "1:2.4.57-5.el9", "", "", "2.4.57-4.el9")
	f.Add("ECOSYSTEM", "Debian:12", "0", "", "1.2-3", "*", "1.2-3~deb12u1")
	f.Add("ECOSYSTEM", "Alpine:v3.19", "0", "1.2.3-r4", "", "", "1.2.3_rc1-r0")
	f.Add("ECOSYSTEM", "Maven", "1.0", "1.0.1", "", "", "1.0-SNAPSHOT")
	f.Add("ECOSYSTEM", "Hackage", "0", "1.2.3.4", "", "", "1.2")
	f.Add("ECOSYSTEM", "CRAN", "0", "1.2-3", "", "", "1.2.3")
	f.Add("ECOSYSTEM", "NuGet", "0", "1.2.3", "", "", "1.2.3-beta")
	f.Add("ECOSYSTEM", "Packagist", "0", "8.9.1", "", "", "dev-master")
	f.Add("ECOSYSTEM", "RubyGems", "0", "1.2.3.pre", "", "", "1.2.3")
	f.Add("ECOSYSTEM", "Pub", "0", "1.2.3+4", "", "", "1.2.3")
	f.Add("GIT", "", "0", "abc", "", "", "1.0")
	f.Add("ECOSYSTEM", "Nonesuch", "0", "1", "", "", "0.5")
	f.Fuzz(func(t *testing.T, typ, ecosystem, introduced, fixed, lastAffected, limit, version string) {
		r := Range{Type: typ, Repo: "r", Events: []Event{{Introduced: introduced}, {Fixed: fixed}, {LastAffected: lastAffected}, {Limit: limit}}}
		a := Affected{Package: Package{Ecosystem: ecosystem, Name: "p"}, Ranges: []Range{r, r}}
		v := a.Evaluate(version)
		if v.Err != nil && v.Affected {
			t.Fatal("affected with an error")
		}
		if introduced == "0" && typ == "SEMVER" && fixed == "" && lastAffected == "" && limit == "" && v.Err == nil && !v.Affected {
			t.Fatalf("introduced 0 alone does not cover %q", version)
		}
		if c, err := Compare(ecosystem, introduced, version); err == nil {
			if d, err := Compare(ecosystem, version, introduced); err != nil || d != -c {
				t.Fatalf("Compare(%q, %q) = %d but the reverse is %d, %v", introduced, version, c, d, err)
			}
		}
	})
}
