package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

var onAttr = regexp.MustCompile(`\son[a-z]+\s*=`)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// events returns the kinds and reasons of the events about subject, oldest first.
func (e *env) events(subject string) (kinds, reasons []string) {
	e.t.Helper()
	evs, _, err := e.db.FindEvents(e.sys, bulwark.EventFilter{Subject: subject}, bulwark.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Reverse(evs)
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
		reasons = append(reasons, ev.Reason)
	}
	return kinds, reasons
}

func TestAdminCreatesUserAndGrantsRole(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("admin")
	before := e.ledgerSize()

	r := b.post("/admin/users", url.Values{
		"name": {"erin"}, "display_name": {"Erin Engineer"}, "email": {"erin@example.com"},
		"home_scope_id": {itoa(e.org.Core5G.ID)}, "password": {"a-long-enough-password"}, "reason": {"joins 5G Core"},
	})
	wantStatus(t, "create user", r, http.StatusSeeOther)
	id := e.userID("erin")
	if want := fmt.Sprintf("/admin/users/%d?done=user-created", id); r.location() != want {
		t.Fatalf("create user: Location %q, want %q", r.location(), want)
	}
	page := b.get(r.location())
	wantStatus(t, "new user page", page, http.StatusOK)
	wantText(t, "new user page", page, "User created", "Erin Engineer", "erin", "holds no role")

	r = b.post(fmt.Sprintf("/admin/users/%d/grants", id), url.Values{"role": {"developer"}, "scope_id": {itoa(e.org.Core5G.ID)}, "reason": {"needs the catalog"}})
	wantStatus(t, "grant role", r, http.StatusSeeOther)
	page = b.get(r.location())
	wantText(t, "user page after grant", page, "Role granted", "developer", "5G Core")

	kinds, reasons := e.events(fmt.Sprintf("user:%d", id))
	if want := []string{"user.created", "user.role_granted"}; !slices.Equal(kinds, want) {
		t.Fatalf("ledger events about erin: %v, want %v", kinds, want)
	}
	if want := []string{"joins 5G Core", "needs the catalog"}; !slices.Equal(reasons, want) {
		t.Errorf("ledger reasons: %q, want %q", reasons, want)
	}
	if after := e.ledgerSize(); after != before+2 {
		t.Errorf("ledger grew by %d, want 2", after-before)
	}
	// The user can sign in and holds the role.
	u, err := e.db.FindUserByID(e.sys, id)
	if err != nil || len(u.Grants) != 1 || u.Grants[0].Role != bulwark.RoleDeveloper {
		t.Fatalf("erin's grants: %+v, %v", u, err)
	}

	// Granting the same role again is a conflict, shown on the form.
	r = b.post(fmt.Sprintf("/admin/users/%d/grants", id), url.Values{"role": {"developer"}, "scope_id": {itoa(e.org.Core5G.ID)}, "reason": {"again"}})
	wantStatus(t, "duplicate grant", r, http.StatusConflict)
	wantText(t, "duplicate grant", r, "erin is already developer in 5G Core")
	if !strings.Contains(r.body, `value="again"`) {
		t.Error("duplicate grant: the reason typed was not kept")
	}

	// Revoke it again, through the revoke form.
	r = b.post(fmt.Sprintf("/admin/grants/%d/revoke", u.Grants[0].ID), url.Values{"reason": {"moved team"}, "user_id": {itoa(id)}})
	wantStatus(t, "revoke", r, http.StatusSeeOther)
	wantText(t, "after revoke", b.get(r.location()), "Role revoked", "holds no role")
	if kinds, _ := e.events(fmt.Sprintf("user:%d", id)); kinds[len(kinds)-1] != "user.role_revoked" {
		t.Errorf("last event about erin: %v", kinds)
	}

	// Reset the password: the old one stops working.
	r = b.post(fmt.Sprintf("/admin/users/%d/password", id), url.Values{"password": {"another-long-password"}, "reason": {"forgotten"}})
	wantStatus(t, "reset password", r, http.StatusSeeOther)
	if _, _, err := e.db.Login(e.sys, "erin", "a-long-enough-password", "192.0.2.1"); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Errorf("old password still works after reset: %v", err)
	}
}

