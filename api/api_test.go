package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/api"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/policy"
	"github.com/bulwark-sec/bulwark/server"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// fixture is a running API over a real database with the demo organisation.
type fixture struct {
	t   *testing.T
	db  *sqldb.DB
	url string
	org *demo.Org
	api *api.API
}

func newFixture(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	ctx := sqldbtest.System(context.Background())
	root, err := db.CreateScope(ctx, 0, bulwark.ScopeOrg, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	org, err := demo.Seed(ctx, db, root)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	a := api.New(db, api.Options{Logger: quiet, VerifierKey: db.VerifierKey(), MaxEvidenceBytes: 1 << 16, MaxSBOMBytes: 1 << 18,
		Export: func(ctx context.Context, w io.Writer, from, to int64) error {
			return db.ExportBundle(ctx, w, sqldb.ExportOptions{From: from, To: to})
		}})
	srv := server.New(server.Options{Logger: quiet, Ready: db.Ping, Mount: []func(*http.ServeMux){a.Routes}})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &fixture{t: t, db: db, url: hs.URL, org: org, api: a}
}

// token issues a token for the named user with all their grants.
func (f *fixture) token(name string) string {
	f.t.Helper()
	ctx := sqldbtest.System(context.Background())
	u, err := f.db.FindUserByName(ctx, name)
	if err != nil {
		f.t.Fatal(err)
	}
	_, secret, err := f.db.CreateToken(ctx, bulwark.NewToken{UserID: u.ID, Name: "test", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return secret
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t *testing.T) api.Problem {
	t.Helper()
	var p api.Problem
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q for status %d: %s", ct, r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) do(method, path, token, contentType string, body io.Reader) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

func (f *fixture) json(method, path, token string, v any) response {
	f.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.do(method, path, token, "application/json", bytes.NewReader(b))
}

func (f *fixture) ledgerSize() int64 {
	f.t.Helper()
	n, err := f.db.LedgerSize(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// Levels at which an action is authorised, for the walk.
const (
	scoped = iota // in the target scope (and below)
	atRoot        // organisation-wide decision: authorised at the root
	global        // organisation-wide read: any grant suffices
)

// TestPolicyTableOverHTTP walks every role × every guarded action × a case
// inside and a case outside the caller's grant, over the real API, and
// checks the outcome against bulwark.Policy. A denied request must change
// nothing. Scoped actions target Networks (in) or Devices (out) with a
// caller granted in Networks; organisation-wide decisions are in scope for
// a caller granted at the root and out of scope for one granted in Networks.
func TestPolicyTableOverHTTP(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		sys := sqldbtest.System(context.Background())
		in, out := f.org.Networks, f.org.Devices

		// Two walkers per role: one granted in Networks, one at the root.
		bu, org := map[bulwark.Role]string{}, map[bulwark.Role]string{}
		for _, r := range bulwark.Roles {
			for _, w := range []struct {
				prefix string
				scope  *bulwark.Scope
				into   map[bulwark.Role]string
			}{{"w-", in, bu}, {"o-", f.org.Root, org}} {
				name := w.prefix + string(r)
				u, err := db.CreateUser(sys, bulwark.NewUser{Name: name, HomeScopeID: w.scope.ID, Password: "walker password"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.GrantRole(sys, u.ID, r, w.scope.ID, ""); err != nil {
					t.Fatal(err)
				}
				w.into[r] = f.token(name)
			}
		}
		// Evidence attached only in each target.
		digest := map[int64]string{}
		for _, s := range []*bulwark.Scope{in, out} {
			ev, err := db.PutEvidence(sys, s.ID, "policy.txt", "text/plain", []byte("evidence of "+s.Name), "")
			if err != nil {
				t.Fatal(err)
			}
			digest[s.ID] = ev.Digest
		}
		n := 0
		uniq := func(prefix string) string { n++; return fmt.Sprint(prefix, n) }
		dev := ctxAs(t, db, "developer")
		ps := ctxAs(t, db, "product-security")
		requested := func() int64 {
			d, err := db.RequestVersion(dev, bulwark.IntroductionRequest{PURL: "pkg:npm/" + uniq("walk") + "@1.0.0", ScopeID: f.org.Core5G.ID,
				Justification: "walk", VersionDetails: bulwark.VersionDetails{License: "MIT"}})
			if err != nil {
				t.Fatal(err)
			}
			return d.Version.ID
		}
		evaluated := func() int64 {
			id := requested()
			if err := db.StartEvaluation(ps, id, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddFinding(ps, id, bulwark.NewFinding{Check: bulwark.CheckVerification, Outcome: bulwark.OutcomePass, Summary: "ok"}); err != nil {
				t.Fatal(err)
			}
			return id
		}
		certified := func() int64 {
			id := evaluated()
			if _, err := db.Decide(ctxAs(t, db, "o-product-security"), id, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "ok"}); err != nil {
				t.Fatal(err)
			}
			return id
		}

		type call func(tok string, s *bulwark.Scope, id int64) response
		type walkCase struct {
			level int
			ok    int
			prep  func(s *bulwark.Scope) int64
			call  call
		}
		victim := func(s *bulwark.Scope) int64 {
			u, err := db.CreateUser(sys, bulwark.NewUser{Name: uniq("victim-"), HomeScopeID: s.ID, Password: "victim password"})
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		pendingWaiver := func(s *bulwark.Scope) int64 {
			w, err := db.RequestWaiver(sys, bulwark.NewWaiver{PURL: "pkg:npm/" + uniq("w"), ScopeID: s.ID, Reason: "walk", ExpiresAt: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			return w.ID
		}
		noPrep := func(*bulwark.Scope) int64 { return 0 }
		productName := map[int64]string{}
		product := func(s *bulwark.Scope) int64 {
			p, err := db.CreateProduct(sys, bulwark.NewProduct{ScopeID: s.ID, Name: uniq("product ")})
			if err != nil {
				t.Fatal(err)
			}
			productName[p.ID] = p.Name
			return p.ID
		}
		release := func(s *bulwark.Scope) int64 {
			r, err := db.CreateRelease(sys, product(s), bulwark.NewRelease{Version: "1.0"})
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		smallSBOM := `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [{"type": "library", "name": "lodash", "version": "4.17.21", "purl": "pkg:npm/lodash@4.17.21"}]}`
		advisory := func(*bulwark.Scope) int64 {
			id := uniq("WALK-")
			data := []byte(`{"id": "` + id + `", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2099-` + id[5:] + `"],
				"affected": [{"package": {"ecosystem": "npm", "name": "walk"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]}`)
			rec, warnings, err := osv.Parse(data, id+".json")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ImportAdvisories(sys, []osv.Item{{Source: id + ".json", Record: rec, Warnings: warnings}}); err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.ParseInt(id[5:], 10, 64)
			return n
		}
		if _, err := db.ImportAdvisories(sys, []osv.Item{{Source: "walk.json", Record: &osv.Record{ID: "WALKVULN-1", Modified: time.Now(),
			Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "walkvuln"}, Ranges: []osv.Range{{Type: "SEMVER", Events: []osv.Event{{Introduced: "0"}, {Fixed: "1.0.1"}}}}}}}}}); err != nil {
			t.Fatal(err)
		}
		finding := func(s *bulwark.Scope) int64 {
			id := release(s)
			doc := `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [{"type": "library", "name": "walkvuln", "version": "1.0.0", "purl": "pkg:npm/walkvuln@1.0.0"}]}`
			if _, err := db.StoreSBOM(sys, id, bulwark.SBOMUpload{Name: "bom.json", Content: []byte(doc)}); err != nil {
				t.Fatal(err)
			}
			fs, _, err := db.Findings(sys, bulwark.FindingFilter{ReleaseID: id}, bulwark.Page{})
			if err != nil || len(fs) != 1 {
				t.Fatalf("walk finding: %v %v", fs, err)
			}
			return fs[0].ID
		}
		cases := map[bulwark.Action]walkCase{
			bulwark.ActionScopeRead: {scoped, 200, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.do("GET", fmt.Sprintf("/api/v1/scopes/%d", s.ID), tok, "", nil)
			}},
			bulwark.ActionScopeCreate: {scoped, 201, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.json("POST", "/api/v1/scopes", tok, map[string]any{"parent_id": s.ID, "kind": "project", "name": uniq("p")})
			}},
			bulwark.ActionUserRead: {scoped, 200, victim, func(tok string, s *bulwark.Scope, id int64) response {
				return f.do("GET", fmt.Sprintf("/api/v1/users/%d", id), tok, "", nil)
			}},
			bulwark.ActionUserCreate: {scoped, 201, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.json("POST", "/api/v1/users", tok, map[string]any{"name": uniq("new-"), "home_scope_id": s.ID, "password": "a long password"})
			}},
			bulwark.ActionUserGrant: {scoped, 201, victim, func(tok string, s *bulwark.Scope, id int64) response {
				return f.json("POST", fmt.Sprintf("/api/v1/users/%d/grants", id), tok, map[string]any{"role": "developer", "scope_id": s.ID})
			}},
			bulwark.ActionUserPassword: {scoped, 204, victim, func(tok string, s *bulwark.Scope, id int64) response {
				return f.json("PUT", fmt.Sprintf("/api/v1/users/%d/password", id), tok, map[string]any{"password": "a new long password"})
			}},
			bulwark.ActionLedgerRead: {scoped, 200, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.do("GET", fmt.Sprintf("/api/v1/ledger/events?scope_id=%d", s.ID), tok, "", nil)
			}},
			bulwark.ActionEvidenceRead: {scoped, 200, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.do("GET", "/api/v1/evidence/"+digest[s.ID], tok, "", nil)
			}},
			bulwark.ActionEvidenceWrite: {scoped, 201, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.do("POST", fmt.Sprintf("/api/v1/evidence?scope_id=%d&name=%s.txt", s.ID, uniq("r")), tok, "text/plain", strings.NewReader(uniq("report ")))
			}},
			bulwark.ActionTokenIssue: {scoped, 201, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				p, err := db.TokenPrincipal(context.Background(), tok)
				if err != nil {
					t.Fatal(err)
				}
				return f.json("POST", "/api/v1/tokens", tok, map[string]any{"name": "derived", "expires_at": time.Now().Add(time.Minute),
					"grants": []map[string]any{{"role": p.Grants[0].Role, "scope_id": s.ID}}})
			}},
			bulwark.ActionCatalogRead: {global, 200, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.do("GET", "/api/v1/catalog/components?q=walk", tok, "", nil)
			}},
			bulwark.ActionPolicyRead: {global, 200, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.do("GET", "/api/v1/policy", tok, "", nil)
			}},
			bulwark.ActionComponentRequest: {scoped, 201, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.json("POST", "/api/v1/catalog/requests", tok, map[string]any{"purl": "pkg:npm/" + uniq("req") + "@1.0.0", "scope_id": s.ID,
					"justification": "walk", "license": "MIT"})
			}},
			bulwark.ActionComponentEvaluate: {atRoot, 204, func(*bulwark.Scope) int64 { return requested() }, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.json("POST", fmt.Sprintf("/api/v1/catalog/versions/%d/evaluation", id), tok, map[string]any{"reason": "walk"})
			}},
			bulwark.ActionComponentDecide: {atRoot, 201, func(*bulwark.Scope) int64 { return evaluated() }, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.json("POST", fmt.Sprintf("/api/v1/catalog/versions/%d/decisions", id), tok, map[string]any{"verdict": "certify", "reason": "walk"})
			}},
			bulwark.ActionComponentLifecycle: {atRoot, 204, func(*bulwark.Scope) int64 { return certified() }, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.json("POST", fmt.Sprintf("/api/v1/catalog/versions/%d/lifecycle", id), tok, map[string]any{"to": "banned", "reason": "walk"})
			}},
			bulwark.ActionCatalogImport: {atRoot, 200, noPrep, func(tok string, _ *bulwark.Scope, _ int64) response {
				return f.do("POST", "/api/v1/catalog/import?name=walk.csv", tok, "text/csv", strings.NewReader("purl,license\npkg:npm/"+uniq("imp")+"@1.0.0,MIT\n"))
			}},
			bulwark.ActionPolicyEdit: {atRoot, 200, noPrep, func(tok string, _ *bulwark.Scope, _ int64) response {
				return f.json("PUT", "/api/v1/policy", tok, map[string]any{"text": policy.DefaultText, "reason": "walk"})
			}},
			bulwark.ActionWaiverRead: {scoped, 200, pendingWaiver, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.do("GET", fmt.Sprintf("/api/v1/waivers/%d", id), tok, "", nil)
			}},
			bulwark.ActionWaiverRequest: {scoped, 201, noPrep, func(tok string, s *bulwark.Scope, _ int64) response {
				return f.json("POST", "/api/v1/waivers", tok, map[string]any{"purl": "pkg:npm/" + uniq("w"), "scope_id": s.ID, "reason": "walk",
					"expires_at": time.Now().Add(time.Hour)})
			}},
			bulwark.ActionProductRead: {scoped, 200, product, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.do("GET", fmt.Sprintf("/api/v1/products/%d", id), tok, "", nil)
			}},
			bulwark.ActionProductManage: {scoped, 201, product, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.json("POST", fmt.Sprintf("/api/v1/products/%d/releases", id), tok, map[string]any{"version": "2.0"})
			}},
			bulwark.ActionSBOMUpload: {scoped, 200, release, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.do("PUT", fmt.Sprintf("/api/v1/releases/%d/sbom?name=bom.json", id), tok, "application/json", strings.NewReader(smallSBOM))
			}},
			bulwark.ActionGateRun: {scoped, 200, product, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.do("POST", "/api/v1/gate?release=3.0&product="+url.QueryEscape(productName[id]), tok, "application/json", strings.NewReader(smallSBOM))
			}},
			bulwark.ActionAdvisoryRead: {global, 200, advisory, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.do("GET", fmt.Sprintf("/api/v1/advisories/CVE-2099-%d", id), tok, "", nil)
			}},
			bulwark.ActionAdvisoryImport: {atRoot, 200, noPrep, func(tok string, _ *bulwark.Scope, _ int64) response {
				return f.do("POST", "/api/v1/advisories/import?name=walk.json", tok, "application/json", strings.NewReader(`{"id": "`+uniq("IMP-")+`", "modified": "2024-01-01T00:00:00Z"}`))
			}},
			bulwark.ActionFindingRead: {scoped, 200, finding, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.do("GET", fmt.Sprintf("/api/v1/findings/%d", id), tok, "", nil)
			}},
			bulwark.ActionFindingTriage: {scoped, 200, finding, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.json("POST", fmt.Sprintf("/api/v1/findings/%d/triage", id), tok, map[string]any{"state": "affected", "response": "update"})
			}},
			bulwark.ActionWaiverApprove: {scoped, 204, pendingWaiver, func(tok string, _ *bulwark.Scope, id int64) response {
				return f.json("POST", fmt.Sprintf("/api/v1/waivers/%d/approval", id), tok, map[string]any{"reason": "walk"})
			}},
		}
		for _, action := range bulwark.Actions() {
			c, ok := cases[action]
			if !ok {
				t.Errorf("policy action %s has no case in this walk: add one", action)
				continue
			}
			rule := bulwark.Policy[action]
			if (c.level == global) != rule.Global {
				t.Errorf("%s: the walk's level disagrees with Policy's Global flag", action)
			}
			for _, role := range bulwark.Roles {
				for _, inside := range []bool{true, false} {
					tok, target := bu[role], in
					switch {
					case c.level == atRoot && inside:
						tok = org[role]
					case c.level != atRoot && !inside:
						target = out
					}
					allowed := contains(rule.Roles, role) && (inside || c.level == global)
					id := c.prep(target)
					before := f.ledgerSize()
					res := c.call(tok, target, id)
					where := "in scope"
					if !inside {
						where = "out of scope"
					}
					if allowed && res.status != c.ok {
						t.Errorf("%s as %s %s: status %d, want %d: %s", action, role, where, res.status, c.ok, res.body)
					}
					if !allowed {
						if res.status != 403 && res.status != 404 {
							t.Errorf("%s as %s %s: status %d, want 403 or 404: %s", action, role, where, res.status, res.body)
						} else if p := res.problem(t); p.Code != bulwark.EFORBIDDEN && p.Code != bulwark.ENOTFOUND {
							t.Errorf("%s as %s %s: problem code %q", action, role, where, p.Code)
						}
						if after := f.ledgerSize(); after != before {
							t.Errorf("%s as %s %s: denied, but the ledger grew %d → %d", action, role, where, before, after)
						}
					}
				}
			}
		}
	})
}

