package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// The findings worklist, a finding's page and triage, one at a time and in
// bulk; the fixtures are in vuln_test.go.

func TestFindingsWorklist(t *testing.T) {
	e := newEnv(t)
	fx := seedVulns(t, e)
	b := e.signedIn("bu-security")
	r := b.get("/findings")
	wantStatus(t, "worklist", r, http.StatusOK)
	if ids := worklistIDs(r.body); len(ids) != 6 {
		t.Fatalf("worklist: %d findings, want the 6 of 5G Core", len(ids))
	}
	wantText(t, "worklist", r, "CVE-2019-10906", "critical 10.0", "jinja2@2.10", "UPF 1.0", "5G Core", "in triage", "Triage the ticked findings")
	if !strings.Contains(r.body, `<span class="mono" title="pkg:pypi/jinja2@2.10">jinja2@2.10</span>`) || !strings.Contains(r.body, `form="bulk-triage"`) {
		t.Error("worklist: no purl title or no tick boxes")
	}
	first := worklistIDs(r.body)[0]
	if upf := e.findingsOf(fx.upf1); first != itoa(upf["CVE-2019-10906"].ID) && first != itoa(e.findingsOf(fx.upf2)["CVE-2019-10906"].ID) {
		t.Errorf("worklist: the most severe is not first (%s)", first)
	}
	for q, want := range map[string]int{
		"rating=critical":                        2,
		"state=open":                             6,
		"state=fixed":                            0,
		"component=lod":                          4,
		"release=" + itoa(fx.upf1):               3,
		"release=" + itoa(fx.upf1) + "&sort=age": 3,
		"sort=due":                               6,
		"sort=epss&all=1":                        6,
		"kev=1":                                  0,
		"overdue=1":                              0,
	} {
		r := b.get("/findings?" + q)
		wantStatus(t, q, r, http.StatusOK)
		if ids := worklistIDs(r.body); len(ids) != want {
			t.Errorf("/findings?%s: %d findings, want %d", q, len(ids), want)
		}
		if want == 0 {
			wantText(t, q, r, "No finding matches these filters")
		}
	}
	r = b.get("/findings?release=" + itoa(fx.upf1))
	if !strings.Contains(r.body, `<input type="hidden" name="release" value="`+itoa(fx.upf1)+`">`) {
		t.Error("the release filter is not kept in the filter form")
	}
	wantText(t, "release filter", r, "Only the findings of UPF 1.0")
	r = b.get("/findings?sort=nonsense")
	wantStatus(t, "bad order", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="ff-sort-err"`) {
		t.Error("bad order: the error is not next to the field")
	}
	wantStatus(t, "bad release", b.get("/findings?release=x"), http.StatusBadRequest)

	// Pages of two keep the filters.
	r = b.get("/findings?component=lodash&limit=2")
	next := regexp.MustCompile(`href="([^"]+)" rel="next">Next page`).FindStringSubmatch(r.body)
	if next == nil || len(worklistIDs(r.body)) != 2 {
		t.Fatal("worklist of two a page: no Next page link")
	}
	link := strings.ReplaceAll(next[1], "&amp;", "&")
	if !strings.Contains(link, "component=lodash") || !strings.Contains(link, "limit=2") || !strings.Contains(link, "cursor=") {
		t.Errorf("Next page link %q does not keep the filters", link)
	}
	r2 := b.get(link)
	if ids := worklistIDs(r2.body); len(ids) != 2 || slices.Contains(ids, worklistIDs(r.body)[0]) || !strings.Contains(r2.body, "First page") {
		t.Errorf("second page: %v", ids)
	}

	// Past its due date, a finding says so in words, not only in colour;
	// one a waiver covers is marked and links the waiver.
	late := e.findingsOf(fx.upf1)["CVE-2019-10906"].ID
	if _, err := e.db.Raw().Exec("UPDATE findings SET sla_due = ? WHERE id = ?", time.Now().Add(-72*time.Hour).UnixMicro(), late); err != nil {
		t.Fatal(err)
	}
	wv, err := e.db.RequestWaiver(e.as("product-security"), bulwark.NewWaiver{PURL: "pkg:npm/lodash", Versions: "*", Vulnerability: "CVE-2020-28500",
		ScopeID: e.org.Core5G.ID, Reason: "fixed upstream in the next build", ExpiresAt: time.Now().AddDate(0, 0, 20)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.ApproveWaiver(e.as("product-security-2"), wv.ID, "agreed"); err != nil {
		t.Fatal(err)
	}
	r = b.get("/findings?overdue=1")
	if ids := worklistIDs(r.body); !slices.Equal(ids, []string{itoa(late)}) {
		t.Errorf("overdue findings: %v, want %d", ids, late)
	}
	if !strings.Contains(r.body, `<tr id="finding-`+itoa(late)+`" class="row-overdue">`) || !strings.Contains(r.body, `<span class="overdue">overdue</span>`) {
		t.Error("the overdue finding is not marked overdue in words")
	}
	r = b.get("/findings?vulnerability=CVE-2020-28500")
	if n := strings.Count(r.body, `<a class="badge badge-waived" href="/waivers#waiver-`+itoa(wv.ID)+`"`); n != 2 {
		t.Errorf("the worklist marks %d findings waived, want 2\n%s", n, r.text())
	}
	wantText(t, "finding past its SLA", b.get(fmt.Sprintf("/findings/%d", late)), "Overdue.", "overdue since")
	d := b.get("/vulnerabilities")
	if !strings.Contains(d.body, `<span class="stat-num">1</span><span class="stat-label">past their SLA`) || !strings.Contains(d.body, `<span class="stat-num">2</span><span class="stat-label">open, waived`) {
		t.Errorf("the dashboard does not count the overdue and the waived findings\n%s", d.text())
	}

	// A finding of another business unit does not exist for bu-security.
	other := e.findingsOf(fx.router)["CVE-2021-23337"].ID
	wantStatus(t, "another scope's finding", b.get(fmt.Sprintf("/findings/%d", other)), http.StatusNotFound)
	wantStatus(t, "no such finding", b.get("/findings/999999"), http.StatusNotFound)

	// The release page counts its open findings.
	r = b.get(fmt.Sprintf("/releases/%d", fx.upf1))
	wantText(t, "release page", r, "Vulnerabilities", "3 open findings in this release", "All findings of this release")
	if !strings.Contains(r.body, fmt.Sprintf(`href="/findings?release=%d"`, fx.upf1)) {
		t.Error("the release page does not link its findings")
	}
}

func TestFindingTriage(t *testing.T) {
	e := newEnv(t)
	fx := seedVulns(t, e)
	id := e.findingsOf(fx.upf1)["CVE-2021-23337"].ID
	later := e.findingsOf(fx.upf2)["CVE-2021-23337"].ID
	page := fmt.Sprintf("/findings/%d", id)
	b := e.signedIn("bu-security")
	r := b.get(page)
	wantStatus(t, "finding", r, http.StatusOK)
	wantText(t, "finding", r, "CVE-2021-23337", "Command injection in lodash", "lodash@4.17.20", "UPF 1.0", "high 7.2", "Fixed in 4.17.21",
		"Nobody has triaged this finding yet", "History")
	for _, want := range []string{`<dialog id="triage-dialog"`, `href="#triage" data-dialog="triage-dialog"`, `action="` + page + `/triage"`,
		`<optgroup label="CycloneDX">`, `<optgroup label="CSAF">`, `<option value="code_not_reachable">code not reachable</option>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("finding: no %s", want)
		}
	}

	before := e.ledgerSize()
	r = b.post(page+"/triage", url.Values{"state": {"not_affected"}, "detail": {"kept"}, "reason": {"looked"}})
	wantStatus(t, "not affected without justification", r, http.StatusBadRequest)
	if !regexp.MustCompile(`id="tr-justification-err">[^<]*say why the component is not affected`).MatchString(r.body) {
		t.Errorf("no justification: the error is not next to the field\n%s", r.text())
	}
	if !strings.Contains(r.body, ">kept</textarea>") || !strings.Contains(r.body, `<dialog id="triage-dialog" class="dialog" aria-labelledby="triage-title" data-open>`) {
		t.Error("no justification: the detail typed is not kept, or the dialog does not open again")
	}
	if e.finding(id).State != bulwark.FindingInTriage || e.ledgerSize() != before {
		t.Error("a refused triage changed something")
	}

	r = b.post(page+"/triage", url.Values{"state": {"not_affected"}, "justification": {"code_not_reachable"}, "detail": {"template() is never called"},
		"owner": {"team-upf"}, "reason": {"reviewed with the UPF team"}})
	wantStatus(t, "triage", r, http.StatusSeeOther)
	if r.location() != page+"?done=triaged&carried=1" {
		t.Errorf("triage: Location %q", r.location())
	}
	r = b.get(r.location())
	wantText(t, "after the triage", r, "Triage recorded in the ledger. 1 later release took it over.", "not affected", "code not reachable", "team-upf",
		"finding.triaged", "reviewed with the UPF team (carried to 1 later release(s))")
	if f := e.finding(later); f.State != bulwark.FindingNotAffected || f.InheritedFrom != id {
		t.Errorf("UPF 2.0's finding did not inherit the analysis: %+v", f)
	}
	r = b.get(fmt.Sprintf("/findings/%d", later))
	wantText(t, "inherited finding", r, "carried from an earlier release's finding", "inherited")
	r = b.get("/findings?release=" + itoa(fx.upf2))
	if !strings.Contains(r.body, fmt.Sprintf(`<a class="badge badge-muted" href="/findings/%d" title="analysis carried from an earlier release">inherited</a>`, id)) {
		t.Error("the worklist does not mark the inherited analysis")
	}

	// Roles that do not triage get no form, and a post is refused.
	for _, name := range []string{"developer", "auditor"} {
		o := e.signedIn(name)
		r := o.get(page)
		wantStatus(t, name+" on the finding", r, http.StatusOK)
		if strings.Contains(r.body, "<dialog") || strings.Contains(r.body, `/triage"`) || strings.Contains(o.get("/findings").body, `id="bulk-triage"`) {
			t.Errorf("%s is offered a triage form", name)
		}
		before := e.ledgerSize()
		r = o.post(page+"/triage", url.Values{"state": {"affected"}, "reason": {"mine now"}})
		wantStatus(t, name+" triages", r, http.StatusForbidden)
		wantText(t, name+" triages", r, "may not finding.triage")
		if e.finding(id).State != bulwark.FindingNotAffected || e.ledgerSize() != before {
			t.Errorf("%s's refused triage changed something", name)
		}
	}
	// Another business unit's finding is not there to triage.
	other := e.findingsOf(fx.router)["CVE-2021-23337"].ID
	wantStatus(t, "triage in another scope", b.post(fmt.Sprintf("/findings/%d/triage", other), url.Values{"state": {"affected"}}), http.StatusNotFound)
	// Without the CSRF token nothing is read.
	r = b.do(http.MethodPost, page+"/triage", url.Values{"state": {"affected"}})
	wantStatus(t, "triage without CSRF token", r, http.StatusForbidden)
	wantText(t, "triage without CSRF token", r, "Nothing was changed")
	if e.finding(id).State != bulwark.FindingNotAffected || e.finding(other).State != bulwark.FindingInTriage {
		t.Error("a refused triage changed a finding")
	}
}

