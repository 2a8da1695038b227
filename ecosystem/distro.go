package ecosystem

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/purl"
)

// vendor is a distribution whose packages OSV covers: the purl type and
// namespace its packages have, and the OSV ecosystem they belong to.
type vendor struct {
	typ, namespace, ecosystem string
	// source: OSV names the source package, which purls give in the
	// upstream qualifier.
	source bool
	// scope turns a lower-cased distro qualifier into the ecosystem's
	// suffix ("" for none); nil for ecosystems without releases, whose
	// distro qualifier is ignored.
	scope func(distro string) (string, error)
	// distro is the reverse, for PURL: "" when purls cannot say it.
	distro func(suffix string) string
}

var (
	debian = &vendor{typ: "deb", namespace: "debian", ecosystem: "Debian", source: true,
		scope: debianScope, distro: prefixed("debian-")}
	ubuntu = &vendor{typ: "deb", namespace: "ubuntu", ecosystem: "Ubuntu", source: true,
		scope: ubuntuScope, distro: ubuntuDistro}
	alpine = &vendor{typ: "apk", namespace: "alpine", ecosystem: "Alpine", source: true,
		scope: alpineScope, distro: func(s string) string { return prefixed("alpine-")(strings.TrimPrefix(s, "v")) }}
	wolfi      = &vendor{typ: "apk", namespace: "wolfi", ecosystem: "Wolfi"}
	chainguard = &vendor{typ: "apk", namespace: "chainguard", ecosystem: "Chainguard"}
	redhat     = &vendor{typ: "rpm", namespace: "redhat", ecosystem: "Red Hat",
		scope: redhatScope, distro: redhatDistro}
	almalinux = &vendor{typ: "rpm", namespace: "almalinux", ecosystem: "AlmaLinux", source: true,
		scope: majorScope("AlmaLinux", "almalinux-", "alma-"), distro: prefixed("almalinux-")}
	rocky = &vendor{typ: "rpm", namespace: "rocky", ecosystem: "Rocky Linux", source: true,
		scope: majorScope("Rocky Linux", "rocky-linux-", "rockylinux-", "rocky-"), distro: prefixed("rocky-")}
	mageia = &vendor{typ: "rpm", namespace: "mageia", ecosystem: "Mageia", source: true,
		scope: majorScope("Mageia", "mageia-"), distro: prefixed("mageia-")}
	opensuse = &vendor{typ: "rpm", namespace: "opensuse", ecosystem: "openSUSE", source: true,
		scope: opensuseScope, distro: opensuseDistro}
	suse = &vendor{typ: "rpm", namespace: "suse", ecosystem: "SUSE", source: true,
		scope: suseScope, distro: func(string) string { return "" }}
)

// vendors lists, per purl type, the vendors by purl namespace, with the
// other spellings tools use for them.
var vendors = map[string]map[string]*vendor{
	"deb": {"debian": debian, "ubuntu": ubuntu},
	"apk": {"alpine": alpine, "wolfi": wolfi, "chainguard": chainguard},
	"rpm": {
		"redhat": redhat, "rhel": redhat,
		"almalinux": almalinux, "alma": almalinux,
		"rocky": rocky, "rockylinux": rocky, "rocky-linux": rocky,
		"mageia":   mageia,
		"opensuse": opensuse, "opensuse-leap": opensuse, "opensuse-tumbleweed": opensuse,
		"suse": suse, "sles": suse, "sled": suse, "sle": suse,
	},
}

// vendorOf is the vendor of each distribution ecosystem, for PURL.
var vendorOf = func() map[string]*vendor {
	m := map[string]*vendor{}
	for _, vs := range vendors {
		for _, v := range vs {
			m[v.ecosystem] = v
		}
	}
	return m
}()

