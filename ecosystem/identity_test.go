package ecosystem_test

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/purl"
)

type id = ecosystem.Identity

var fromPURLCases = []struct {
	purl string
	want id
}{
	// npm: the scope is the namespace, percent-encoded or not.
	{"pkg:npm/lodash@4.17.21", id{"npm", "lodash"}},
	{"pkg:npm/%40angular/core@16.2.0", id{"npm", "@angular/core"}},
	{"pkg:npm/@babel/core@7.22.0", id{"npm", "@babel/core"}},
	// PyPI: PEP 503, beyond packageurl-go's lower-casing and "_" → "-".
	{"pkg:pypi/Django@4.2.0", id{"PyPI", "django"}},
	{"pkg:pypi/zope.interface@6.0", id{"PyPI", "zope-interface"}},
	{"pkg:pypi/Flask__Caching@2.0", id{"PyPI", "flask-caching"}},
	{"pkg:pypi/ruamel.yaml.clib", id{"PyPI", "ruamel-yaml-clib"}},
	// Maven: group:artifact; Central is the default repository.
	{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", id{"Maven", "org.apache.logging.log4j:log4j-core"}},
	{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar&repository_url=https://repo.maven.apache.org/maven2/", id{"Maven", "org.apache.logging.log4j:log4j-core"}},
	{"pkg:maven/androidx.core/core@1.0.0?repository_url=https://maven.google.com", id{"Maven:https://maven.google.com", "androidx.core:core"}},
	// Go: the module path, case kept; the subpath (a package) ignored.
	{"pkg:golang/github.com/gin-gonic/gin@v1.9.0", id{"Go", "github.com/gin-gonic/gin"}},
	{"pkg:golang/golang.org/x/net@v0.17.0#html", id{"Go", "golang.org/x/net"}},
	{"pkg:golang/github.com/Azure/azure-sdk-for-go/sdk/azidentity@v1.5.0", id{"Go", "github.com/Azure/azure-sdk-for-go/sdk/azidentity"}},
	{"pkg:golang/github.com/Masterminds%2Fgoutils", id{"Go", "github.com/Masterminds/goutils"}},
	{"pkg:golang/stdlib@1.21.5", id{"Go", "stdlib"}},
	{"pkg:golang/toolchain@1.21.5", id{"Go", "toolchain"}},
	// Bare names.
	{"pkg:cargo/tokio@1.32.0", id{"crates.io", "tokio"}},
	{"pkg:nuget/Newtonsoft.Json@13.0.1", id{"NuGet", "Newtonsoft.Json"}},
	{"pkg:gem/rails@7.0.0", id{"RubyGems", "rails"}},
	{"pkg:hex/phoenix@1.7.0", id{"Hex", "phoenix"}},
	{"pkg:pub/http@1.1.0", id{"Pub", "http"}},
	{"pkg:cran/ggplot2@3.4.0", id{"CRAN", "ggplot2"}},
	{"pkg:hackage/aeson@2.1.0.0", id{"Hackage", "aeson"}},
	// Packagist: vendor/name; another repository becomes the suffix.
	{"pkg:composer/laravel/framework@10.0.0", id{"Packagist", "laravel/framework"}},
	{"pkg:composer/drupal/core@10.1.0?repository_url=https://packages.drupal.org/8", id{"Packagist:https://packages.drupal.org/8", "drupal/core"}},
	{"pkg:composer/monolog/monolog?repository_url=https://repo.packagist.org", id{"Packagist", "monolog/monolog"}},
	// SwiftURL: the repository address without scheme.
	{"pkg:swift/github.com/apple/swift-nio@2.58.0", id{"SwiftURL", "github.com/apple/swift-nio"}},

	// Debian.
	{"pkg:deb/debian/openssl@3.0.11-1?distro=debian-12", id{"Debian:12", "openssl"}},
	{"pkg:deb/debian/openssl@3.0.11-1?distro=bookworm", id{"Debian:12", "openssl"}},
	{"pkg:deb/debian/openssl?distro=buster", id{"Debian:10", "openssl"}},
	{"pkg:deb/debian/openssl?distro=bullseye", id{"Debian:11", "openssl"}},
	{"pkg:deb/debian/openssl?distro=trixie", id{"Debian:13", "openssl"}},
	{"pkg:deb/debian/openssl?distro=debian-12.4", id{"Debian:12", "openssl"}},
	{"pkg:deb/debian/openssl?distro=12", id{"Debian:12", "openssl"}},
	{"pkg:deb/debian/openssl?distro=Debian-12", id{"Debian:12", "openssl"}},
	{"pkg:deb/debian/openssl@3.0.11-1", id{"Debian", "openssl"}},
	{"pkg:deb/openssl?distro=debian-12", id{"Debian:12", "openssl"}},
	// The source package, from syft's upstream qualifier.
	{"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12", id{"Debian:12", "openssl"}},
	{"pkg:deb/debian/libc6@2.36-9?upstream=glibc%402.36-9&distro=debian-12", id{"Debian:12", "glibc"}},
	// Ubuntu: OSV requires ":LTS" on LTS releases.
	{"pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?distro=ubuntu-22.04", id{"Ubuntu:22.04:LTS", "openssl"}},
	{"pkg:deb/ubuntu/openssl?distro=jammy", id{"Ubuntu:22.04:LTS", "openssl"}},
	{"pkg:deb/ubuntu/openssl?distro=ubuntu-20.04", id{"Ubuntu:20.04:LTS", "openssl"}},
	{"pkg:deb/ubuntu/openssl?distro=noble", id{"Ubuntu:24.04:LTS", "openssl"}},
	{"pkg:deb/ubuntu/openssl?distro=ubuntu-23.10", id{"Ubuntu:23.10", "openssl"}},
	{"pkg:deb/ubuntu/openssl?distro=ubuntu-23.04", id{"Ubuntu:23.04", "openssl"}},
	{"pkg:deb/ubuntu/openssl", id{"Ubuntu", "openssl"}},
	{"pkg:deb/x?distro=ubuntu-22.04", id{"Ubuntu:22.04:LTS", "x"}},
	// Alpine: v-prefixed release branches.
	{"pkg:apk/alpine/busybox@1.36.1-r5?distro=alpine-3.19", id{"Alpine:v3.19", "busybox"}},
	{"pkg:apk/alpine/busybox@1.36.1-r5?arch=x86_64&distro=3.19.1", id{"Alpine:v3.19", "busybox"}},
	{"pkg:apk/alpine/busybox?distro=v3.19", id{"Alpine:v3.19", "busybox"}},
	{"pkg:apk/alpine/curl?distro=3.22.0_alpha20250108", id{"Alpine:v3.22", "curl"}},
	{"pkg:apk/alpine/libcrypto3@3.1.4-r5?upstream=openssl&distro=alpine-3.19.1", id{"Alpine:v3.19", "openssl"}},
	{"pkg:apk/alpine/busybox@1.36.1-r5", id{"Alpine", "busybox"}},
	// Wolfi and Chainguard: rolling, no release.
	{"pkg:apk/wolfi/glibc@2.38-r5?distro=wolfi-20230201", id{"Wolfi", "glibc"}},
	{"pkg:apk/chainguard/glibc@2.38-r5", id{"Chainguard", "glibc"}},
	// Red Hat: the CPE of the release (see Covers).
	{"pkg:rpm/redhat/openssl@3.0.7-24.el9?arch=x86_64&distro=rhel-9.2", id{"Red Hat:enterprise_linux:9", "openssl"}},
	{"pkg:rpm/redhat/openssl@3.0.7-24.el9?distro=redhat-9", id{"Red Hat:enterprise_linux:9", "openssl"}},
	{"pkg:rpm/rhel/openssl-libs@3.0.7-24.el9?upstream=openssl-3.0.7-24.el9.src.rpm&distro=rhel-9.2", id{"Red Hat:enterprise_linux:9", "openssl-libs"}}, // Red Hat records name binary RPMs
	{"pkg:rpm/redhat/openssl@3.0.7-24.el9", id{"Red Hat", "openssl"}},
	{"pkg:rpm/openssl?distro=rhel-8.6", id{"Red Hat:enterprise_linux:8", "openssl"}},
	// AlmaLinux, Rocky Linux, Mageia: the major release, the source RPM.
	{"pkg:rpm/almalinux/openssl@3.0.7-24.el9?distro=almalinux-9", id{"AlmaLinux:9", "openssl"}},
	{"pkg:rpm/almalinux/openssl-libs@3.0.7-24.el9?distro=almalinux-9.3&upstream=openssl-3.0.7-24.el9.src.rpm", id{"AlmaLinux:9", "openssl"}},
	{"pkg:rpm/rocky/openssl@3.0.7-24.el9?distro=rocky-9", id{"Rocky Linux:9", "openssl"}},
	{"pkg:rpm/rocky/openssl@3.0.7-24.el9?distro=rocky-9.3", id{"Rocky Linux:9", "openssl"}},
	{"pkg:rpm/rocky/openssl", id{"Rocky Linux", "openssl"}},
	{"pkg:rpm/mageia/openssl@3.0.13-1.mga9?distro=mageia-9", id{"Mageia:9", "openssl"}},
	// openSUSE: the marketing name; SUSE: unscoped.
	{"pkg:rpm/opensuse/libopenssl3@3.1.4?distro=opensuse-leap-15.5&upstream=openssl-3-3.1.4-150500.1.1.src.rpm", id{"openSUSE:Leap 15.5", "openssl-3"}},
	{"pkg:rpm/opensuse/curl?distro=opensuse.leap-15.6", id{"openSUSE:Leap 15.6", "curl"}},
	{"pkg:rpm/opensuse/curl?distro=opensuse-leap-micro-5.5", id{"openSUSE:Leap Micro 5.5", "curl"}},
	{"pkg:rpm/opensuse/curl?distro=opensuse-tumbleweed-20240801", id{"openSUSE:Tumbleweed", "curl"}},
	{"pkg:rpm/suse/curl@8.0.1?distro=sles-15.5", id{"SUSE", "curl"}},
	{"pkg:rpm/sles/curl", id{"SUSE", "curl"}},
}

func TestFromPURL(t *testing.T) {
	for _, c := range fromPURLCases {
		got, err := ecosystem.FromPURL(c.purl)
		if err != nil || got != c.want {
			t.Errorf("FromPURL(%q) = %+v, %v; want %+v", c.purl, got, err, c.want)
		}
	}
}

func TestFromPURLErrors(t *testing.T) {
	cases := []struct {
		purl, code, says string
	}{
		{"", bulwark.EINVALID, "required"},
		{"lodash@4.17.21", bulwark.EINVALID, "not a valid package URL"},
		{"pkg:npm", bulwark.EINVALID, "not a valid package URL"},
		{"pkg:npm/angular/core@1.0.0", bulwark.EINVALID, "scope"},
		{"pkg:maven/log4j-core@2.14.1", bulwark.EINVALID, "groupId"},
		{"pkg:composer/monolog", bulwark.EINVALID, "vendor"},
		{"pkg:cargo/rust-lang/regex", bulwark.EINVALID, "no namespace"},
		{"pkg:deb/libssl3?upstream=openssl", bulwark.EUNSUPPORTED, "distro qualifier"},
		{"pkg:deb/debian/libssl3?upstream=a%20b", bulwark.EINVALID, "upstream"},
		// Types and vendors with no OSV ecosystem.
		{"pkg:conan/openssl@3.0.0", bulwark.EUNSUPPORTED, `type "conan" is not mapped`},
		{"pkg:generic/openssl@3.0.0", bulwark.EUNSUPPORTED, `type "generic" is not mapped`},
		{"pkg:github/actions/checkout@v4", bulwark.EUNSUPPORTED, "not mapped"},
		{"pkg:hex/acme/private_lib@1.0.0", bulwark.EUNSUPPORTED, "private"},
		{"pkg:rpm/centos/openssl?distro=centos-7", bulwark.EUNSUPPORTED, `"centos" are not mapped`},
		{"pkg:rpm/fedora/openssl?distro=fedora-39", bulwark.EUNSUPPORTED, "not mapped"},
		{"pkg:apk/alpaquita/openssl", bulwark.EUNSUPPORTED, "not mapped"},
		{"pkg:deb/devuan/openssl", bulwark.EUNSUPPORTED, "not mapped"},
		{"pkg:rpm/openssl?distro=amzn-2023", bulwark.EUNSUPPORTED, "amzn-2023"},
		// Distro releases with no OSV ecosystem.
		{"pkg:deb/debian/openssl?distro=sid", bulwark.EUNSUPPORTED, `distro "sid" is not a Debian release`},
		{"pkg:deb/debian/openssl?distro=debian-experimental", bulwark.EUNSUPPORTED, "not a Debian release"},
		{"pkg:deb/debian/openssl?distro=ubuntu-22.04", bulwark.EUNSUPPORTED, "not a Debian release"},
		{"pkg:deb/ubuntu/openssl?distro=warty", bulwark.EUNSUPPORTED, "not a Ubuntu release"},
		{"pkg:apk/alpine/busybox?distro=edge", bulwark.EUNSUPPORTED, "edge has none"},
		{"pkg:apk/alpine/busybox?distro=alpine-3", bulwark.EUNSUPPORTED, "not a Alpine release"},
		{"pkg:rpm/redhat/openssl?distro=fedora-39", bulwark.EUNSUPPORTED, "not a Red Hat Enterprise Linux release"},
		{"pkg:rpm/almalinux/openssl?distro=almalinux", bulwark.EUNSUPPORTED, "not a AlmaLinux release"},
		{"pkg:rpm/mageia/openssl?distro=cauldron", bulwark.EUNSUPPORTED, "not a Mageia release"},
		{"pkg:rpm/opensuse/curl?distro=opensuse-leap", bulwark.EUNSUPPORTED, "not a openSUSE release"},
		{"pkg:rpm/suse/curl?distro=rhel-9", bulwark.EUNSUPPORTED, "not a SUSE Linux Enterprise release"},
	}
	for _, c := range cases {
		got, err := ecosystem.FromPURL(c.purl)
		if err == nil {
			t.Errorf("FromPURL(%q) = %+v, want a %s error", c.purl, got, c.code)
			continue
		}
		if bulwark.ErrorCode(err) != c.code || bulwark.ErrorField(err) != "purl" || !strings.Contains(err.Error(), c.says) {
			t.Errorf("FromPURL(%q): %v; want a %s error on purl saying %q", c.purl, err, c.code, c.says)
		}
	}
}

func TestNormalizePyPI(t *testing.T) {
	for in, want := range map[string]string{
		"Django": "django", "zope.interface": "zope-interface", "Flask__Caching": "flask-caching",
		"a-_.b": "a-b", "PyYAML": "pyyaml", "friendly-bard": "friendly-bard",
	} {
		if got := ecosystem.NormalizePyPI(in); got != want {
			t.Errorf("NormalizePyPI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBaseEcosystem(t *testing.T) {
	for in, want := range map[string]string{
		"Debian:12": "Debian", "Packagist:https://packages.drupal.org/8": "Packagist",
		"Red Hat:enterprise_linux:9::baseos": "Red Hat", "Ubuntu:Pro:18.04:LTS": "Ubuntu",
		"npm": "npm", "": "",
	} {
		if got := ecosystem.BaseEcosystem(in); got != want {
			t.Errorf("BaseEcosystem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCovers(t *testing.T) {
	cases := []struct {
		id     string // the identity's ecosystem
		record string
		want   bool
	}{
		{"Debian:12", "Debian:12", true},
		{"Debian:12", "Debian:11", false},
		{"Debian", "Debian:11", true}, // no distro qualifier: every release
		{"Debian:12", "Debian", true},
		{"Debian:12", "Ubuntu:22.04:LTS", false},
		{"Ubuntu:22.04:LTS", "Ubuntu:22.04:LTS", true},
		{"Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS", false},
		{"Alpine:v3.19", "Alpine:v3.18", false},
		{"Red Hat:enterprise_linux:9", "Red Hat:enterprise_linux:9::baseos", true},
		{"Red Hat:enterprise_linux:9", "Red Hat:enterprise_linux:9::appstream", true},
		{"Red Hat:enterprise_linux:9", "Red Hat:enterprise_linux:8::appstream", false},
		{"Red Hat:enterprise_linux:9", "Red Hat:rhel_eus:9.2::baseos", false},
		{"Red Hat:enterprise_linux:9", "Red Hat:openshift:4.16::el9", false},
		{"Red Hat", "Red Hat:rhel_eus:9.2::baseos", true},
		{"SUSE", "SUSE:Linux Enterprise Module for Basesystem 15 SP5", true},
		{"Maven", "Maven", true},
		{"Maven", "Maven:https://maven.google.com", false},
		{"Maven:https://maven.google.com", "Maven", false},
		{"Packagist:https://packages.drupal.org/8", "Packagist:https://packages.drupal.org/8", true},
		{"npm", "npm", true},
		{"npm", "NPM", false},
	}
	for _, c := range cases {
		if got := (id{Ecosystem: c.id}).Covers(c.record); got != c.want {
			t.Errorf("%q covers %q: %v, want %v", c.id, c.record, got, c.want)
		}
	}
}

func TestMatches(t *testing.T) {
	cases := []struct {
		id            id
		eco, name     string
		want          bool
		whyNotObvious string
	}{
		{id{"PyPI", "pyyaml"}, "PyPI", "PyYAML", true, "GitHub advisories keep pypi.org's spelling"},
		{id{"PyPI", "flask-caching"}, "PyPI", "Flask_Caching", true, ""},
		{id{"NuGet", "newtonsoft.json"}, "NuGet", "Newtonsoft.Json", true, "NuGet ids are case-insensitive"},
		{id{"Go", "github.com/masterminds/goutils"}, "Go", "github.com/Masterminds/goutils", true, "purl producers lower-case"},
		{id{"crates.io", "serde_json"}, "crates.io", "serde-json", true, ""},
		{id{"SwiftURL", "github.com/apple/swift-nio"}, "SwiftURL", "https://github.com/apple/swift-nio.git", true, ""},
		{id{"npm", "jsonstream"}, "npm", "JSONStream", false, "npm names are case-sensitive"},
		{id{"Maven", "org.example:a"}, "Maven", "org.example:A", false, ""},
		{id{"Debian:12", "openssl"}, "Debian:11", "openssl", false, ""},
		{id{"Red Hat:enterprise_linux:9", "openssl-libs"}, "Red Hat:enterprise_linux:9::baseos", "openssl-libs", true, ""},
	}
	for _, c := range cases {
		if got := c.id.Matches(c.eco, c.name); got != c.want {
			t.Errorf("%+v matches %s/%s: %v, want %v %s", c.id, c.eco, c.name, got, c.want, c.whyNotObvious)
		}
	}
}

// TestPURLRoundTrip: FromPURL gives back the identity PURL was made from.
func TestPURLRoundTrip(t *testing.T) {
	for _, c := range fromPURLCases {
		p := c.want.PURL("1.0")
		got, err := ecosystem.FromPURL(p)
		if err != nil || got != c.want {
			t.Errorf("%+v: PURL gives %q, which maps to %+v, %v", c.want, p, got, err)
		}
	}
}

func TestPURL(t *testing.T) {
	cases := []struct {
		id      id
		version string
		want    string
	}{
		{id{"npm", "@angular/core"}, "16.2.0", "pkg:npm/%40angular/core@16.2.0"},
		{id{"Maven", "org.apache.logging.log4j:log4j-core"}, "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{id{"Go", "github.com/Azure/go-autorest"}, "v14.2.0+incompatible", "pkg:golang/github.com/Azure/go-autorest@v14.2.0%2Bincompatible"},
		{id{"Debian:12", "openssl"}, "3.0.11-1", "pkg:deb/debian/openssl@3.0.11-1?distro=debian-12"},
		{id{"Ubuntu:22.04:LTS", "openssl"}, "", "pkg:deb/ubuntu/openssl?distro=ubuntu-22.04"},
		{id{"Ubuntu:Pro:18.04:LTS", "openssl"}, "", "pkg:deb/ubuntu/openssl"},
		{id{"Alpine:v3.19", "busybox"}, "1.36.1-r5", "pkg:apk/alpine/busybox@1.36.1-r5?distro=alpine-3.19"},
		{id{"Red Hat:enterprise_linux:9::appstream", "nodejs"}, "", "pkg:rpm/redhat/nodejs?distro=rhel-9"},
		{id{"Red Hat:rhel_eus:9.2::baseos", "openssl"}, "", "pkg:rpm/redhat/openssl"},
		{id{"SUSE:Linux Enterprise Module for Basesystem 15 SP5", "curl"}, "", "pkg:rpm/suse/curl"},
		{id{"openSUSE:Leap 15.5", "curl"}, "", "pkg:rpm/opensuse/curl?distro=opensuse-leap-15.5"},
		{id{"GHC", "ghc"}, "9.4.7", ""},
		{id{"Linux", "Kernel"}, "", ""},
	}
	for _, c := range cases {
		if got := c.id.PURL(c.version); got != c.want {
			t.Errorf("%+v.PURL(%q) = %q, want %q", c.id, c.version, got, c.want)
		}
	}
}

// FuzzFromPURL: FromPURL never panics, and what it maps is a known OSV
// ecosystem with a name that PURL writes back to the same identity.
func FuzzFromPURL(f *testing.F) {
	for _, c := range fromPURLCases {
		f.Add(c.purl)
	}
	for _, s := range []string{"", "pkg:", "pkg:/", "pkg:deb/?distro=", "pkg:golang/%zz", "PKG://golang//A/B@@v1#x?y", "pkg:npm/@/x", "pkg:rpm/x?upstream=.src.rpm"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ecosystem.FromPURL(s)
		if err != nil {
			if c := bulwark.ErrorCode(err); c != bulwark.EINVALID && c != bulwark.EUNSUPPORTED {
				t.Fatalf("FromPURL(%q): %v is neither invalid nor unsupported", s, err)
			}
			return
		}
		if got.Name == "" {
			t.Fatalf("FromPURL(%q) = %+v: no name", s, got)
		}
		if _, err := ecosystem.CompareIn(got.Ecosystem, "1", "1"); bulwark.ErrorCode(err) == bulwark.EUNSUPPORTED {
			t.Fatalf("FromPURL(%q) = %+v: no ordering for the ecosystem", s, got)
		}
		p := got.PURL("")
		if len(p) > purl.MaxLength {
			return // percent-encoding made it longer than purls we accept
		}
		if back, err := ecosystem.FromPURL(p); err != nil || back != got {
			t.Fatalf("FromPURL(%q) = %+v, whose PURL %q maps to %+v, %v", s, got, p, back, err)
		}
	})
}
