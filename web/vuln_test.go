package web

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/osv"
)

// The vulnerability fixtures: a release with lodash 4.17.20 (direct) and
// jinja2 2.10 (through flask), and OSV records that affect them.

func vulnSBOM() []byte {
	return cyclonedx([]string{"lodash", "flask"}, []fixComponent{
		{"lodash", "pkg:npm/lodash@4.17.20", "MIT", nil},
		{"flask", "pkg:pypi/flask@1.0", "BSD-3-Clause", []string{"jinja2"}},
		{"jinja2", "pkg:pypi/jinja2@2.10", "BSD-3-Clause", nil},
	})
}

// osvLodashInjection is high (7.2), with an ECOSYSTEM range, a GIT range
// and details that try to be HTML.
const osvLodashInjection = `{
  "id": "GHSA-35jh-r3h4-6jhm", "modified": "2024-01-10T00:00:00Z", "published": "2021-02-15T00:00:00Z",
  "aliases": ["CVE-2021-23337"],
  "summary": "Command injection in lodash",
  "details": "Lodash versions prior to 4.17.21 are vulnerable to command injection via the template function.\n\nA <script>alert(1)</script> in the details stays text.",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{
    "package": {"ecosystem": "npm", "name": "lodash", "purl": "pkg:npm/lodash"},
    "ranges": [
      {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]},
      {"type": "GIT", "repo": "https://github.com/lodash/lodash", "events": [{"introduced": "0"}, {"fixed": "3469357cff396a26c363f8c1b5a91dde28ba4b1c"}]}
    ]
  }],
  "references": [
    {"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-23337"},
    {"type": "WEB", "url": "https://github.com/lodash/lodash/commit/3469357cff396a26c363f8c1b5a91dde28ba4b1c"}
  ]
}`

// osvLodashReDoS is medium (5.3), with a limit event.
const osvLodashReDoS = `{
  "id": "GHSA-29mw-wpgm-hmr9", "modified": "2024-01-10T00:00:00Z", "aliases": ["CVE-2020-28500"],
  "summary": "Regular expression denial of service in lodash",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}],
  "affected": [{
    "package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "4.0.0"}, {"fixed": "4.17.21"}, {"limit": "5.0.0"}]}]
  }]
}`

// osvJinja is critical (10.0) and lists many versions.
func osvJinja() string {
	var vs []string
	for i := range 11 {
		vs = append(vs, fmt.Sprintf(`"2.%d"`, i), fmt.Sprintf(`"2.%d.1"`, i))
	}
	return `{
  "id": "PYSEC-2019-217", "modified": "2024-01-10T00:00:00Z", "aliases": ["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
  "summary": "Sandbox escape in Jinja2",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "jinja2"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}],
    "versions": [` + strings.Join(vs, ", ") + `]
  }]
}`
}

// osvWithdrawn is withdrawn and matches nothing.
const osvWithdrawn = `{
  "id": "OSV-2020-111", "modified": "2024-01-10T00:00:00Z", "withdrawn": "2024-01-09T00:00:00Z",
  "summary": "Not a vulnerability after all",
  "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]
}`

