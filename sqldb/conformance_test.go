package sqldb_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
	"golang.org/x/mod/sumdb/tlog"
)

// seed creates the demo organisation and returns it.
func seed(t *testing.T, db *sqldb.DB) *demo.Org {
	t.Helper()
	ctx := sqldbtest.System(context.Background())
	root, err := db.CreateScope(ctx, 0, bulwark.ScopeOrg, "Acme", "test")
	if err != nil {
		t.Fatal(err)
	}
	org, err := demo.Seed(ctx, db, root)
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// as returns a context acting as the named demo user (through a session).
func as(t *testing.T, db *sqldb.DB, name string) context.Context {
	t.Helper()
	secret, _, err := db.Login(context.Background(), name, demo.Password, "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	p, _, err := db.SessionPrincipal(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return bulwark.WithPrincipal(context.Background(), p)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := bulwark.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		applied, err := db.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v", applied)
		}
		v, err := db.SchemaVersion(context.Background())
		if err != nil || v < 1 {
			t.Fatalf("schema version %d, %v", v, err)
		}
	})
}

func TestScopes(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		sys := sqldbtest.System(context.Background())
		if _, err := db.CreateScope(sys, 0, bulwark.ScopeOrg, "Second", ""); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Fatalf("second root: %v", err)
		}
		_, err := db.CreateScope(sys, org.Country.ID, bulwark.ScopeBusinessUnit, "Networks", "")
		wantCode(t, err, bulwark.ECONFLICT)
		if bulwark.ErrorField(err) != "name" {
			t.Fatalf("field %q", bulwark.ErrorField(err))
		}
		_, err = db.CreateScope(sys, org.Core5G.ID, bulwark.ScopeRegion, "Upside down", "")
		wantCode(t, err, bulwark.EINVALID)
		if !strings.HasPrefix(org.Core5G.Path, org.Networks.Path) || org.Core5G.Path == org.Networks.Path {
			t.Fatalf("paths %s under %s", org.Core5G.Path, org.Networks.Path)
		}

		// A developer in 5G Core sees only that project.
		dev := as(t, db, "developer")
		scopes, _, err := db.FindScopes(dev, bulwark.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(scopes) != 1 || scopes[0].ID != org.Core5G.ID {
			t.Fatalf("developer sees %v", scopes)
		}
		_, err = db.FindScopeByID(dev, org.HomeRouter.ID)
		wantCode(t, err, bulwark.ENOTFOUND)
		_, err = db.CreateScope(dev, org.Core5G.ID, bulwark.ScopeProject, "x", "")
		wantCode(t, err, bulwark.EFORBIDDEN)
	})
}

