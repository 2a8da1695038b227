package web

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRoleDashboards signs in as each demo role over a store with
// something for every role, and saves the home dashboard at desktop and
// phone widths, checking that nothing is wider than the screen and that
// the browser reports no error (a refused inline style would be one).
func TestBrowserRoleDashboards(t *testing.T) {
	e := newEnv(t)
	seedDashboards(t, e)
	c := newChrome(t, e)
	for _, name := range []string{"developer", "bu-security", "product-security", "auditor", "psirt", "supplier-manager", "admin"} {
		c.do(name+" on a desktop", chromedp.EmulateViewport(1280, 800))
		c.signIn(name)
		c.do(name+"'s dashboard", chromedp.WaitVisible(chromedp.CSS(`#dashboard .stat`)))
		if n := c.count(name+"'s charts", `#dashboard svg.chart-svg`); n == 0 {
			t.Errorf("%s: no chart on the dashboard", name)
		}
		c.noOverflow(name + " at 1280 px")
		c.fullShot("dashboard-" + name + "-1280.png")
		c.do(name+" on a phone",
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(`#dashboard .stat`)),
		)
		c.noOverflow(name + " at 390 px")
		c.fullShot("dashboard-" + name + "-390.png")
		c.do("back to a desktop", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`.role-card`)))
		c.signOut()
	}
	// The vulnerability dashboard draws the history beside its bar charts.
	c.signIn("product-security")
	for _, w := range []struct{ w, h int64 }{{1280, 800}, {390, 844}} {
		c.do("vulnerability dashboard", chromedp.EmulateViewport(w.w, w.h), chromedp.Navigate(e.srv.URL+"/vulnerabilities"),
			chromedp.WaitVisible(chromedp.CSS(`#chart-history`)))
		c.noOverflow(fmt.Sprintf("vulnerability dashboard at %d px", w.w))
		c.fullShot(fmt.Sprintf("dashboard-vulnerabilities-%d.png", w.w))
	}
	c.finish()
}
