package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which CI installs too.
const chromiumPath = "/usr/bin/chromium"

// screenshotDir is test-output/screenshots at the repository root.
const screenshotDir = "../test-output/screenshots"

// chrome is a headless Chromium driving the UI of one env, failing the
// test on any console error: a CSP violation, a failed load, a script
// exception.
type chrome struct {
	t        *testing.T
	e        *env
	ctx      context.Context
	problems []string
	expected []string // console errors a test provokes on purpose
	stop     func()   // stops collecting console messages and waits
}

// newChrome starts Chromium for e, or skips the test when there is none.
func newChrome(t *testing.T, e *env) *chrome {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (apt-get install chromium): %v", chromiumPath, err)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	// Start the browser on a context without a deadline (a deadline on the
	// first call would bound the browser's life), then time the flow.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 120*time.Second)
	t.Cleanup(cancel)

	c := &chrome{t: t, e: e, ctx: ctx}
	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				c.problems = append(c.problems, m.String()+" "+m.URL)
			}
		}
	}()
	c.stop = func() {
		stopConsole()
		<-collected
	}
	return c
}

// expect allows console errors that contain each of parts, such as the
// log line of a refusal the test asks for.
func (c *chrome) expect(parts ...string) {
	c.expected = append(c.expected, strings.Join(parts, "\x00"))
}