func TestUsersGrantsAndVisibility(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		sys := sqldbtest.System(context.Background())
		// A business-unit admin for Devices.
		u, err := db.CreateUser(sys, bulwark.NewUser{Name: "dev-admin", HomeScopeID: org.Devices.ID, Password: "long enough pw"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.GrantRole(sys, u.ID, bulwark.RoleAdmin, org.Devices.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = db.GrantRole(sys, u.ID, bulwark.RoleAdmin, org.Devices.ID, "")
		wantCode(t, err, bulwark.ECONFLICT)

		secret, _, err := db.Login(context.Background(), "dev-admin", "long enough pw", "192.0.2.9")
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := db.SessionPrincipal(context.Background(), secret)
		if err != nil {
			t.Fatal(err)
		}
		buAdmin := bulwark.WithPrincipal(context.Background(), p)

		// In scope: create a user in Home Router and grant them developer there.
		nu, err := db.CreateUser(buAdmin, bulwark.NewUser{Name: "router-dev", HomeScopeID: org.HomeRouter.ID, Password: "another long pw"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.GrantRole(buAdmin, nu.ID, bulwark.RoleDeveloper, org.HomeRouter.ID, ""); err != nil {
			t.Fatal(err)
		}
		// Out of scope: Networks is not theirs.
		_, err = db.CreateUser(buAdmin, bulwark.NewUser{Name: "core-dev", HomeScopeID: org.Core5G.ID, Password: "another long pw"})
		wantCode(t, err, bulwark.EFORBIDDEN)
		_, err = db.GrantRole(buAdmin, nu.ID, bulwark.RoleAdmin, org.Root.ID, "escalate")
		wantCode(t, err, bulwark.EFORBIDDEN)

		users, _, err := db.FindUsers(buAdmin, bulwark.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range users {
			names = append(names, u.Name)
		}
		if strings.Join(names, ",") != "bu-security-devices,dev-admin,router-dev" {
			t.Fatalf("bu admin sees users %v", names)
		}
		_, err = db.FindUserByName(buAdmin, "developer")
		wantCode(t, err, bulwark.ENOTFOUND)

		// Bad input changes nothing.
		_, err = db.CreateUser(sys, bulwark.NewUser{Name: "Bad Name", HomeScopeID: org.Root.ID, Password: "long enough pw"})
		wantCode(t, err, bulwark.EINVALID)
		_, err = db.CreateUser(sys, bulwark.NewUser{Name: "shortpw", HomeScopeID: org.Root.ID, Password: "short"})
		wantCode(t, err, bulwark.EINVALID)
	})
}

func TestLoginSessionsAndRateLimit(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		ctx := context.Background()
		_, _, err := db.Login(ctx, "auditor", "wrong password", "198.51.100.7")
		wantCode(t, err, bulwark.EUNAUTHORIZED)
		_, _, err = db.Login(ctx, "nobody", "wrong password", "198.51.100.7")
		wantCode(t, err, bulwark.EUNAUTHORIZED)
		for i := 0; i < bulwark.MaxFailuresAccount; i++ {
			db.Login(ctx, "psirt", "wrong password", "198.51.100.8")
		}
		_, _, err = db.Login(ctx, "psirt", demo.Password, "198.51.100.9")
		wantCode(t, err, bulwark.ERATELIMITED)
		// Other accounts from other addresses are unaffected.
		secret, s, err := db.Login(ctx, "auditor", demo.Password, "198.51.100.10")
		if err != nil {
			t.Fatal(err)
		}
		p, s2, err := db.SessionPrincipal(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "auditor" || s2.CSRFToken != s.CSRFToken || !p.HasRole(bulwark.RoleAuditor) {
			t.Fatalf("principal %+v", p)
		}
		if err := db.Logout(ctx, secret); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SessionPrincipal(ctx, secret)
		wantCode(t, err, bulwark.EUNAUTHORIZED)
	})
}

func TestTokens(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev := as(t, db, "developer")
		exp := time.Now().Add(24 * time.Hour)
		_, _, err := db.CreateToken(dev, bulwark.NewToken{Name: "ci", ExpiresAt: exp,
			Grants: []bulwark.TokenGrant{{Role: bulwark.RoleAdmin, ScopeID: org.Core5G.ID}}})
		wantCode(t, err, bulwark.EFORBIDDEN)
		_, _, err = db.CreateToken(dev, bulwark.NewToken{Name: "ci", ExpiresAt: time.Now().Add(-time.Hour)})
		wantCode(t, err, bulwark.EINVALID)

		tok, secret, err := db.CreateToken(dev, bulwark.NewToken{Name: "ci", ExpiresAt: exp})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, sqldb.TokenPrefix) || strings.Contains(tok.Prefix, secret[12:]) {
			t.Fatalf("secret %q prefix %q", secret, tok.Prefix)
		}
		var stored int
		if err := db.Raw().QueryRow("SELECT COUNT(*) FROM tokens WHERE prefix = '" + tok.Prefix + "'").Scan(&stored); err != nil || stored != 1 {
			t.Fatalf("stored %d %v", stored, err)
		}
		var plain int
		db.Raw().QueryRow("SELECT COUNT(*) FROM tokens WHERE CAST(secret_hash AS TEXT) LIKE '%" + secret[4:] + "%'").Scan(&plain)
		if plain != 0 {
			t.Fatal("token secret stored in plain text")
		}
		p, err := db.TokenPrincipal(context.Background(), secret)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != bulwark.PrincipalToken || len(p.Grants) != 1 || p.Grants[0].Role != bulwark.RoleDeveloper {
			t.Fatalf("token principal %+v", p)
		}
		if err := db.RevokeToken(dev, tok.ID, "rotated"); err != nil {
			t.Fatal(err)
		}
		_, err = db.TokenPrincipal(context.Background(), secret)
		wantCode(t, err, bulwark.EUNAUTHORIZED)
		_, err = db.TokenPrincipal(context.Background(), "bwk_nonsense")
		wantCode(t, err, bulwark.EUNAUTHORIZED)
	})
}

func TestFailedChangeLeavesNothing(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		sys := sqldbtest.System(context.Background())
		before, _ := db.LedgerSize(context.Background())
		_, err := db.CreateUser(sys, bulwark.NewUser{Name: "admin", HomeScopeID: org.Root.ID, Password: "long enough pw"})
		wantCode(t, err, bulwark.ECONFLICT) // name taken, reported on the field
		if bulwark.ErrorField(err) != "name" {
			t.Fatalf("field %q", bulwark.ErrorField(err))
		}
		_, err = db.GrantRole(sys, 9999, bulwark.RoleAdmin, org.Root.ID, "")
		wantCode(t, err, bulwark.ENOTFOUND)
		after, _ := db.LedgerSize(context.Background())
		if after != before {
			t.Fatalf("ledger grew from %d to %d on failed changes", before, after)
		}
	})
}

