package ecosystem

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/purl"
	packageurl "github.com/package-url/packageurl-go"
	"golang.org/x/mod/module"
)

// Identity is how OSV advisories name a package: an OSV ecosystem, scoped
// to a release where the purl says which, and the package's name in the
// form that ecosystem's records use.
type Identity struct {
	Ecosystem, Name string
}

// FromPURL maps a package URL to the identity OSV advisories use. Errors
// are EINVALID on the field "purl" for a purl that does not parse or that
// breaks its type's rules, and EUNSUPPORTED for a type, vendor or distro
// release that has no OSV ecosystem (reported, never guessed).
//
// Language packages:
//
//	npm        npm        "name", or "@scope/name" (the namespace is the scope)
//	pypi       PyPI       the PEP 503 normalised name (see NormalizePyPI)
//	maven      Maven      "groupId:artifactId"; a repository_url other than
//	                      Maven Central becomes the suffix, "Maven:<url>"
//	golang     Go         the module path "namespace/name", in the case it
//	                      is written; "stdlib" and "toolchain" as they are
//	cargo      crates.io  name
//	nuget      NuGet      name as written (NameKey ignores case)
//	gem        RubyGems   name
//	composer   Packagist  "vendor/name"; a repository_url other than
//	                      packagist.org becomes the suffix, e.g.
//	                      "Packagist:https://packages.drupal.org/8"
//	hex        Hex        name (organisation packages are not mapped)
//	pub        Pub        name
//	cran       CRAN       name
//	hackage    Hackage    name
//	swift      SwiftURL   "namespace/name", e.g. "github.com/apple/swift-nio"
//
// Distribution packages take their release from the distro qualifier, and
// where OSV names source packages, their name from the upstream qualifier
// (syft writes the source there: "openssl", "openssl@3.0.11-1",
// "openssl-3.0.7-24.el9.src.rpm"); without it the purl's own name is used.
//
//	deb/debian      Debian:12         distro debian-12, 12, 12.4, bookworm (wheezy … forky)
//	deb/ubuntu      Ubuntu:22.04:LTS  distro ubuntu-22.04, 22.04, jammy (":LTS" as OSV
//	                Ubuntu:23.10      requires on LTS releases; never the ":Pro:" streams)
//	apk/alpine      Alpine:v3.19      distro alpine-3.19, 3.19.1, v3.19 (edge has none)
//	apk/wolfi       Wolfi             distro ignored: a rolling distribution
//	apk/chainguard  Chainguard        distro ignored
//	rpm/redhat      Red Hat:enterprise_linux:9  distro rhel-9.2, redhat-9, 9 (see below)
//	rpm/almalinux   AlmaLinux:9       distro almalinux-9.3, 9
//	rpm/rocky       Rocky Linux:9     distro rocky-9.3, 9
//	rpm/mageia      Mageia:9          distro mageia-9
//	rpm/opensuse    openSUSE:Leap 15.5       distro opensuse-leap-15.5, opensuse.leap-15.5
//	                openSUSE:Leap Micro 5.5  distro opensuse-leap-micro-5.5
//	                openSUSE:Tumbleweed      distro opensuse-tumbleweed[-<snapshot>]
//	rpm/suse        SUSE              any SLE distro (sles-15.5, …): see below
//
// The namespaces rhel, alma, rockylinux, rocky-linux, sles, sled and sle
// are read as the vendors they name.
// A deb, apk or rpm purl without a distro qualifier maps to the bare
// ecosystem ("Debian", "Alpine", "Red Hat", …), which Covers treats as every
// release of it: wider than the truth, and the caller should say so. A
// namespace-less purl takes its vendor from the distro qualifier.
//
// Red Hat scopes advisories by product stream, a CPE without its
// "cpe:/o:redhat:" prefix ("Red Hat:enterprise_linux:9::baseos",
// "…:9::appstream", "Red Hat:rhel_eus:9.2::baseos"), which a purl does not
// carry. FromPURL gives the CPE of the release without a stream,
// "Red Hat:enterprise_linux:9", and Covers matches it against every
// enterprise_linux:9 stream. Not matched: the EUS,
// AUS and E4S streams of a minor release (rhel_eus:9.2::…) and layered
// products scoped by an "el9" target (openshift:4.16::el9).
// SUSE files SLE packages under the module or product that ships them
// ("SUSE:Linux Enterprise Module for Basesystem 15 SP5", "… 15 SP5-LTSS"),
// which neither the purl nor os-release names, so rpm/suse maps to the
// unscoped "SUSE" whatever its distro.
// Not mapped: other deb, apk and rpm vendors (CentOS, Fedora, Amazon
// Linux, Oracle Linux, openEuler, Azure Linux, Photon OS, Alpaquita,
// MinimOS, …), Debian sid and experimental, Alpine edge, Mageia cauldron.
func FromPURL(s string) (Identity, error) {
	p, err := purl.Parse(s)
	if err != nil {
		return Identity{}, err
	}
	if f := fromType[p.Type]; f != nil {
		return f(p, s)
	}
	if vs := vendors[p.Type]; vs != nil {
		return distroIdentity(p, vs)
	}
	return Identity{}, unsupported("the purl type %q is not mapped to an OSV ecosystem", p.Type)
}

