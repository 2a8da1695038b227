package ecosystem_test

import (
	"testing"

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