// ctxAs returns a context acting as the named user (through a session).
func ctxAs(t *testing.T, db *sqldb.DB, name string) context.Context {
	t.Helper()
	secret, _, err := db.Login(context.Background(), name, demoOrWalker(name), "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	p, _, err := db.SessionPrincipal(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return bulwark.WithPrincipal(context.Background(), p)
}

func demoOrWalker(name string) string {
	if strings.HasPrefix(name, "w-") || strings.HasPrefix(name, "o-") {
		return "walker password"
	}
	return demo.Password
}

func contains(rs []bulwark.Role, r bulwark.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// TestBadInput sends what clients get wrong; each gets a precise problem
// and nothing changes.
func TestBadInput(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	f := newFixture(t, db)
	admin := f.token("admin")
	ctx := sqldbtest.System(context.Background())
	u, _ := db.FindUserByName(ctx, "admin")
	_, expired, err := db.CreateToken(ctx, bulwark.NewToken{UserID: u.ID, Name: "soon", ExpiresAt: time.Now().Add(50 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	product, err := db.CreateProduct(ctx, bulwark.NewProduct{ScopeID: f.org.Core5G.ID, Name: "Bad Input"})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := db.CreateRelease(ctx, product.ID, bulwark.NewRelease{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	sbomPath := fmt.Sprintf("/api/v1/releases/%d/sbom", rel.ID)
	const cdxHead = `{"bomFormat": "CycloneDX", "specVersion": "1.5", `
	cyclic := cdxHead + `"components": [{"type": "library", "name": "a", "bom-ref": "a"}, {"type": "library", "name": "b", "bom-ref": "b"}],
		"dependencies": [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["a"]}]}`

	cases := []struct {
		name              string
		method, path, tok string
		ctype, body       string
		status            int
		code, field, says string
	}{
		{"no token", "GET", "/api/v1/users", "", "", "", 401, "unauthorized", "", "Bearer"},
		{"wrong scheme", "GET", "/api/v1/users", "", "", "", 401, "unauthorized", "", "Bearer"},
		{"unknown token", "GET", "/api/v1/users", "bwk_doesnotexist", "", "", 401, "unauthorized", "", "unknown API token"},
		{"expired token", "GET", "/api/v1/users", expired, "", "", 401, "unauthorized", "", "expired"},
		{"malformed JSON", "POST", "/api/v1/users", admin, "application/json", `{"name": "x",`, 400, "invalid", "", "ends in the middle"},
		{"syntax error", "POST", "/api/v1/users", admin, "application/json", `{"name" "x"}`, 400, "invalid", "", "malformed JSON at byte"},
		{"wrong type", "POST", "/api/v1/users", admin, "application/json", `{"name": "x", "home_scope_id": "one"}`, 400, "invalid", "home_scope_id", "must be a number"},
		{"unknown field", "POST", "/api/v1/users", admin, "application/json", `{"name": "x", "is_admin": true}`, 400, "invalid", "is_admin", "unknown field"},
		{"trailing data", "POST", "/api/v1/users", admin, "application/json", `{"name": "x"} {}`, 400, "invalid", "", "after the JSON"},
		{"empty body", "POST", "/api/v1/users", admin, "application/json", ``, 400, "invalid", "", "empty"},
		{"not an object", "POST", "/api/v1/users", admin, "application/json", `[1,2]`, 400, "invalid", "", "JSON object"},
		{"wrong media type", "POST", "/api/v1/users", admin, "text/plain", `{}`, 415, "unsupported", "", "application/json"},
		{"oversized body", "POST", "/api/v1/users", admin, "application/json", `{"name": "` + strings.Repeat("x", api.MaxJSONBytes) + `"}`, 413, "too_large", "", "over"},
		{"invalid value", "POST", "/api/v1/users", admin, "application/json", `{"name": "Not Valid", "home_scope_id": 1, "password": "long enough pw"}`, 400, "invalid", "name", "user names"},
		{"bad cursor", "GET", "/api/v1/users?cursor=nonsense", admin, "", "", 400, "invalid", "cursor", "not one this server handed out"},
		{"bad limit", "GET", "/api/v1/users?limit=100000", admin, "", "", 400, "invalid", "limit", "limit must be"},
		{"bad id", "GET", "/api/v1/users/abc", admin, "", "", 400, "invalid", "id", "not an id"},
		{"unknown user", "GET", "/api/v1/users/99999", admin, "", "", 404, "not_found", "", "no user"},
		{"unknown route", "GET", "/api/v1/nothing", admin, "", "", 404, "not_found", "", "no API route"},
		{"bad proof index", "GET", "/api/v1/ledger/proof/inclusion?index=-3", "", "", "", 400, "invalid", "index", "whole number"},
		{"proof past end", "GET", "/api/v1/ledger/proof/inclusion?index=999999", "", "", "", 400, "invalid", "index", "not in a tree"},
		{"bad since", "GET", "/api/v1/ledger/events?since=yesterday", admin, "", "", 400, "invalid", "since", "RFC 3339"},
		{"evidence too large", "POST", "/api/v1/evidence?scope_id=1&name=big.bin", admin, "application/octet-stream", strings.Repeat("x", 1<<17), 413, "too_large", "", "over"},
		{"evidence bad digest", "GET", "/api/v1/evidence/md5:abc", admin, "", "", 400, "invalid", "digest", "sha256"},
		{"SBOM truncated", "PUT", sbomPath, admin, "application/json", cdxHead + `"components": [{"type": "library", "na`, 400, "invalid", "sbom", "line 1, column"},
		{"SBOM not UTF-8", "PUT", sbomPath, admin, "application/json", cdxHead + `"components": [{"type": "library", "name": "a` + "\xff" + `"}]}`, 400, "invalid", "sbom", "UTF-8"},
		{"SBOM nested too deep", "PUT", sbomPath, admin, "application/json", cdxHead + `"x": ` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "}", 400, "invalid", "sbom", "nested more than"},
		{"SBOM duplicate ref", "PUT", sbomPath, admin, "application/json", cdxHead + `"components": [{"type": "library", "name": "a", "bom-ref": "x"}, {"type": "library", "name": "b", "bom-ref": "x"}]}`, 400, "invalid", "sbom", `bom-ref "x" is used twice`},
		{"SBOM cycle", "PUT", sbomPath, admin, "application/json", cyclic, 400, "invalid", "sbom", "cyclic dependency: a → b → a"},
		{"SBOM of another format", "PUT", sbomPath, admin, "application/json", `{"document": {"category": "csaf_base"}}`, 400, "invalid", "sbom", "not an SBOM"},
		{"SBOM a PDF", "PUT", sbomPath, admin, "application/pdf", "%PDF-1.7\n", 400, "invalid", "sbom", "not an SBOM"},
		{"SBOM unsupported version", "PUT", sbomPath, admin, "application/json", `{"bomFormat": "CycloneDX", "specVersion": "1.7", "components": []}`, 415, "unsupported", "sbom", "1.7"},
		{"SBOM too large", "PUT", sbomPath, admin, "application/json", cdxHead + `"x": "` + strings.Repeat("x", 1<<18) + `"}`, 413, "too_large", "", "over"},
		{"SBOM bad allow_cycles", "PUT", sbomPath + "?allow_cycles=maybe", admin, "application/json", cyclic, 400, "invalid", "allow_cycles", "true or false"},
		{"gate without product", "POST", "/api/v1/gate?release=1", admin, "application/json", cyclic, 400, "invalid", "product", "name the product"},
		{"gate unknown product", "POST", "/api/v1/gate?product=Nope&release=1", admin, "application/json", cdxHead + `"components": []}`, 404, "not_found", "", "Nope"},
		{"where-used without purl", "GET", "/api/v1/where-used", admin, "", "", 400, "invalid", "purl", "required"},
		{"where-used bad range", "GET", "/api/v1/where-used?purl=pkg:npm/x&versions=~1.2", admin, "", "", 400, "invalid", "versions", "bounds such as"},
		{"diff without from", "GET", fmt.Sprintf("/api/v1/releases/%d/diff", rel.ID), admin, "", "", 400, "invalid", "from", "compare with"},
		{"unknown release state", "POST", fmt.Sprintf("/api/v1/releases/%d/state", rel.ID), admin, "application/json", `{"state": "shipped"}`, 400, "invalid", "state", "unknown release state"},
		{"export format", "GET", sbomPath + "?format=pdf", admin, "", "", 400, "invalid", "format", "cyclonedx"},
		{"signals of no known kind", "POST", "/api/v1/exploit-signals", admin, "text/csv", "a,b,c\n1,2,3\n", 400, "invalid", "body", "not an EPSS scores file"},
		{"EPSS bad probability", "POST", "/api/v1/exploit-signals", admin, "text/csv", "cve,epss,percentile\nCVE-2024-0001,0.5,0.9\nCVE-2024-0002,1.7,0.9\n", 400, "invalid", "", "line 3"},
		{"KEV bad date", "POST", "/api/v1/exploit-signals", admin, "application/json",
			`{"catalogVersion": "1", "dateReleased": "2026-01-01T00:00:00.000Z", "vulnerabilities": [{"cveID": "CVE-2024-0001", "dateAdded": "yesterday"}]}`, 400, "invalid", "", "vulnerabilities[0].dateAdded"},
		{"findings bad order", "GET", "/api/v1/findings?sort=random", admin, "", "", 400, "invalid", "sort", "unknown order"},
		{"findings bad flag", "GET", "/api/v1/findings?kev=perhaps", admin, "", "", 400, "invalid", "kev", "true or false"},
		{"bulk triage without ids", "POST", "/api/v1/findings/triage", admin, "application/json", `{"ids": [], "state": "affected"}`, 400, "invalid", "ids", "at least one"},
		{"bulk triage too many", "POST", "/api/v1/findings/triage", admin, "application/json", `{"ids": [` + strings.TrimSuffix(strings.Repeat("1,", 501), ",") + `], "state": "affected"}`, 400, "invalid", "ids", "at most 500"},
		{"bulk triage bad state", "POST", "/api/v1/findings/triage", admin, "application/json", `{"ids": [1], "state": "done"}`, 400, "invalid", "state", "unknown state"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.ledgerSize()
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			req, _ := http.NewRequest(c.method, f.url+c.path, body)
			if c.tok != "" {
				req.Header.Set("Authorization", "Bearer "+c.tok)
			}
			if c.name == "wrong scheme" {
				req.Header.Set("Authorization", "Basic YWRtaW46eA==")
			}
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			r := response{res.StatusCode, res.Header, b}
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, b)
			}
			p := r.problem(t)
			if p.Code != c.code || p.Field != c.field || !strings.Contains(p.Detail, c.says) || p.Status != c.status {
				t.Fatalf("problem %+v, want code %q field %q detail containing %q", p, c.code, c.field, c.says)
			}
			if after := f.ledgerSize(); after != before {
				t.Fatalf("ledger grew %d → %d", before, after)
			}
		})
	}
}

// TestOpenAPIMatchesRoutes keeps the OpenAPI document in step with the
// registered routes, both ways.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	f := newFixture(t, db)
	res := f.do("GET", "/api/v1/openapi.json", "", "", nil)
	if res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" /api/v1"+path] = true
		}
	}
	registered := map[string]bool{}
	for _, p := range f.api.RoutePatterns() {
		registered[p] = true
		if !documented[p] {
			t.Errorf("route %s is not in openapi.json", p)
		}
	}
	for p := range documented {
		if !registered[p] {
			t.Errorf("openapi.json documents %s, which is not a route", p)
		}
	}
}