func TestBulkTriage(t *testing.T) {
	e := newEnv(t)
	fx := seedVulns(t, e)
	upf1, upf2 := e.findingsOf(fx.upf1), e.findingsOf(fx.upf2)
	a, c := upf1["CVE-2020-28500"].ID, upf2["CVE-2020-28500"].ID
	b := e.signedIn("bu-security")
	before := e.ledgerSize()

	r := b.post("/findings/triage", url.Values{"state": {"affected"}, "back": {"rating=medium&state=open"}})
	wantStatus(t, "nothing ticked", r, http.StatusBadRequest)
	wantText(t, "nothing ticked", r, "tick the findings to triage first")
	r = b.post("/findings/triage", url.Values{"id": {itoa(a), "999999"}, "state": {"affected"}, "back": {"rating=medium"}})
	wantStatus(t, "an unknown finding", r, http.StatusNotFound)
	if !strings.Contains(r.body, `value="`+itoa(a)+`" form="bulk-triage" aria-label=`) || !regexp.MustCompile(`value="`+itoa(a)+`" form="bulk-triage"[^>]* checked>`).MatchString(r.body) {
		t.Error("an unknown finding: the ticked finding is not ticked again")
	}
	r = b.post("/findings/triage", url.Values{"id": {itoa(a), itoa(c)}, "state": {"not_affected"}, "back": {"rating=medium"}})
	wantStatus(t, "not affected without justification", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="bt-justification-err"`) {
		t.Error("bulk: the justification error is not next to the field")
	}
	if e.finding(a).State != bulwark.FindingInTriage || e.ledgerSize() != before {
		t.Fatal("refused bulk triage changed something")
	}

	r = b.post("/findings/triage", url.Values{"id": {itoa(a), itoa(c)}, "state": {"affected"}, "response": {"update"}, "owner": {"team-upf"},
		"reason": {"upgrade lodash"}, "back": {"rating=medium&state=open&done=x"}})
	wantStatus(t, "bulk triage", r, http.StatusSeeOther)
	if r.location() != "/findings?done=bulk-triaged&n=2&rating=medium&state=open" {
		t.Errorf("bulk triage: Location %q", r.location())
	}
	r = b.get(r.location())
	wantText(t, "after bulk triage", r, "2 findings updated and recorded in the ledger", "affected", "team-upf")
	for _, id := range []int64{a, c} {
		if f := e.finding(id); f.State != bulwark.FindingAffected || f.Owner != "team-upf" || f.Response != "update" {
			t.Errorf("finding %d after bulk triage: %+v", id, f)
		}
	}

	// A role that does not triage is refused, nothing changes.
	dev := e.signedIn("developer")
	before = e.ledgerSize()
	r = dev.post("/findings/triage", url.Values{"id": {itoa(a)}, "state": {"fixed"}})
	wantStatus(t, "developer bulk triage", r, http.StatusForbidden)
	if e.finding(a).State != bulwark.FindingAffected || e.ledgerSize() != before {
		t.Error("the developer's bulk triage changed something")
	}
	// Another business unit's finding among the ticked ones: none changes.
	other := e.findingsOf(fx.router)["CVE-2020-28500"].ID
	r = b.post("/findings/triage", url.Values{"id": {itoa(a), itoa(other)}, "state": {"fixed"}})
	wantStatus(t, "bulk with another scope's finding", r, http.StatusNotFound)
	if e.finding(a).State != bulwark.FindingAffected || e.ledgerSize() != before {
		t.Error("a refused bulk triage changed something")
	}
	wantStatus(t, "bulk without CSRF token", b.do(http.MethodPost, "/findings/triage", url.Values{"id": {itoa(a)}, "state": {"fixed"}}), http.StatusForbidden)
}

func TestVEXDownloadAndVulnerabilityWaiver(t *testing.T) {
	e := newEnv(t)
	fx := seedVulns(t, e)
	b := e.signedIn("bu-security")
	rel := b.get(fmt.Sprintf("/releases/%d", fx.upf1))
	wantText(t, "release page", rel, "CycloneDX VEX", "OpenVEX")
	r := b.get(fmt.Sprintf("/releases/%d/vex?format=openvex", fx.upf1))
	wantStatus(t, "OpenVEX", r, http.StatusOK)
	if !strings.Contains(r.header.Get("Content-Disposition"), "UPF-1.0.vex.openvex.json") || !strings.Contains(r.body, `"under_investigation"`) ||
		!strings.Contains(r.body, "CVE-2021-23337") {
		t.Errorf("OpenVEX download: %s\n%s", r.header.Get("Content-Disposition"), r.body)
	}
	r = b.get(fmt.Sprintf("/releases/%d/vex", fx.upf1))
	if r.status != http.StatusOK || !strings.Contains(r.body, `"bomFormat": "CycloneDX"`) || !strings.Contains(r.body, `"in_triage"`) {
		t.Errorf("CycloneDX VEX download: %d\n%s", r.status, r.body)
	}
	wantStatus(t, "unknown VEX format", b.get(fmt.Sprintf("/releases/%d/vex?format=csaf", fx.upf1)), http.StatusBadRequest)
	wantStatus(t, "VEX of another scope's release", b.get(fmt.Sprintf("/releases/%d/vex", fx.router)), http.StatusNotFound)

	// A waiver may name one vulnerability; an unknown one is refused next
	// to the field.
	form := url.Values{"purl": {"pkg:npm/lodash"}, "versions": {"*"}, "scope_id": {itoa(e.org.Core5G.ID)}, "reason": {"fix in the next sprint"},
		"expires_at": {time.Now().AddDate(0, 0, 20).Format("2006-01-02")}, "vulnerability": {"CVE-2099-0001"}}
	r = b.post("/waivers", form)
	wantStatus(t, "waiver for an unknown vulnerability", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="wr-vuln-err"`) {
		t.Errorf("the vulnerability error is not next to its field:\n%s", r.text())
	}
	form.Set("vulnerability", "GHSA-35jh-r3h4-6jhm")
	wantStatus(t, "waiver for one vulnerability", b.post("/waivers", form), http.StatusSeeOther)
	wantText(t, "waivers page", b.get("/waivers"), "only CVE-2021-23337")
}