// fromType maps the purl types of language registries; raw is the purl
// as written.
var fromType = map[string]func(p purl.PURL, raw string) (Identity, error){
	packageurl.TypeNPM: func(p purl.PURL, _ string) (Identity, error) {
		switch {
		case strings.Contains(p.Name, "/"):
			return Identity{}, invalid("an npm package name has no %q: %q", "/", p.Name)
		case p.Namespace == "":
			return Identity{"npm", p.Name}, nil
		case strings.HasPrefix(p.Namespace, "@") && len(p.Namespace) > 1 && !strings.Contains(p.Namespace, "/"):
			return Identity{"npm", p.Namespace + "/" + p.Name}, nil
		}
		return Identity{}, invalid("an npm purl's namespace is a scope such as %%40angular (@angular), not %q", p.Namespace)
	},
	packageurl.TypePyPi: func(p purl.PURL, _ string) (Identity, error) {
		if err := noNamespace(p); err != nil {
			return Identity{}, err
		}
		return Identity{"PyPI", NormalizePyPI(p.Name)}, nil
	},
	packageurl.TypeMaven: func(p purl.PURL, _ string) (Identity, error) {
		if p.Namespace == "" {
			return Identity{}, invalid("a maven purl names the groupId as its namespace: pkg:maven/org.example/artifact")
		}
		if strings.Contains(p.Namespace+p.Name, ":") {
			return Identity{}, invalid("Maven groupIds and artifactIds have no %q: %q, %q", ":", p.Namespace, p.Name)
		}
		eco := "Maven"
		if u := repositoryURL(p); u != "" && !isDefaultRepository(u, "repo.maven.apache.org/maven2", "repo1.maven.org/maven2") {
			eco += ":" + u
		}
		return Identity{eco, p.Namespace + ":" + p.Name}, nil
	},
	packageurl.TypeGolang: func(p purl.PURL, raw string) (Identity, error) {
		path := goModulePath(p, raw)
		if err := module.CheckImportPath(path); err != nil {
			return Identity{}, invalid("%q is not a Go module path: %v", path, err)
		}
		return Identity{"Go", path}, nil
	},
	packageurl.TypeCargo: languageName("crates.io"),
	packageurl.TypeNuget: languageName("NuGet"),
	packageurl.TypeGem:   languageName("RubyGems"),
	packageurl.TypeComposer: func(p purl.PURL, _ string) (Identity, error) {
		if p.Namespace == "" {
			return Identity{}, invalid("a composer purl names the vendor as its namespace: pkg:composer/vendor/name")
		}
		eco := "Packagist"
		if u := repositoryURL(p); u != "" && !isDefaultRepository(u, "packagist.org", "repo.packagist.org") {
			eco += ":" + u
		}
		return Identity{eco, p.Namespace + "/" + p.Name}, nil
	},
	packageurl.TypeHex: func(p purl.PURL, _ string) (Identity, error) {
		if p.Namespace != "" {
			return Identity{}, unsupported("hex packages of an organisation (%q) are private: OSV has no advisories for them", p.Namespace)
		}
		return Identity{"Hex", p.Name}, nil
	},
	packageurl.TypePub:     languageName("Pub"),
	packageurl.TypeCran:    languageName("CRAN"),
	packageurl.TypeHackage: languageName("Hackage"),
	packageurl.TypeSwift: func(p purl.PURL, _ string) (Identity, error) {
		return Identity{"SwiftURL", p.Namespace + "/" + p.Name}, nil // packageurl-go requires the namespace
	},
}