func TestFormErrorsShowNextToFieldAndKeepValues(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("admin")
	before := e.ledgerSize()

	r := b.post("/admin/users", url.Values{
		"name": {"frank"}, "display_name": {"Frank"}, "email": {"frank@example.com"},
		"home_scope_id": {itoa(e.org.Devices.ID)}, "password": {"short-pw"}, "reason": {"new hire"},
	})
	wantStatus(t, "short password", r, http.StatusBadRequest)
	if !regexp.MustCompile(`id="nu-password-err">[^<]*at least 10 characters`).MatchString(r.body) {
		t.Errorf("short password: error not next to the password field\n%s", r.body)
	}
	for _, kept := range []string{`value="frank"`, `value="frank@example.com"`, `value="new hire"`} {
		if !strings.Contains(r.body, kept) {
			t.Errorf("short password: %s not kept", kept)
		}
	}
	if strings.Contains(r.body, "short-pw") {
		t.Error("the password typed came back in the page")
	}
	if !regexp.MustCompile(`<option value="` + itoa(e.org.Devices.ID) + `" selected>`).MatchString(r.body) {
		t.Error("the home scope chosen is not selected again")
	}

	r = b.post("/admin/users", url.Values{"name": {"Not Valid!"}, "home_scope_id": {itoa(e.org.Devices.ID)}, "password": {"long-enough-password"}})
	wantStatus(t, "bad user name", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="nu-name-err"`) {
		t.Error("bad user name: error not next to the name field")
	}

	r = b.post("/admin/users", url.Values{"name": {"frank"}, "password": {"long-enough-password"}})
	wantStatus(t, "no home scope", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="nu-home-err"`) {
		t.Error("no home scope: error not next to the home scope field")
	}

	r = b.post("/admin/scopes", url.Values{"parent_id": {itoa(e.org.Core5G.ID)}, "kind": {"region"}, "name": {"Nowhere"}})
	wantStatus(t, "region under a project", r, http.StatusBadRequest)
	wantText(t, "region under a project", r, "a region cannot sit under a project")
	if !strings.Contains(r.body, `id="sc-kind-err"`) || !strings.Contains(r.body, `value="Nowhere"`) {
		t.Error("scope form: error not at the kind field or name not kept")
	}

	r = b.post("/admin/users/999999/grants", url.Values{"role": {"developer"}, "scope_id": {itoa(e.org.Root.ID)}})
	wantStatus(t, "grant to nobody", r, http.StatusNotFound)

	if after := e.ledgerSize(); after != before {
		t.Errorf("failed forms changed the ledger: %d, then %d", before, after)
	}
}

func TestDeveloperCannotAdminister(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("developer")
	r := b.get("/admin/users")
	wantStatus(t, "developer on /admin/users", r, http.StatusForbidden)
	wantText(t, "developer on /admin/users", r, "You can't do that here")
	wantStatus(t, "developer on /admin/scopes", b.get("/admin/scopes"), http.StatusForbidden)
	wantStatus(t, "developer on /ledger", b.get("/ledger"), http.StatusForbidden)

	home := b.get("/")
	for _, link := range []string{`href="/admin/users"`, `href="/admin/scopes"`, `href="/ledger"`} {
		if strings.Contains(home.body, link) {
			t.Errorf("developer's home links to %s", link)
		}
	}
	if !strings.Contains(home.body, `href="/tokens"`) {
		t.Error("developer's home has no link to API tokens")
	}

	before := e.ledgerSize()
	r = b.post("/admin/users", url.Values{"name": {"mallory"}, "home_scope_id": {itoa(e.org.Core5G.ID)}, "password": {"long-enough-password"}})
	wantStatus(t, "developer creates a user", r, http.StatusForbidden)
	r = b.post(fmt.Sprintf("/admin/users/%d/grants", e.userID("developer")), url.Values{"role": {"admin"}, "scope_id": {itoa(e.org.Root.ID)}})
	wantStatus(t, "developer grants itself admin", r, http.StatusForbidden)
	if after := e.ledgerSize(); after != before {
		t.Errorf("refused changes wrote the ledger: %d, then %d", before, after)
	}
}

func TestHomeShowsRolesAndScopes(t *testing.T) {
	e := newEnv(t)
	r := e.signedIn("bu-security").get("/")
	wantStatus(t, "home", r, http.StatusOK)
	// bu-security holds its role in Networks; the ancestors it cannot see are folded.
	wantText(t, "bu-security home", r, "Welcome, Bo Security (Networks)", "bu-security", "1st line", "… Networks", "Recent activity")

	r = e.signedIn("admin").get("/")
	wantText(t, "admin home", r, "Acme", "create a scope under one you administer", "Users and roles", "Scope tree")
}

