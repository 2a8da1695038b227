package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/policy"
	"github.com/bulwark-sec/bulwark/purl"
	"github.com/bulwark-sec/bulwark/sbom"
)

// The real SBOMs the demo's products are built from, relative to the
// shared data folder. Each was picked because its components carry purls
// of an ecosystem the shared OSV packs cover, and real advisories hit it:
// an old Dropwizard stack (Maven, many jackson-databind advisories), the
// Dependency-Track API server (Maven), a Go desktop bridge and a kubectl
// image (Go modules, the only SPDX one). Each ingests in well under a
// second.
const (
	dropwizardSBOM = "sbom/cyclonedx/bom-examples/SBOM/dropwizard-1.3.15/bom.json"                  // CycloneDX 1.2, 167 components
	dtrackSBOM     = "sbom/cyclonedx/dependency-track/dtrack-apiserver-4.5.0.bom.json"              // CycloneDX 1.4, 132 components
	bridgeSBOM     = "sbom/cyclonedx/bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.json" // CycloneDX 1.2, 201 components
	kubectlSBOM    = "sbom/spdx/guac/oci-kubectl-linux-amd64-spdx-1.json"                           // SPDX 2.3, 89 packages
)

// SharedSBOMs lists the SBOM files the demo reads from the shared data.
var SharedSBOMs = []string{dropwizardSBOM, dtrackSBOM, bridgeSBOM, kubectlSBOM}

// Advisories that match the demo's SBOMs but are held back from the first
// import: they arrive with later feed updates, so their findings are
// younger than the releases they are found in.
var (
	// A month ago: logback's serialisation flaw hits both Java products.
	lateAdvisories = []string{"GHSA-vmq6-5m68-f53m"}
	// Two days ago: fresh work for the triage queues.
	freshAdvisories = []string{"GO-2026-5970", "GHSA-4jq9-2xhw-jpx7", "GO-2026-4958"}
)

// shared is what the demo takes from the shared data folder.
type shared struct {
	dir  string
	sbom map[string][]byte // by the paths above

	// The OSV packs are read in the background while the organisation
	// is seeded (reading and checking 5,300 records takes a while); feed
	// waits for them.
	ready chan struct{}
	feed  feed
	err   error
}

// feed is the OSV records of every pack, split by when the demo imports
// them.
type feed struct {
	first, late, fresh []osv.Item
}

// loadShared reads the picked SBOMs under dir and starts reading its OSV
// packs. It returns nil (and no error) when dir does not hold the shared
// data, so the caller falls back to the built-in set.
func loadShared(dir string) (*shared, error) {
	if dir == "" {
		return nil, nil
	}
	packs, _ := filepath.Glob(filepath.Join(dir, "osv", "*.tar.gz"))
	if len(packs) == 0 {
		return nil, nil
	}
	for _, p := range SharedSBOMs {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			return nil, nil
		}
	}
	s := &shared{dir: dir, sbom: map[string][]byte{}, ready: make(chan struct{})}
	for _, p := range SharedSBOMs {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return nil, err
		}
		s.sbom[p] = b
	}
	go func() {
		defer close(s.ready)
		err := osv.Walk(packs, func(it osv.Item) error {
			switch {
			case it.Record != nil && slices.Contains(lateAdvisories, it.Record.ID):
				s.feed.late = append(s.feed.late, it)
			case it.Record != nil && slices.Contains(freshAdvisories, it.Record.ID):
				s.feed.fresh = append(s.feed.fresh, it)
			default:
				s.feed.first = append(s.feed.first, it)
			}
			return nil
		})
		if err != nil {
			s.err = fmt.Errorf("shared OSV packs: %w", err)
		}
	}()
	return s, nil
}

// advisories waits for the OSV packs to be read.
func (s *shared) advisories() (*feed, error) {
	<-s.ready
	return &s.feed, s.err
}

// bump is one component upgrade in a derived SBOM.
type bump struct {
	component string // versionless purl, e.g. pkg:maven/org.yaml/snakeyaml
	from, to  string
}