// languageName maps a type whose purls are a bare name.
func languageName(eco string) func(purl.PURL, string) (Identity, error) {
	return func(p purl.PURL, _ string) (Identity, error) {
		if err := noNamespace(p); err != nil {
			return Identity{}, err
		}
		return Identity{eco, p.Name}, nil
	}
}

func noNamespace(p purl.PURL) error {
	if p.Namespace != "" {
		return invalid("a %s purl has no namespace, this one has %q", p.Type, p.Namespace)
	}
	return nil
}

func repositoryURL(p purl.PURL) string {
	return strings.TrimRight(p.Qualifiers.Map()["repository_url"], "/")
}

// isDefaultRepository reports whether u is one of the registry's own
// addresses, with or without a scheme.
func isDefaultRepository(u string, defaults ...string) bool {
	u = strings.ToLower(u)
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	for _, d := range defaults {
		if u == d {
			return true
		}
	}
	return false
}

// goModulePath is the module path as the purl writes it. packageurl-go
// lower-cases golang namespaces and names, but module paths are
// case-sensitive ("github.com/Azure/azure-sdk-for-go") and so are the Go
// vulnerability database's records; the path is taken from raw when it
// differs from the parsed one only in case.
func goModulePath(p purl.PURL, raw string) string {
	path := p.Name
	if p.Namespace != "" {
		path = p.Namespace + "/" + p.Name
	}
	rest := strings.TrimSpace(raw)[len("pkg:"):]
	rest = strings.TrimLeft(rest, "/")
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	_, rest, _ = strings.Cut(rest, "/") // the type
	if i := strings.LastIndex(rest, "@"); i > 0 {
		rest = rest[:i]
	}
	var segs []string
	for _, s := range strings.Split(rest, "/") {
		if s == "" {
			continue
		}
		d, err := url.PathUnescape(s) // as packageurl-go decodes
		if err != nil {
			return path
		}
		segs = append(segs, d)
	}
	if written := strings.Join(segs, "/"); strings.EqualFold(written, path) {
		return written
	}
	return path
}

// NormalizePyPI is a PyPI project name in PEP 503 normal form: lower case,
// every run of "-", "_" and "." replaced by one "-". FromPURL returns PyPI
// names in this form, as the OSV schema asks records to. Not every record
// does: GitHub's advisories name projects as pypi.org displays them
// ("PyYAML", "Flask-Cors"), so compare names through NameKey, never as
// written.
func NormalizePyPI(name string) string {
	return pypiSeparators.ReplaceAllString(strings.ToLower(name), "-")
}

var pypiSeparators = regexp.MustCompile(`[-_.]+`)

// NameKey is the form in which two names of a package in an OSV ecosystem
// are equal when they name the same package: PyPI names in PEP 503 form;
// NuGet, Packagist, Pub and Hex names, which their registries treat
// case-insensitively, in lower case; crates.io names in lower case with "_"
// as "-" (crates.io refuses a crate differing from another only so); Go
// module paths in lower case (purls lower-case them, and GitHub paths
// differing in case are one repository); SwiftURL names without scheme,
// ".git" or case. Every other name compares as written.
func NameKey(osvEcosystem, name string) string {
	switch BaseEcosystem(osvEcosystem) {
	case "PyPI":
		return NormalizePyPI(name)
	case "NuGet", "Packagist", "Pub", "Hex", "Go":
		return strings.ToLower(name)
	case "crates.io":
		return strings.ReplaceAll(strings.ToLower(name), "_", "-")
	case "SwiftURL":
		n := strings.ToLower(name)
		n = strings.TrimPrefix(strings.TrimPrefix(n, "https://"), "http://")
		return strings.TrimSuffix(strings.TrimSuffix(n, "/"), ".git")
	}
	return name
}