// TestLedgerOverHTTP: the public checkpoint verifies under the public key,
// a proof from the API checks, and an export verifies offline.
func TestLedgerOverHTTP(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	f := newFixture(t, db)
	key := strings.TrimSpace(string(f.do("GET", "/api/v1/ledger/key", "", "", nil).body))
	note := f.do("GET", "/api/v1/ledger/checkpoint", "", "", nil)
	cp, err := ledger.OpenCheckpoint(note.body, key)
	if err != nil {
		t.Fatalf("checkpoint %q: %v", note.body, err)
	}
	res := f.do("GET", "/api/v1/ledger/proof/inclusion?index=4", "", "", nil)
	var proof bulwark.InclusionProof
	if err := json.Unmarshal(res.body, &proof); err != nil {
		t.Fatal(err)
	}
	ev := f.do("GET", "/api/v1/ledger/events/4", f.token("auditor"), "", nil)
	var got struct {
		Leaf string `json:"leaf"`
	}
	json.Unmarshal(ev.body, &got)
	if err := ledger.VerifyEvent([]byte(got.Leaf), &proof, &bulwark.SignedCheckpoint{Note: string(note.body)}, key); err != nil {
		t.Fatalf("event 4 over HTTP: %v (size %d)", err, cp.Size)
	}
	exp := f.do("GET", "/api/v1/ledger/export", f.token("auditor"), "", nil)
	b, err := ledger.ReadBundle(bytes.NewReader(exp.body))
	if err != nil {
		t.Fatal(err)
	}
	if r := ledger.Verify(b, ledger.VerifyOptions{PublicKey: key, Since: note.body}); !r.OK() {
		t.Fatalf("export: %+v", r.Failures)
	}
	if res := f.do("GET", "/api/v1/ledger/export", f.token("developer"), "", nil); res.status != 403 {
		t.Fatalf("developer export: %d", res.status)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if res := f.do("GET", p, "", "", nil); res.status != 200 {
			t.Fatalf("%s: %d", p, res.status)
		}
	}
	if m := f.do("GET", "/metrics", "", "", nil); !bytes.Contains(m.body, []byte(`bulwark_http_requests_total{code="200",route="GET /api/v1/ledger/checkpoint"}`)) {
		t.Fatalf("metrics lack request counts:\n%.2000s", m.body)
	}
}

