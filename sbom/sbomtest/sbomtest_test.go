package sbomtest

import (
	"testing"

	"github.com/bulwark-sec/bulwark/sbom"
)

func TestCycloneDXOf(t *testing.T) {
	purls := []string{"pkg:npm/a@1.0.0", "pkg:pypi/b@2.0", "pkg:rpm/almalinux/openssl@3.0.7-24.el9?distro=almalinux-9", "pkg:cargo/d@0.1.0"}
	d, err := sbom.Parse(CycloneDXOf(purls))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Components) != len(purls) {
		t.Fatalf("%d components", len(d.Components))
	}
	for i, c := range d.Components {
		if c.PURL == "" || c.Version == "" {
			t.Errorf("component %d: %+v", i, c)
		}
	}
}