// Covers reports whether an OSV record's ecosystem applies to id: the same
// ecosystem; or, for distributions, either side unscoped ("Debian" covers
// "Debian:12" and the reverse); or, for Red Hat, a record stream within
// id's CPE ("enterprise_linux:9" covers "enterprise_linux:9::appstream").
// Maven and Packagist suffixes name a repository, not a release, so they
// must be equal, absent meaning the registry's own.
func (id Identity) Covers(osvEcosystem string) bool {
	base, scope, _ := strings.Cut(id.Ecosystem, ":")
	rbase, rscope, _ := strings.Cut(osvEcosystem, ":")
	switch {
	case base != rbase:
		return false
	case scope == rscope:
		return true
	case base == "Maven" || base == "Packagist":
		return false
	case scope == "" || rscope == "":
		return true
	case base == "Red Hat":
		return cpeWithin(rscope, scope)
	}
	return false
}

// Matches reports whether an OSV record's affected package names id: its
// ecosystem covers id and its name has id's NameKey.
func (id Identity) Matches(osvEcosystem, name string) bool {
	return id.Covers(osvEcosystem) && NameKey(osvEcosystem, name) == NameKey(id.Ecosystem, id.Name)
}

// cpeWithin reports whether CPE fields s lie within t: t's fields are a
// prefix of s's, an empty field of t matching anything (CPE 2.2's ANY).
func cpeWithin(s, t string) bool {
	fs, ft := strings.Split(s, ":"), strings.Split(t, ":")
	if len(ft) > len(fs) {
		return false
	}
	for i, f := range ft {
		if f != "" && f != fs[i] {
			return false
		}
	}
	return true
}

// PURL is a package URL of id at version (none if ""), for display: the
// reverse of FromPURL where purls can say what the ecosystem says. A scope
// purls have no spelling for (a Red Hat stream other than
// enterprise_linux:N, a SUSE product, Ubuntu Pro) is left out; an
// ecosystem FromPURL does not produce gives "".
func (id Identity) PURL(version string) string {
	base, scope, _ := strings.Cut(id.Ecosystem, ":")
	p := packageurl.PackageURL{Name: id.Name, Version: version}
	withRepository := func(typ string) {
		p.Type = typ
		if scope != "" {
			p.Qualifiers = packageurl.Qualifiers{{Key: "repository_url", Value: scope}}
		}
	}
	switch base {
	case "npm":
		p.Type = packageurl.TypeNPM
		if strings.HasPrefix(id.Name, "@") {
			p.Namespace, p.Name = splitLast(id.Name, "/")
		}
	case "PyPI":
		p.Type = packageurl.TypePyPi
	case "Maven":
		withRepository(packageurl.TypeMaven)
		p.Namespace, p.Name, _ = strings.Cut(id.Name, ":")
	case "Go":
		p.Type = packageurl.TypeGolang
		p.Namespace, p.Name = splitLast(id.Name, "/")
	case "Packagist":
		withRepository(packageurl.TypeComposer)
		p.Namespace, p.Name = splitLast(id.Name, "/")
	case "SwiftURL":
		p.Type = packageurl.TypeSwift
		p.Namespace, p.Name = splitLast(id.Name, "/")
	default:
		if t, ok := languageTypes[base]; ok {
			p.Type = t
			break
		}
		v, ok := vendorOf[base]
		if !ok {
			return ""
		}
		p.Type, p.Namespace = v.typ, v.namespace
		if v.distro != nil && v.distro(scope) != "" {
			p.Qualifiers = packageurl.Qualifiers{{Key: "distro", Value: v.distro(scope)}}
		}
	}
	return p.ToString()
}

// languageTypes are the purl types of ecosystems whose names are bare.
var languageTypes = map[string]string{
	"crates.io": packageurl.TypeCargo,
	"NuGet":     packageurl.TypeNuget,
	"RubyGems":  packageurl.TypeGem,
	"Hex":       packageurl.TypeHex,
	"Pub":       packageurl.TypePub,
	"CRAN":      packageurl.TypeCran,
	"Hackage":   packageurl.TypeHackage,
}

// splitLast splits s at its last sep: "" and s when there is none.
func splitLast(s, sep string) (string, string) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):]
	}
	return "", s
}

func invalid(format string, args ...any) error {
	return bulwark.FieldError("purl", format, args...)
}

func unsupported(format string, args ...any) error {
	e := bulwark.Errorf(bulwark.EUNSUPPORTED, format, args...)
	e.Field = "purl"
	return e
}
