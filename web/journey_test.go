package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/api"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/sqldb"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// The named journeys, each driven through Chromium by the roles that walk
// it and ending with the ledger events it produced: here the catalog
// request and the pipeline gate, with the helpers all journeys share; the
// VEX and ledger-bundle journeys are in journey_export_test.go, what goes
// wrong in unhappy_test.go.

// wantEvent is one ledger event a journey should have appended.
type wantEvent struct{ kind, actor, subject string }

func (w wantEvent) String() string { return w.kind + " by " + w.actor + " on " + w.subject }

// eventsSince returns the events appended from index start on, oldest first.
func (e *env) eventsSince(start int64) []*bulwark.Event {
	e.t.Helper()
	var out []*bulwark.Event
	for i, size := start, e.ledgerSize(); i < size; i++ {
		ev, _, err := e.db.FindEvent(e.sys, i)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// wantLedger checks the events appended since start, in order, and that
// the whole ledger still verifies as `bulwark verify` verifies a bundle.
// It returns the events for further checks.
func (e *env) wantLedger(start int64, want ...wantEvent) []*bulwark.Event {
	e.t.Helper()
	evs := e.eventsSince(start)
	var got, wanted []string
	for _, ev := range evs {
		got = append(got, wantEvent{ev.Kind, ev.Actor, ev.Subject}.String())
	}
	for _, w := range want {
		wanted = append(wanted, w.String())
	}
	if !slices.Equal(got, wanted) {
		e.t.Errorf("the journey appended to the ledger:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(wanted, "\n  "))
	}
	if r := e.verifyLedger(); !r.OK() || !r.Recomputed {
		e.t.Errorf("the ledger no longer verifies: %+v", r.Failures)
	}
	return evs
}

// verifyLedger exports the whole ledger and verifies the bundle with the
// code of `bulwark verify`, pinned to the server's key.
func (e *env) verifyLedger() *ledger.Report {
	e.t.Helper()
	var buf bytes.Buffer
	if err := e.db.ExportBundle(e.sys, &buf, sqldb.ExportOptions{}); err != nil {
		e.t.Fatal(err)
	}
	return verifyBundle(e.t, buf.Bytes(), e.db.VerifierKey())
}

// verifyBundle reads and verifies a bundle as `bulwark verify --key` does.
func verifyBundle(t *testing.T, data []byte, key string) *ledger.Report {
	t.Helper()
	b, err := ledger.ReadBundle(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the bundle does not read: %v", err)
	}
	return ledger.Verify(b, ledger.VerifyOptions{PublicKey: key})
}

func (e *env) userSubject(name string) string { return "user:" + itoa(e.userID(name)) }

// signedInEvent and signedOutEvent are what the sign-in form and the sign-out
// button record.
func (e *env) signedInEvent(name string) wantEvent {
	return wantEvent{"auth.signed_in", "user:" + name, e.userSubject(name)}
}

func (e *env) signedOutEvent(name string) wantEvent {
	return wantEvent{"auth.signed_out", "user:" + name, e.userSubject(name)}
}

// path is the path of the page the browser shows, without query or fragment.
func (c *chrome) path(what string) string {
	c.t.Helper()
	loc := c.read(what, chromedp.Location())
	loc = strings.TrimPrefix(loc, c.e.srv.URL)
	loc, _, _ = strings.Cut(loc, "#")
	loc, _, _ = strings.Cut(loc, "?")
	return loc
}

// forgePost submits a form the page does not offer, carrying the session's
// valid CSRF token read from the page, as a crafted request would.
func (c *chrome) forgePost(what, action string, fields map[string]string) {
	c.t.Helper()
	js, err := json.Marshal(fields)
	if err != nil {
		c.t.Fatal(err)
	}
	c.do(what, chromedp.Evaluate[chromedp.Void](`(() => {
  const f = document.createElement("form");
  f.method = "post";
  f.action = `+strconv.Quote(action)+`;
  const fields = Object.assign(`+string(js)+`, {csrf: document.querySelector('input[name="csrf"]').value});
  for (const [k, v] of Object.entries(fields)) {
    const i = document.createElement("input");
    i.type = "hidden"; i.name = k; i.value = v;
    f.append(i);
  }
  document.body.append(f);
  f.submit();
})()`))
}

// download runs click, which must start a download, and returns the file
// name the server suggested and the content Chromium saved.
func (c *chrome) download(what string, click chromedp.Action[chromedp.Void]) (name string, content []byte) {
	c.t.Helper()
	dir := c.t.TempDir()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	begins := chromedp.Events(ctx, cdpbrowser.DownloadWillBegin)
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true),
	}); err != nil {
		c.t.Fatalf("%s: allow downloads: %v", what, err)
	}
	c.do(what, click)
	var guid string
	for ev, err := range begins {
		if err != nil {
			c.t.Fatalf("%s: no download began: %v", what, err)
		}
		name, guid = ev.SuggestedFilename, ev.GUID
		break
	}
	for ev, err := range progress {
		if err != nil {
			c.t.Fatalf("%s: the download did not finish: %v", what, err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			c.t.Fatalf("%s: the download was cancelled", what)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			break
		}
	}
	content, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
	return name, content
}

// phonePage is one page to screenshot: its name in the file, path, and
// what to wait for.
type phonePage struct{ name, path, wait string }

// phone takes the 390 px screenshots of pages, checking that none is
// wider than the screen, and goes back to the desktop width.
func (c *chrome) phone(pages ...phonePage) {
	c.t.Helper()
	c.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, pg := range pages {
		c.do(pg.name+" on a phone", chromedp.Navigate(c.e.srv.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.wait)))
		c.noOverflow(pg.name + " at 390 px")
		c.shot(pg.name + "-390x844.png")
	}
	c.do("desktop again", chromedp.EmulateViewport(1280, 800))
}

