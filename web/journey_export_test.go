package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/chromedp/chromedp"
)

// The journeys that end in a document for someone outside Bulwark: a VEX
// statement for a customer, a ledger bundle for an auditor. The helpers
// they share with the other journeys are in journey_test.go.

// TestBrowserJourneyAdvisoryToVEX: PSIRT imports an OSV advisory through
// the upload page; the vulnerability's impact lists both releases of the
// lineage; BU security (Networks, above 5G Core) marks the 1.0 finding
// not affected in the triage dialog; 1.1's finding shows the analysis as
// inherited; and 1.1's CycloneDX and OpenVEX downloads state it with the
// justification.
func TestBrowserJourneyAdvisoryToVEX(t *testing.T) {
	e := newEnv(t)
	c := newChrome(t, e)
	// Setup no journey step covers: UPF 1.0, then 1.1 after it, with the
	// same lodash 4.17.20.
	dev := e.signedIn("developer")
	upf := createProduct(t, dev, e.org.Core5G, "UPF")
	r10 := createRelease(t, dev, upf, "1.0", "")
	r11 := createRelease(t, dev, upf, "1.1", "1.0")
	for _, r := range []int64{r10, r11} {
		wantStatus(t, "upload the SBOM", dev.upload(fmt.Sprintf("/releases/%d/sbom", r), nil, "sbom", "upf.cdx.json", vulnSBOM()), http.StatusSeeOther)
	}
	if !strings.HasPrefix(e.org.Core5G.Path, e.org.Networks.Path) {
		t.Fatalf("5G Core (%s) is not under Networks (%s), which bu-security covers", e.org.Core5G.Path, e.org.Networks.Path)
	}
	advisory := filepath.Join(t.TempDir(), "GHSA-35jh-r3h4-6jhm.json")
	if err := os.WriteFile(advisory, []byte(osvLodashInjection), 0o644); err != nil {
		t.Fatal(err)
	}
	start := e.ledgerSize()

	c.do("desktop", chromedp.EmulateViewport(1280, 800))
	c.signIn("psirt")
	c.do("import the advisory",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/advisories/import"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ad-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#ad-file`), []string{advisory}),
		chromedp.Click(chromedp.CSS(`form[data-upload] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.result-panel`)),
	)
	if n := c.text("new records", `.result-panel .stats li:nth-child(2) .stat-num`); n != "1" {
		t.Errorf("the import says %s new records, want 1", n)
	}
	if n := c.text("new findings", `.result-panel .stats-3 li:nth-child(2) .stat-num`); n != "2" {
		t.Errorf("the import says %s new findings, want 2 (UPF 1.0 and 1.1)", n)
	}
	c.shot("journey-advisory-import-1280x800.png")
	f10, f11 := e.findingsOf(r10)["CVE-2021-23337"], e.findingsOf(r11)["CVE-2021-23337"]
	if f10 == nil || f11 == nil {
		t.Fatalf("findings of CVE-2021-23337: 1.0 %v, 1.1 %v", f10, f11)
	}
	finding10, finding11 := "/findings/"+itoa(f10.ID), "/findings/"+itoa(f11.ID)
	c.do("the impact",
		chromedp.Click(chromedp.CSS(`.result-panel a[href="/findings?state=open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.findings-table a[href="`+finding10+`"]`)),
		chromedp.Click(chromedp.CSS(`.findings-table a[href="`+finding10+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#analysis-title`)),
		chromedp.Click(chromedp.CSS(`.head-actions a[href^="/vulnerabilities/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.impact-table`)),
	)
	vulnPage := c.path("vulnerability")
	rows := c.read("impact rows", chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".impact-table tbody tr td:first-child")).map(td => td.textContent.trim()).join("|")`))
	if rows != "UPF 1.0|UPF 1.1" && rows != "UPF 1.1|UPF 1.0" {
		t.Errorf("the impact lists %q, want UPF 1.0 and UPF 1.1", rows)
	}
	c.shot("journey-advisory-impact-1280x800.png")
	c.signOut()

	c.signIn("bu-security")
	c.do("open the 1.0 finding",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/findings"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.findings-table a[href="`+finding10+`"]`)),
		chromedp.Click(chromedp.CSS(`.findings-table a[href="`+finding10+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#analysis-title`)),
	)
	c.do("triage it not affected",
		chromedp.Click(chromedp.CSS(`[data-dialog="triage-dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#triage-dialog`)),
		chromedp.SetValue(chromedp.CSS(`#tr-state`), "not_affected"),
		chromedp.SetValue(chromedp.CSS(`#tr-justification`), "code_not_reachable"),
		chromedp.SendKeys(chromedp.CSS(`#tr-detail`), "The UPF never calls _.template."),
		chromedp.SendKeys(chromedp.CSS(`#tr-owner`), "team-upf"),
		chromedp.SendKeys(chromedp.CSS(`#tr-reason`), "reviewed with the UPF team"),
	)
	c.shot("journey-advisory-triage-1280x800.png")
	c.do("record the triage",
		chromedp.Click(chromedp.CSS(`#triage-dialog button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice-ok`)),
	)
	if n := c.text("notice", `.notice-ok`); !strings.Contains(n, "1 later release took it over") {
		t.Errorf("after the triage the notice says %q", n)
	}
	c.do("the 1.1 finding",
		chromedp.Navigate(e.srv.URL+vulnPage),
		chromedp.WaitVisible(chromedp.CSS(`.impact-table a[href="`+finding11+`"]`)),
		chromedp.Click(chromedp.CSS(`.impact-table a[href="`+finding11+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#analysis-title`)),
	)
	if s := c.text("state", `section[aria-labelledby="analysis-title"] dl dd`); !strings.Contains(s, "not affected") || !strings.Contains(s, "inherited") {
		t.Errorf("the 1.1 finding's state reads %q, want not affected, inherited", s)
	}
	if s := c.text("carried from", `section[aria-labelledby="analysis-title"] .panel-head .muted`); !strings.Contains(s, "carried from an earlier release's finding") {
		t.Errorf("the 1.1 finding does not say where its analysis comes from: %q", s)
	}
	c.shot("journey-advisory-inherited-1280x800.png")

	c.do("release 1.1",
		chromedp.Click(chromedp.CSS(`.lede a[href="/releases/`+itoa(r11)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#vulnerabilities`)),
	)
	c.shot("journey-advisory-release-1280x800.png")
	name, cdxDoc := c.download("CycloneDX VEX", chromedp.Click(chromedp.CSS(`#vulnerabilities a[href$="format=cyclonedx"]`)))
	if name != "UPF-1.1.vex.cdx.json" {
		t.Errorf("the CycloneDX VEX is named %q, want UPF-1.1.vex.cdx.json", name)
	}
	var cdxVEX struct {
		BOMFormat       string `json:"bomFormat"`
		Vulnerabilities []struct {
			ID       string `json:"id"`
			Analysis struct {
				State, Justification, Detail string
			} `json:"analysis"`
			Properties []struct{ Name, Value string } `json:"properties"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(cdxDoc, &cdxVEX); err != nil || cdxVEX.BOMFormat != "CycloneDX" || len(cdxVEX.Vulnerabilities) != 1 {
		t.Fatalf("CycloneDX VEX of 1.1 (%v):\n%s", err, cdxDoc)
	}
	v := cdxVEX.Vulnerabilities[0]
	if v.ID != "CVE-2021-23337" || v.Analysis.State != "not_affected" || v.Analysis.Justification != "code_not_reachable" ||
		v.Analysis.Detail != "The UPF never calls _.template." {
		t.Errorf("CycloneDX VEX of 1.1 says %+v", v)
	}
	if len(v.Properties) != 1 || v.Properties[0].Name != "bulwark:analysis:inherited_from" ||
		!strings.HasPrefix(v.Properties[0].Value, fmt.Sprintf("finding %d (", f10.ID)) {
		t.Errorf("CycloneDX VEX of 1.1 does not say the analysis is 1.0's: %+v", v.Properties)
	}
	name, openDoc := c.download("OpenVEX", chromedp.Click(chromedp.CSS(`#vulnerabilities a[href$="format=openvex"]`)))
	if name != "UPF-1.1.vex.openvex.json" {
		t.Errorf("the OpenVEX is named %q, want UPF-1.1.vex.openvex.json", name)
	}
	var openVEX struct {
		Statements []struct {
			Vulnerability struct {
				Name string `json:"name"`
			} `json:"vulnerability"`
			Status        string `json:"status"`
			Justification string `json:"justification"`
			StatusNotes   string `json:"status_notes"`
		} `json:"statements"`
	}
	if err := json.Unmarshal(openDoc, &openVEX); err != nil || len(openVEX.Statements) != 1 {
		t.Fatalf("OpenVEX of 1.1 (%v):\n%s", err, openDoc)
	}
	if st := openVEX.Statements[0]; st.Vulnerability.Name != "CVE-2021-23337" || st.Status != "not_affected" ||
		st.Justification != "vulnerable_code_not_in_execute_path" || !strings.Contains(st.StatusNotes, fmt.Sprintf("inherited from an earlier release (finding %d)", f10.ID)) {
		t.Errorf("OpenVEX of 1.1 says %+v", st)
	}
	c.phone(
		phonePage{"journey-advisory-impact", vulnPage, `.impact-table`},
		phonePage{"journey-advisory-triaged", finding10, `#analysis-title`},
		phonePage{"journey-advisory-inherited", finding11, `#analysis-title`},
		phonePage{"journey-advisory-release", "/releases/" + itoa(r11), `#vulnerabilities`},
	)

	evs := e.wantLedger(start,
		e.signedInEvent("psirt"),
		wantEvent{"advisories.imported", "user:psirt", "advisories"},
		wantEvent{"findings.matched", "user:psirt", "release:" + itoa(r10)},
		wantEvent{"findings.matched", "user:psirt", "release:" + itoa(r11)},
		e.signedOutEvent("psirt"),
		e.signedInEvent("bu-security"),
		wantEvent{"finding.triaged", "user:bu-security", "finding:" + itoa(f10.ID)},
	)
	// The one triage event carries the decision to 1.1: its reason says so,
	// and its after-digest commits to the 1.0 finding as triaged, carried
	// to one later release.
	triaged := e.finding(f10.ID)
	triaged.Carried = 1
	if n := len(evs); n > 0 {
		if tr := evs[n-1]; tr.Reason != "reviewed with the UPF team (carried to 1 later release(s))" || tr.After != bulwark.Digest(triaged) {
			t.Errorf("the triage event does not record the decision carried to 1.1: reason %q, after %s, want %s", tr.Reason, tr.After, bulwark.Digest(triaged))
		}
	}
	if f := e.finding(f11.ID); f.State != bulwark.FindingNotAffected || f.Justification != "code_not_reachable" || f.InheritedFrom != f10.ID {
		t.Errorf("the 1.1 finding after the triage: %s, %q, inherited from %d", f.State, f.Justification, f.InheritedFrom)
	}
	c.finish()
}

// newEnvSinceYesterday is newEnv whose organisation was set up yesterday
// (UTC): its events are a day old, and only what the test does is today.
func newEnvSinceYesterday(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	signer, err := ledger.LoadOrCreateKey(filepath.Join(t.TempDir(), "ledger.key"), "bulwark.test/ledger")
	if err != nil {
		t.Fatal(err)
	}
	var shift atomic.Int64
	yesterday := time.Now().UTC().Truncate(24 * time.Hour).Add(-12 * time.Hour)
	shift.Store(int64(time.Until(yesterday)))
	db, err := sqldb.Open(ctx, sqldb.SQLitePath(t.TempDir()), sqldb.Options{Signer: signer,
		Now: func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, db, Options{}, nil)
	shift.Store(0)
	return e
}

// TestBrowserJourneyAuditorBundle: the auditor downloads today's ledger
// bundle from the ledger page and the verification of `bulwark verify`
// accepts it; after one of today's stored events is altered in the
// database, a fresh download is rejected, naming that event, and its
// event page says verification failed. Exports are not recorded in the
// ledger (neither here nor by the API or the CLI), so the auditor's only
// events are the sign-ins.
func TestBrowserJourneyAuditorBundle(t *testing.T) {
	e := newEnvSinceYesterday(t)
	c := newChrome(t, e)
	start := e.ledgerSize()
	today := time.Now().UTC().Format(dateLayout)

	c.do("desktop", chromedp.EmulateViewport(1280, 800))
	c.signIn("auditor")
	c.do("open the ledger",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/ledger"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lb-day`)),
	)
	if d := c.read("day", chromedp.Value(chromedp.CSS(`#lb-day`))); d != today {
		t.Errorf("the export offers the day %q, want today, %s", d, today)
	}
	c.shot("journey-ledger-1280x800.png")
	// A day with no event is refused next to the field.
	c.expect("status of 400", "/ledger/bundle")
	empty := time.Now().UTC().AddDate(0, 0, -3).Format(dateLayout)
	c.do("export a day with no event",
		chromedp.SetValue(chromedp.CSS(`#lb-day`), empty),
		chromedp.Click(chromedp.CSS(`form[action="/ledger/bundle"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lb-day-err`)),
	)
	if msg := c.text("day error", `#lb-day-err`); !strings.Contains(msg, "no event was recorded on "+empty) {
		t.Errorf("exporting a day with no event says %q", msg)
	}
	c.do("back to today", chromedp.SetValue(chromedp.CSS(`#lb-day`), today))
	download := chromedp.Click(chromedp.CSS(`form[action="/ledger/bundle"] button[type="submit"]`))
	name, bundle := c.download("download today's bundle", download)
	if want := "bulwark-ledger-" + today + ".json"; name != want {
		t.Errorf("the bundle is named %q, want %q", name, want)
	}
	b, err := ledger.ReadBundle(bytes.NewReader(bundle))
	if err != nil {
		t.Fatalf("the downloaded bundle does not read: %v", err)
	}
	// Today holds the auditor's sign-in only: the organisation is a day old.
	if size := e.ledgerSize(); b.From != start || b.To != size || b.TreeSize != size {
		t.Errorf("today's bundle holds [%d, %d) of %d events, want [%d, %d) of %d", b.From, b.To, b.TreeSize, start, size, size)
	}
	if r := verifyBundle(t, bundle, e.db.VerifierKey()); !r.OK() || r.Checked != int(b.To-b.From) {
		t.Fatalf("today's bundle does not verify: %d checked, %+v", r.Checked, r.Failures)
	}
	if r := verifyBundle(t, bundle, "bulwark.test/ledger+00000000+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); r.OK() {
		t.Error("the bundle verifies under a key that is not the server's")
	}
	// What the auditor did is the sign-in; the download left no event.
	e.wantLedger(start, e.signedInEvent("auditor"))

	// The tamper: someone with database access rewrites who signed in.
	altered := start
	_, leaf, err := e.db.FindEvent(e.sys, altered)
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Replace(leaf, []byte(`"actor":"user:auditor"`), []byte(`"actor":"user:admin"`), 1)
	if bytes.Equal(forged, leaf) {
		t.Fatalf("event %d has no auditor to rewrite: %s", altered, leaf)
	}
	res, err := e.db.Raw().Exec("UPDATE ledger_events SET leaf = ?, actor = ? WHERE idx = ?", forged, "user:admin", altered)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("tamper with event %d: %d rows, %v", altered, n, err)
	}

	c.do("back to the ledger",
		chromedp.Navigate(e.srv.URL+"/ledger"),
		chromedp.WaitVisible(chromedp.CSS(`#lb-day`)),
	)
	_, tampered := c.download("download today's bundle again", download)
	r := verifyBundle(t, tampered, e.db.VerifierKey())
	if r.OK() {
		t.Fatal("the bundle of a tampered ledger verifies")
	}
	named := fmt.Sprintf("event %d (auth.signed_in %s by user:admin): not in the signed tree", altered, e.userSubject("auditor"))
	if len(r.Failures) != 1 || r.Failures[0].Index != altered || !strings.Contains(r.Failures[0].Message, named) {
		t.Errorf("the tampered bundle fails with %+v, want one failure naming %q", r.Failures, named)
	}
	c.do("the altered event",
		chromedp.Navigate(fmt.Sprintf("%s/ledger/events/%d", e.srv.URL, altered)),
		chromedp.WaitVisible(chromedp.CSS(`.verdict`)),
	)
	if v := c.text("verdict", `.verdict`); !strings.Contains(v, "Verification failed") {
		t.Errorf("the altered event's page says %q", v)
	}
	c.shot("journey-ledger-tampered-event-1280x800.png")
	c.phone(
		phonePage{"journey-ledger", "/ledger", `#lb-day`},
		phonePage{"journey-ledger-tampered-event", fmt.Sprintf("/ledger/events/%d", altered), `.verdict`},
	)
	c.finish()

	// A bundle is the whole log: bu-security, who reads Networks' events
	// only, is not offered the download, and a typed URL says why.
	bu := e.signedIn("bu-security")
	if r := bu.get("/ledger"); r.status != http.StatusOK || strings.Contains(r.body, `action="/ledger/bundle"`) {
		t.Errorf("bu-security's ledger page (%d) offers the bundle", r.status)
	}
	got := bu.get("/ledger/bundle?day=" + today)
	wantStatus(t, "bu-security exports", got, http.StatusForbidden)
	wantText(t, "bu-security exports", got, "a bundle is the whole log: exporting it needs ledger.read on Acme")
	if cd := got.header.Get("Content-Disposition"); cd != "" {
		t.Errorf("the refused export is a download: %s", cd)
	}
}