func TestEvidence(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev := as(t, db, "developer")
		content := []byte("functional verification report\n")
		ev, err := db.PutEvidence(dev, org.Core5G.ID, "report.txt", "text/plain", content, "attach")
		if err != nil {
			t.Fatal(err)
		}
		if ev.Digest != bulwark.DigestBytes(content) {
			t.Fatalf("digest %s", ev.Digest)
		}
		again, err := db.PutEvidence(dev, org.Core5G.ID, "copy.txt", "text/plain", content, "again")
		if err != nil || again.Digest != ev.Digest {
			t.Fatalf("second attach %v %v", again, err)
		}
		var blobs int
		db.Raw().QueryRow("SELECT COUNT(*) FROM evidence_blobs").Scan(&blobs)
		if blobs != 1 {
			t.Fatalf("%d blobs for the same content", blobs)
		}
		_, got, err := db.GetEvidence(dev, ev.Digest)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("get: %v", err)
		}
		// Out of scope: the developer may not attach in Home Router.
		_, err = db.PutEvidence(dev, org.HomeRouter.ID, "x.txt", "", content, "")
		wantCode(t, err, bulwark.EFORBIDDEN)
		db.MaxEvidenceBytes = 8
		_, err = db.PutEvidence(dev, org.Core5G.ID, "big.txt", "", content, "")
		wantCode(t, err, bulwark.ETOOLARGE)
		_, _, err = db.GetEvidence(dev, "sha256:nothex")
		wantCode(t, err, bulwark.EINVALID)

		// The attach event names the digest.
		evs, _, err := db.FindEvents(sqldbtest.System(context.Background()), bulwark.EventFilter{Kind: "evidence.attached"}, bulwark.Page{})
		if err != nil || len(evs) != 2 || len(evs[0].Evidence) != 1 || evs[0].Evidence[0] != ev.Digest {
			t.Fatalf("events %+v %v", evs, err)
		}
	})
}

func TestLedgerProofsAndExport(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		ctx := sqldbtest.System(context.Background())
		cp, err := db.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size < 20 {
			t.Fatalf("seeding produced only %d events", cp.Size)
		}
		// Recompute the root from the stored leaves, independently.
		var mem ledger.MemoryTree
		for i := int64(0); i < cp.Size; i++ {
			_, leaf, err := db.FindEvent(ctx, i)
			if err != nil {
				t.Fatal(err)
			}
			mem.Append(leaf)
		}
		root, _ := mem.Root(cp.Size)
		if !bytes.Equal(root[:], cp.Root) {
			t.Fatal("stored tree root differs from recomputed root")
		}
		opened, err := ledger.OpenCheckpoint([]byte(cp.Note), db.VerifierKey())
		if err != nil || opened.Size != cp.Size {
			t.Fatalf("checkpoint %v %v", opened, err)
		}

		p, err := db.ProveInclusion(ctx, 3, 0)
		if err != nil {
			t.Fatal(err)
		}
		hs, _ := ledger.FromHashes(p.Hashes)
		var lh, rt tlog.Hash
		copy(lh[:], p.LeafHash)
		copy(rt[:], p.Root)
		if err := tlog.CheckRecord(hs, p.Size, rt, 3, lh); err != nil {
			t.Fatal(err)
		}
		_, err = db.ProveInclusion(ctx, cp.Size, 0)
		wantCode(t, err, bulwark.EINVALID)

		c, err := db.ProveConsistency(ctx, 5, 0)
		if err != nil {
			t.Fatal(err)
		}
		hs, _ = ledger.FromHashes(c.Hashes)
		var or tlog.Hash
		copy(or[:], c.OldRoot)
		if err := tlog.CheckTree(hs, c.NewSize, rt, 5, or); err != nil {
			t.Fatal(err)
		}

		var buf bytes.Buffer
		if err := db.ExportBundle(ctx, &buf, sqldb.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		b, err := ledger.ReadBundle(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if r := ledger.Verify(b, ledger.VerifyOptions{Since: []byte(cp.Note)}); !r.OK() || !r.Recomputed {
			t.Fatalf("fresh bundle fails: %+v", r.Failures)
		}

		// Only whole-organisation readers export.
		_, _, err = db.FindEvents(as(t, db, "developer"), bulwark.EventFilter{}, bulwark.Page{})
		wantCode(t, err, bulwark.EFORBIDDEN)
		err = db.ExportBundle(as(t, db, "bu-security"), &buf, sqldb.ExportOptions{})
		wantCode(t, err, bulwark.EFORBIDDEN)
	})
}