// TestCatalogOverHTTP: the catalog's bad input gets precise problems and
// changes nothing; an import with bad rows lists every row.
func TestCatalogOverHTTP(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	f := newFixture(t, db)
	dev, ps := f.token("developer"), f.token("product-security")
	req := func(purl, license string) map[string]any {
		return map[string]any{"purl": purl, "scope_id": f.org.Core5G.ID, "justification": "needed", "license": license}
	}
	res := f.json("POST", "/api/v1/catalog/requests", dev, req("pkg:npm/lodash@4.17.21", "MIT OR Apache-2.0"))
	if res.status != 201 {
		t.Fatalf("request: %d %s", res.status, res.body)
	}
	var d bulwark.VersionDossier
	json.Unmarshal(res.body, &d)
	if d.Version.State != bulwark.StateRequested || len(d.Findings) != 4 {
		t.Fatalf("dossier %+v", d)
	}
	vid := d.Version.ID
	cases := []struct {
		name, method, path, tok string
		body                    any
		status                  int
		code, field             string
	}{
		{"invalid purl", "POST", "/api/v1/catalog/requests", dev, req("lodash@4", "MIT"), 400, "invalid", "purl"},
		{"invalid licence", "POST", "/api/v1/catalog/requests", dev, req("pkg:npm/x@1", "MIT AND"), 400, "invalid", "license"},
		{"unknown licence id", "POST", "/api/v1/catalog/requests", dev, req("pkg:npm/x@1", "Frobnitz-1.0"), 400, "invalid", "license"},
		{"duplicate request", "POST", "/api/v1/catalog/requests", dev, req("pkg:npm/lodash@4.17.21", "MIT"), 409, "conflict", "purl"},
		{"decision by developer", "POST", fmt.Sprintf("/api/v1/catalog/versions/%d/decisions", vid), dev, map[string]any{"verdict": "certify", "reason": "mine"}, 403, "forbidden", ""},
		{"decision in wrong state", "POST", fmt.Sprintf("/api/v1/catalog/versions/%d/decisions", vid), ps, map[string]any{"verdict": "certify", "reason": "early"}, 409, "conflict", ""},
		{"unknown verdict", "POST", fmt.Sprintf("/api/v1/catalog/versions/%d/decisions", vid), ps, map[string]any{"verdict": "maybe", "reason": "x"}, 400, "invalid", "verdict"},
		{"deprecate a requested version", "POST", fmt.Sprintf("/api/v1/catalog/versions/%d/lifecycle", vid), ps, map[string]any{"to": "deprecated", "reason": "x"}, 409, "conflict", ""},
		{"bad policy", "PUT", "/api/v1/policy", ps, map[string]any{"text": "licenses:\n  allow: [MIT]\n  deny: [MIT]\n"}, 400, "invalid", "policy"},
		{"bad waiver range", "POST", "/api/v1/waivers", ps, map[string]any{"purl": "pkg:npm/x", "versions": "~1.2", "scope_id": f.org.Networks.ID, "reason": "x", "expires_at": time.Now().Add(time.Hour)}, 400, "invalid", "versions"},
		{"unknown version", "GET", "/api/v1/catalog/versions/9999", dev, nil, 404, "not_found", ""},
	}
	for _, c := range cases {
		before := f.ledgerSize()
		var r response
		if c.body == nil {
			r = f.do(c.method, c.path, c.tok, "", nil)
		} else {
			r = f.json(c.method, c.path, c.tok, c.body)
		}
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.body)
			continue
		}
		if p := r.problem(t); p.Code != c.code || p.Field != c.field {
			t.Errorf("%s: problem %+v, want %s on %q", c.name, p, c.code, c.field)
		}
		if after := f.ledgerSize(); after != before {
			t.Errorf("%s: ledger grew %d → %d", c.name, before, after)
		}
	}

	csvBad := "purl,license\npkg:npm/a@1.0.0,MIT\npkg:npm/b,MIT\npkg:npm/c@1,GPL-9\n"
	r := f.do("POST", "/api/v1/catalog/import?name=list.csv", ps, "text/csv", strings.NewReader(csvBad))
	p := r.problem(t)
	if r.status != 400 || len(p.Errors) != 2 || p.Errors[0].Line != 3 || p.Errors[1].Field != "license" {
		t.Fatalf("bad import: %d %+v", r.status, p)
	}
	r = f.do("POST", "/api/v1/catalog/import?name=list.csv&dry_run=true", ps, "text/csv", strings.NewReader(csvBad))
	var dry bulwark.ImportResult
	json.Unmarshal(r.body, &dry)
	if r.status != 200 || !dry.DryRun || len(dry.Errors) != 2 || dry.Created != 1 {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	r = f.do("POST", "/api/v1/catalog/import?name=list.csv", ps, "text/csv", strings.NewReader("purl,license\npkg:npm/a@1.0.0,MIT\n"))
	if r.status != 200 {
		t.Fatalf("good import: %d %s", r.status, r.body)
	}
}

