package purl_test

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/purl"
)

func TestParseNormalises(t *testing.T) {
	cases := []struct {
		in, component, versioned, display string
	}{
		{"pkg:npm/%40angular/core@16.2.0", "pkg:npm/%40angular/core", "pkg:npm/%40angular/core@16.2.0", "@angular/core"},
		{"pkg:pypi/Django_Rest@3.14.0", "pkg:pypi/django-rest", "pkg:pypi/django-rest@3.14.0", "django-rest"},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1?type=jar", "pkg:maven/org.apache.logging.log4j/log4j-core", "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1", "org.apache.logging.log4j:log4j-core"},
		{"PKG:GitHub/Package-URL/purl-spec@v1", "pkg:github/package-url/purl-spec", "pkg:github/package-url/purl-spec@v1", "package-url/purl-spec"},
		{"pkg:rpm/redhat/openssl@3.0.7-18.el9_2?arch=x86_64&distro=rhel-9.2", "pkg:rpm/redhat/openssl", "pkg:rpm/redhat/openssl@3.0.7-18.el9_2", "redhat/openssl"},
		{"pkg:golang/github.com/gorilla/mux@v1.8.0", "pkg:golang/github.com/gorilla/mux", "pkg:golang/github.com/gorilla/mux@v1.8.0", "github.com/gorilla/mux"},
	}
	for _, c := range cases {
		p, err := purl.Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if p.Component() != c.component || p.Versioned() != c.versioned || p.DisplayName() != c.display {
			t.Errorf("Parse(%q) = %q, %q, %q; want %q, %q, %q", c.in, p.Component(), p.Versioned(), p.DisplayName(), c.component, c.versioned, c.display)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "npm/lodash@1", "pkg:", "pkg:npm", "pkg:npm/", "pkg:n%20pm/x@1", "pkg:npm/x@1?=bad", "pkg:" + strings.Repeat("a", 3000) + "/x"} {
		_, err := purl.Parse(in)
		if bulwark.ErrorCode(err) != bulwark.EINVALID || bulwark.ErrorField(err) != "purl" {
			t.Errorf("Parse(%q) = %v, want an invalid purl error", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"pkg:npm/%40angular/core@16.2.0", "pkg:maven/g/a@1?type=jar#sub", "pkg:pypi/x_y@1", "pkg:deb/debian/curl@7.50.3-1?arch=i386"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := purl.Parse(s)
		if err != nil {
			return
		}
		// A normalised purl parses back to the same identity.
		again, err := purl.Parse(p.Versioned())
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its versioned form %q does not parse: %v", s, p.Versioned(), err)
		}
		if again.Versioned() != p.Versioned() {
			t.Fatalf("not stable: %q -> %q -> %q", s, p.Versioned(), again.Versioned())
		}
	})
}