func TestLedgerListsAndVerifies(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("auditor")
	r := b.get("/ledger")
	wantStatus(t, "ledger", r, http.StatusOK)
	wantText(t, "ledger", r, "scope.created", "user.role_granted", "Latest signed checkpoint", "bulwark.test/ledger", e.db.VerifierKey())
	if !regexp.MustCompile(`(?s)<pre class="note"[^>]*>bulwark\.test/ledger\n\d+\n`).MatchString(r.body) {
		t.Error("ledger: the checkpoint note is not shown verbatim in a <pre>")
	}

	// Filters.
	r = b.get("/ledger?kind=user.created")
	wantStatus(t, "ledger by kind", r, http.StatusOK)
	if strings.Contains(r.body, "scope.created</span>") {
		t.Error("kind filter: other kinds listed")
	}
	r = b.get("/ledger?actor=nobody")
	wantText(t, "ledger by unknown actor", r, "No events match")

	// Cursor pagination: pages of 5, newest first, then older.
	r = b.get("/ledger?limit=5")
	older := regexp.MustCompile(`href="([^"]+)" rel="next">Older`).FindStringSubmatch(r.body)
	if older == nil {
		t.Fatal("ledger?limit=5: no Older link")
	}
	first := eventIndexes(r.body)
	r = b.get(strings.ReplaceAll(older[1], "&amp;", "&"))
	wantStatus(t, "older page", r, http.StatusOK)
	second := eventIndexes(r.body)
	if len(first) != 5 || len(second) == 0 || second[0] >= first[len(first)-1] {
		t.Errorf("pages %v then %v: want 5 newest, then older ones", first, second)
	}

	// One event, verified against the signed checkpoint.
	size := e.ledgerSize()
	r = b.get("/ledger/events/3")
	wantStatus(t, "event 3", r, http.StatusOK)
	wantText(t, "event 3", r, fmt.Sprintf("Verified: included in the signed tree of %d events", size), "Canonical leaf", `"index":3`)
	if strings.Contains(r.text(), "Verification failed") {
		t.Error("event 3 says verification failed")
	}
	wantStatus(t, "no such event", b.get("/ledger/events/99999"), http.StatusNotFound)
	wantStatus(t, "bad event number", b.get("/ledger/events/x"), http.StatusNotFound)
	wantStatus(t, "bad cursor", b.get("/ledger?cursor=nonsense"), http.StatusBadRequest)
}

var eventLink = regexp.MustCompile(`href="/ledger/events/(\d+)"`)