// derive returns the SBOM with some components upgraded, as the next
// release of the same product would ship it: every purl (and the bom-refs
// and dependency references spelled as purls) moves to the new version, and
// so does the version field of the component or package that carries it.
// The rest of the document is kept as it was.
func derive(doc []byte, bumps ...bump) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // keep numbers exactly as written
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	for _, b := range bumps {
		if n := rewrite(v, b); n == 0 {
			return nil, fmt.Errorf("derive: no %s@%s in the SBOM", b.component, b.from)
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// rewrite applies b under v and counts the strings it changed. An object
// that holds a changed purl, directly or in its externalRefs (SPDX), gets
// its version field moved too.
func rewrite(v any, b bump) int {
	old, new := b.component+"@"+b.from, b.component+"@"+b.to
	switch v := v.(type) {
	case map[string]any:
		n := 0
		for k, x := range v {
			if s, ok := x.(string); ok {
				if r, ok := replacePURL(s, old, new); ok {
					v[k] = r
					n++
				}
				continue
			}
			n += rewrite(x, b)
		}
		if n > 0 {
			for _, k := range []string{"version", "versionInfo"} {
				if v[k] == b.from {
					v[k] = b.to
				}
			}
		}
		return n
	case []any:
		n := 0
		for i, x := range v {
			if s, ok := x.(string); ok {
				if r, ok := replacePURL(s, old, new); ok {
					v[i] = r
					n++
				}
				continue
			}
			n += rewrite(x, b)
		}
		return n
	}
	return 0
}

// replacePURL replaces old (purl@version) in s with new where the version
// ends there: @2.9.10 must not match inside @2.9.10.8.
func replacePURL(s, old, new string) (string, bool) {
	var out strings.Builder
	found := false
	for {
		i := strings.Index(s, old)
		if i < 0 {
			break
		}
		end := i + len(old)
		out.WriteString(s[:i])
		if end == len(s) || strings.ContainsRune("?#\"", rune(s[end])) {
			out.WriteString(new)
			found = true
		} else {
			out.WriteString(old)
		}
		s = s[end:]
	}
	out.WriteString(s)
	return out.String(), found
}

// baselineRow is one entry of the approved list the demo builds from the
// real SBOMs; its keys are catalogfile's JSON keys.
type baselineRow struct {
	PURL           string `json:"purl"`
	License        string `json:"license"`
	State          string `json:"state,omitempty"`
	Supplier       string `json:"supplier,omitempty"`
	ExportControl  string `json:"export_control,omitempty"`
	CertifiedUntil string `json:"certified_until,omitempty"`
	Replacement    string `json:"replacement,omitempty"`
}

// lifecycle sets the state of a few baseline versions, as product-security
// had decided before the tool arrived.
var lifecycle = map[string]baselineRow{
	"pkg:maven/com.google.guava/guava@24.1.1-jre":    {State: "deprecated", Replacement: "pkg:maven/com.google.guava/guava@31.1-jre"},
	"pkg:maven/org.yaml/snakeyaml@1.23":              {State: "deprecated", Replacement: "pkg:maven/org.yaml/snakeyaml@1.30"},
	"pkg:maven/junit/junit@4.12":                     {State: "end-of-life"},
	"pkg:golang/github.com/labstack/echo/v4@v4.1.11": {State: "deprecated", Replacement: "pkg:golang/github.com/labstack/echo/v4@v4.9.0"},
}

// expiringSoon are certified versions whose certification runs out within
// a month of today: product-security's renewals.
var expiringSoon = []string{"pkg:maven/joda-time/joda-time@2.10.1", "pkg:maven/org.apache.commons/commons-lang3@3.12.0"}

// baseline turns the components of the given SBOMs into an approved list
// (catalogfile JSON), leaving out the versions skip already names. Licences
// that are not SPDX expressions become NOASSERTION; suppliers come from the
// SBOM or, failing that, from the package coordinates.
func baseline(docs [][]byte, skip map[string]bool, expires string) ([]byte, error) {
	var rows []baselineRow
	seen := map[string]bool{}
	for _, doc := range docs {
		d, err := sbom.ParseOptions(doc, sbom.Options{AllowCycles: true})
		if err != nil {
			return nil, err
		}
		for _, c := range d.Components {
			p, err := purl.Parse(c.PURL)
			if c.PURL == "" || err != nil || p.Version == "" || seen[p.Versioned()] || skip[p.Versioned()] {
				continue
			}
			seen[p.Versioned()] = true
			r := lifecycle[p.Versioned()]
			r.PURL = p.Versioned()
			r.License = policy.NoAssertion
			if l, err := policy.NormalizeLicense(c.License); err == nil {
				r.License = l
			}
			r.Supplier = supplierOf(c.Supplier, p)
			r.ExportControl = "EAR99"
			if crypto(p) {
				r.ExportControl = "5D002"
			}
			if slices.Contains(expiringSoon, r.PURL) {
				r.CertifiedUntil = expires
			}
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b baselineRow) int { return strings.Compare(a.PURL, b.PURL) })
	return json.MarshalIndent(map[string]any{"components": rows}, "", "  ")
}

// supplierOf names who distributes a package when the SBOM does not say:
// the Maven group, the Go module's host and owner.
func supplierOf(declared string, p purl.PURL) string {
	switch {
	case declared != "" && declared != policy.NoAssertion:
		return declared
	case p.Type == "golang" && strings.HasPrefix(p.Namespace, "golang.org/x"):
		return "The Go Authors"
	case p.Type == "golang":
		parts := strings.SplitN(p.Namespace, "/", 3)
		return strings.Join(parts[:min(2, len(parts))], "/")
	case p.Type == "maven":
		return p.Namespace
	}
	return suppliers[p.Type]
}

// crypto marks the packages whose export classification is 5D002
// (cryptography), by a rough look at the name as a first bulk list would.
func crypto(p purl.PURL) bool {
	for _, w := range []string{"crypto", "bcprov", "jose", "jwt", "tls", "ssl"} {
		if strings.Contains(p.Namespace+"/"+p.Name, w) {
			return true
		}
	}
	return false
}
