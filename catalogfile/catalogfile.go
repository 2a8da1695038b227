// Package catalogfile reads approved-component lists for bulk import: CSV
// with a header row, or JSON (an array of records, or {"components": […]}).
// The format is documented in docs/catalog.md. Every problem is reported
// with its line (CSV) or record number (JSON) and column.
package catalogfile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Columns are the CSV header names (and JSON keys) in documentation order.
var Columns = []string{"purl", "license", "state", "supplier", "export_control", "personal_data", "support_ends",
	"certified_until", "replacement", "download_location", "hashes", "alternatives", "description"}

// MaxBytes bounds an import file.
const MaxBytes = 256 << 20

// Parse reads data as CSV or JSON (by content: a file whose first
// non-space byte is [ or { is JSON). It returns the rows that parsed and a
// RowError for every one that did not; err is for a file that cannot be
// read at all.
func Parse(data []byte) ([]bulwark.ImportRow, []bulwark.RowError, error) {
	if len(data) > MaxBytes {
		return nil, nil, bulwark.Errorf(bulwark.ETOOLARGE, "import files are at most %d bytes", MaxBytes)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return nil, nil, bulwark.FieldError("file", "the file is empty")
	}
	if trimmed[0] == '[' || trimmed[0] == '{' {
		return parseJSON(trimmed)
	}
	return parseCSV(bytes.TrimPrefix(data, []byte("\ufeff")))
}

func parseCSV(data []byte) ([]bulwark.ImportRow, []bulwark.RowError, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, nil, bulwark.FieldError("file", "CSV header: %v", err)
	}
	index := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(Columns, name) {
			return nil, nil, bulwark.FieldError("file", "CSV header column %d %q is not one of: %s", i+1, h, strings.Join(Columns, ", "))
		}
		if _, dup := index[name]; dup {
			return nil, nil, bulwark.FieldError("file", "CSV header names %q twice", name)
		}
		index[name] = i
	}
	for _, need := range []string{"purl", "license"} {
		if _, ok := index[need]; !ok {
			return nil, nil, bulwark.FieldError("file", "the CSV header needs a %q column", need)
		}
	}
	var rows []bulwark.ImportRow
	var errs []bulwark.RowError
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, bulwark.RowError{Line: pe.Line, Message: pe.Err.Error()})
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					continue
				}
			}
			return nil, nil, bulwark.FieldError("file", "CSV: %v", err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			errs = append(errs, bulwark.RowError{Line: line, Message: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		get := func(name string) string {
			if i, ok := index[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row, rerr := fromFields(line, get, splitHashes(get("hashes")), splitList(get("alternatives")))
		if rerr != nil {
			errs = append(errs, *rerr)
			continue
		}
		rows = append(rows, row)
	}
	return rows, errs, nil
}

// record is one JSON entry; the keys are the CSV columns.
type record struct {
	PURL             string         `json:"purl"`
	License          string         `json:"license"`
	State            string         `json:"state"`
	Supplier         string         `json:"supplier"`
	ExportControl    string         `json:"export_control"`
	PersonalData     *bool          `json:"personal_data"`
	SupportEnds      string         `json:"support_ends"`
	CertifiedUntil   string         `json:"certified_until"`
	Replacement      string         `json:"replacement"`
	DownloadLocation string         `json:"download_location"`
	Hashes           []bulwark.Hash `json:"hashes"`
	Alternatives     []string       `json:"alternatives"`
	Description      string         `json:"description"`
}

func parseJSON(data []byte) ([]bulwark.ImportRow, []bulwark.RowError, error) {
	var raw []json.RawMessage
	if data[0] == '{' {
		var wrap struct {
			Components []json.RawMessage `json:"components"`
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&wrap); err != nil {
			return nil, nil, bulwark.FieldError("file", "JSON: %v (expected {\"components\": [...]})", err)
		}
		raw = wrap.Components
	} else if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, bulwark.FieldError("file", "JSON: %v", err)
	}
	var rows []bulwark.ImportRow
	var errs []bulwark.RowError
	for i, m := range raw {
		n := i + 1
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.DisallowUnknownFields()
		var rec record
		if err := dec.Decode(&rec); err != nil {
			errs = append(errs, bulwark.RowError{Line: n, Message: "record: " + strings.TrimPrefix(err.Error(), "json: ")})
			continue
		}
		fields := map[string]string{"purl": rec.PURL, "license": rec.License, "state": rec.State, "supplier": rec.Supplier,
			"export_control": rec.ExportControl, "support_ends": rec.SupportEnds, "certified_until": rec.CertifiedUntil,
			"replacement": rec.Replacement, "download_location": rec.DownloadLocation, "description": rec.Description}
		if rec.PersonalData != nil {
			fields["personal_data"] = strconv.FormatBool(*rec.PersonalData)
		}
		row, rerr := fromFields(n, func(k string) string { return strings.TrimSpace(fields[k]) }, rec.Hashes, rec.Alternatives)
		if rerr != nil {
			errs = append(errs, *rerr)
			continue
		}
		rows = append(rows, row)
	}
	return rows, errs, nil
}

func fromFields(line int, get func(string) string, hashes []bulwark.Hash, alts []string) (bulwark.ImportRow, *bulwark.RowError) {
	row := bulwark.ImportRow{Line: line, PURL: get("purl"), State: bulwark.VersionState(get("state")), Replacement: get("replacement")}
	row.License = get("license")
	row.Supplier = get("supplier")
	row.ExportControl = get("export_control")
	row.DownloadLocation = get("download_location")
	row.Description = get("description")
	row.Hashes = hashes
	row.Alternatives = alts
	fail := func(field, format string, args ...any) *bulwark.RowError {
		return &bulwark.RowError{Line: line, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if row.PURL == "" {
		return row, fail("purl", "the purl is empty")
	}
	if row.Hashes == nil && get("hashes") != "" {
		return row, fail("hashes", "write hashes as ALG:hex, separated by ';' (e.g. SHA-256:ab12…)")
	}
	switch strings.ToLower(get("personal_data")) {
	case "", "false", "no", "0":
	case "true", "yes", "1":
		row.PersonalData = true
	default:
		return row, fail("personal_data", "%q: want true or false", get("personal_data"))
	}
	for _, d := range []struct {
		field string
		dst   **time.Time
	}{{"support_ends", &row.SupportEnds}, {"certified_until", &row.Until}} {
		if v := get(d.field); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				return row, fail(d.field, "%q: want a date as YYYY-MM-DD", v)
			}
			*d.dst = &t
		}
	}
	return row, nil
}

// splitHashes reads "SHA-256:hex;SHA-1:hex"; nil means malformed.
func splitHashes(s string) []bulwark.Hash {
	if s == "" {
		return []bulwark.Hash{}
	}
	var out []bulwark.Hash
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		i := strings.LastIndex(part, ":")
		if i <= 0 {
			return nil
		}
		out = append(out, bulwark.Hash{Alg: part[:i], Value: part[i+1:]})
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}
