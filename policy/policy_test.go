package policy_test

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/policy"
)

func TestLicenseGroupsOverExpressions(t *testing.T) {
	p := policy.Default()
	cases := []struct {
		expr string
		want bulwark.Outcome
	}{
		{"MIT", bulwark.OutcomePass},
		{"MIT OR AGPL-3.0-only", bulwark.OutcomePass},          // one allowed branch suffices
		{"MIT AND AGPL-3.0-only", bulwark.OutcomeFail},         // every part must be acceptable
		{"MIT AND MPL-2.0", bulwark.OutcomeWarn},               // one part needs review
		{"AGPL-3.0-only OR GPL-3.0-only", bulwark.OutcomeWarn}, // the reviewable branch
		{"AGPL-3.0-only", bulwark.OutcomeFail},
		{"GPL-2.0-only WITH Classpath-exception-2.0", bulwark.OutcomePass},
		{"GPL-2.0-only", bulwark.OutcomeWarn},
		{"LicenseRef-acme-eula", bulwark.OutcomeWarn}, // unlisted → review
		{"(Apache-2.0 OR MIT) AND BSD-3-Clause", bulwark.OutcomePass},
		{"NOASSERTION", bulwark.OutcomeWarn},
		{"NONE", bulwark.OutcomeFail},
	}
	for _, c := range cases {
		expr, err := policy.NormalizeLicense(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if f := p.CheckLicense(expr); f.Outcome != c.want {
			t.Errorf("%s: %s (%s), want %s", c.expr, f.Outcome, f.Summary, c.want)
		}
	}
	strict, err := policy.Parse(strings.Replace(policy.DefaultText, "unlisted: review", "unlisted: deny", 1))
	if err != nil {
		t.Fatal(err)
	}
	if f := strict.CheckLicense("LicenseRef-acme-eula"); f.Outcome != bulwark.OutcomeFail || !strings.Contains(f.Detail, "LicenseRef-acme-eula") {
		t.Errorf("unlisted under deny: %+v", f)
	}
}

func TestNormalizeLicenseRejects(t *testing.T) {
	for _, in := range []string{"", "MIT OR", "NOT-A-LICENSE-9", "MIT AND AND BSD-3-Clause", "(MIT", "GPL-2.0-only WITH Nonsense-exception"} {
		_, err := policy.NormalizeLicense(in)
		if bulwark.ErrorCode(err) != bulwark.EINVALID || bulwark.ErrorField(err) != "license" {
			t.Errorf("NormalizeLicense(%q) = %v", in, err)
		}
	}
	if got, _ := policy.NormalizeLicense("  MIT   OR\tApache-2.0 "); got != "MIT OR Apache-2.0" {
		t.Errorf("normalised %q", got)
	}
}

func TestExportControlAndDataProtection(t *testing.T) {
	p := policy.Default()
	if f := p.CheckExportControl("5D002"); f.Outcome != bulwark.OutcomeWarn {
		t.Errorf("5D002: %+v", f)
	}
	if f := p.CheckExportControl("EAR99"); f.Outcome != bulwark.OutcomePass {
		t.Errorf("EAR99: %+v", f)
	}
	if f := p.CheckDataProtection(true); f.Outcome != bulwark.OutcomeWarn {
		t.Errorf("personal data: %+v", f)
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"unknown key":        "licenses:\n  allow: [MIT]\n  alow: [MIT]\n",
		"bad licence id":     "licenses:\n  allow: [MIT, Nope-1.0]\n",
		"in two groups":      "licenses:\n  allow: [MIT]\n  deny: [mit]\n",
		"empty allow":        "licenses:\n  allow: []\n",
		"bad unlisted":       "licenses:\n  allow: [MIT]\n  unlisted: maybe\n",
		"bad severity":       "licenses:\n  allow: [MIT]\nred_line:\n  severity: dire\n",
		"too many approvals": "licenses:\n  allow: [MIT]\ncertification:\n  approvals: 9\n",
		"bad eccn":           "licenses:\n  allow: [MIT]\nexport_control:\n  review: [\"5d 002!\"]\n",
		"not yaml":           "licenses: [\n",
		"wrong type":         "licenses:\n  allow: MIT\n",
		"empty":              "",
		"two documents":      "licenses:\n  allow: [MIT]\n---\nlicenses:\n  allow: [MIT]\n",
		"sla severity":       "licenses:\n  allow: [MIT]\nsla:\n  urgent: 3\n",
		"sla days":           "licenses:\n  allow: [MIT]\nsla:\n  high: 0\n",
	}
	for name, text := range cases {
		_, err := policy.Parse(text)
		if bulwark.ErrorCode(err) != bulwark.EINVALID || bulwark.ErrorField(err) != "policy" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := policy.Parse(`{"licenses": {"allow": ["MIT"]}, "certification": {"approvals": 2}}`); err != nil {
		t.Errorf("JSON policy: %v", err)
	}
	p, err := policy.Parse("licenses:\n  allow: [MIT]\nsla:\n  high: 14\n")
	if err != nil || p.SLADays("high") != 14 || p.SLADays("critical") != 7 || p.SLADays("") != 0 {
		t.Errorf("SLA days: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(policy.DefaultText)
	f.Add(`{"licenses": {"allow": ["MIT"]}}`)
	f.Fuzz(func(t *testing.T, text string) {
		p, err := policy.Parse(text)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if len(p.Licenses.Allow) == 0 || p.Certification.Approvals < 1 {
			t.Fatalf("accepted an invalid policy: %+v", p)
		}
		p.CheckLicense("MIT OR Apache-2.0")
	})
}

func FuzzLicense(f *testing.F) {
	for _, s := range []string{"MIT", "MIT OR Apache-2.0", "(A AND B", "GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-x"} {
		f.Add(s)
	}
	p := policy.Default()
	f.Fuzz(func(t *testing.T, expr string) {
		norm, err := policy.NormalizeLicense(expr)
		if err != nil {
			return
		}
		again, err := policy.NormalizeLicense(norm)
		if err != nil || again != norm {
			t.Fatalf("normalising %q is not stable: %q, %q, %v", expr, norm, again, err)
		}
		if f := p.CheckLicense(norm); f.Outcome == "" || f.Summary == "" {
			t.Fatalf("no outcome for %q", norm)
		}
	})
}