// distroIdentity maps a deb, apk or rpm purl through its vendor.
func distroIdentity(p purl.PURL, vs map[string]*vendor) (Identity, error) {
	q := p.Qualifiers.Map()
	distro := strings.ToLower(strings.TrimSpace(q["distro"]))
	v := vs[p.Namespace]
	switch {
	case p.Namespace == "":
		// Namespace-less purls: the distro qualifier names the vendor.
		ns, _, _ := strings.Cut(distro, "-")
		ns, _, _ = strings.Cut(ns, ".")
		if v = vs[ns]; v == nil {
			return Identity{}, unsupported("a %s purl without namespace must name its distribution in the distro qualifier (e.g. pkg:%s/<vendor>/<name>?distro=<vendor>-<release>); %q does not name one with an OSV ecosystem", p.Type, p.Type, distro)
		}
	case v == nil:
		return Identity{}, unsupported("%s packages of %q are not mapped to an OSV ecosystem", p.Type, p.Namespace)
	}
	if !packageName.MatchString(p.Name) {
		return Identity{}, invalid("%q is not a %s package name", p.Name, p.Type)
	}
	id := Identity{Ecosystem: v.ecosystem, Name: p.Name}
	if distro != "" && v.scope != nil {
		suffix, err := v.scope(distro)
		if err != nil {
			return Identity{}, err
		}
		if suffix != "" {
			id.Ecosystem += ":" + suffix
		}
	}
	if up := q["upstream"]; v.source && up != "" {
		name, err := sourceName(p.Type, up)
		if err != nil {
			return Identity{}, err
		}
		id.Name = name
	}
	return id, nil
}

// sourceName is the source package an upstream qualifier names: "openssl",
// "openssl@3.0.11-1", or for rpm the source RPM file
// "openssl-3.0.7-24.el9.src.rpm".
func sourceName(typ, upstream string) (string, error) {
	name, _, _ := strings.Cut(upstream, "@")
	if typ != "rpm" {
		// As packageurl-go does to deb and apk names: their policies
		// allow lower case only.
		name = strings.ToLower(name)
	}
	if typ == "rpm" {
		for _, ext := range []string{".src.rpm", ".nosrc.rpm"} {
			if nvr, ok := strings.CutSuffix(name, ext); ok {
				nv, _ := splitLast(nvr, "-")
				name, _ = splitLast(nv, "-")
				break
			}
		}
	}
	if !packageName.MatchString(name) {
		return "", invalid("the upstream qualifier %q does not name a source package", upstream)
	}
	return name, nil
}