// TestTamperedEventIsNamed edits one stored event behind the store's back:
// the bundle must fail and name that event.
func TestTamperedEventIsNamed(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		ctx := sqldbtest.System(context.Background())
		_, leaf, err := db.FindEvent(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		forged := bytes.Replace(leaf, []byte(`"kind":"`), []byte(`"reason":"forged","kind":"`), 1)
		if _, err := db.Raw().Exec(db.Rebind("UPDATE ledger_events SET leaf = ? WHERE idx = 7"), forged); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := db.ExportBundle(ctx, &buf, sqldb.ExportOptions{From: 5, To: 10}); err != nil {
			t.Fatal(err)
		}
		b, err := ledger.ReadBundle(&buf)
		if err != nil {
			t.Fatal(err)
		}
		r := ledger.Verify(b, ledger.VerifyOptions{})
		if r.OK() || len(r.Failures) != 1 || r.Failures[0].Index != 7 || !strings.Contains(r.Failures[0].Message, "event 7") {
			t.Fatalf("report %+v", r.Failures)
		}
	})
}

// TestRewrittenHistoryCaughtBySince rewrites an old event, rebuilds every
// stored hash and re-signs: the new bundle is self-consistent, but an
// auditor who kept an earlier checkpoint catches it.
func TestRewrittenHistoryCaughtBySince(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		ctx := sqldbtest.System(context.Background())
		kept, err := db.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The log grows after the auditor kept the checkpoint.
		if _, err := db.CreateScope(ctx, org.Devices.ID, bulwark.ScopeProject, "Set-top Box", "growth"); err != nil {
			t.Fatal(err)
		}
		rewriteHistory(t, db, 2)
		cases := []struct {
			opts sqldb.ExportOptions
			want string
		}{
			{sqldb.ExportOptions{}, "history rewritten"},
			{sqldb.ExportOptions{From: kept.Size, Since: [][]byte{[]byte(kept.Note)}}, "history rewritten"},
			// The attacker dropped the published checkpoints: no proof, no pass.
			{sqldb.ExportOptions{From: kept.Size}, "no consistency proof"},
		}
		for _, c := range cases {
			opts := c.opts
			var buf bytes.Buffer
			if err := db.ExportBundle(ctx, &buf, opts); err != nil {
				t.Fatal(err)
			}
			b, err := ledger.ReadBundle(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if r := ledger.Verify(b, ledger.VerifyOptions{}); !r.OK() {
				t.Fatalf("re-signed bundle should be self-consistent: %+v", r.Failures)
			}
			r := ledger.Verify(b, ledger.VerifyOptions{Since: []byte(kept.Note)})
			if r.OK() || !strings.Contains(r.Failures[0].Message, c.want) {
				t.Fatalf("from %d: --since did not catch the rewrite: %+v", opts.From, r.Failures)
			}
		}
	})
}

// rewriteHistory plays an attacker with database and key access: change
// event idx, recompute all stored hashes, drop the published checkpoints
// that would betray it, sign afresh.
func rewriteHistory(t *testing.T, db *sqldb.DB, idx int64) {
	t.Helper()
	ctx := sqldbtest.System(context.Background())
	size, _ := db.LedgerSize(ctx)
	var mem ledger.MemoryTree
	for i := int64(0); i < size; i++ {
		_, leaf, err := db.FindEvent(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		if i == idx {
			leaf = bytes.Replace(leaf, []byte(`"actor":"`), []byte(`"reason":"rewritten","actor":"`), 1)
			if _, err := db.Raw().Exec(db.Rebind("UPDATE ledger_events SET leaf = ? WHERE idx = ?"), leaf, i); err != nil {
				t.Fatal(err)
			}
		}
		if err := mem.Append(leaf); err != nil {
			t.Fatal(err)
		}
	}
	n := tlog.StoredHashCount(size)
	all := make([]int64, n)
	for i := range all {
		all[i] = int64(i)
	}
	hs, err := mem.ReadHashes(all)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		if _, err := db.Raw().Exec(db.Rebind("UPDATE ledger_hashes SET hash = ? WHERE idx = ?"), h[:], int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Raw().Exec("DELETE FROM ledger_checkpoints"); err != nil {
		t.Fatal(err)
	}
}
