package demo

import (
	"encoding/json"
	"testing"
)

func TestDeriveMovesOnlyTheBumpedVersion(t *testing.T) {
	cdx := `{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
	  "components": [
	    {"bom-ref": "pkg:maven/a/b@2.9.10?type=jar", "name": "b", "version": "2.9.10", "purl": "pkg:maven/a/b@2.9.10?type=jar"},
	    {"bom-ref": "pkg:maven/a/b@2.9.10.8?type=jar", "name": "b", "version": "2.9.10.8", "purl": "pkg:maven/a/b@2.9.10.8?type=jar"}],
	  "dependencies": [{"ref": "pkg:maven/a/b@2.9.10?type=jar", "dependsOn": []}]}`
	out, err := derive([]byte(cdx), bump{"pkg:maven/a/b", "2.9.10", "2.13.4"})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version    json.Number `json:"version"`
		Components []struct {
			Ref     string `json:"bom-ref"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
		} `json:"components"`
		Dependencies []struct {
			Ref string `json:"ref"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	first, second := got.Components[0], got.Components[1]
	if first.Version != "2.13.4" || first.PURL != "pkg:maven/a/b@2.13.4?type=jar" || first.Ref != first.PURL || got.Dependencies[0].Ref != first.PURL {
		t.Errorf("bumped component: %+v, dependency %q", first, got.Dependencies[0].Ref)
	}
	if second.Version != "2.9.10.8" || second.PURL != "pkg:maven/a/b@2.9.10.8?type=jar" {
		t.Errorf("a longer version that starts the same was moved: %+v", second)
	}
	if got.Version != "1" {
		t.Errorf("document version %q, want 1 as written", got.Version)
	}

	spdx := `{"spdxVersion": "SPDX-2.3", "packages": [{"name": "golang.org/x/net", "versionInfo": "v0.13.0",
	  "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:golang/golang.org/x/net@v0.13.0"}]}]}`
	out, err = derive([]byte(spdx), bump{"pkg:golang/golang.org/x/net", "v0.13.0", "v0.55.0"})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs struct {
		Packages []struct {
			VersionInfo  string `json:"versionInfo"`
			ExternalRefs []struct {
				Locator string `json:"referenceLocator"`
			} `json:"externalRefs"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(out, &pkgs); err != nil {
		t.Fatal(err)
	}
	if p := pkgs.Packages[0]; p.VersionInfo != "v0.55.0" || p.ExternalRefs[0].Locator != "pkg:golang/golang.org/x/net@v0.55.0" {
		t.Errorf("SPDX package after the bump: %+v", p)
	}

	if _, err := derive([]byte(spdx), bump{"pkg:golang/golang.org/x/net", "v0.12.0", "v0.55.0"}); err == nil {
		t.Error("a bump of a version the SBOM does not hold succeeded")
	}
}
