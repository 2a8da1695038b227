package ecosystem_test

import (
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ecosystem"
)

func TestRangeContains(t *testing.T) {
	cases := []struct {
		rng, typ, v string
		want        bool
	}{
		{"*", "npm", "0.0.1", true},
		{"1.2.3", "npm", "1.2.3", true},
		{"1.2.3", "npm", "1.2.4", false},
		{">=1.2.0 <1.3.0", "npm", "1.2.10", true},
		{">=1.2.0 <1.3.0", "npm", "1.3.0", false},
		{">=1.2.0 <1.3.0", "npm", "1.10.0", false},
		{"<2.0", "pypi", "2.0rc1", true}, // PEP 440: pre-releases sort before the release
		{">=1:1.0-1", "deb", "1:1.0-2", true},
		{"<3.0.7-18.el9_2", "rpm", "3.0.7-9.el9", true},
		{">=2.17.0", "maven", "2.17.1", true},
	}
	for _, c := range cases {
		r, err := ecosystem.ParseRange(c.rng)
		if err != nil {
			t.Fatalf("%q: %v", c.rng, err)
		}
		got, err := r.Contains(c.typ, c.v)
		if err != nil || got != c.want {
			t.Errorf("%s %q contains %s: %v (%v), want %v", c.typ, c.rng, c.v, got, err, c.want)
		}
	}
	for _, bad := range []string{">=", "~1.2", ">= 1.2"} {
		if _, err := ecosystem.ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) accepted", bad)
		}
	}
}

func TestCompareIn(t *testing.T) {
	cases := []struct {
		eco, a, b string
		want      int
	}{
		{"Debian:12", "1:1.0-1", "1.0-2", 1}, // the epoch wins
		{"Ubuntu:22.04:LTS", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.9", 1},
		{"Alpine:v3.19", "1.36.1-r5", "1.36.1-r15", -1},
		{"Red Hat:enterprise_linux:9::appstream", "3.0.7-9.el9", "3.0.7-18.el9_2", -1},
		{"Rocky Linux:9", "3.0.7-24.el9", "3.0.7-24.el9", 0},
		{"openSUSE:Leap 15.5", "1.1.1l-150500.17.34.1", "1.1.1l-150500.17.9.1", 1},
		{"Packagist:https://packages.drupal.org/8", "10.1.0", "10.1.0-beta1", 1},
		{"Maven:https://maven.google.com", "1.0.0", "1.0.0-SNAPSHOT", 1},
		{"PyPI", "2.0rc1", "2.0", -1},
		{"Go", "1.21.5", "1.21.10", -1},
	}
	for _, c := range cases {
		got, err := ecosystem.CompareIn(c.eco, c.a, c.b)
		if err != nil || got != c.want {
			t.Errorf("CompareIn(%q, %q, %q) = %d, %v; want %d", c.eco, c.a, c.b, got, err, c.want)
		}
	}
	if _, err := ecosystem.CompareIn("Linux", "6.1", "6.2"); bulwark.ErrorCode(err) != bulwark.EUNSUPPORTED {
		t.Errorf("CompareIn in an ecosystem without ordering: %v, want unsupported", err)
	}
	for _, bad := range [][2]string{{"1.0", "1.2.3-not-a-debian:version!@#$"}, {"1.2.3-not-a-debian:version!@#$", "1.0"}} {
		if _, err := ecosystem.CompareIn("Debian:12", bad[0], bad[1]); err == nil {
			t.Errorf("CompareIn(Debian, %q, %q) accepted", bad[0], bad[1])
		}
	}
}