var dossierPage = regexp.MustCompile(`^/catalog/versions/(\d+)$`)

// TestBrowserJourneyCatalogRequestToCertify: a developer searches the
// catalog for a component it lacks, requests it from the empty search,
// and cannot certify it: no control once it is under evaluation, and a
// forged decision with a valid CSRF token is refused with the reason and
// changes nothing. Product security starts the evaluation, records the
// verification the policy asks for and certifies (one agreeing decision
// is what the demo policy needs; the requester is the developer, so
// four-eyes holds with product-security alone). The ledger holds each step
// by its actor.
func TestBrowserJourneyCatalogRequestToCertify(t *testing.T) {
	e := newEnv(t)
	c := newChrome(t, e)
	start := e.ledgerSize()
	const purl = "pkg:npm/left-pad"

	c.do("desktop", chromedp.EmulateViewport(1280, 800))
	c.signIn("developer")
	c.do("search the catalog",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/catalog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#c-q`)),
		chromedp.SendKeys(chromedp.CSS(`#c-q`), purl),
		submit(`form[action="/catalog"] button[type="submit"]`),
		// The empty catalog has an empty state too: wait for the answer,
		// whose search box carries the query as its value.
		chromedp.WaitVisible(chromedp.CSS(`#c-q[value="`+purl+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.empty .empty-actions a`)),
	)
	if h := c.text("empty state", `.empty h2`); h != "No component matches" {
		t.Errorf("searching for a missing component says %q", h)
	}
	if p := c.text("empty state", `.empty p`); !strings.Contains(p, "If the component you need is not here yet, ask for it") {
		t.Errorf("the empty search does not suggest a request: %q", p)
	}
	c.shot("journey-catalog-empty-1280x800.png")

	c.do("request it from the empty search",
		chromedp.Click(chromedp.CSS(`.empty-actions a`)),
		chromedp.WaitVisible(chromedp.CSS(`#rq-purl`)),
	)
	if v := c.read("purl", chromedp.Value(chromedp.CSS(`#rq-purl`))); v != purl {
		t.Errorf("the request form starts with purl %q, want the one searched for, %q", v, purl)
	}
	c.do("fill in the request",
		chromedp.SendKeys(chromedp.CSS(`#rq-version`), "1.3.0"),
		chromedp.SendKeys(chromedp.CSS(`#rq-why`), "Pads the UPF's fixed-width log columns; nothing certified does it."),
		chromedp.SendKeys(chromedp.CSS(`#rq-license`), "MIT"),
	)
	c.shot("journey-catalog-request-1280x800.png")
	c.do("send the request",
		submit(`form[action="/catalog/request"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`.checks-grid .finding`)),
	)
	dossier := c.path("dossier")
	id := pathID(t, "dossier", dossierPage, dossier)
	if n := c.text("notice", `.notice-ok`); !strings.Contains(n, "Request recorded") {
		t.Errorf("after the request the notice says %q", n)
	}
	c.signOut()

	c.signIn("product-security")
	c.do("open the queue",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/catalog/queue"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.table a[href="`+dossier+`"]`)),
	)
	c.do("start the evaluation",
		chromedp.Click(chromedp.CSS(`table.table a[href="`+dossier+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ev-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#ev-reason`), "taking left-pad"),
		submit(`form[action$="/evaluation"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#fd-summary`)),
	)
	c.do("record the verification",
		chromedp.SetValue(chromedp.CSS(`#fd-check`), "verification"),
		chromedp.SetValue(chromedp.CSS(`#fd-outcome`), "pass"),
		chromedp.SendKeys(chromedp.CSS(`#fd-summary`), "Unit and log-format tests pass on the UPF build"),
		submit(`form[action$="/findings"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`.notice-ok`)),
	)
	if n := c.count("certify control", `#dc-certify`); n != 1 {
		t.Fatalf("product security is offered %d certify controls under evaluation, want 1", n)
	}
	if d := e.dossier(id); d.Needed != 1 {
		t.Fatalf("the policy asks for %d agreeing decisions; this journey certifies with one", d.Needed)
	}
	c.signOut()

	// The requester looks at the same dossier: no way to certify it.
	c.signIn("developer")
	c.do("the dossier under evaluation",
		chromedp.Navigate(e.srv.URL+dossier),
		chromedp.WaitVisible(chromedp.CSS(`h1 .state-under-evaluation`)),
	)
	if n := c.count("decision controls", `#dc-certify, form[action$="/decisions"]`); n != 0 {
		t.Errorf("the developer is offered %d decision controls", n)
	}
	before := e.ledgerSize()
	c.expect("status of 403", "/decisions")
	c.forgePost("forge a certification", dossier+"/decisions", map[string]string{"verdict": "certify", "reason": "I need it today"})
	c.do("the refusal", chromedp.WaitVisible(chromedp.CSS(`.notice-error`)))
	if msg := c.text("refusal", `.notice-error`); !strings.Contains(msg, "user:developer may not component.decide") {
		t.Errorf("the forged certification is refused with %q", msg)
	}
	if s := c.path("after the refusal"); s != dossier+"/decisions" {
		t.Errorf("the refusal is at %s", s)
	}
	c.shot("journey-catalog-forged-decision-1280x800.png")
	if d := e.dossier(id); d.Version.State != bulwark.StateUnderEvaluation || len(d.Decisions) != 0 || e.ledgerSize() != before {
		t.Fatalf("the forged certification changed something: %s, %d decisions, ledger %d → %d", d.Version.State, len(d.Decisions), before, e.ledgerSize())
	}
	c.signOut()

	c.signIn("product-security")
	c.do("certify",
		chromedp.Navigate(e.srv.URL+dossier),
		chromedp.WaitVisible(chromedp.CSS(`#dc-certify`)),
		chromedp.Click(chromedp.CSS(`#dc-certify`)),
		chromedp.SendKeys(chromedp.CSS(`#dc-reason`), "MIT, verification passed, no red-line findings."),
		submit(`form[action$="/decisions"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`h1 .state-certified`)),
	)
	c.shot("journey-catalog-certified-1280x800.png")
	c.do("the catalog shows it",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/catalog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#c-q`)),
		chromedp.SendKeys(chromedp.CSS(`#c-q`), "left-pad"),
		submit(`form[action="/catalog"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#c-q[value="left-pad"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.chip`)),
	)
	if s := c.text("version state", `.chip .state`); s != "certified" {
		t.Errorf("the catalog shows left-pad 1.3.0 as %q, want certified", s)
	}
	c.shot("journey-catalog-search-1280x800.png")
	c.phone(
		phonePage{"journey-catalog-empty", "/catalog?q=pkg%3Anpm%2Fright-pad", `.empty`},
		phonePage{"journey-catalog-request", "/catalog/request?purl=pkg%3Anpm%2Fleft-pad", `#rq-purl`},
		phonePage{"journey-catalog-certified", dossier, `h1 .state-certified`},
		phonePage{"journey-catalog-search", "/catalog?q=left-pad", `.chip`},
	)

	subject := "component-version:" + itoa(id)
	e.wantLedger(start,
		e.signedInEvent("developer"),
		wantEvent{"component.requested", "user:developer", subject},
		e.signedOutEvent("developer"),
		e.signedInEvent("product-security"),
		wantEvent{"component.evaluation_started", "user:product-security", subject},
		wantEvent{"component.finding_added", "user:product-security", subject},
		e.signedOutEvent("product-security"),
		e.signedInEvent("developer"),
		e.signedOutEvent("developer"),
		e.signedInEvent("product-security"),
		wantEvent{"component.decision", "user:product-security", subject},
		wantEvent{"component.certified", "user:product-security", subject},
	)
	c.finish()
}

// newEnvWithAPI is newEnv with the JSON API mounted beside the pages, as
// `bulwark serve` mounts it, for a pipeline's `bulwark gate`.
func newEnvWithAPI(t *testing.T) *env {
	t.Helper()
	apiMux := http.NewServeMux()
	e := newEnvServing(t, Options{}, func(pages http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				apiMux.ServeHTTP(w, r)
				return
			}
			pages.ServeHTTP(w, r)
		})
	})
	api.New(e.db, api.Options{Logger: testLogger(t), VerifierKey: e.db.VerifierKey()}).Routes(apiMux)
	return e
}

