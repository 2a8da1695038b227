package sbom

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestJoinLicenses(t *testing.T) {
	cases := []struct {
		parts []string
		want  string
	}{
		{nil, ""},
		{[]string{"MIT"}, "MIT"},
		{[]string{"MIT OR Apache-2.0"}, "MIT OR Apache-2.0"},
		{[]string{"MIT", "Apache-2.0", "MIT"}, "MIT AND Apache-2.0"},
		{[]string{"MIT OR Apache-2.0", "BSD-3-Clause"}, "(MIT OR Apache-2.0) AND BSD-3-Clause"},
		{[]string{"(MIT OR Apache-2.0)", "BSD-3-Clause"}, "(MIT OR Apache-2.0) AND BSD-3-Clause"},
		{[]string{"(MIT) OR (ISC)", "Zlib"}, "((MIT) OR (ISC)) AND Zlib"},
		{[]string{"  The  Apache\nLicense ", "", "GPL-2.0-only WITH Classpath-exception-2.0"}, "The Apache License AND (GPL-2.0-only WITH Classpath-exception-2.0)"},
	}
	for _, c := range cases {
		if got := joinLicenses(c.parts); got != c.want {
			t.Errorf("joinLicenses(%q) = %q, want %q", c.parts, got, c.want)
		}
	}
}

func TestCycloneDXLicenses(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "null"},
		{"NOASSERTION", "null"},
		{"mit", `[{"license":{"id":"MIT"}}]`},
		{"GPL-2.0", `[{"license":{"id":"GPL-2.0"}}]`}, // deprecated, still an id
		{"MIT OR Apache-2.0", `[{"expression":"MIT OR Apache-2.0"}]`},
		{"LicenseRef-acme", `[{"expression":"LicenseRef-acme"}]`},
		{"Apache License 2.0 AND MIT", `[{"license":{"name":"Apache License 2.0"}},{"license":{"id":"MIT"}}]`},
		{"(MIT OR Apache-2.0) AND Custom", `[{"license":{"name":"MIT OR Apache-2.0"}},{"license":{"name":"Custom"}}]`},
		{"(", `[{"license":{"name":"("}}]`}, // go-spdx panics on this one
	}
	for _, c := range cases {
		got, err := json.Marshal(cycloneDXLicenses(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("cycloneDXLicenses(%q) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestLicenseRefs(t *testing.T) {
	got := licenseRefs("(LicenseRef-a OR LicenseRef-b.2) AND LicenseRef-a AND DocumentRef-x:LicenseRef-y AND MIT")
	if want := []string{"LicenseRef-a", "LicenseRef-b.2"}; !slices.Equal(got, want) {
		t.Errorf("licenseRefs = %q, want %q", got, want)
	}
}
