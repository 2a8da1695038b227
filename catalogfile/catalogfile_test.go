package catalogfile_test

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/catalogfile"
)

func TestCSV(t *testing.T) {
	in := "purl,license,state,personal_data,support_ends,hashes,alternatives\n" +
		"pkg:npm/express@4.18.2,MIT,,no,2027-01-31,SHA-256:" + strings.Repeat("a", 64) + ",pkg:npm/koa pkg:npm/fastify\n" +
		"\"pkg:npm/bad@1\",MIT,,maybe,,,\n" +
		"pkg:npm/x@1,MIT,,,31/01/2027,,\n" +
		"pkg:npm/y@1,MIT\n" +
		"pkg:npm/z@1,Apache-2.0,banned,,,,\n"
	rows, errs, err := catalogfile.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[0].SupportEnds == nil || len(rows[0].Hashes) != 1 || len(rows[0].Alternatives) != 2 || rows[1].State != bulwark.StateBanned {
		t.Fatalf("rows %+v", rows)
	}
	want := []bulwark.RowError{{Line: 3, Field: "personal_data"}, {Line: 4, Field: "support_ends"}, {Line: 5}}
	if len(errs) != len(want) {
		t.Fatalf("errors %+v", errs)
	}
	for i, w := range want {
		if errs[i].Line != w.Line || errs[i].Field != w.Field || errs[i].Message == "" {
			t.Errorf("error %d: %+v, want line %d field %q", i, errs[i], w.Line, w.Field)
		}
	}
}

func TestJSON(t *testing.T) {
	in := `{"components": [
		{"purl": "pkg:pypi/requests@2.31.0", "license": "Apache-2.0", "personal_data": true, "hashes": [{"alg": "SHA-1", "value": "` + strings.Repeat("b", 40) + `"}]},
		{"purl": "pkg:pypi/x@1", "licence": "MIT"},
		{"purl": "pkg:pypi/y@1", "license": "MIT", "certified_until": "soon"}
	]}`
	rows, errs, err := catalogfile.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !rows[0].PersonalData || len(errs) != 2 || errs[0].Line != 2 || !strings.Contains(errs[0].Message, "licence") || errs[1].Field != "certified_until" {
		t.Fatalf("rows %+v errs %+v", rows, errs)
	}
	if rows, _, err := catalogfile.Parse([]byte(`[{"purl": "pkg:npm/a@1", "license": "MIT"}]`)); err != nil || len(rows) != 1 {
		t.Fatalf("array form: %v %v", rows, err)
	}
}

func TestUnreadable(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "  \n",
		"unknown column": "purl,license,colour\n",
		"no license col": "purl,state\n",
		"broken json":    `{"components": [`,
		"wrong wrapper":  `{"items": []}`,
	} {
		if _, _, err := catalogfile.Parse([]byte(in)); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("purl,license\npkg:npm/a@1,MIT\n"))
	f.Add([]byte(`[{"purl": "pkg:npm/a@1", "license": "MIT", "hashes": []}]`))
	f.Add([]byte("purl,license,hashes\n\"pkg:npm/a@1,MIT,x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs, err := catalogfile.Parse(data)
		if err != nil {
			if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
				t.Fatalf("uncoded error: %v", err)
			}
			return
		}
		for _, r := range rows {
			if r.PURL == "" || r.Line < 1 {
				t.Fatalf("row without purl or line: %+v", r)
			}
		}
		for _, e := range errs {
			if e.Message == "" {
				t.Fatalf("row error without message: %+v", e)
			}
		}
	})
}