func TestExploitSignalsDashboardAndBulkTriage(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	f := newFixture(t, db)
	psirt, bu := f.token("psirt"), f.token("bu-security")
	adv := `{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-1111"], "database_specific": {"severity": "HIGH"},
		"affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}`
	if r := f.do("POST", "/api/v1/advisories/import", psirt, "application/json", strings.NewReader(adv)); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	ctx := sqldbtest.System(context.Background())
	product, _ := db.CreateProduct(ctx, bulwark.NewProduct{ScopeID: f.org.Core5G.ID, Name: "Signals"})
	var ids []int64
	for _, v := range []string{"1.0", "2.0"} {
		rel, _ := db.CreateRelease(ctx, product.ID, bulwark.NewRelease{Version: v})
		bom := `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"}]}`
		if _, err := db.StoreSBOM(ctx, rel.ID, bulwark.SBOMUpload{Name: "bom.json", Content: []byte(bom)}); err != nil {
			t.Fatal(err)
		}
	}
	r := f.do("POST", "/api/v1/exploit-signals", psirt, "text/csv", strings.NewReader("#model_version:v2025.03.14,score_date:2026-11-20T00:00:00Z\ncve,epss,percentile\nCVE-2024-1111,0.8,0.99\n"))
	var res bulwark.SignalImportResult
	if r.status != 200 || json.Unmarshal(r.body, &res) != nil || res.Kind != "epss" || res.Rows != 1 || res.Findings != 2 {
		t.Fatalf("EPSS import: %d %s", r.status, r.body)
	}
	r = f.do("GET", "/api/v1/findings?sort=epss&open=true", bu, "", nil)
	var list struct{ Items []bulwark.VulnFinding }
	if r.status != 200 || json.Unmarshal(r.body, &list) != nil || len(list.Items) != 2 || list.Items[0].EPSS != 0.8 {
		t.Fatalf("worklist: %d %s", r.status, r.body)
	}
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	r = f.json("POST", "/api/v1/findings/triage", bu, map[string]any{"ids": ids, "state": "affected", "response": "update", "reason": "upgrade planned"})
	if r.status != 200 || json.Unmarshal(r.body, &list) != nil || len(list.Items) != 2 || list.Items[1].State != bulwark.FindingAffected {
		t.Fatalf("bulk triage: %d %s", r.status, r.body)
	}
	r = f.do("GET", "/api/v1/dashboard/vulnerabilities", bu, "", nil)
	var d bulwark.VulnDashboard
	if r.status != 200 || json.Unmarshal(r.body, &d) != nil || d.Open != 2 || d.ByState[bulwark.FindingAffected] != 2 || d.ByRating["high"] != 2 {
		t.Fatalf("dashboard: %d %s", r.status, r.body)
	}
	// VEX out, in both formats.
	r = f.do("GET", fmt.Sprintf("/api/v1/releases/%d/vex", list.Items[0].Release.ID), bu, "", nil)
	var cdx struct {
		BOMFormat       string
		Vulnerabilities []struct {
			ID       string
			Analysis struct{ State string }
			Affects  []struct{ Ref string }
		}
	}
	if r.status != 200 || json.Unmarshal(r.body, &cdx) != nil || cdx.BOMFormat != "CycloneDX" || len(cdx.Vulnerabilities) != 1 ||
		cdx.Vulnerabilities[0].ID != "CVE-2024-1111" || cdx.Vulnerabilities[0].Analysis.State != "exploitable" || len(cdx.Vulnerabilities[0].Affects) != 1 {
		t.Fatalf("CycloneDX VEX: %d %s", r.status, r.body)
	}
	r = f.do("GET", fmt.Sprintf("/api/v1/releases/%d/vex?format=openvex", list.Items[0].Release.ID), bu, "", nil)
	var ovx struct {
		Statements []struct {
			Status          string
			ActionStatement string `json:"action_statement"`
		}
	}
	if r.status != 200 || json.Unmarshal(r.body, &ovx) != nil || len(ovx.Statements) != 1 || ovx.Statements[0].Status != "affected" ||
		!strings.Contains(ovx.Statements[0].ActionStatement, "update") {
		t.Fatalf("OpenVEX: %d %s", r.status, r.body)
	}
	if r := f.do("GET", fmt.Sprintf("/api/v1/releases/%d/vex?format=csaf", list.Items[0].Release.ID), bu, "", nil); r.status != 400 {
		t.Fatalf("unknown VEX format: %d", r.status)
	}
	u, err := db.CreateUser(ctx, bulwark.NewUser{Name: "router-dev", HomeScopeID: f.org.HomeRouter.ID, Password: "router dev password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.GrantRole(ctx, u.ID, bulwark.RoleDeveloper, f.org.HomeRouter.ID, ""); err != nil {
		t.Fatal(err)
	}
	other := f.token("router-dev")
	if r := f.do("GET", fmt.Sprintf("/api/v1/releases/%d/vex", list.Items[0].Release.ID), other, "", nil); r.status != 404 {
		t.Fatalf("VEX of another scope's release: %d %s", r.status, r.body)
	}
	if r := f.do("POST", "/api/v1/exploit-signals", bu, "text/csv", strings.NewReader("cve,epss,percentile\n")); r.status != 403 {
		t.Fatalf("signals import by bu-security: %d %s", r.status, r.body)
	}
}
