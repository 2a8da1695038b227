package api_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// TestRoleDashboardOverHTTP: the caller's sections and no other's, and
// a problem without a token.
func TestRoleDashboardOverHTTP(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	f := newFixture(t, db)
	if r := f.do("GET", "/api/v1/dashboard", "", "", nil); r.status != 401 || r.problem(t).Status != 401 {
		t.Fatalf("no token: %d %s", r.status, r.body)
	}
	adv := `{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-1111"], "database_specific": {"severity": "HIGH"},
		"affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}`
	rec, _, err := osv.Parse([]byte(adv), "a.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := sqldbtest.System(context.Background())
	if _, err := db.ImportAdvisories(ctx, []osv.Item{{Source: "a.json", Record: rec}}); err != nil {
		t.Fatal(err)
	}
	product, _ := db.CreateProduct(ctx, bulwark.NewProduct{ScopeID: f.org.Core5G.ID, Name: "Dash"})
	rel, _ := db.CreateRelease(ctx, product.ID, bulwark.NewRelease{Version: "1.0"})
	bom := `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"}]}`
	if _, err := db.StoreSBOM(ctx, rel.ID, bulwark.SBOMUpload{Name: "bom.json", Content: []byte(bom)}); err != nil {
		t.Fatal(err)
	}

	r := f.do("GET", "/api/v1/dashboard", f.token("developer"), "", nil)
	var d bulwark.RoleDashboard
	if r.status != 200 || json.Unmarshal(r.body, &d) != nil {
		t.Fatalf("developer: %d %s", r.status, r.body)
	}
	if !slices.Equal(d.Roles, []bulwark.Role{bulwark.RoleDeveloper}) || d.Developer == nil || d.Developer.Findings.Open != 1 ||
		d.Developer.Findings.ByRating["high"] != 1 || len(d.Developer.Findings.History) != bulwark.HistoryWeeks || d.Developer.Findings.History[11].Open != 1 {
		t.Fatalf("developer's dashboard: %s", r.body)
	}
	// Only the developer's section is in the document.
	var raw map[string]json.RawMessage
	json.Unmarshal(r.body, &raw)
	for _, k := range []string{"bu_security", "product_security", "auditor", "psirt", "supplier_manager", "admin"} {
		if _, ok := raw[k]; ok {
			t.Errorf("developer's dashboard has a %s section", k)
		}
	}
	r = f.do("GET", "/api/v1/dashboard", f.token("psirt"), "", nil)
	d = bulwark.RoleDashboard{}
	if json.Unmarshal(r.body, &d) != nil || d.PSIRT == nil || d.PSIRT.Advisories != 1 || len(d.PSIRT.Top) != 1 || d.PSIRT.Top[0].Component != "lodash" || d.Developer != nil {
		t.Fatalf("psirt's dashboard: %d %s", r.status, r.body)
	}
	// Devices' security lead sees no finding of 5G Core (Networks).
	r = f.do("GET", "/api/v1/dashboard", f.token("bu-security-devices"), "", nil)
	d = bulwark.RoleDashboard{}
	if json.Unmarshal(r.body, &d) != nil || d.BUSecurity == nil || d.BUSecurity.Findings.Open != 0 {
		t.Fatalf("Devices' dashboard: %d %s", r.status, r.body)
	}
}

// TestOpenAPIDescribesRoleDashboard keeps the dashboard's schemas in step
// with the JSON the types write: every field, and nothing else.
func TestOpenAPIDescribesRoleDashboard(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	f := newFixture(t, db)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(f.do("GET", "/api/v1/openapi.json", "", "", nil).body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{bulwark.RoleDashboard{}, bulwark.FindingSummary{}, bulwark.WeekCount{}, bulwark.DeveloperDashboard{}, bulwark.RequestStatus{},
		bulwark.GateFailure{}, bulwark.BUSecurityDashboard{}, bulwark.ProductSecurityDashboard{}, bulwark.CertificationQueue{}, bulwark.QueueAge{},
		bulwark.AuditorDashboard{}, bulwark.DayCount{}, bulwark.PSIRTDashboard{}, bulwark.AdvisoryBrief{}, bulwark.SupplierDashboard{},
		bulwark.SupplierCount{}, bulwark.AdminDashboard{}} {
		typ := reflect.TypeOf(v)
		schema, ok := doc.Components.Schemas[typ.Name()]
		if !ok {
			t.Errorf("openapi.json has no schema %s", typ.Name())
			continue
		}
		var fields []string
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			fields = append(fields, name)
		}
		var props []string
		for p := range schema.Properties {
			props = append(props, p)
		}
		slices.Sort(fields)
		slices.Sort(props)
		if !slices.Equal(fields, props) {
			t.Errorf("%s: the type writes %v, the schema lists %v", typ.Name(), fields, props)
		}
	}
}