// importOSV stores records as PSIRT does.
func (e *env) importOSV(records ...string) *bulwark.AdvisoryImportResult {
	e.t.Helper()
	var items []osv.Item
	for i, rec := range records {
		src := fmt.Sprintf("test-%d.json", i)
		r, w, err := osv.Parse([]byte(rec), src)
		if err != nil {
			e.t.Fatalf("record %d: %v", i, err)
		}
		items = append(items, osv.Item{Source: src, Record: r, Warnings: w})
	}
	res, err := e.db.ImportAdvisories(e.as("psirt"), items)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// vulnFixture names what seedVulns made.
type vulnFixture struct {
	upf, upf1, upf2 int64 // UPF in 5G Core: 1.0, and 2.0 which follows it
	router          int64 // Router 1.0 in Home Router, another business unit
}

// seedVulns makes three releases with the vulnerable SBOM and imports the
// records: three findings in each release.
func seedVulns(t *testing.T, e *env) vulnFixture {
	t.Helper()
	fx := seedReleases(t, e)
	res := e.importOSV(osvLodashInjection, osvLodashReDoS, osvJinja(), osvWithdrawn)
	if res.New != 4 || res.NewFindings != 9 {
		t.Fatalf("import: %+v, want 4 new records and 9 findings", res)
	}
	return fx
}

// seedReleases makes the three releases with the vulnerable SBOM.
func seedReleases(t *testing.T, e *env) vulnFixture {
	t.Helper()
	var fx vulnFixture
	dev := e.signedIn("developer")
	fx.upf = createProduct(t, dev, e.org.Core5G, "UPF")
	fx.upf1 = createRelease(t, dev, fx.upf, "1.0", "")
	wantStatus(t, "upload UPF 1.0", dev.upload(fmt.Sprintf("/releases/%d/sbom", fx.upf1), nil, "sbom", "upf.cdx.json", vulnSBOM()), http.StatusSeeOther)
	fx.upf2 = createRelease(t, dev, fx.upf, "2.0", "1.0")
	wantStatus(t, "upload UPF 2.0", dev.upload(fmt.Sprintf("/releases/%d/sbom", fx.upf2), nil, "sbom", "upf.cdx.json", vulnSBOM()), http.StatusSeeOther)
	e.addUser("router-dev", bulwark.RoleDeveloper, e.org.HomeRouter)
	rd := e.signedIn("router-dev")
	fx.router = createRelease(t, rd, createProduct(t, rd, e.org.HomeRouter, "Router"), "1.0", "")
	wantStatus(t, "upload Router 1.0", rd.upload(fmt.Sprintf("/releases/%d/sbom", fx.router), nil, "sbom", "router.cdx.json", vulnSBOM()), http.StatusSeeOther)
	return fx
}

// findingsOf returns a release's findings by vulnerability key.
func (e *env) findingsOf(release int64) map[string]*bulwark.VulnFinding {
	e.t.Helper()
	list, _, err := e.db.Findings(e.sys, bulwark.FindingFilter{ReleaseID: release, All: true}, bulwark.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*bulwark.VulnFinding{}
	for _, f := range list {
		out[f.Key] = f
	}
	return out
}

func (e *env) finding(id int64) *bulwark.VulnFinding {
	e.t.Helper()
	f, err := e.db.FindFinding(e.sys, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

var findingLink = regexp.MustCompile(`<tr id="finding-(\d+)"`)

// worklistIDs are the findings a worklist page lists, in order.
func worklistIDs(body string) []string {
	var out []string
	for _, m := range findingLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

var styleAttr = regexp.MustCompile(`<[^>]+\sstyle\s*=`)

func TestVulnDashboard(t *testing.T) {
	e := newEnv(t)
	ps := e.signedIn("product-security")
	r := ps.get("/vulnerabilities")
	wantStatus(t, "empty dashboard", r, http.StatusOK)
	wantText(t, "empty dashboard", r, "No findings yet", "Import advisories", "upload the SBOMs", "No advisory is imported yet")
	if !strings.Contains(r.body, `href="/advisories/import"`) || !strings.Contains(r.body, `href="/vulnerabilities" aria-current="page"`) {
		t.Error("empty dashboard: no link to the import, or the navigation does not mark the dashboard")
	}
	if dev := e.signedIn("developer").get("/vulnerabilities"); strings.Contains(dev.body, `href="/advisories/import"`) {
		t.Error("the developer is offered the advisory import")
	}

	seedVulns(t, e)
	r = ps.get("/vulnerabilities")
	wantStatus(t, "dashboard", r, http.StatusOK)
	stat := func(num, label string) {
		t.Helper()
		if !regexp.MustCompile(`<span class="stat-num">` + num + `</span><span class="stat-label">` + label).MatchString(r.body) {
			t.Errorf("dashboard: no tile %s %q", num, label)
		}
	}
	stat("9", "open findings")
	stat("6", "critical or high, open")
	stat("0", "past their SLA")
	stat("0", "open, waived")
	stat("0", "open, known exploited")
	stat("4", "advisories imported")
	if n := strings.Count(r.body, `<svg class="chart-svg"`); n != 4 {
		t.Errorf("dashboard: %d charts, want 4", n)
	}
	for _, want := range []string{
		`aria-label="Open findings by rating. critical: 3; high: 3; medium: 3; low: 0; none: 0; unknown: 0."`,
		`aria-label="Findings by state. in triage: 9; affected: 0; not affected: 0; fixed: 0; false positive: 0."`,
		`Show the numbers`,
		`href="/findings?state=open&amp;component=lodash"`,
		`<th scope="row">5G Core</th>`,
		`<th scope="row">Home Router</th>`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("dashboard: no %s", want)
		}
	}
	if !regexp.MustCompile(`aria-label="SLA status of open findings\. open findings: 9 \(`).MatchString(r.body) {
		t.Error("dashboard: the SLA chart does not say its numbers")
	}
	if m := styleAttr.FindString(r.body); m != "" {
		t.Errorf("dashboard: an inline style attribute, which the CSP refuses: %s", m)
	}
	// bu-security sees its business unit only.
	bu := e.signedIn("bu-security").get("/vulnerabilities")
	if !strings.Contains(bu.body, `<span class="stat-num">6</span><span class="stat-label">open findings`) || strings.Contains(bu.text(), "Home Router") {
		t.Errorf("bu-security's dashboard counts other business units\n%s", bu.text())
	}

	r = ps.get("/vulnerabilities/search?id=GHSA-35jh-r3h4-6jhm")
	wantStatus(t, "search", r, http.StatusSeeOther)
	if r.location() != "/vulnerabilities/GHSA-35jh-r3h4-6jhm" {
		t.Errorf("search: Location %q", r.location())
	}
	r = ps.get("/vulnerabilities/search?id=CVE-1999-0001")
	wantStatus(t, "search for nothing", r, http.StatusNotFound)
	if !regexp.MustCompile(`id="vs-id-err"[^>]*>no advisory or alias &#34;CVE-1999-0001&#34;`).MatchString(r.body) {
		t.Errorf("search for nothing: no message next to the search box\n%s", r.text())
	}
	if !strings.Contains(r.body, `value="CVE-1999-0001"`) {
		t.Error("search for nothing: the id typed is not kept")
	}
}

func TestVulnerabilityPage(t *testing.T) {
	e := newEnv(t)
	fx := seedVulns(t, e)
	b := e.signedIn("product-security")
	r := b.get("/vulnerabilities/CVE-2021-23337")
	wantStatus(t, "vulnerability", r, http.StatusOK)
	wantText(t, "vulnerability", r, "CVE-2021-23337", "Command injection in lodash", "high 7.2", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
		"Published 2021-02-15", "introduced 0 → fixed 4.17.21", "not evaluated", "https://nvd.nist.gov/vuln/detail/CVE-2021-23337",
		"3 releases", "2 products", "in triage 3")
	for _, want := range []string{
		`href="/vulnerabilities/GHSA-35jh-r3h4-6jhm"`,
		`<p>Lodash versions prior to 4.17.21 are vulnerable to command injection via the template function.</p>`,
		`<p>A &lt;script&gt;alert(1)&lt;/script&gt; in the details stays text.</p>`,
		`<a href="https://nvd.nist.gov/vuln/detail/CVE-2021-23337" rel="noopener noreferrer">`,
		fmt.Sprintf(`href="/releases/%d"`, fx.upf1),
		`href="/vulnerabilities/CVE-2021-23337/impact.csv"`,
		`href="/vulnerabilities/CVE-2021-23337/impact.json"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("vulnerability: no %s", want)
		}
	}
	upf1 := e.findingsOf(fx.upf1)
	if !strings.Contains(r.body, fmt.Sprintf(`href="/findings/%d"`, upf1["CVE-2021-23337"].ID)) {
		t.Error("vulnerability: the impact does not link the finding")
	}
	if n := strings.Count(r.body, `<span class="badge badge-info">direct</span>`); n != 3 {
		t.Errorf("vulnerability: %d direct rows, want 3", n)
	}

	wantText(t, "limit", b.get("/vulnerabilities/GHSA-29mw-wpgm-hmr9"), "introduced 4.0.0 → fixed 4.17.21", "limit 5.0.0", "medium 5.3")
	r = b.get("/vulnerabilities/GHSA-462w-v97r-4m45")
	wantText(t, "jinja2", r, "critical 10.0", "22 versions listed", "UPF 1.0 flask@1.0 jinja2@2.10", "PYSEC-2019-217")
	if !regexp.MustCompile(`<details class="versions"><summary>22 versions listed`).MatchString(r.body) {
		t.Error("jinja2: the long version list is not folded")
	}
	wantText(t, "withdrawn", b.get("/vulnerabilities/OSV-2020-111"), "Withdrawn.", "No release in your scopes is affected")
	r = b.get("/vulnerabilities/CVE-1999-0001")
	wantStatus(t, "unknown vulnerability", r, http.StatusNotFound)
	wantText(t, "unknown vulnerability", r, `no advisory or alias "CVE-1999-0001"`)

	// The downloads: the API's CSV columns, and the impact as JSON.
	r = b.get("/vulnerabilities/CVE-2021-23337/impact.csv")
	wantStatus(t, "impact.csv", r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(r.header.Get("Content-Disposition"), "impact-CVE-2021-23337.csv") {
		t.Errorf("impact.csv: %s, %s", ct, r.header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("impact.csv: %d rows, %v\n%s", len(rows), err, r.body)
	}
	if got := strings.Join(rows[0], ","); got != "vulnerability,product,release,release_state,scope,component,version,purl,direct,path,finding_state,inherited,fixed" {
		t.Errorf("impact.csv header: %s", got)
	}
	// Rows come in release order: UPF 1.0 was created first.
	if got := strings.Join(rows[1], ","); !strings.HasPrefix(got, "CVE-2021-23337,UPF,1.0,development,5G Core,lodash,4.17.20,pkg:npm/lodash@4.17.20,true,lodash@4.17.20,in_triage,false,4.17.21") {
		t.Errorf("impact.csv first row: %s", got)
	}
	r = b.get("/vulnerabilities/GHSA-462w-v97r-4m45/impact.json")
	wantStatus(t, "impact.json", r, http.StatusOK)
	var imp bulwark.Impact
	if err := json.Unmarshal([]byte(r.body), &imp); err != nil || imp.Key != "CVE-2019-10906" || len(imp.Rows) != 3 || imp.Rows[0].Direct {
		t.Errorf("impact.json: %v, %+v", err, imp)
	}
	// Another business unit sees only its own releases.
	r = e.signedIn("bu-security").get("/vulnerabilities/CVE-2021-23337/impact.csv")
	if strings.Contains(r.body, "Router") || strings.Count(r.body, "\n") != 3 {
		t.Errorf("bu-security's impact shows other business units:\n%s", r.body)
	}
}

func TestAdvisoryUpload(t *testing.T) {
	e := newEnv(t)
	dev := e.signedIn("developer")
	fx := vulnFixture{upf: createProduct(t, dev, e.org.Core5G, "UPF")}
	fx.upf1 = createRelease(t, dev, fx.upf, "1.0", "")
	wantStatus(t, "upload", dev.upload(fmt.Sprintf("/releases/%d/sbom", fx.upf1), nil, "sbom", "upf.cdx.json", vulnSBOM()), http.StatusSeeOther)

	wantStatus(t, "developer opens the import", dev.get("/advisories/import"), http.StatusForbidden)
	r := dev.upload("/advisories/import", nil, "file", "a.json", []byte(osvLodashReDoS))
	wantStatus(t, "developer imports", r, http.StatusForbidden)
	if len(e.findingsOf(fx.upf1)) != 0 {
		t.Fatal("the developer's import was stored")
	}

	b := e.signedIn("psirt")
	r = b.get("/advisories/import")
	wantStatus(t, "import page", r, http.StatusOK)
	if !strings.Contains(r.body, `data-upload="page"`) || !strings.Contains(r.body, `href="/advisories/import" aria-current="page"`) {
		t.Error("import page: no enhanced upload form, or the navigation does not mark it")
	}
	// An array with one good record and one without a range type.
	bad := `{"id": "GHSA-bad0-bad0-bad0", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"events": [{"introduced": "0"}]}]}]}`
	r = b.upload("/advisories/import", nil, "file", "batch.json", []byte("["+osvLodashReDoS+","+bad+"]"))
	wantStatus(t, "import", r, http.StatusOK)
	wantText(t, "import", r, "Imported batch.json", "1 record was refused; the others were imported", "2 read", "1 new", "1 rejected",
		"1 releases matched again", "1 new findings", "batch.json[1]", "affected[0].ranges[0].type: missing (want SEMVER, ECOSYSTEM or GIT)")
	if len(e.findingsOf(fx.upf1)) != 1 {
		t.Error("the import made no finding")
	}
	// The same again changes nothing.
	r = b.upload("/advisories/import", nil, "file", "batch.json", []byte("["+osvLodashReDoS+"]"))
	wantText(t, "again", r, "1 read", "1 unchanged", "Every record was read")

	// A zip of records, and YAML.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("npm/GHSA-35jh-r3h4-6jhm.json")
	w.Write([]byte(osvLodashInjection))
	zw.Close()
	r = b.upload("/advisories/import", nil, "file", "all.zip", zb.Bytes())
	wantText(t, "zip", r, "Imported all.zip", "1 new", "0 rejected")
	r = b.upload("/advisories/import", nil, "file", "notes.txt", []byte("just: some notes\n"))
	wantStatus(t, "not a record", r, http.StatusOK)
	wantText(t, "not a record", r, "Nothing was imported", "notes.txt")

	// Files that are not records at all are refused next to the field.
	for name, content := range map[string][]byte{"broken.zip": []byte("PK\x03\x04 not really a zip"), "empty.json": nil} {
		before := e.ledgerSize()
		r = b.upload("/advisories/import", nil, "file", name, content)
		wantStatus(t, name, r, http.StatusBadRequest)
		if !regexp.MustCompile(`id="ad-file-err"[^>]*>` + regexp.QuoteMeta(name) + `: `).MatchString(r.body) {
			t.Errorf("%s: no message next to the file field\n%s", name, r.text())
		}
		if e.ledgerSize() != before {
			t.Errorf("%s: the refused upload wrote the ledger", name)
		}
	}
	r = b.do(http.MethodPost, "/advisories/import", url.Values{"file": {"x"}})
	wantStatus(t, "import without CSRF token", r, http.StatusForbidden)
}

func TestVulnPagesForEveryRole(t *testing.T) {
	e := newEnv(t)
	fx := seedVulns(t, e)
	id := e.findingsOf(fx.upf1)["CVE-2019-10906"].ID
	importers := []string{"psirt", "product-security", "admin"}
	for _, login := range e.org.Users {
		b := e.signedIn(login.Name)
		for _, path := range []string{"/vulnerabilities", "/findings", "/findings?state=open&sort=due", fmt.Sprintf("/findings/%d", id),
			"/vulnerabilities/CVE-2019-10906", fmt.Sprintf("/releases/%d", fx.upf1)} {
			r := b.get(path)
			// The finding and the release are in 5G Core, under Networks.
			want := http.StatusOK
			if login.Scope == e.org.Devices.Name && (strings.HasPrefix(path, "/findings/") || strings.HasPrefix(path, "/releases/")) {
				want = http.StatusNotFound
			}
			if r.status != want {
				t.Errorf("%s %s: status %d, want %d\n%s", login.Name, path, r.status, want, r.text())
				continue
			}
			if strings.Contains(r.text(), "internal error") || styleAttr.MatchString(r.body) || onAttr.MatchString(r.body) {
				t.Errorf("%s %s: an internal error, an inline style or an inline handler", login.Name, path)
			}
		}
		home := b.get("/")
		if got, want := strings.Contains(home.body, `href="/advisories/import"`), slices.Contains(importers, login.Role); got != want {
			t.Errorf("%s: import link shown %v, want %v", login.Name, got, want)
		}
		if !strings.Contains(home.body, `href="/vulnerabilities"`) || !strings.Contains(home.body, `href="/findings"`) {
			t.Errorf("%s: no link to the vulnerability pages", login.Name)
		}
		if got := b.get("/advisories/import").status; got != map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[slices.Contains(importers, login.Role)] {
			t.Errorf("%s: /advisories/import answers %d", login.Name, got)
		}
	}
}

func TestIntervals(t *testing.T) {
	ev := func(kv ...string) []bulwark.RangeEvent {
		var out []bulwark.RangeEvent
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, bulwark.RangeEvent{Kind: kv[i], Version: kv[i+1]})
		}
		return out
	}
	for _, c := range []struct {
		in   []bulwark.RangeEvent
		want []string
	}{
		{ev("introduced", "1.0.0", "fixed", "1.2.3"), []string{"introduced 1.0.0 → fixed 1.2.3"}},
		{ev("introduced", "0", "last_affected", "2.4"), []string{"introduced 0 → last_affected 2.4"}},
		{ev("introduced", "1.0", "fixed", "1.1", "introduced", "2.0"), []string{"introduced 1.0 → fixed 1.1", "introduced 2.0 → no fix yet"}},
		{ev("introduced", "1.0", "limit", "2.0"), []string{"introduced 1.0 → no fix yet", "limit 2.0"}},
	} {
		if got := intervals(c.in); !slices.Equal(got, c.want) {
			t.Errorf("intervals(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
