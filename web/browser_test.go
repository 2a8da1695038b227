package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/demo"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which CI installs too.
const chromiumPath = "/usr/bin/chromium"

// screenshotDir is test-output/screenshots at the repository root.
const screenshotDir = "../test-output/screenshots"

// TestBrowserSignInLedgerVerify drives a real headless Chromium through
// sign-in, the ledger and one event's verification, and saves screenshots
// of the home and ledger pages at desktop and phone widths.
func TestBrowserSignInLedgerVerify(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (apt-get install chromium): %v", chromiumPath, err)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	e := newEnv(t)
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
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	// Start the browser on a context without a deadline (a deadline on the
	// first call would bound the browser's life), then time the flow.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 90*time.Second)
	defer cancel()

	// Any console error — a CSP violation, a failed load, a script
	// exception — fails the test.
	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	var problems []string
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				problems = append(problems, m.String()+" "+m.URL)
			}
		}
	}()

	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	read := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}

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

	stopConsole()
	<-collected
	if len(problems) > 0 {
		t.Errorf("the browser reported errors:\n%s", strings.Join(problems, "\n"))
	}
}
