package bulwark_test

import (
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func principal(id int64, grants ...bulwark.Grant) *bulwark.Principal {
	return &bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: id, Name: "u", Grants: grants}
}

func TestCanFollowsScopeTree(t *testing.T) {
	admin := principal(1, bulwark.Grant{Role: bulwark.RoleAdmin, ScopePath: "/1/2/"})
	cases := []struct {
		path string
		want bool
	}{
		{"/1/2/", true}, {"/1/2/5/", true}, {"/1/", false}, {"/1/3/", false}, {"/1/20/", false},
	}
	for _, c := range cases {
		if got := admin.Can(bulwark.ActionUserCreate, c.path); got != c.want {
			t.Errorf("admin at /1/2/ Can(user.create, %s) = %v", c.path, got)
		}
	}
	if admin.Can(bulwark.Action("no.such.action"), "/1/2/") {
		t.Error("unknown action allowed")
	}
	var nobody *bulwark.Principal
	if nobody.Can(bulwark.ActionScopeRead, "/1/") {
		t.Error("nil principal allowed")
	}
}

func TestFourEyes(t *testing.T) {
	maker := int64(7)
	prodsec := principal(8, bulwark.Grant{Role: bulwark.RoleProductSecurity, ScopePath: "/1/"})
	dualHat := principal(9,
		bulwark.Grant{Role: bulwark.RoleProductSecurity, ScopePath: "/1/"},
		bulwark.Grant{Role: bulwark.RoleDeveloper, ScopePath: "/1/2/3/", ScopeName: "5G Core"})
	cases := []struct {
		name    string
		checker *bulwark.Principal
		line    bulwark.Line
		scope   string
		ok      bool
	}{
		{"maker checks own", principal(maker, bulwark.Grant{Role: bulwark.RoleProductSecurity, ScopePath: "/1/"}), bulwark.LineSecond, "/1/2/", false},
		{"independent 2nd line", prodsec, bulwark.LineSecond, "/1/2/3/", true},
		{"1st line in same scope", dualHat, bulwark.LineSecond, "/1/2/3/", false},
		{"1st line below decision scope", dualHat, bulwark.LineSecond, "/1/2/", false},
		{"1st line elsewhere", dualHat, bulwark.LineSecond, "/1/4/", true},
		{"1st-line check by 1st line", dualHat, bulwark.LineFirst, "/1/2/3/", true},
	}
	for _, c := range cases {
		err := bulwark.CheckFourEyes(maker, c.checker, c.line, c.scope)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Errorf("%s: code %s", c.name, bulwark.ErrorCode(err))
		}
	}
}

func TestParsePage(t *testing.T) {
	p, err := bulwark.ParsePage("10", bulwark.CursorAfter(42))
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := p.After(); after != 42 || p.Limit != 10 {
		t.Fatalf("page %+v", p)
	}
	for _, bad := range [][2]string{{"0", ""}, {"x", ""}, {"501", ""}, {"", "!!"}, {"", "Zm9v"}} {
		if _, err := bulwark.ParsePage(bad[0], bad[1]); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("ParsePage(%q, %q) = %v", bad[0], bad[1], err)
		}
	}
}

func TestLeafRoundTrip(t *testing.T) {
	ev := &bulwark.Event{Index: 3, Actor: "user:a", Kind: "k", Subject: "s", Scope: "/1/", Reason: "why", Evidence: []string{"sha256:00"}}
	leaf := ev.MarshalLeaf()
	back, err := bulwark.UnmarshalLeaf(leaf)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.MarshalLeaf()) != string(leaf) {
		t.Fatalf("round trip changed the leaf:\n%s\n%s", leaf, back.MarshalLeaf())
	}
	if _, err := bulwark.UnmarshalLeaf([]byte(`{"v":2}`)); bulwark.ErrorCode(err) != bulwark.EUNSUPPORTED {
		t.Fatalf("future version: %v", err)
	}
}
