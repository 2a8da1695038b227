package web

import (
	"crypto/sha256"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// cookie is the value of the browser's cookie for the site, "" if none.
func (c *chrome) cookie(name string) string {
	c.t.Helper()
	res, err := chromedp.Call(c.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{c.e.srv.URL + "/"}})
	if err != nil {
		c.t.Fatalf("cookies: %v", err)
	}
	for _, ck := range res.Cookies {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// TestBrowserUnhappyPaths drives, in Chromium, what goes wrong: a wrong
// password, a session that expired, a form with a malformed value, a file
// that is not an SBOM and a decision the role may not take. Each says why
// on the page and leaves the ledger as it was.
func TestBrowserUnhappyPaths(t *testing.T) {
	e := newEnv(t)
	c := newChrome(t, e)
	// Setup: a release with no SBOM yet, and a waiver waiting for approval.
	prod, err := e.db.CreateProduct(e.as("developer"), bulwark.NewProduct{ScopeID: e.org.Core5G.ID, Name: "UPF"})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := e.db.CreateRelease(e.as("developer"), prod.ID, bulwark.NewRelease{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	waiver, err := e.db.RequestWaiver(e.as("bu-security"), bulwark.NewWaiver{PURL: "pkg:pypi/django", Versions: ">=4.0 <5",
		ScopeID: e.org.Networks.ID, Reason: "migration to 5.x planned for Q3", ExpiresAt: time.Now().AddDate(0, 0, 20)})
	if err != nil {
		t.Fatal(err)
	}
	notSBOM := filepath.Join(t.TempDir(), "release-notes.txt")
	if err := os.WriteFile(notSBOM, []byte("UPF 1.0 release notes: faster session setup.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unchanged := func(what string, before int64) {
		t.Helper()
		if n := e.ledgerSize(); n != before {
			t.Errorf("%s: the ledger grew from %d to %d events", what, before, n)
		}
	}
	c.do("desktop", chromedp.EmulateViewport(1280, 800))

	// A wrong password: the reason on the sign-in page, no session.
	before := e.ledgerSize()
	c.expect("status of 401", "/login")
	c.do("sign in with a wrong password",
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "auditor"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), "not-the-password"),
		submit(`form[action="/login"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`.login-card .notice-error`)),
	)
	if msg := c.text("sign-in error", `.login-card .notice-error`); !strings.Contains(msg, "wrong user name or password") {
		t.Errorf("a wrong password says %q", msg)
	}
	if v := c.read("user name", chromedp.Value(chromedp.CSS(`#login-name`))); v != "auditor" {
		t.Errorf("after a wrong password the user name field holds %q, want it kept", v)
	}
	if c.cookie(sessionCookie) != "" {
		t.Error("a wrong password set a session cookie")
	}
	c.shot("unhappy-wrong-password-1280x800.png")
	c.do("the home page without a session",
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
	)
	unchanged("a wrong password", before)

	// An expired session: the next page is the sign-in page, which says so
	// and comes back to that page.
	c.signIn("auditor")
	secret := c.cookie(sessionCookie)
	hash := sha256.Sum256([]byte(secret))
	res, err := e.db.Raw().Exec("UPDATE sessions SET expires_at = 0 WHERE secret_hash = ?", hash[:])
	if n, _ := res.RowsAffected(); err != nil || secret == "" || n != 1 {
		t.Fatalf("expire the browser's session: %d rows, %v", n, err)
	}
	before = e.ledgerSize()
	c.do("the next page",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/ledger"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
	)
	if msg := c.text("sign-in notice", `.login-card .notice-warn`); !strings.Contains(msg, "your session has expired") {
		t.Errorf("after the session expired the sign-in page says %q", msg)
	}
	loc, err := url.Parse(c.read("location", chromedp.Location()))
	if err != nil || loc.Path != "/login" || loc.Query().Get("next") != "/ledger" {
		t.Errorf("after the session expired the browser is at %s, want /login?next=/ledger", loc)
	}
	if c.cookie(sessionCookie) != "" {
		t.Error("the expired session's cookie was not cleared")
	}
	c.shot("unhappy-session-expired-1280x800.png")
	unchanged("an expired session", before)
	c.do("sign in again",
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "auditor"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), demo.Password),
		submit(`form[action="/login"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#lb-day`)),
	)
	if p := c.path("after signing in again"); p != "/ledger" {
		t.Errorf("signing in again goes to %s, want back to /ledger", p)
	}

	// A decision the role may not take: the auditor is shown no approval,
	// and a forged one is refused with the reason.
	c.do("waivers",
		chromedp.Navigate(e.srv.URL+"/waivers"),
		chromedp.WaitVisible(chromedp.CSS(`#waiver-`+itoa(waiver.ID))),
	)
	if n := c.count("approval forms", `#waiver-`+itoa(waiver.ID)+` form`); n != 0 {
		t.Errorf("the auditor is offered %d approval forms", n)
	}
	before = e.ledgerSize()
	c.expect("status of 403", "/approve")
	c.forgePost("forge an approval", "/waivers/"+itoa(waiver.ID)+"/approve", map[string]string{"reason": "looks fine to me"})
	c.do("the refusal", chromedp.WaitVisible(chromedp.CSS(`.notice-error`)))
	if msg := c.text("refusal", `.notice-error`); !strings.Contains(msg, "user:auditor may not waiver.approve") {
		t.Errorf("the forged approval is refused with %q", msg)
	}
	c.shot("unhappy-forbidden-approval-1280x800.png")
	if w, err := e.db.FindWaiver(e.sys, waiver.ID); err != nil || w.ApprovedBy != "" || w.State(time.Now()) != "pending" {
		t.Errorf("after the refused approval the waiver is %+v (%v)", w, err)
	}
	unchanged("a forbidden approval", before)
	c.signOut()

	// A form with a malformed value: the reason next to the field, what was
	// typed kept, nothing stored.
	c.signIn("developer")
	before = e.ledgerSize()
	c.expect("status of 400", "/catalog/request")
	c.do("request with a malformed purl",
		chromedp.Navigate(e.srv.URL+"/catalog/request"),
		chromedp.WaitVisible(chromedp.CSS(`#rq-purl`)),
		chromedp.SendKeys(chromedp.CSS(`#rq-purl`), "left-pad 1.3.0"),
		chromedp.SendKeys(chromedp.CSS(`#rq-why`), "log columns"),
		chromedp.SendKeys(chromedp.CSS(`#rq-license`), "MIT"),
		submit(`form[action="/catalog/request"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#rq-purl-err`)),
	)
	if msg := c.text("purl error", `#rq-purl-err`); msg == "" {
		t.Error("the malformed purl is refused with no message")
	}
	if v := c.read("purl", chromedp.Value(chromedp.CSS(`#rq-purl`))); v != "left-pad 1.3.0" {
		t.Errorf("after the refusal the purl field holds %q, want what was typed", v)
	}
	if v := c.read("aria", chromedp.Evaluate[string](`document.getElementById("rq-purl").getAttribute("aria-describedby")`)); !strings.Contains(v, "rq-purl-err") {
		t.Errorf("the purl field is not described by its error: %q", v)
	}
	c.shot("unhappy-invalid-form-1280x800.png")
	if comps, _, err := e.db.SearchCatalog(e.sys, bulwark.CatalogFilter{Query: "left-pad"}, bulwark.Page{}); err != nil || len(comps) != 0 {
		t.Errorf("a refused request stored %d components (%v)", len(comps), err)
	}
	unchanged("a malformed purl", before)

	// A file that is not an SBOM: refused next to the field, nothing stored.
	before = e.ledgerSize()
	c.expect("status of 400", "/sbom")
	c.do("upload release notes as the SBOM",
		chromedp.Navigate(e.srv.URL+"/releases/"+itoa(rel.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#sb-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#sb-file`), []string{notSBOM}),
		chromedp.Click(chromedp.CSS(`form[data-upload] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sb-file-err`)),
	)
	if msg := c.text("upload error", `#sb-file-err`); !strings.Contains(strings.ToLower(msg), "sbom") {
		t.Errorf("a file that is not an SBOM is refused with %q", msg)
	}
	c.shot("unhappy-not-an-sbom-1280x800.png")
	if r := e.release(rel.ID); r.SBOM != nil {
		t.Errorf("a refused upload stored an SBOM: %+v", r.SBOM)
	}
	unchanged("a file that is not an SBOM", before)

	c.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	c.noOverflow("the refused SBOM at 390 px")
	c.shot("unhappy-not-an-sbom-390x844.png")
	c.signOut()
	c.do("the expired session on a phone",
		chromedp.Navigate(e.srv.URL+"/login?expired=1"),
		chromedp.WaitVisible(chromedp.CSS(`.login-card .notice-warn`)),
	)
	c.noOverflow("the sign-in page at 390 px")
	c.shot("unhappy-session-expired-390x844.png")
	c.finish()
}