var (
	debianCodenames = map[string]string{
		"wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10",
		"bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
	}
	ubuntuCodenames = map[string]string{
		"trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04",
		"impish": "21.10", "jammy": "22.04", "kinetic": "22.10", "lunar": "23.04",
		"mantic": "23.10", "noble": "24.04", "oracular": "24.10", "plucky": "25.04",
		"questing": "25.10",
	}
	// release is a release number, of which the major is kept: "9", "9.3".
	release = regexp.MustCompile(`^([0-9]+)(\.[0-9]+)*$`)
	// ubuntuRelease is YY.MM, with a point release at most.
	ubuntuRelease = regexp.MustCompile(`^([0-9]{2})\.([0-9]{2})(\.[0-9]+)?$`)
	// alpineRelease is a branch, release or pre-release: 3.19, 3.19.1,
	// 3.22.0_alpha20250108.
	alpineRelease = regexp.MustCompile(`^([0-9]+)\.([0-9]+)([._][0-9a-z_.]*)?$`)
	leapRelease   = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
	// packageName is what deb, apk and rpm allow in a package name.
	packageName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+~-]*$`)
)

func trimPrefixes(s string, prefixes ...string) string {
	for _, p := range prefixes {
		if t, ok := strings.CutPrefix(s, p); ok {
			return t
		}
	}
	return s
}

func unknownRelease(eco, distro, examples string) error {
	return unsupported("the distro %q is not a %s release with an OSV ecosystem (write e.g. %s)", distro, eco, examples)
}

func debianScope(distro string) (string, error) {
	d := trimPrefixes(distro, "debian-")
	if n, ok := debianCodenames[d]; ok {
		return n, nil
	}
	if m := release.FindStringSubmatch(d); m != nil {
		return m[1], nil
	}
	return "", unknownRelease("Debian", distro, "debian-12, 12 or bookworm")
}

// ubuntuScope gives "YY.MM", with the ":LTS" OSV requires of April
// releases of even years.
func ubuntuScope(distro string) (string, error) {
	d := trimPrefixes(distro, "ubuntu-")
	if v, ok := ubuntuCodenames[d]; ok {
		d = v
	}
	m := ubuntuRelease.FindStringSubmatch(d)
	if m == nil {
		return "", unknownRelease("Ubuntu", distro, "ubuntu-22.04, 22.04 or jammy")
	}
	yy, _ := strconv.Atoi(m[1])
	if m[2] == "04" && yy%2 == 0 {
		return m[1] + "." + m[2] + ":LTS", nil
	}
	return m[1] + "." + m[2], nil
}

func ubuntuDistro(suffix string) string {
	if suffix == "" || strings.HasPrefix(suffix, "Pro:") {
		return ""
	}
	return "ubuntu-" + strings.TrimSuffix(suffix, ":LTS")
}

// alpineScope gives the release branch, "v3.19". OSV has none for edge.
func alpineScope(distro string) (string, error) {
	d := strings.TrimPrefix(trimPrefixes(distro, "alpine-"), "v")
	if m := alpineRelease.FindStringSubmatch(d); m != nil {
		return "v" + m[1] + "." + m[2], nil
	}
	return "", unknownRelease("Alpine", distro, "alpine-3.19, 3.19.1 or v3.19; edge has none")
}

// majorScope gives the major release, the suffix of AlmaLinux, Rocky Linux
// and Mageia.
func majorScope(eco string, prefixes ...string) func(string) (string, error) {
	return func(distro string) (string, error) {
		if m := release.FindStringSubmatch(trimPrefixes(distro, prefixes...)); m != nil {
			return m[1], nil
		}
		return "", unknownRelease(eco, distro, prefixes[0]+"9")
	}
}

// redhatScope gives the CPE of the release without product stream:
// "enterprise_linux:9" (see FromPURL).
func redhatScope(distro string) (string, error) {
	if m := release.FindStringSubmatch(trimPrefixes(distro, "rhel-", "redhat-")); m != nil {
		return "enterprise_linux:" + m[1], nil
	}
	return "", unknownRelease("Red Hat Enterprise Linux", distro, "rhel-9.2 or redhat-9")
}

func redhatDistro(suffix string) string {
	f := strings.Split(suffix, ":")
	if len(f) < 2 || f[0] != "enterprise_linux" || !release.MatchString(f[1]) {
		return ""
	}
	return "rhel-" + f[1]
}

// opensuseScope gives the marketing name OSV uses: "Leap 15.5",
// "Leap Micro 5.5", "Tumbleweed".
func opensuseScope(distro string) (string, error) {
	d := trimPrefixes(distro, "opensuse-", "opensuse.")
	switch {
	case d == "tumbleweed" || strings.HasPrefix(d, "tumbleweed-"):
		return "Tumbleweed", nil
	case strings.HasPrefix(d, "leap-micro-") && leapRelease.MatchString(d[len("leap-micro-"):]):
		return "Leap Micro " + d[len("leap-micro-"):], nil
	case strings.HasPrefix(d, "leap-") && leapRelease.MatchString(d[len("leap-"):]):
		return "Leap " + d[len("leap-"):], nil
	case leapRelease.MatchString(d):
		return "Leap " + d, nil
	}
	return "", unknownRelease("openSUSE", distro, "opensuse-leap-15.5 or opensuse-tumbleweed")
}

func opensuseDistro(suffix string) string {
	switch {
	case suffix == "Tumbleweed":
		return "opensuse-tumbleweed"
	case strings.HasPrefix(suffix, "Leap Micro "):
		return "opensuse-leap-micro-" + suffix[len("Leap Micro "):]
	case strings.HasPrefix(suffix, "Leap "):
		return "opensuse-leap-" + suffix[len("Leap "):]
	}
	return ""
}

// suseScope accepts any SUSE Linux Enterprise release and scopes none
// (see FromPURL).
func suseScope(distro string) (string, error) {
	if strings.HasPrefix(distro, "sle") || strings.HasPrefix(distro, "suse") {
		return "", nil
	}
	return "", unknownRelease("SUSE Linux Enterprise", distro, "sles-15.5")
}

// prefixed gives the distro qualifier prefix+suffix, "" for no suffix.
func prefixed(prefix string) func(string) string {
	return func(suffix string) string {
		if suffix == "" {
			return ""
		}
		return prefix + suffix
	}
}