func eventIndexes(body string) []int64 {
	var out []int64
	for _, m := range eventLink.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

func TestTamperedLeafFailsVerification(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("auditor")
	_, leaf, err := e.db.FindEvent(e.sys, 5)
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Replace(leaf, []byte(`"reason":"demo organisation"`), []byte(`"reason":"nothing to see here"`), 1)
	if bytes.Equal(forged, leaf) {
		t.Fatalf("leaf 5 has no demo reason to change: %s", leaf)
	}
	if _, err := e.db.Raw().Exec("UPDATE ledger_events SET leaf = ? WHERE idx = ?", forged, 5); err != nil {
		t.Fatal(err)
	}
	r := b.get("/ledger/events/5")
	wantStatus(t, "tampered event", r, http.StatusOK)
	wantText(t, "tampered event", r, "Verification failed", "event 5 as stored is not the event that was logged", "nothing to see here")
	if strings.Contains(r.text(), "Verified: included") {
		t.Error("a tampered event says verified")
	}
	// Its neighbours still verify.
	wantText(t, "event 4", b.get("/ledger/events/4"), "Verified: included in the signed tree")
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("developer")
	r := b.get("/tokens")
	wantText(t, "no tokens", r, "You have no API tokens")

	grant := fmt.Sprintf("developer:%d", e.org.Core5G.ID)
	r = b.post("/tokens", url.Values{"name": {"ci-5g-core"}, "expires_in": {"30"}, "grants": {grant}, "reason": {"SBOM upload"}})
	wantStatus(t, "create token", r, http.StatusOK)
	secret := regexp.MustCompile(`id="new-secret"[^>]*value="(bwk_[a-z0-9]+)"`).FindStringSubmatch(r.body)
	if secret == nil {
		t.Fatalf("the new token's secret is not shown\n%s", r.text())
	}
	wantText(t, "create token", r, "shown only this once", "ci-5g-core", "active")
	p, err := e.db.TokenPrincipal(e.sys, secret[1])
	if err != nil || p.Name != "developer" {
		t.Fatalf("the secret shown does not open the token: %v", err)
	}
	if r := b.get("/tokens"); strings.Contains(r.body, secret[1]) {
		t.Error("the secret is shown again on the next visit")
	}

	r = b.post("/tokens", url.Values{"name": {"too-much"}, "expires_in": {"30"}, "grants": {fmt.Sprintf("admin:%d", e.org.Root.ID)}})
	wantStatus(t, "token with a role not held", r, http.StatusForbidden)
	wantText(t, "token with a role not held", r, "does not hold admin")

	r = b.post("/tokens", url.Values{"name": {""}, "expires_in": {"30"}})
	wantStatus(t, "token without name", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="tok-name-err"`) {
		t.Error("token without name: error not next to the name field")
	}

	r = b.post(fmt.Sprintf("/tokens/%d/revoke", p.TokenID), url.Values{"reason": {"rotated"}})
	wantStatus(t, "revoke token", r, http.StatusSeeOther)
	wantText(t, "after revoke", b.get(r.location()), "Token revoked", "revoked")
	if _, err := e.db.TokenPrincipal(e.sys, secret[1]); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Errorf("revoked token still works: %v", err)
	}
	r = b.post(fmt.Sprintf("/tokens/%d/revoke", p.TokenID), url.Values{"reason": {"again"}})
	wantStatus(t, "revoke twice", r, http.StatusConflict)
}

// TestEveryPageRendersForEveryRole signs in as each demo user and opens
// every page, checking the status the Policy table implies.
func TestEveryPageRendersForEveryRole(t *testing.T) {
	e := newEnv(t)
	adminID := e.userID("admin")
	devID := e.userID("developer")
	evs, _, err := e.db.FindEvents(e.sys, bulwark.EventFilter{Kind: "user.role_granted", Subject: fmt.Sprintf("user:%d", devID)}, bulwark.Page{Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatalf("the developer's grant event: %v", err)
	}
	devEvent := evs[0].Index // in 5G Core
	requested, err := e.db.RequestVersion(e.as("developer"), bulwark.IntroductionRequest{PURL: "pkg:npm/lodash@4.17.21", ScopeID: e.org.Core5G.ID,
		Justification: "utility functions", VersionDetails: bulwark.VersionDetails{License: "MIT"}})
	if err != nil {
		t.Fatal(err)
	}
	versionPage := fmt.Sprintf("/catalog/versions/%d", requested.Version.ID)
	componentPage := fmt.Sprintf("/catalog/components/%d", requested.Component.ID)
	prod, err := e.db.CreateProduct(e.as("developer"), bulwark.NewProduct{ScopeID: e.org.Core5G.ID, Name: "UPF"})
	if err != nil {
		t.Fatal(err)
	}
	gate, err := e.db.Gate(e.as("developer"), "UPF", "1.0", bulwark.SBOMUpload{Name: "upf.json", Content: sbomV1()})
	if err != nil {
		t.Fatal(err)
	}
	releasePage := fmt.Sprintf("/releases/%d", gate.Release.ID)

	const ok, forbidden, notFound = http.StatusOK, http.StatusForbidden, http.StatusNotFound
	ledgerReaders := []string{"bu-security", "product-security", "auditor", "psirt", "admin"}
	directory := []string{"auditor", "admin"}
	requesters := []string{"developer", "bu-security", "product-security"}
	importers := []string{"product-security", "admin"}
	pick := func(name string, in []string, yes, no int) int {
		if slices.Contains(in, name) {
			return yes
		}
		return no
	}
	for _, login := range e.org.Users {
		t.Run(login.Name, func(t *testing.T) {
			b := e.signedIn(login.Name)
			self := e.userID(login.Name)
			// The product and the developer's grant are in 5G Core, under
			// Networks: a first line in Devices does not see them.
			core := func(want int) int {
				if login.Scope == e.org.Devices.Name {
					return notFound
				}
				return want
			}
			pages := []struct {
				path string
				want int
			}{
				{"/", ok},
				{"/tokens", ok},
				{fmt.Sprintf("/admin/users/%d", self), ok},
				{"/admin/users", pick(login.Role, directory, ok, forbidden)},
				{"/admin/users?cursor=" + bulwark.CursorAfter(2), pick(login.Role, directory, ok, forbidden)},
				{fmt.Sprintf("/admin/users/%d", adminID), pick(login.Role, directory, ok, notFound)},
				{"/admin/scopes", pick(login.Role, directory, ok, forbidden)},
				{"/ledger", pick(login.Role, ledgerReaders, ok, forbidden)},
				{"/ledger?kind=user.created&limit=2", pick(login.Role, ledgerReaders, ok, forbidden)},
				{fmt.Sprintf("/ledger/events/%d", devEvent), core(pick(login.Role, ledgerReaders, ok, notFound))},
				{"/admin/users/0", notFound},
				{"/catalog", ok},
				{"/catalog?q=lodash&state=requested&license=MIT&support_due=90", ok},
				{componentPage, ok},
				{versionPage, ok},
				{"/catalog/versions/999999", notFound},
				{"/catalog/components/999999", notFound},
				{"/catalog/request", pick(login.Role, requesters, ok, forbidden)},
				{"/catalog/queue", ok},
				{"/catalog/support", ok},
				{"/catalog/support?days=365", ok},
				{"/catalog/import", pick(login.Role, importers, ok, forbidden)},
				{"/policy", ok},
				{"/policy?version=0", ok},
				{"/waivers", ok},
				{"/notifications", ok},
				{"/products", ok},
				{"/products?q=upf&limit=1", ok},
				{fmt.Sprintf("/products/%d", prod.ID), core(ok)},
				{releasePage, core(ok)},
				{releasePage + "?direct=1&state=unknown&q=express", core(ok)},
				{releasePage + "/diff", core(ok)},
				{fmt.Sprintf("/gate-runs/%d", gate.ID), core(ok)},
				{"/where-used", ok},
				{"/where-used?purl=pkg:npm/express&versions=%3E%3D4", ok},
				{"/releases/999999", notFound},
				{"/gate-runs/999999", notFound},
				{"/static/style.css", ok},
			}
			for _, pg := range pages {
				r := b.get(pg.path)
				if r.status != pg.want {
					t.Errorf("%s: status %d, want %d\n%s", pg.path, r.status, pg.want, r.text())
					continue
				}
				if strings.HasPrefix(pg.path, "/static/") {
					continue
				}
				if !strings.Contains(r.body, "</html>") || !strings.Contains(r.body, "Bulwark") {
					t.Errorf("%s: not a whole page", pg.path)
				}
				if strings.Contains(r.text(), "internal error") {
					t.Errorf("%s: shows an internal error", pg.path)
				}
				// Every page shows who is signed in and their role.
				if !strings.Contains(r.body, `class="who-name"`) || !strings.Contains(r.body, "badge role-"+login.Role) {
					t.Errorf("%s: top bar without the user or the role badge", pg.path)
				}
				if pg.want == ok && strings.HasPrefix(pg.path, "/ledger/events/") {
					wantText(t, pg.path, r, "Verified: included")
				}
			}
			// Navigation offers exactly what Policy allows.
			home := b.get("/")
			if got, want := strings.Contains(home.body, `href="/ledger"`), slices.Contains(ledgerReaders, login.Role); got != want {
				t.Errorf("ledger link shown: %v, want %v", got, want)
			}
			if got, want := strings.Contains(home.body, `href="/admin/users"`), slices.Contains(directory, login.Role); got != want {
				t.Errorf("users link shown: %v, want %v", got, want)
			}
			for link, roles := range map[string][]string{
				`href="/catalog/request"`: requesters,
				`href="/catalog/import"`:  importers,
				`href="/catalog/queue"`:   {"product-security"},
			} {
				if got, want := strings.Contains(home.body, link), slices.Contains(roles, login.Role); got != want {
					t.Errorf("%s shown: %v, want %v", link, got, want)
				}
			}
			if !strings.Contains(home.body, `href="/catalog"`) || !strings.Contains(home.body, `href="/policy"`) {
				t.Error("catalog or policy link missing")
			}
			if !strings.Contains(home.body, `href="/products"`) || !strings.Contains(home.body, `href="/where-used"`) {
				t.Error("products or where-used link missing")
			}
		})
	}
}