// buildBulwark builds the bulwark command. The gate's code is package
// main, so the pipeline step runs the real binary rather than a copy of
// its HTTP call.
func buildBulwark(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bulwark")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/bulwark").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ../cmd/bulwark: %v\n%s", err, out)
	}
	return bin
}

// gateResult is one run of `bulwark gate` as a pipeline sees it.
type gateResult struct {
	code           int
	stdout, stderr string
}

func runGate(t *testing.T, bin string, args ...string) gateResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"gate"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := gateResult{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("bulwark gate: %v", err)
	}
	return res
}

var gateRunURL = regexp.MustCompile(`/gate-runs/(\d+)`)

// TestBrowserJourneyGateFailCertifyPass: a pipeline runs the real
// `bulwark gate` with a token the developer created on the tokens page;
// the SBOM holds an uncertified component, so the gate fails, naming the
// component and why, and the gate run page says the same. The developer
// requests the component from the run; product security evaluates and
// certifies it in the browser; the same gate then passes.
func TestBrowserJourneyGateFailCertifyPass(t *testing.T) {
	e := newEnvWithAPI(t)
	bin := buildBulwark(t)
	c := newChrome(t, e)
	dev := e.as("developer") // signs in: before the journey
	if _, err := e.db.CreateProduct(dev, bulwark.NewProduct{ScopeID: e.org.Core5G.ID, Name: "UPF"}); err != nil {
		t.Fatal(err)
	}
	sbom := filepath.Join(t.TempDir(), "upf-1.0.cdx.json")
	if err := os.WriteFile(sbom, cyclonedx([]string{"left-pad"}, []fixComponent{{"left-pad", "pkg:npm/left-pad@1.3.0", "MIT", nil}}), 0o644); err != nil {
		t.Fatal(err)
	}
	start := e.ledgerSize()

	c.do("desktop", chromedp.EmulateViewport(1280, 800))
	c.signIn("developer")
	c.do("create a pipeline token",
		chromedp.Navigate(e.srv.URL+"/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`#tok-name`)),
		chromedp.SendKeys(chromedp.CSS(`#tok-name`), "upf-pipeline"),
		chromedp.SendKeys(chromedp.CSS(`#tok-reason`), "gate in the UPF build"),
		submit(`form[action="/tokens"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#new-secret`)),
	)
	token := c.read("token", chromedp.Value(chromedp.CSS(`#new-secret`)))
	gate := []string{"--server", e.srv.URL, "--token", token, "--product", "UPF", "--release", "1.0", sbom}

	failed := runGate(t, bin, gate...)
	if failed.code != 1 {
		t.Fatalf("bulwark gate on an uncertified component exits %d, want 1\n%s%s", failed.code, failed.stdout, failed.stderr)
	}
	for _, want := range []string{"UPF 1.0: FAIL", "left-pad@1.3.0", "uncertified", "not in the catalog: request it", "FAIL: 1 failed",
		"hint: 1 uncertified component can be requested for certification in one action at " + e.srv.URL + "/gate-runs/"} {
		if !strings.Contains(failed.stdout, want) {
			t.Errorf("the failing gate's report does not say %q:\n%s", want, failed.stdout)
		}
	}
	m := gateRunURL.FindStringSubmatch(failed.stdout)
	if m == nil {
		t.Fatalf("the gate's report links no run:\n%s", failed.stdout)
	}
	run1, _ := strconv.ParseInt(m[1], 10, 64)
	runPage := "/gate-runs/" + m[1]

	c.do("the failed run",
		chromedp.Navigate(e.srv.URL+runPage),
		chromedp.WaitVisible(chromedp.CSS(`.checks-table`)),
	)
	if v := c.text("verdict", `.verdict`); !strings.Contains(v, "Failed: this SBOM may not ship") {
		t.Errorf("the failed run's page says %q", v)
	}
	row := c.text("failed check", `.checks-table tr.check-fail`)
	for _, want := range []string{"left-pad", "pkg:npm/left-pad@1.3.0", "uncertified", "not in the catalog: request it"} {
		if !strings.Contains(row, want) {
			t.Errorf("the failed check reads %q, want %q in it", row, want)
		}
	}
	c.shot("journey-gate-failed-1280x800.png")
	c.do("request the component from the run",
		chromedp.SendKeys(chromedp.CSS(`#rq-justification`), "the UPF logs need it"),
		submit(`form[action$="/requests"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`.notice-ok`)),
	)
	c.signOut()

	c.signIn("product-security")
	c.do("open the request",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/catalog/queue"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.table a[href^="/catalog/versions/"]`)),
		chromedp.Click(chromedp.CSS(`table.table a[href^="/catalog/versions/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ev-reason`)),
	)
	dossier := c.path("dossier")
	version := pathID(t, "dossier", dossierPage, dossier)
	c.do("evaluate and certify",
		chromedp.SendKeys(chromedp.CSS(`#ev-reason`), "from the UPF gate"),
		submit(`form[action$="/evaluation"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#fd-summary`)),
		chromedp.SetValue(chromedp.CSS(`#fd-check`), "verification"),
		chromedp.SetValue(chromedp.CSS(`#fd-outcome`), "pass"),
		chromedp.SendKeys(chromedp.CSS(`#fd-summary`), "Log-format tests pass"),
		submit(`form[action$="/findings"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#dc-certify`)),
		chromedp.Click(chromedp.CSS(`#dc-certify`)),
		chromedp.SendKeys(chromedp.CSS(`#dc-reason`), "MIT and verified"),
		submit(`form[action$="/decisions"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`h1 .state-certified`)),
	)

	passed := runGate(t, bin, gate...)
	if passed.code != 0 {
		t.Fatalf("bulwark gate after the certification exits %d, want 0\n%s%s", passed.code, passed.stdout, passed.stderr)
	}
	if !strings.Contains(passed.stdout, "UPF 1.0: PASS") || !strings.Contains(passed.stdout, "PASS: 0 failed, 0 warnings, 1 passed") {
		t.Errorf("the passing gate's report:\n%s", passed.stdout)
	}
	g, err := e.db.FindGateRun(e.sys, run1)
	if err != nil {
		t.Fatal(err)
	}
	runs, _, err := e.db.GateRuns(e.sys, g.Release.ID, bulwark.Page{Limit: 10})
	if err != nil || len(runs) != 2 || runs[1].ID != run1 {
		t.Fatalf("UPF 1.0's gate runs: %d, %v; want the failed one and a newer one", len(runs), err)
	}
	run2 := runs[0].ID
	c.do("the passed run",
		chromedp.Navigate(e.srv.URL+"/gate-runs/"+itoa(run2)),
		chromedp.WaitVisible(chromedp.CSS(`.checks-table`)),
	)
	if v := c.text("verdict", `.verdict`); !strings.Contains(v, "Passed: this SBOM may ship") {
		t.Errorf("the passed run's page says %q", v)
	}
	if row := c.text("check", `.checks-table tbody tr`); !strings.Contains(row, "left-pad") || !strings.Contains(row, "certified") {
		t.Errorf("the passed run's check reads %q", row)
	}
	c.shot("journey-gate-passed-1280x800.png")
	c.phone(
		phonePage{"journey-gate-failed", runPage, `.checks-table`},
		phonePage{"journey-gate-passed", "/gate-runs/" + itoa(run2), `.checks-table`},
		phonePage{"journey-gate-tokens", "/tokens", `#tok-name`},
	)

	tokens, _, err := e.db.FindTokens(dev, bulwark.Page{})
	if err != nil || len(tokens) != 1 {
		t.Fatalf("the developer's tokens: %d, %v", len(tokens), err)
	}
	release, pipeline := "release:"+itoa(g.Release.ID), "user:developer/token"
	subject := "component-version:" + itoa(version)
	e.wantLedger(start,
		e.signedInEvent("developer"),
		wantEvent{"token.created", "user:developer", "token:" + itoa(tokens[0].ID)},
		wantEvent{"release.created", pipeline, release},
		wantEvent{"release.sbom_stored", pipeline, release},
		wantEvent{"gate.decided", pipeline, "gate-run:" + itoa(run1)},
		wantEvent{"component.requested", "user:developer", subject},
		wantEvent{"gate.requested", "user:developer", "gate-run:" + itoa(run1)},
		e.signedOutEvent("developer"),
		e.signedInEvent("product-security"),
		wantEvent{"component.evaluation_started", "user:product-security", subject},
		wantEvent{"component.finding_added", "user:product-security", subject},
		wantEvent{"component.decision", "user:product-security", subject},
		wantEvent{"component.certified", "user:product-security", subject},
		wantEvent{"gate.decided", pipeline, "gate-run:" + itoa(run2)},
	)
	c.finish()
}

// submit clicks a form's submit button and waits for the page that answers
// it. Waiting for an element is not enough when the old page has it too: the
// old page is marked, and the wait ends once a page without the mark has
// loaded. Evaluating while the page navigates may fail; that is retried.
func submit(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.Evaluate[bool](`window.__submitted = true`)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		if _, err := chromedp.Click(chromedp.CSS(sel))(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		for {
			loaded, err := chromedp.Evaluate[bool](`!window.__submitted && document.readyState === "complete"`)(ctx, t)
			if err == nil && loaded {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("waiting for the answer to %s: %w", sel, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}
