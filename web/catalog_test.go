package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/catalogfile"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/bulwark-sec/bulwark/policy"
)

// as returns a context acting as the demo user name, to arrange data and
// check the store directly.
func (e *env) as(name string) context.Context {
	e.t.Helper()
	secret, _, err := e.db.Login(e.sys, name, demo.Password, "192.0.2.10")
	if err != nil {
		e.t.Fatal(err)
	}
	p, _, err := e.db.SessionPrincipal(e.sys, secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return bulwark.WithPrincipal(context.Background(), p)
}

// addUser creates a user with one role in scope, password demo.Password.
func (e *env) addUser(name string, role bulwark.Role, scope *bulwark.Scope) {
	e.t.Helper()
	u, err := e.db.CreateUser(e.sys, bulwark.NewUser{Name: name, HomeScopeID: scope.ID, Password: demo.Password})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.GrantRole(e.sys, u.ID, role, scope.ID, "test"); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) dossier(id int64) *bulwark.VersionDossier {
	e.t.Helper()
	d, err := e.db.FindVersion(e.sys, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// upload posts a multipart form with one file, as a browser does.
func (b *browser) upload(path string, fields url.Values, fileField, fileName string, content []byte) *response {
	b.e.t.Helper()
	if b.csrf == "" {
		b.get("/")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(fileField, fileName)
	if err != nil {
		b.e.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.e.srv.URL+path, &body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req)
}

var versionPath = regexp.MustCompile(`^/catalog/versions/(\d+)\?done=requested$`)

// requestThroughForm sends the introduction request form and returns the
// new version's id.
func requestThroughForm(t *testing.T, b *browser, scope *bulwark.Scope, purl, license string) int64 {
	t.Helper()
	r := b.post("/catalog/request", url.Values{
		"purl": {purl}, "scope_id": {itoa(scope.ID)}, "intended_product": {"5G Core UPF"},
		"justification": {"fast path parsing"}, "license": {license}, "supplier": {"OpenJS Foundation"},
	})
	wantStatus(t, "request "+purl, r, http.StatusSeeOther)
	m := versionPath.FindStringSubmatch(r.location())
	if m == nil {
		t.Fatalf("request %s: Location %q, want its dossier", purl, r.location())
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

func TestRequestComponentThroughForm(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("developer")

	r := b.get("/catalog/request?purl=pkg:npm/lodash")
	wantStatus(t, "request form", r, http.StatusOK)
	wantText(t, "request form", r, "Request a component", "5G Core")
	if !strings.Contains(r.body, `value="pkg:npm/lodash"`) {
		t.Error("the purl from the query is not filled in")
	}

	id := requestThroughForm(t, b, e.org.Core5G, "pkg:npm/lodash@4.17.21", "MIT")
	page := b.get(fmt.Sprintf("/catalog/versions/%d?done=requested", id))
	wantStatus(t, "dossier", page, http.StatusOK)
	wantText(t, "dossier", page, "Request recorded", "lodash", "4.17.21", "requested", "Automatic checks", "Manual findings",
		"MIT can be met with allowed licences", "fast path parsing", "5G Core UPF", "No release data yet")
	auto := page.body[strings.Index(page.body, `id="auto-title"`):strings.Index(page.body, `id="manual-title"`)]
	if n := strings.Count(auto, `<article class="finding`); n != 4 {
		t.Errorf("dossier shows %d automatic findings, want 4", n)
	}
	if d := e.dossier(id); d.Version.State != bulwark.StateRequested || len(d.Findings) != 4 {
		t.Errorf("stored: state %s, %d findings", d.Version.State, len(d.Findings))
	}
	// A developer sees no evaluation or decision forms.
	for _, action := range []string{"/evaluation", "/findings", "/details", "/decisions", "/lifecycle", "/renewal"} {
		if strings.Contains(page.body, fmt.Sprintf(`action="/catalog/versions/%d%s"`, id, action)) {
			t.Errorf("developer's dossier has the %s form", action)
		}
	}

	before := e.ledgerSize()
	for _, c := range []struct {
		what, purl, license, field, says string
		status                           int
	}{
		{"invalid purl", "npm:lodash", "MIT", "rq-purl-err", "is not a valid package URL", http.StatusBadRequest},
		{"invalid licence", "pkg:npm/left-pad@1.3.0", "MIT OR Nonsense-9", "rq-license-err", "is not a valid SPDX expression", http.StatusBadRequest},
		{"no version", "pkg:npm/left-pad", "MIT", "rq-version-err", "name the version", http.StatusBadRequest},
		{"duplicate", "pkg:npm/lodash@4.17.21", "MIT", "rq-purl-err", "already requested", http.StatusConflict},
	} {
		r := b.post("/catalog/request", url.Values{"purl": {c.purl}, "scope_id": {itoa(e.org.Core5G.ID)},
			"justification": {"kept text"}, "license": {c.license}, "supplier": {"Kept Supplier"}})
		wantStatus(t, c.what, r, c.status)
		if !regexp.MustCompile(`id="` + c.field + `">[^<]*` + regexp.QuoteMeta(c.says)).MatchString(r.body) {
			t.Errorf("%s: no error %q at %s\n%s", c.what, c.says, c.field, r.text())
		}
		for _, kept := range []string{`value="` + c.purl + `"`, `value="Kept Supplier"`, `>kept text</textarea>`} {
			if !strings.Contains(r.body, kept) {
				t.Errorf("%s: %s not kept", c.what, kept)
			}
		}
	}
	if after := e.ledgerSize(); after != before {
		t.Errorf("refused requests grew the ledger %d → %d", before, after)
	}
	if cs, _, _ := e.db.SearchCatalog(e.sys, bulwark.CatalogFilter{Query: "left-pad"}, bulwark.Page{}); len(cs) != 0 {
		t.Errorf("refused requests created %d components", len(cs))
	}

	// The search finds it; an empty search offers a request.
	r = b.get("/catalog?q=lodash")
	wantText(t, "search", r, "lodash", "pkg:npm/lodash", "4.17.21", "requested")
	r = b.get("/catalog?q=pkg:npm/nothing-here")
	wantText(t, "empty search", r, "No component matches", "Request a component")
	if !strings.Contains(r.body, `href="/catalog/request?purl=pkg%3Anpm%2Fnothing-here"`) {
		t.Error("the empty search does not offer to request the purl searched for")
	}
	wantStatus(t, "bad state", b.get("/catalog?state=lost"), http.StatusBadRequest)
	wantStatus(t, "bad support window", b.get("/catalog?support_due=soon"), http.StatusBadRequest)
}

func TestCertifyThroughDossier(t *testing.T) {
	e := newEnv(t)
	dev := e.signedIn("developer")
	id := requestThroughForm(t, dev, e.org.Core5G, "pkg:npm/express@4.18.2", "MIT")
	ps := e.signedIn("product-security")
	base := fmt.Sprintf("/catalog/versions/%d", id)

	page := ps.get(base)
	for _, form := range []string{"/evaluation", "/findings", "/details", "/lifecycle"} {
		if !strings.Contains(page.body, `action="`+base+form+`"`) {
			t.Errorf("product-security's dossier of a requested version lacks the %s form", form)
		}
	}
	if strings.Contains(page.body, `action="`+base+`/decisions"`) {
		t.Error("the decide form is shown before the evaluation started")
	}

	// Deciding before the evaluation started is a conflict, shown on the page.
	r := ps.post(base+"/decisions", url.Values{"verdict": {"certify"}, "reason": {"too early"}})
	wantStatus(t, "decide too early", r, http.StatusConflict)
	wantText(t, "decide too early", r, "start the evaluation before deciding")

	r = ps.post(base+"/evaluation", url.Values{"reason": {"taking it"}})
	wantStatus(t, "start evaluation", r, http.StatusSeeOther)
	page = ps.get(r.location())
	wantText(t, "under evaluation", page, "Evaluation started", "under-evaluation", "Record decision", "certify : 0 of 1 needed")

	// Certifying without a verification record: 412, with the reason at the form.
	r = ps.post(base+"/decisions", url.Values{"verdict": {"certify"}, "reason": {"meets policy"}})
	wantStatus(t, "certify without verification", r, http.StatusPreconditionFailed)
	wantText(t, "certify without verification", r, "verification record before certification")
	if !strings.Contains(r.body, `>meets policy</textarea>`) {
		t.Error("the decision's reason was not kept")
	}

	report := []byte("load test: 12k req/s, p99 4ms, all functional tests pass\n")
	r = ps.upload(base+"/findings", url.Values{"check": {"verification"}, "outcome": {"pass"}, "summary": {"functional and performance tests pass"}},
		"evidence", "loadtest.txt", report)
	wantStatus(t, "add finding", r, http.StatusSeeOther)
	digest := bulwark.DigestBytes(report)
	page = ps.get(r.location())
	wantText(t, "after finding", page, "Finding recorded", "functional and performance tests pass", digest)
	if !strings.Contains(page.body, `href="/evidence/`+digest+`"`) {
		t.Error("the evidence digest does not link to the file")
	}
	got := ps.get("/evidence/" + digest)
	wantStatus(t, "evidence download", got, http.StatusOK)
	if got.body != string(report) || !strings.HasPrefix(got.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("evidence download: %q, disposition %q", got.body, got.header.Get("Content-Disposition"))
	}
	if d := e.dossier(id); len(d.Findings) != 5 || len(d.Findings[4].Evidence) != 1 || d.Findings[4].Evidence[0] != digest {
		t.Fatalf("stored manual finding: %+v", d.Findings)
	}

	// A finding that fails validation stores no evidence file.
	before := e.ledgerSize()
	r = ps.upload(base+"/findings", url.Values{"check": {"verification"}, "outcome": {"pass"}, "summary": {""}}, "evidence", "x.txt", []byte("x"))
	wantStatus(t, "finding without summary", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="fd-summary-err"`) || e.ledgerSize() != before {
		t.Error("a finding without summary: error not at the summary, or something was written")
	}

	// A developer's forged finding is refused and stores no evidence file.
	before = e.ledgerSize()
	r = dev.upload(base+"/findings", url.Values{"check": {"verification"}, "outcome": {"pass"}, "summary": {"trust me"}}, "evidence", "x.txt", []byte("forged"))
	wantStatus(t, "developer adds a finding", r, http.StatusForbidden)
	if e.ledgerSize() != before {
		t.Error("a refused finding wrote the ledger (evidence stored?)")
	}

	// The developer sees no decision form, and a forged post changes nothing.
	page = dev.get(base)
	if strings.Contains(page.body, `action="`+base+`/decisions"`) {
		t.Error("developer sees the decide form")
	}
	before = e.ledgerSize()
	r = dev.post(base+"/decisions", url.Values{"verdict": {"certify"}, "reason": {"mine now"}})
	wantStatus(t, "developer decides", r, http.StatusForbidden)
	wantText(t, "developer decides", r, "may not component.decide")
	if e.ledgerSize() != before || e.dossier(id).Version.State != bulwark.StateUnderEvaluation {
		t.Fatal("a forged decision changed something")
	}

	until := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	r = ps.post(base+"/decisions", url.Values{"verdict": {"certify"}, "reason": {"meets policy"}, "certified_until": {until}})
	wantStatus(t, "certify", r, http.StatusSeeOther)
	page = ps.get(r.location())
	wantText(t, "certified", page, "Decision recorded", "Certified for use", "certify : 1 of 1 needed", "meets policy", until)
	if d := e.dossier(id); d.Version.State != bulwark.StateCertified || d.Version.CertifiedUntil.Format("2006-01-02") != until {
		t.Fatalf("after certify: %s until %v", d.Version.State, d.Version.CertifiedUntil)
	}
	// Deciding again is refused: nothing left to decide.
	r = ps.post(base+"/decisions", url.Values{"verdict": {"certify"}, "reason": {"again"}})
	wantStatus(t, "decide twice", r, http.StatusConflict)
	wantText(t, "decide twice", r, "there is nothing to decide")

	// The catalog shows it certified; the developer is told.
	r = dev.get("/catalog?state=certified")
	wantText(t, "certified search", r, "express", "4.18.2", "certified")
	r = dev.get("/notifications")
	wantText(t, "notifications", r, "pkg:npm/express@4.18.2 is certified: meets policy")
	if !strings.Contains(r.body, `class="bell-count">1<`) {
		t.Error("the top bar shows no unread notification")
	}
	ns, _, _ := e.db.Notifications(e.as("developer"), bulwark.Page{})
	r = dev.post(fmt.Sprintf("/notifications/%d/read", ns[0].ID), url.Values{"next": {base}})
	wantStatus(t, "open notification", r, http.StatusSeeOther)
	if r.location() != base {
		t.Errorf("opening a notification goes to %q, want %q", r.location(), base)
	}
	if strings.Contains(dev.get("/").body, `class="bell-count"`) {
		t.Error("the unread count stays after reading")
	}
	r = dev.post(fmt.Sprintf("/notifications/%d/read", ns[0].ID), url.Values{"next": {"//evil.example/"}})
	if r.location() != "/notifications?done=notification-read" {
		t.Errorf("a foreign next went to %q", r.location())
	}

	// Lifecycle: deprecating needs a replacement, shown at that field.
	r = ps.post(base+"/lifecycle", url.Values{"to": {"deprecated"}, "reason": {"superseded"}})
	wantStatus(t, "deprecate without replacement", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="lc-replacement-err"`) {
		t.Error("deprecate: error not at the replacement field")
	}
	r = ps.post(base+"/lifecycle", url.Values{"to": {"deprecated"}, "replacement": {"pkg:npm/express@4.19.2"}, "reason": {"superseded"}})
	wantStatus(t, "deprecate", r, http.StatusSeeOther)
	wantText(t, "deprecated", ps.get(r.location()), "Deprecated.", "pkg:npm/express@4.19.2", "Lift the deprecation")
	r = ps.post(base+"/renewal", url.Values{"certified_until": {time.Now().AddDate(2, 0, 0).Format("2006-01-02")}, "reason": {"re-assessed"}})
	wantStatus(t, "renew", r, http.StatusSeeOther)
	r = ps.post(base+"/renewal", url.Values{"certified_until": {"2001-01-01"}, "reason": {"back in time"}})
	wantStatus(t, "renew into the past", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="rn-until-err"`) {
		t.Error("renew: error not at the date field")
	}
	wantText(t, "component page", dev.get(fmt.Sprintf("/catalog/components/%d", e.dossier(id).Component.ID)), "express", "4.18.2", "deprecated", "MIT")
}

func TestRequesterCannotEvaluate(t *testing.T) {
	e := newEnv(t)
	ps := e.signedIn("product-security")
	id := requestThroughForm(t, ps, e.org.Networks, "pkg:maven/org.example/lib@1.0.0", "Apache-2.0")
	base := fmt.Sprintf("/catalog/versions/%d", id)
	page := ps.get(base)
	wantText(t, "own request", page, "four-eyes keeps you from evaluating")

	before := e.ledgerSize()
	r := ps.post(base+"/evaluation", url.Values{"reason": {"my own"}})
	wantStatus(t, "requester starts evaluation", r, http.StatusForbidden)
	wantText(t, "requester starts evaluation", r, "four-eyes: user:product-security made this and cannot also check it")
	if !regexp.MustCompile(`(?s)id="ev-title".*four-eyes: user:product-security made this`).MatchString(r.body) {
		t.Error("the four-eyes refusal is not shown at the start-evaluation form")
	}
	if e.ledgerSize() != before || e.dossier(id).Version.State != bulwark.StateRequested {
		t.Fatal("the refused evaluation changed something")
	}

	// Another product-security member may.
	e.addUser("ps-two", bulwark.RoleProductSecurity, e.org.Root)
	other := e.signedIn("ps-two")
	wantStatus(t, "another evaluator", other.post(base+"/evaluation", url.Values{"reason": {"taking it"}}), http.StatusSeeOther)
	r = ps.post(base+"/decisions", url.Values{"verdict": {"reject"}, "reason": {"mine"}})
	wantStatus(t, "requester decides", r, http.StatusForbidden)
	wantText(t, "requester decides", r, "four-eyes")
}

func TestPolicyEdit(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("product-security")
	r := b.get("/policy")
	wantStatus(t, "policy", r, http.StatusOK)
	wantText(t, "policy", r, "Version 0", "built-in default", "Save as version 1", "licenses:")

	before := e.ledgerSize()
	broken := "licenses:\n  allow: [Nope-1]\n"
	r = b.post("/policy", url.Values{"policy": {broken}, "reason": {"broken"}})
	wantStatus(t, "invalid policy", r, http.StatusBadRequest)
	wantText(t, "invalid policy", r, "The policy was not saved", `licenses.allow[0]: "Nope-1" is not an SPDX licence id`)
	if !strings.Contains(r.body, ">\nlicenses:\n  allow: [Nope-1]\n</textarea>") {
		t.Errorf("the text typed is not kept in the editor\n%s", r.body)
	}
	if e.ledgerSize() != before {
		t.Error("an invalid policy was written")
	}

	text := strings.Replace(policy.DefaultText, "approvals: 1", "approvals: 2", 1)
	r = b.post("/policy", url.Values{"policy": {strings.ReplaceAll(text, "\n", "\r\n")}, "reason": {"two decisions"}})
	wantStatus(t, "valid policy", r, http.StatusSeeOther)
	r = b.get(r.location())
	wantText(t, "policy v1", r, "Policy saved", "Version 1", "two decisions", "user:product-security", "View version 0")
	doc, err := e.db.CatalogPolicy(e.sys)
	if err != nil || doc.Version != 1 || doc.Text != text {
		t.Fatalf("stored policy: %+v %v", doc, err)
	}
	r = b.get("/policy?version=0")
	wantText(t, "old version", r, "Version 0", "approvals: 1")
	wantStatus(t, "no such version", b.get("/policy?version=9"), http.StatusNotFound)

	dev := e.signedIn("developer")
	r = dev.get("/policy")
	if strings.Contains(r.body, `action="/policy"`) {
		t.Error("developer sees the policy editor")
	}
	wantStatus(t, "developer edits policy", dev.post("/policy", url.Values{"policy": {text}, "reason": {"mine"}}), http.StatusForbidden)
}

func TestWaiverRequestAndApprove(t *testing.T) {
	e := newEnv(t)
	bu := e.signedIn("bu-security")
	expires := time.Now().AddDate(0, 0, 20).Format("2006-01-02")
	r := bu.post("/waivers", url.Values{"purl": {"pkg:pypi/django"}, "versions": {">=4.0 <5"}, "scope_id": {itoa(e.org.Networks.ID)},
		"reason": {"migration in Q3"}, "expires_at": {expires}})
	wantStatus(t, "request waiver", r, http.StatusSeeOther)
	page := bu.get(r.location())
	wantText(t, "waivers", page, "Waiver requested", "pkg:pypi/django", ">=4.0 <5", "pending", "migration in Q3")
	if strings.Contains(page.body, "Approve</button>") {
		t.Error("bu-security is offered to approve")
	}

	// Bad input stays on the form with the error at the field.
	r = bu.post("/waivers", url.Values{"purl": {"pkg:pypi/django"}, "versions": {"about 4"}, "scope_id": {itoa(e.org.Networks.ID)},
		"reason": {"x"}, "expires_at": {expires}})
	wantStatus(t, "bad range", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="wr-versions-err"`) || !strings.Contains(r.body, `value="about 4"`) {
		t.Error("bad range: error not at the versions field, or value not kept")
	}
	r = bu.post("/waivers", url.Values{"purl": {"pkg:pypi/django"}, "scope_id": {itoa(e.org.Networks.ID)},
		"reason": {"x"}, "expires_at": {time.Now().AddDate(1, 0, 0).Format("2006-01-02")}})
	wantStatus(t, "too long", r, http.StatusBadRequest)
	wantText(t, "too long", r, "policy allows waivers of at most 180 days")

	ws, _, err := e.db.FindWaivers(e.sys, 0, bulwark.Page{})
	if err != nil || len(ws) != 1 {
		t.Fatalf("waivers: %v %v", ws, err)
	}
	ps := e.signedIn("product-security")
	r = ps.post(fmt.Sprintf("/waivers/%d/approve", ws[0].ID), url.Values{"reason": {"ok until Q3"}})
	wantStatus(t, "approve", r, http.StatusSeeOther)
	page = ps.get(r.location())
	wantText(t, "approved", page, "Waiver approved", "active", "Expiring within 30 days")
	expiring := page.body[strings.Index(page.body, `id="expiring-title"`):strings.Index(page.body, `id="all-title"`)]
	if !strings.Contains(expiring, "pkg:pypi/django") {
		t.Error("the approved waiver is not listed as expiring soon")
	}
	wantText(t, "bu-security notified", bu.get("/notifications"), "Your waiver for pkg:pypi/django")

	// Approving one's own request is refused with the service's reason.
	r = ps.post("/waivers", url.Values{"purl": {"pkg:npm/left-pad"}, "versions": {"*"}, "scope_id": {itoa(e.org.Root.ID)},
		"reason": {"legacy build"}, "expires_at": {expires}})
	wantStatus(t, "ps requests", r, http.StatusSeeOther)
	ws, _, _ = e.db.FindWaivers(e.sys, 0, bulwark.Page{})
	before := e.ledgerSize()
	r = ps.post(fmt.Sprintf("/waivers/%d/approve", ws[1].ID), url.Values{"reason": {"mine"}})
	wantStatus(t, "approve own", r, http.StatusForbidden)
	if !regexp.MustCompile(fmt.Sprintf(`id="wv-%d-err">four-eyes: user:product-security made this`, ws[1].ID)).MatchString(r.body) {
		t.Errorf("approve own: refusal not shown at the waiver\n%s", r.text())
	}
	if e.ledgerSize() != before {
		t.Error("a refused approval wrote the ledger")
	}
	r = ps.post(fmt.Sprintf("/waivers/%d/revoke", ws[0].ID), url.Values{"reason": {"migrated early"}})
	wantStatus(t, "revoke", r, http.StatusSeeOther)
	wantText(t, "revoked", ps.get(r.location()), "Waiver revoked", "revoked")
}

func TestImportList(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("product-security")
	r := b.get("/catalog/import")
	wantStatus(t, "import page", r, http.StatusOK)
	wantText(t, "import page", r, "File format", "support_ends", "certified_until")
	if !strings.Contains(r.body, `id="im-dry" name="dry_run" type="checkbox" checked`) {
		t.Error("dry run is not ticked by default")
	}

	bad := "purl,license,state,replacement\n" +
		"pkg:npm/express@4.18.2,MIT,,\n" +
		"pkg:npm/express@4.17.1,MIT,deprecated,pkg:npm/express@4.18.2\n" +
		"pkg:npm/broken@1.0.0,MIT OR,,\n"
	before := e.ledgerSize()
	r = b.upload("/catalog/import", url.Values{"dry_run": {"on"}}, "file", "approved.csv", []byte(bad))
	wantStatus(t, "dry run", r, http.StatusOK)
	wantText(t, "dry run", r, "Dry run of approved.csv", "3 rows", "1 row needs fixing")
	if !regexp.MustCompile(`<td class="num">4</td><td class="mono">license</td>`).MatchString(r.body) {
		t.Errorf("dry run: line 4's licence error not listed\n%s", r.text())
	}

	r = b.upload("/catalog/import", nil, "file", "approved.csv", []byte(bad))
	wantStatus(t, "import with errors", r, http.StatusBadRequest)
	wantText(t, "import with errors", r, "Nothing was imported", "approved.csv was not imported")
	// A row that does not even parse stops the import too.
	r = b.upload("/catalog/import", nil, "file", "approved.csv", []byte("purl,license,support_ends\npkg:npm/a@1.0.0,MIT,someday\npkg:npm/b@1.0.0,MIT,\n"))
	wantStatus(t, "import with parse error", r, http.StatusBadRequest)
	wantText(t, "import with parse error", r, "Nothing was imported", "want a date as YYYY-MM-DD")
	if cs, _, _ := e.db.SearchCatalog(e.sys, bulwark.CatalogFilter{}, bulwark.Page{}); len(cs) != 0 || e.ledgerSize() != before {
		t.Fatalf("failed imports wrote %d components", len(cs))
	}

	good := strings.Replace(bad, "MIT OR,,", "Apache-2.0,banned,", 1)
	r = b.upload("/catalog/import", nil, "file", "approved.csv", []byte(good))
	wantStatus(t, "import", r, http.StatusOK)
	wantText(t, "import", r, "Imported approved.csv", bulwark.DigestBytes([]byte(good)))
	cs, _, err := e.db.SearchCatalog(e.sys, bulwark.CatalogFilter{}, bulwark.Page{})
	if err != nil || len(cs) != 2 {
		t.Fatalf("after import: %d components, %v", len(cs), err)
	}
	wantText(t, "catalog after import", b.get("/catalog?q=express"), "4.18.2", "certified", "4.17.1", "deprecated")

	wantStatus(t, "developer import page", e.signedIn("developer").get("/catalog/import"), http.StatusForbidden)
	r = e.signedIn("developer").upload("/catalog/import", nil, "file", "x.csv", []byte(good))
	wantStatus(t, "developer imports", r, http.StatusForbidden)
}

func TestUploadLimit(t *testing.T) {
	e := newEnvWith(t, Options{MaxUploadBytes: 4 << 10})
	b := e.signedIn("product-security")
	before := e.ledgerSize()
	big := bytes.Repeat([]byte("pkg:npm/a@1.0.0,MIT\n"), 1000)
	r := b.upload("/catalog/import", nil, "file", "big.csv", append([]byte("purl,license\n"), big...))
	wantStatus(t, "upload over the limit", r, http.StatusRequestEntityTooLarge)
	wantText(t, "upload over the limit", r, "files are at most")
	if e.ledgerSize() != before {
		t.Error("an upload over the limit wrote the ledger")
	}
	// Other forms keep their small limit and refuse multipart bodies.
	r = b.upload("/policy", url.Values{"policy": {policy.DefaultText}}, "file", "x.txt", []byte("x"))
	wantStatus(t, "multipart to a plain form", r, http.StatusForbidden)
}

func TestCatalogPages(t *testing.T) {
	e := newEnv(t)
	rows := []bulwark.ImportRow{
		{Line: 2, PURL: "pkg:npm/express@4.18.2", VersionDetails: bulwark.VersionDetails{License: "MIT", SupportEnds: ptr(time.Now().AddDate(0, 0, 20))}},
		{Line: 3, PURL: "pkg:npm/left-pad@1.3.0", VersionDetails: bulwark.VersionDetails{License: "WTFPL", SupportEnds: ptr(time.Now().AddDate(0, 0, 200))}},
		{Line: 4, PURL: "pkg:pypi/django@4.2.0", State: bulwark.StateBanned, VersionDetails: bulwark.VersionDetails{License: "BSD-3-Clause"}},
	}
	if _, err := e.db.Import(e.sys, rows, nil, []byte("list"), "list.csv", false); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn("developer")

	// Cursor pagination, one component a page.
	r := b.get("/catalog?limit=1")
	next := regexp.MustCompile(`href="([^"]+)" rel="next">Next`).FindStringSubmatch(r.body)
	if next == nil {
		t.Fatal("catalog?limit=1: no Next link")
	}
	r2 := b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	wantStatus(t, "second page", r2, http.StatusOK)
	if !strings.Contains(r2.body, "First page") || strings.Contains(r2.body, "pkg:npm/express") == strings.Contains(r.body, "pkg:npm/express") {
		t.Error("the second page repeats the first")
	}

	// Filters: state and licence; each state has its own badge.
	r = b.get("/catalog?state=banned")
	wantText(t, "banned", r, "django", "banned")
	if strings.Contains(r.text(), "express") || !strings.Contains(r.body, "state-banned") {
		t.Error("state filter: other states listed, or no banned badge")
	}
	wantText(t, "licence filter", b.get("/catalog?license=WTFPL"), "left-pad")

	// Support ending: 90 days by default, a longer window finds more.
	r = b.get("/catalog/support")
	wantText(t, "support 90", r, "express", "4.18.2")
	if strings.Contains(r.text(), "left-pad") {
		t.Error("support page lists a version beyond 90 days")
	}
	wantText(t, "support 365", b.get("/catalog/support?days=365"), "express", "left-pad")
	wantStatus(t, "support window not offered", b.get("/catalog/support?days=7"), http.StatusBadRequest)

	// Nothing is requested, so the queue is empty.
	wantText(t, "queue", e.signedIn("product-security").get("/catalog/queue"), "Nothing waiting")
}

func ptr[T any](v T) *T { return &v }

func TestImportColumnsDocumented(t *testing.T) {
	for _, c := range catalogfile.Columns {
		if columnDocs[c] == "" {
			t.Errorf("import column %q is not documented on the import page", c)
		}
	}
	if len(columnDocs) != len(catalogfile.Columns) {
		t.Errorf("%d documented columns, catalogfile has %d", len(columnDocs), len(catalogfile.Columns))
	}
}

func TestHomeShowsWorkWaiting(t *testing.T) {
	e := newEnv(t)
	requestThroughForm(t, e.signedIn("developer"), e.org.Core5G, "pkg:npm/lodash@4.17.21", "MIT")
	r := e.signedIn("product-security").get("/")
	wantText(t, "product-security home", r, "What needs you", "Evaluation queue 1", "Waivers expiring soon 0")
	r = e.signedIn("developer").get("/")
	wantText(t, "developer home", r, "Unread notifications 0", "Request a component")
	if strings.Contains(r.body, "Evaluation queue") {
		t.Error("developer's home shows the evaluation queue")
	}
}