// finish fails the test if the browser reported errors it did not expect.
func (c *chrome) finish() {
	c.t.Helper()
	c.stop()
	var problems []string
	for _, p := range c.problems {
		if !slices.ContainsFunc(c.expected, func(e string) bool {
			for part := range strings.SplitSeq(e, "\x00") {
				if !strings.Contains(p, part) {
					return false
				}
			}
			return true
		}) {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		c.t.Errorf("the browser reported errors:\n%s", strings.Join(problems, "\n"))
	}
}

func (c *chrome) shot(name string) {
	c.t.Helper()
	png, err := chromedp.Run(c.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// fullShot saves the whole page, not just the viewport, for review.
func (c *chrome) fullShot(name string) {
	c.t.Helper()
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

func (c *chrome) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, steps...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

func (c *chrome) read(what string, a chromedp.Action[string]) string {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, a)
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// count is how many elements match selector.
func (c *chrome) count(what, selector string) int {
	c.t.Helper()
	n, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(selector)+`).length`))
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
	return n
}

// text is the text of the first element matching selector.
func (c *chrome) text(what, selector string) string {
	c.t.Helper()
	return c.read(what, chromedp.Text(chromedp.CSS(selector)))
}

// signIn signs in as a demo user from the sign-in page.
func (c *chrome) signIn(name string) {
	c.t.Helper()
	c.do("sign in as "+name,
		chromedp.Navigate(c.e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), name),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.role-card`)),
	)
}

func (c *chrome) signOut() {
	c.t.Helper()
	c.do("sign out",
		chromedp.Click(chromedp.CSS(`form.signout button`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
	)
}

// TestBrowserSignInLedgerVerify drives a real headless Chromium through
// sign-in, the ledger and one event's verification, and saves screenshots
// of the home and ledger pages at desktop and phone widths.
func TestBrowserSignInLedgerVerify(t *testing.T) {
	e := newEnv(t)
	c := newChrome(t, e)
	shot, do, read := c.shot, c.do, c.read

	do("sign in",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "admin"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.role-card`)),
	)
	if url := read("location", chromedp.Location()); url != e.srv.URL+"/" {
		t.Errorf("after sign-in the browser is at %s, want the home page", url)
	}
	if h := read("home heading", chromedp.Text(chromedp.CSS(`h1`))); !strings.Contains(h, "Welcome, Ada Admin") {
		t.Errorf("home heading %q", h)
	}
	shot("home-1280x800.png")

	do("open the ledger",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/ledger"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.table`)),
		chromedp.WaitVisible(chromedp.CSS(`pre.note`)),
	)
	shot("ledger-1280x800.png")

	do("open an event",
		chromedp.Click(chromedp.CSS(`table.table a[href^="/ledger/events/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.verdict`)),
	)
	heading := read("event heading", chromedp.Text(chromedp.CSS(`h1`)))
	if v := read("verdict", chromedp.Text(chromedp.CSS(`.verdict`))); !strings.Contains(v, "Verified: included in the signed tree of") {
		t.Errorf("%s: verdict %q, want verified", heading, v)
	}
	shot("event-1280x800.png")

	do("home on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`.role-card`)),
	)
	shot("home-390x844.png")
	do("ledger on a phone",
		chromedp.Navigate(e.srv.URL+"/ledger"),
		chromedp.WaitVisible(chromedp.CSS(`table.table`)),
	)
	shot("ledger-390x844.png")
	// On a phone the navigation folds behind the Menu button.
	do("phone menu",
		chromedp.WaitNotVisible(chromedp.CSS(`#sidenav`)),
		chromedp.Click(chromedp.CSS(`.menu-toggle`)),
		chromedp.WaitVisible(chromedp.CSS(`#sidenav a[href="/admin/users"]`)),
	)
	shot("menu-390x844.png")

	// A tour of the other pages, for the screenshots and to catch any
	// browser-side error on them.
	do("users",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(e.srv.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`table.table`)),
	)
	shot("users-1280x800.png")
	do("one user",
		chromedp.Click(chromedp.CSS(`table.table a[href^="/admin/users/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#grant-role`)),
	)
	shot("user-1280x800.png")
	do("scopes",
		chromedp.Navigate(e.srv.URL+"/admin/scopes"),
		chromedp.WaitVisible(chromedp.CSS(`.tree`)),
	)
	shot("scopes-1280x800.png")
	do("create a token",
		chromedp.Navigate(e.srv.URL+"/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`#tok-name`)),
		chromedp.SendKeys(chromedp.CSS(`#tok-name`), "ci-release"),
		chromedp.SendKeys(chromedp.CSS(`#tok-reason`), "release pipeline"),
		chromedp.Click(chromedp.CSS(`form[action="/tokens"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-secret`)),
	)
	if v := read("token secret", chromedp.Value(chromedp.CSS(`#new-secret`))); !strings.HasPrefix(v, "bwk_") {
		t.Errorf("new token secret %q", v)
	}
	shot("tokens-1280x800.png")
	do("users on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`table.table`)),
	)
	shot("users-390x844.png")
	do("sign out",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Click(chromedp.CSS(`form.signout button`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
	)
	shot("login-1280x800.png")
	c.finish()
}

// TestBrowserCatalogJourney drives the certification workflow in Chromium:
// a developer requests a component, product security starts the
// evaluation, records a verification with an evidence file and certifies,
// and the catalog search then shows the version certified. It saves
// screenshots of the search, the dossier and the policy at desktop and
// phone widths.
func TestBrowserCatalogJourney(t *testing.T) {
	e := newEnv(t)
	c := newChrome(t, e)
	report := filepath.Join(t.TempDir(), "loadtest-report.txt")
	if err := os.WriteFile(report, []byte("functional suite: 412 passed\nload: 12k req/s, p99 4 ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	c.do("desktop", chromedp.EmulateViewport(1280, 800))
	c.signIn("developer")
	c.do("request a component",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/catalog/request"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#rq-purl`)),
		chromedp.SendKeys(chromedp.CSS(`#rq-purl`), "pkg:npm/lodash@4.17.21"),
		chromedp.SendKeys(chromedp.CSS(`#rq-product`), "5G Core UPF"),
		chromedp.SendKeys(chromedp.CSS(`#rq-why`), "Deep clone and debounce for the session manager; no certified alternative."),
		chromedp.SendKeys(chromedp.CSS(`#rq-license`), "MIT"),
		chromedp.SendKeys(chromedp.CSS(`#rq-supplier`), "OpenJS Foundation"),
		chromedp.Click(chromedp.CSS(`form[action="/catalog/request"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.checks-grid .finding`)),
	)
	if n := c.count("automatic findings", `.checks-grid > section:first-child .finding`); n != 4 {
		t.Errorf("the new dossier shows %d automatic findings, want 4", n)
	}
	if n := c.count("decision forms", `form[action$="/decisions"]`); n != 0 {
		t.Error("the developer is offered the decision form")
	}
	c.shot("dossier-requested-1280x800.png")
	c.signOut()

	c.signIn("product-security")
	if n := c.read("queue count", chromedp.Text(chromedp.CSS(`.todo-count`))); n != "1" {
		t.Errorf("home shows %q versions in the queue, want 1", n)
	}
	c.shot("home-product-security-1280x800.png")
	c.do("open the queue",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/catalog/queue"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.table`)),
	)
	c.shot("queue-1280x800.png")
	c.do("start the evaluation",
		chromedp.Click(chromedp.CSS(`table.table a[href^="/catalog/versions/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ev-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#ev-reason`), "taking this one"),
		chromedp.Click(chromedp.CSS(`form[action$="/evaluation"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dc-title`)),
	)
	c.do("record the verification",
		chromedp.SetValue(chromedp.CSS(`#fd-check`), "verification"),
		chromedp.SetValue(chromedp.CSS(`#fd-outcome`), "pass"),
		chromedp.SendKeys(chromedp.CSS(`#fd-summary`), "Functional and load tests pass on the UPF reference build"),
		chromedp.SendKeys(chromedp.CSS(`#fd-detail`), "412 functional tests; 12k req/s at p99 4 ms."),
		chromedp.SetUploadFiles(chromedp.CSS(`#fd-evidence`), []string{report}),
		chromedp.Click(chromedp.CSS(`form[action$="/findings"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.evidence-list`)),
	)
	c.do("certify",
		chromedp.Click(chromedp.CSS(`#dc-certify`)),
		chromedp.SendKeys(chromedp.CSS(`#dc-reason`), "Licence allowed, verification passed, no red-line findings."),
		chromedp.Click(chromedp.CSS(`form[action$="/decisions"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`h1 .state-certified`)),
	)
	c.shot("dossier-1280x800.png")
	c.fullShot("dossier-full-1280.png")
	dossier := c.read("dossier location", chromedp.Location())

	c.do("search the catalog",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/catalog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#c-q`)),
		chromedp.SendKeys(chromedp.CSS(`#c-q`), "lodash"),
		chromedp.Click(chromedp.CSS(`form[action="/catalog"] button[type="submit"]`)),
		// The catalog before the search lists chips too: wait for the
		// answer, whose search box carries the query as its value.
		chromedp.WaitVisible(chromedp.CSS(`#c-q[value="lodash"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.chip`)),
	)
	if s := c.read("version state", chromedp.Text(chromedp.CSS(`.chip .state`))); s != "certified" {
		t.Errorf("the catalog shows lodash 4.17.21 as %q, want certified", s)
	}
	c.shot("catalog-1280x800.png")
	c.do("policy",
		chromedp.Navigate(e.srv.URL+"/policy"),
		chromedp.WaitVisible(chromedp.CSS(`#pol-text`)),
	)
	c.shot("policy-1280x800.png")
	c.do("request a waiver",
		chromedp.Navigate(e.srv.URL+"/waivers"),
		chromedp.WaitVisible(chromedp.CSS(`#wr-purl`)),
		chromedp.SendKeys(chromedp.CSS(`#wr-purl`), "pkg:pypi/django"),
		chromedp.SetValue(chromedp.CSS(`#wr-versions`), ">=4.0 <5"),
		chromedp.SetValue(chromedp.CSS(`#wr-scope`), itoa(e.org.Networks.ID)),
		chromedp.SetValue(chromedp.CSS(`#wr-expires`), time.Now().AddDate(0, 0, 20).Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS(`#wr-reason`), "Migration to the certified 5.x is planned for Q3"),
		chromedp.Click(chromedp.CSS(`form[action="/waivers"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.wstate-pending`)),
	)
	c.fullShot("waivers-full-1280.png")
	list := filepath.Join(t.TempDir(), "approved.csv")
	csv := "purl,license,state,replacement,support_ends\n" +
		"pkg:npm/express@4.18.2,MIT,,," + time.Now().AddDate(0, 2, 0).Format("2006-01-02") + "\n" +
		"pkg:npm/express@4.17.1,MIT,deprecated,pkg:npm/express@4.18.2,\n" +
		"pkg:npm/broken@1.0.0,MIT OR,,,\n"
	if err := os.WriteFile(list, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	c.do("import dry run",
		chromedp.Navigate(e.srv.URL+"/catalog/import"),
		chromedp.WaitVisible(chromedp.CSS(`#im-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#im-file`), []string{list}),
		chromedp.Click(chromedp.CSS(`form[action="/catalog/import"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.result-panel`)),
	)
	if got := c.read("import result", chromedp.Text(chromedp.CSS(`.result-panel h2`))); !strings.Contains(got, "Dry run of approved.csv") {
		t.Errorf("import result heading %q", got)
	}
	c.fullShot("import-full-1280.png")

	c.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	c.do("catalog on a phone", chromedp.Navigate(e.srv.URL+"/catalog?q=lodash"), chromedp.WaitVisible(chromedp.CSS(`.chip`)))
	c.shot("catalog-390x844.png")
	c.do("dossier on a phone", chromedp.Navigate(dossier), chromedp.WaitVisible(chromedp.CSS(`h1 .state-certified`)))
	c.shot("dossier-390x844.png")
	c.fullShot("dossier-full-390.png")
	c.do("policy on a phone", chromedp.Navigate(e.srv.URL+"/policy"), chromedp.WaitVisible(chromedp.CSS(`#pol-text`)))
	c.shot("policy-390x844.png")

	c.do("desktop again", chromedp.EmulateViewport(1280, 800))
	c.signOut()
	c.signIn("developer")
	if n := c.read("unread count", chromedp.Text(chromedp.CSS(`.bell-count`))); n != "1" {
		t.Errorf("the developer's top bar shows %q unread, want 1", n)
	}
	c.do("notifications",
		chromedp.Click(chromedp.CSS(`a.bell`)),
		chromedp.WaitVisible(chromedp.CSS(`.note-unread`)),
	)
	c.shot("notifications-1280x800.png")
	c.do("open the notification",
		chromedp.Click(chromedp.CSS(`.note-unread form button.btn-primary`)),
		chromedp.WaitVisible(chromedp.CSS(`h1 .state-certified`)),
	)
	c.finish()
}

// noOverflow fails the test when the page is wider than the viewport, as
// it would be on a phone if something did not wrap.
func (c *chrome) noOverflow(what string) {
	c.t.Helper()
	extra, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
	if extra > 0 {
		c.t.Errorf("%s: the page is %d px wider than the viewport", what, extra)
	}
}

// TestBrowserReleaseJourney drives the product pages in Chromium: a
// developer creates a product and a release, uploads its SBOM through the
// page and watches the progress bar, reads the components and the
// dependency tree, releases it, creates the next release with a changed
// SBOM, opens the diff and searches where a component is used. It saves
// screenshots of the release, the diff, where-used and a gate run at
// desktop and phone widths, and checks nothing overflows on the phone.
func TestBrowserReleaseJourney(t *testing.T) {
	// The server holds SBOM uploads until the test has seen the page wait
	// for the answer with a full progress bar.
	proceed := make(chan struct{})
	slowUploads := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/sbom") {
				select {
				case <-proceed:
				case <-time.After(30 * time.Second):
				}
			}
			h.ServeHTTP(w, r)
		})
	}
	e := newEnvServing(t, Options{}, slowUploads)
	letGo := sync.OnceFunc(func() { close(proceed) })
	t.Cleanup(letGo) // before the server closes, which waits for held requests
	c := newChrome(t, e)
	dir := t.TempDir()
	v1, v2 := filepath.Join(dir, "upf-1.0.cdx.json"), filepath.Join(dir, "upf-2.0.cdx.json")
	if err := os.WriteFile(v1, sbomV1(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(v2, sbomV2(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A gate decision on another product, for its page.
	dev := e.as("developer")
	if _, err := e.db.CreateProduct(dev, bulwark.NewProduct{ScopeID: e.org.Core5G.ID, Name: "Edge Gateway"}); err != nil {
		t.Fatal(err)
	}
	gate, err := e.db.Gate(dev, "Edge Gateway", "3.2", bulwark.SBOMUpload{Name: "edge-3.2.cdx.json", Content: sbomV2()})
	if err != nil {
		t.Fatal(err)
	}

	c.do("desktop", chromedp.EmulateViewport(1280, 800))
	c.signIn("developer")
	c.do("create a product",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/products"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#np-name`)),
		chromedp.SetValue(chromedp.CSS(`#np-scope`), itoa(e.org.Core5G.ID)),
		chromedp.SendKeys(chromedp.CSS(`#np-name`), "5G Core UPF"),
		chromedp.SendKeys(chromedp.CSS(`#np-description`), "User plane function of the 5G core"),
		chromedp.Click(chromedp.CSS(`#new-product button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#nr-version`)),
	)
	productPage := c.read("product location", chromedp.Location())
	productPage = productPage[:strings.Index(productPage, "?")]
	c.do("create release 1.0",
		chromedp.SendKeys(chromedp.CSS(`#nr-version`), "1.0"),
		chromedp.Click(chromedp.CSS(`form[action$="/releases"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sb-file`)),
	)
	release1 := c.read("release 1.0 location", chromedp.Location())
	release1 = release1[:strings.Index(release1, "?")]

	c.do("upload the SBOM",
		chromedp.SetUploadFiles(chromedp.CSS(`#sb-file`), []string{v1}),
		chromedp.SendKeys(chromedp.CSS(`#sb-reason`), "build 17"),
		chromedp.Click(chromedp.CSS(`form[data-upload] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-upload][data-state="processing"] .upload-bar`)),
	)
	if v := c.read("progress", chromedp.Evaluate[string](`String(document.querySelector(".upload-bar").value)`)); v != "100" {
		t.Errorf("while the server processes the upload, the progress bar is at %s, want 100", v)
	}
	if s := c.text("upload status", `.upload-status`); !strings.Contains(s, "Processing") {
		t.Errorf("upload status while processing: %q", s)
	}
	letGo()
	c.do("the result", chromedp.WaitVisible(chromedp.CSS(`#components table`)))
	if n := c.text("notice", `.notice-ok`); !strings.Contains(n, "SBOM stored: 8 components") {
		t.Errorf("after the upload the notice says %q", n)
	}
	if loc := c.read("location", chromedp.Location()); !strings.Contains(loc, "done=sbom-stored") || !strings.HasSuffix(loc, "#sbom") {
		t.Errorf("after the upload the browser is at %s", loc)
	}
	if n := c.count("component rows", `#components tbody tr`); n != 8 {
		t.Errorf("the component table has %d rows, want 8", n)
	}
	if n := c.count("tree nodes", `.dep-tree .dep-name`); n != 8 {
		t.Errorf("the dependency tree has %d nodes, want 8", n)
	}
	if n := c.count("top of the tree", `.dep-tree-wrap > .dep-tree > li`); n != 3 {
		t.Errorf("the dependency tree has %d direct dependencies, want 3", n)
	}
	c.do("top of the page", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	c.shot("release-1280x800.png")
	c.fullShot("release-full-1280.png")

	// A wrong file is refused next to the field, without leaving the page.
	notSBOM := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notSBOM, []byte("release notes, not a bill of materials\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Chromium logs the refusal (400) of the upload request it sent.
	c.expect("status of 400", "/sbom")
	c.do("upload a file that is not an SBOM",
		chromedp.SetUploadFiles(chromedp.CSS(`#sb-file`), []string{notSBOM}),
		chromedp.Click(chromedp.CSS(`form[data-upload] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sb-file-err`)),
	)
	if msg := c.text("upload error", `#sb-file-err`); msg == "" {
		t.Error("the refused upload shows no message")
	}
	if n := c.count("rows after the refusal", `#components tbody tr`); n != 8 {
		t.Errorf("after a refused upload the component table has %d rows, want 8", n)
	}
	c.shot("release-upload-error-1280x800.png")

	c.do("release it",
		chromedp.Navigate(release1),
		chromedp.WaitVisible(chromedp.CSS(`#st-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#st-reason`), "shipped to the first operator"),
		chromedp.Click(chromedp.CSS(`button[name="to"][value="released"]`)),
		chromedp.WaitVisible(chromedp.CSS(`h1 .rstate-released`)),
	)
	if n := c.count("upload forms", `form[data-upload]`); n != 0 {
		t.Error("a released release still offers the upload")
	}

	c.do("create release 2.0",
		chromedp.Click(chromedp.CSS(`.backlink a`)),
		chromedp.WaitVisible(chromedp.CSS(`#nr-version`)),
		chromedp.SendKeys(chromedp.CSS(`#nr-version`), "2.0"),
		chromedp.Click(chromedp.CSS(`form[action$="/releases"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sb-file`)),
	)
	c.do("upload the changed SBOM",
		chromedp.SetUploadFiles(chromedp.CSS(`#sb-file`), []string{v2}),
		chromedp.Click(chromedp.CSS(`form[data-upload] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#components table`)),
	)
	c.do("open the diff",
		chromedp.Click(chromedp.CSS(`.compare-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.diff-table`)),
	)
	if h := c.text("diff lede", `.lede`); !strings.Contains(h, "From 5G Core UPF 1.0 to 5G Core UPF 2.0") {
		t.Errorf("diff heading %q", h)
	}
	if n := c.count("diff rows", `.diff-table tbody tr`); n != 5 {
		t.Errorf("the diff lists %d changes, want 5", n)
	}
	diffURL := c.read("diff location", chromedp.Location())
	c.shot("diff-1280x800.png")

	c.do("where used",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/where-used"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#wu-purl`)),
		chromedp.SendKeys(chromedp.CSS(`#wu-purl`), "pkg:npm/qs"),
		chromedp.Click(chromedp.CSS(`form[action="/where-used"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.usages-table`)),
	)
	rows := c.read("where used rows", chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".usages-table tbody tr td:first-child")).map(td => td.textContent.trim()).join("|")`))
	for _, want := range []string{"5G Core UPF 1.0", "5G Core UPF 2.0"} {
		if !strings.Contains(rows, want) {
			t.Errorf("where used lists %q, want %s among them", rows, want)
		}
	}
	whereUsedURL := c.read("where used location", chromedp.Location())
	c.shot("where-used-1280x800.png")

	gatePage := e.srv.URL + "/gate-runs/" + itoa(gate.ID)
	c.do("gate run",
		chromedp.Navigate(gatePage),
		chromedp.WaitVisible(chromedp.CSS(`.checks-table`)),
	)
	c.shot("gate-run-1280x800.png")
	c.fullShot("gate-run-full-1280.png")
	c.do("product", chromedp.Navigate(productPage), chromedp.WaitVisible(chromedp.CSS(`.lineage`)))
	c.shot("product-1280x800.png")

	c.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, pg := range []struct{ name, url, wait string }{
		{"release", release1, `#components table`},
		{"diff", diffURL, `.diff-table`},
		{"where-used", whereUsedURL, `.usages-table`},
		{"gate-run", gatePage, `.checks-table`},
		{"products", e.srv.URL + "/products", `.products-table`},
		{"product", productPage, `.lineage`},
	} {
		c.do(pg.name+" on a phone", chromedp.Navigate(pg.url), chromedp.WaitVisible(chromedp.CSS(pg.wait)))
		c.noOverflow(pg.name + " at 390 px")
		c.shot(pg.name + "-390x844.png")
		if pg.name == "release" {
			c.fullShot("release-full-390.png")
		}
	}
	c.finish()
}

// TestBrowserVulnJourney drives the vulnerability pages in Chromium: PSIRT
// imports advisories through the upload page, opens the dashboard, finds a
// vulnerability by its alias, opens one of its findings, triages it
// through the dialog (first refused for want of a justification), and
// triages two findings at once from the worklist. It saves screenshots at
// desktop and phone widths and checks nothing overflows on the phone.
func TestBrowserVulnJourney(t *testing.T) {
	// The server holds advisory uploads until the test has seen the page
	// wait for the answer with a full progress bar.
	proceed := make(chan struct{})
	slowImports := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/advisories/import" {
				select {
				case <-proceed:
				case <-time.After(30 * time.Second):
				}
			}
			h.ServeHTTP(w, r)
		})
	}
	e := newEnvServing(t, Options{}, slowImports)
	letGo := sync.OnceFunc(func() { close(proceed) })
	t.Cleanup(letGo)
	fx := seedReleases(t, e)
	c := newChrome(t, e)
	records := filepath.Join(t.TempDir(), "advisories.json")
	if err := os.WriteFile(records, []byte("["+strings.Join([]string{osvLodashInjection, osvLodashReDoS, osvJinja(), osvWithdrawn}, ",")+"]"), 0o644); err != nil {
		t.Fatal(err)
	}

	c.do("desktop", chromedp.EmulateViewport(1280, 800))
	c.signIn("psirt")
	c.do("import advisories",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/advisories/import"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ad-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#ad-file`), []string{records}),
		chromedp.Click(chromedp.CSS(`form[data-upload] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-upload][data-state="processing"] .upload-bar`)),
	)
	if v := c.read("progress", chromedp.Evaluate[string](`String(document.querySelector(".upload-bar").value)`)); v != "100" {
		t.Errorf("while the server imports, the progress bar is at %s, want 100", v)
	}
	if s := c.text("upload status", `.upload-status`); !strings.Contains(s, "matching them against every release") {
		t.Errorf("upload status while processing: %q", s)
	}
	letGo()
	c.do("the import result", chromedp.WaitVisible(chromedp.CSS(`.result-panel`)))
	if h := c.text("import result", `.result-panel h2`); h != "Imported advisories.json" {
		t.Errorf("import result heading %q", h)
	}
	if n := c.text("new records", `.result-panel .stats li:nth-child(2) .stat-num`); n != "4" {
		t.Errorf("the import says %s new records, want 4", n)
	}
	if loc := c.read("location", chromedp.Location()); !strings.HasSuffix(loc, "/advisories/import") {
		t.Errorf("after the import the browser is at %s", loc)
	}
	c.shot("advisory-import-1280x800.png")

	c.do("dashboard",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/vulnerabilities"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.chart-svg`)),
	)
	if n := c.count("charts", `.chart-svg rect.chart-bar`); n == 0 {
		t.Error("the dashboard charts draw no bars")
	}
	c.shot("vulnerabilities-1280x800.png")
	c.fullShot("vulnerabilities-full-1280.png")

	c.do("find by alias",
		chromedp.SendKeys(chromedp.CSS(`#vs-id`), "GHSA-35jh-r3h4-6jhm"),
		chromedp.Click(chromedp.CSS(`form.vuln-search button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.impact-table`)),
	)
	if h := c.text("vulnerability heading", `h1`); !strings.Contains(h, "CVE-2021-23337") || !strings.Contains(h, "high 7.2") {
		t.Errorf("vulnerability heading %q", h)
	}
	vulnURL := c.read("vulnerability location", chromedp.Location())
	c.fullShot("vulnerability-full-1280.png")

	id := e.findingsOf(fx.upf1)["CVE-2021-23337"].ID
	findingURL := e.srv.URL + "/findings/" + itoa(id)
	c.do("open the finding",
		chromedp.Click(chromedp.CSS(`.impact-table a[href="/findings/`+itoa(id)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#analysis-title`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#triage-dialog`)),
	)
	c.shot("finding-1280x800.png")
	// A plain form post answered with 400 is a failed load to Chromium.
	c.expect("status of 400", "/triage")
	c.do("triage without a justification",
		chromedp.Click(chromedp.CSS(`[data-dialog="triage-dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#triage-dialog`)),
		chromedp.SetValue(chromedp.CSS(`#tr-state`), "not_affected"),
		chromedp.SendKeys(chromedp.CSS(`#tr-reason`), "reviewed with the UPF team"),
		chromedp.Click(chromedp.CSS(`#triage-dialog button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#tr-justification-err`)),
	)
	if open := c.read("dialog open", chromedp.Evaluate[string](`String(document.getElementById("triage-dialog").open)`)); open != "true" {
		t.Error("the refused triage does not open the dialog again")
	}
	c.shot("finding-triage-error-1280x800.png")
	c.do("triage",
		chromedp.SetValue(chromedp.CSS(`#tr-justification`), "code_not_reachable"),
		chromedp.SendKeys(chromedp.CSS(`#tr-owner`), "team-upf"),
		chromedp.Click(chromedp.CSS(`#triage-dialog button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice-ok`)),
	)
	if n := c.text("notice", `.notice-ok`); !strings.Contains(n, "1 later release took it over") {
		t.Errorf("after the triage the notice says %q", n)
	}
	if s := c.text("state", `section[aria-labelledby="analysis-title"] dl .fstate`); s != "not affected" {
		t.Errorf("after the triage the state is %q", s)
	}

	c.do("worklist",
		chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/findings"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.findings-table`)),
	)
	c.shot("findings-1280x800.png")
	upf1 := e.findingsOf(fx.upf1)
	a, b := upf1["CVE-2020-28500"].ID, upf1["CVE-2019-10906"].ID
	// Each box is brought to the middle of the screen first, clear of the
	// sticky top bar, and then clicked.
	box := func(id int64) string { return `input[form="bulk-triage"][value="` + itoa(id) + `"]` }
	centre := func(id int64) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + strconv.Quote(box(id)) + `).scrollIntoView({block: "center"})`)
	}
	c.do("bulk triage",
		centre(a), chromedp.Click(chromedp.CSS(box(a))),
		centre(b), chromedp.Click(chromedp.CSS(box(b))),
		chromedp.SetValue(chromedp.CSS(`#bt-state`), "affected"),
		chromedp.SetValue(chromedp.CSS(`#bt-response`), "update"),
		chromedp.SendKeys(chromedp.CSS(`#bt-owner`), "team-upf"),
		chromedp.SendKeys(chromedp.CSS(`#bt-reason`), "upgrade in the next build"),
		chromedp.Click(chromedp.CSS(`#bulk-triage button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice-ok`)),
	)
	if n := c.text("bulk notice", `.notice-ok`); !strings.Contains(n, "2 findings updated") {
		t.Errorf("after the bulk triage the notice says %q", n)
	}
	for _, fid := range []int64{a, b} {
		if f := e.finding(fid); f.State != bulwark.FindingAffected || f.Owner != "team-upf" {
			t.Errorf("finding %d after the bulk triage: %s, owner %q", fid, f.State, f.Owner)
		}
	}
	releaseURL := e.srv.URL + "/releases/" + itoa(fx.upf1) + "#vulnerabilities"

	c.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, pg := range []struct{ name, url, wait string }{
		{"vulnerabilities", e.srv.URL + "/vulnerabilities", `.chart-svg`},
		{"vulnerability", vulnURL, `.impact-table`},
		{"finding", findingURL, `#analysis-title`},
		{"findings", e.srv.URL + "/findings", `.findings-table`},
		{"advisory-import", e.srv.URL + "/advisories/import", `#ad-file`},
		{"release-vulnerabilities", releaseURL, `#vulnerabilities`},
	} {
		c.do(pg.name+" on a phone", chromedp.Navigate(pg.url), chromedp.WaitVisible(chromedp.CSS(pg.wait)))
		c.noOverflow(pg.name + " at 390 px")
		c.shot(pg.name + "-390x844.png")
	}
	c.fullShot("vulnerabilities-full-390.png")
	c.do("triage dialog on a phone",
		chromedp.Navigate(findingURL),
		chromedp.WaitVisible(chromedp.CSS(`#analysis-title`)),
		chromedp.Click(chromedp.CSS(`[data-dialog="triage-dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#triage-dialog`)),
	)
	c.noOverflow("triage dialog at 390 px")
	c.shot("finding-triage-390x844.png")
	c.finish()
}
