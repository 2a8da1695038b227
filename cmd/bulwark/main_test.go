package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// syncBuffer is a bytes.Buffer safe for a running server to write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cli runs the binary's run() and returns exit code, stdout and stderr.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		says string
	}{
		{nil, 2, "Commands:"},
		{[]string{"--help"}, 0, "serve"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--help"}, 0, "BULWARK_ADDR"},
		{[]string{"serve", "--addr", "nonsense"}, 2, "HOST:PORT"},
		{[]string{"serve", "--log-format", "xml"}, 2, "text or json"},
		{[]string{"serve", "--max-evidence-bytes", "lots"}, 2, "positive number"},
		{[]string{"user"}, 2, "needs a subcommand"},
		{[]string{"user", "fly"}, 2, "unknown subcommand"},
		{[]string{"user", "grant", "--help"}, 0, "-role string"},
		{[]string{"user", "create", "--name", "x"}, 2, "needs --name and --scope"},
		{[]string{"user", "grant", "--name", "x", "--role", "king", "--scope", "1"}, 2, "unknown role"},
		{[]string{"token", "create", "--user", "x", "--name", "y", "--expires", "forever"}, 2, "--expires"},
		{[]string{"ledger", "export"}, 2, "--out"},
		{[]string{"verify"}, 2, "exactly one bundle"},
		{[]string{"verify", "/no/such/file.json"}, 1, "NOT VERIFIED"},
		{[]string{"version"}, 0, "bulwark "},
	}
	for _, c := range cases {
		code, out, errs := cli(t, "", c.args...)
		if code != c.code || !strings.Contains(out+errs, c.says) {
			t.Errorf("bulwark %v: exit %d, want %d; output does not say %q:\n%s%s", c.args, code, c.code, c.says, out, errs)
		}
	}
}

// serve starts the server on a free port and returns its URL and a stop
// function that returns the exit code.
func serve(t *testing.T, args ...string) (url string, out *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...), strings.NewReader(""), out, out)
	}()
	re := regexp.MustCompile(`serving on (http://[0-9.:]+/)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return url, out, func() int {
		cancel()
		return <-done
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

func TestServeDemoKeepsDataAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	url, out, stop := serve(t, "--data", dir, "--demo")
	if !strings.Contains(out.String(), "Demo organisation seeded") || !strings.Contains(out.String(), "bulwark-demo") || !strings.Contains(out.String(), "in Acme Networks") {
		t.Fatalf("banner:\n%s", out.String())
	}
	if code, _ := get(t, url+"readyz"); code != 200 {
		t.Fatalf("readyz %d", code)
	}
	code, note := get(t, url+"api/v1/ledger/checkpoint")
	if code != 200 || !strings.HasPrefix(note, "bulwark.ledger/") {
		t.Fatalf("checkpoint %d %q", code, note)
	}
	if code, body := get(t, url+"login"); code != 200 || !strings.Contains(body, "<form") {
		t.Fatalf("login page %d", code)
	}
	// The demo catalog: an imported list and requests in every stage.
	if code, body := get(t, url+"api/v1/ledger/checkpoint"); code != 200 || !strings.Contains(body, "\n") {
		t.Fatalf("checkpoint %d", code)
	}
	dataDB, err := sql.Open("sqlite", filepath.Join(dir, "bulwark.db"))
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	rows, err := dataDB.Query("SELECT state, COUNT(*) FROM component_versions GROUP BY state")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		states[s] = n
	}
	rows.Close()
	dataDB.Close()
	for _, s := range []string{"certified", "deprecated", "banned", "end-of-life", "requested", "under-evaluation"} {
		if states[s] == 0 {
			t.Errorf("demo catalog has no %s version: %v", s, states)
		}
	}
	if c := stop(); c != 0 {
		t.Fatalf("graceful stop exited %d:\n%s", c, out.String())
	}
	for _, f := range []string{"bulwark.db", "ledger.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}

	// The second start keeps users, key and ledger.
	url, out, stop = serve(t, "--data", dir, "--demo")
	defer stop()
	if !strings.Contains(out.String(), "already has users") {
		t.Fatalf("second banner:\n%s", out.String())
	}
	_, note2 := get(t, url+"api/v1/ledger/checkpoint")
	if strings.Split(note, "\n")[0] != strings.Split(note2, "\n")[0] {
		t.Fatalf("origin changed across restarts: %q vs %q", note, note2)
	}
}

func TestEnvironmentSetsDefaults(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BULWARK_DATA", dir)
	if code, out, errs := cli(t, "", "migrate"); code != 0 || !strings.Contains(out, "sqlite database at schema version ") || !strings.Contains(out, "applied now: [1 ") {
		t.Fatalf("migrate %d %s %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "bulwark.db")); err != nil {
		t.Fatal("BULWARK_DATA was not used:", err)
	}
}

// TestAdminAndAuditorJourney: the operator creates a user and a token from
// the CLI, an auditor exports and verifies, a tampered event is caught and
// named.
func TestAdminAndAuditorJourney(t *testing.T) {
	dir := t.TempDir()
	// serve creates the organisation root the CLI needs.
	_, _, stop := serve(t, "--data", dir)
	stop()
	d := "--data=" + dir
	mustCLI := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errs := cli(t, stdin, args...)
		if code != 0 {
			t.Fatalf("bulwark %v: exit %d\n%s%s", args, code, out, errs)
		}
		return out
	}
	mustCLI("", "scope", "create", d, "--parent", "1", "--kind", "region", "--name", "Asia")
	out := mustCLI("correct horse battery\n", "user", "create", d, "--name", "ada", "--scope", "1", "--role", "auditor", "--password-stdin")
	if !strings.Contains(out, "granted auditor") || strings.Contains(out, "shown once") {
		t.Fatalf("user create: %s", out)
	}
	out = mustCLI("", "user", "create", d, "--name", "bob", "--scope", "2")
	if !strings.Contains(out, "password (shown once): ") {
		t.Fatalf("generated password not shown: %s", out)
	}
	if code, _, errs := cli(t, "", "user", "create", d, "--name", "bob", "--scope", "2"); code != 1 || !strings.Contains(errs, `conflict: name: user name "bob" is taken`) {
		t.Fatalf("duplicate user: %d %s", code, errs)
	}
	secret := strings.TrimSpace(mustCLI("", "token", "create", d, "--user", "ada", "--name", "audit", "--expires", "7d"))
	if !strings.HasPrefix(secret, "bwk_") {
		t.Fatalf("token %q", secret)
	}
	if list := mustCLI("", "token", "list", d); strings.Contains(list, secret) || !strings.Contains(list, "audit") {
		t.Fatalf("token list shows the secret or misses the token:\n%s", list)
	}
	mustCLI("", "user", "list", d)
	mustCLI("", "scope", "list", d)

	kept := filepath.Join(dir, "kept.checkpoint")
	os.WriteFile(kept, []byte(mustCLI("", "ledger", "checkpoint", d)), 0o600)
	mustCLI("", "user", "grant", d, "--name", "bob", "--role", "developer", "--scope", "2")
	mustCLI("", "ledger", "prove", d, "--index", "2")
	mustCLI("", "ledger", "consistency", d, "--old", "3")

	bundle := filepath.Join(dir, "bundle.json")
	mustCLI("", "ledger", "export", d, "--out", bundle)
	out = mustCLI("", "verify", "--since", kept, bundle)
	if !strings.Contains(out, "VERIFIED") || !strings.Contains(out, "recomputed") {
		t.Fatalf("verify:\n%s", out)
	}

	// Alter event 3 behind the server's back.
	db, err := sql.Open("sqlite", filepath.Join(dir, "bulwark.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE ledger_events SET leaf = replace(leaf, '"kind":"', '"reason":"forged","kind":"') WHERE idx = 3`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	tampered := filepath.Join(dir, "tampered.json")
	mustCLI("", "ledger", "export", d, "--out", tampered)
	code, out, _ := cli(t, "", "verify", tampered)
	if code != 1 || !strings.Contains(out, "NOT VERIFIED") || !strings.Contains(out, "event 3 ") {
		t.Fatalf("tampered bundle: exit %d\n%s", code, out)
	}
	// Garbage is not a bundle, and says so.
	os.WriteFile(tampered, []byte(`{"format": 1}`), 0o600)
	if code, _, errs := cli(t, "", "verify", tampered); code != 1 || !strings.Contains(errs, "not a ledger bundle") {
		t.Fatalf("garbage: %d %s", code, errs)
	}
}

// BenchmarkColdStart measures `bulwark serve` on an empty data directory:
// migrations, key creation, organisation root, until /readyz answers.
func BenchmarkColdStart(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		start := time.Now()
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "error"}, strings.NewReader(""), out, out)
		}()
		re := regexp.MustCompile(`serving on (http://[0-9.:]+/)`)
		var url string
		for url == "" {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				url = m[1]
			}
			time.Sleep(time.Millisecond)
		}
		for {
			res, err := http.Get(url + "readyz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					break
				}
			}
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ms/start")
		cancel()
		<-done
	}
}

func TestCatalogImportCLI(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	if code, out, errs := cli(t, "", "migrate", d); code != 0 {
		t.Fatalf("migrate: %s %s", out, errs)
	}
	// The import needs the organisation root, which serve creates.
	_, _, stop := serve(t, "--data", dir)
	stop()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("purl,license,state\npkg:npm/express@4.18.2,MIT,\npkg:npm/left-pad,MIT,\npkg:npm/x@1,MIT OR,\n"), 0o600)
	code, out, _ := cli(t, "", "catalog", "import", d, bad)
	if code != 1 || !strings.Contains(out, "2 row(s) failed") || !regexp.MustCompile(`(?m)^3\s+purl\s+.*has no version`).MatchString(out) || !regexp.MustCompile(`(?m)^4\s+license\s`).MatchString(out) {
		t.Fatalf("bad import: exit %d\n%s", code, out)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`[{"purl": "pkg:npm/express@4.18.2", "license": "MIT"}, {"purl": "pkg:npm/express@4.17.1", "license": "MIT", "state": "banned"}]`), 0o600)
	if code, out, errs := cli(t, "", "catalog", "import", d, "--dry-run", good); code != 0 || !strings.Contains(out, "would import") {
		t.Fatalf("dry run: %d %s %s", code, out, errs)
	}
	if code, out, errs := cli(t, "", "catalog", "import", d, good); code != 0 || !strings.Contains(out, "1 new components, 2 new versions") || !strings.Contains(out, "sha256:") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
}

func TestSBOMInspectAndGateCLI(t *testing.T) {
	dir := t.TempDir()
	url, _, stop := serve(t, "--data", dir, "--demo")
	defer stop()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.cdx.json", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
		"metadata": {"component": {"type": "application", "bom-ref": "app", "name": "core", "version": "9"}},
		"components": [
			{"type": "library", "bom-ref": "e", "name": "express", "version": "4.18.2", "purl": "pkg:npm/express@4.18.2", "licenses": [{"expression": "MIT"}]},
			{"type": "library", "bom-ref": "l", "name": "lodash", "version": "4.17.21", "purl": "pkg:npm/lodash@4.17.21", "licenses": [{"expression": "MIT"}]}],
		"dependencies": [{"ref": "app", "dependsOn": ["e"]}, {"ref": "e", "dependsOn": ["l"]}]}`)
	uncertified := write("new.cdx.json", strings.Replace(string(must(os.ReadFile(good))), "lodash", "left-pad", -1))
	bad := write("bad.json", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [`)
	// A sparse file of 1 GiB: refused before it is read.
	huge := filepath.Join(dir, "huge.json")
	if f, err := os.Create(huge); err != nil || f.Truncate(1<<30) != nil || f.Close() != nil {
		t.Fatal("cannot make a sparse file")
	}

	code, out, _ := cli(t, "", "sbom", "inspect", "--json", good)
	var s struct {
		Format       string   `json:"format"`
		SpecVersion  string   `json:"specVersion"`
		Encoding     string   `json:"encoding"`
		Components   int      `json:"components"`
		Dependencies int      `json:"dependencies"`
		Problems     []string `json:"problems"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.Format != "cyclonedx" || s.SpecVersion != "1.5" || s.Encoding != "json" ||
		s.Components != 2 || s.Dependencies != 2 || s.Problems == nil {
		t.Fatalf("inspect --json: exit %d %s", code, out)
	}
	code, out, errs := cli(t, "", "sbom", "inspect", "--json", bad)
	if code != 1 || json.Unmarshal([]byte(out), &s) != nil || len(s.Problems) != 1 || !strings.Contains(s.Problems[0], "line") {
		t.Fatalf("inspect of a truncated file: exit %d %s %s", code, out, errs)
	}
	if code, _, errs := cli(t, "", "sbom", "inspect", huge); code != 1 || !strings.Contains(errs, "at most 256 MiB") {
		t.Fatalf("inspect of 1 GiB: %d %s", code, errs)
	}
	cyclic := write("cyclic.json", strings.Replace(string(must(os.ReadFile(good))), `{"ref": "e", "dependsOn": ["l"]}`, `{"ref": "e", "dependsOn": ["l"]}, {"ref": "l", "dependsOn": ["e"]}`, 1))
	if code, out, _ := cli(t, "", "sbom", "inspect", "--json", cyclic); code != 0 || json.Unmarshal([]byte(out), &s) != nil || len(s.Problems) != 1 ||
		!strings.Contains(s.Problems[0], "cyclic dependency: e → l → e") || s.Components != 2 {
		t.Fatalf("inspect of a cyclic SBOM: exit %d %s", code, out)
	}
	if code, out, _ := cli(t, "", "sbom", "inspect", good); code != 0 || !strings.Contains(out, "cyclonedx 1.5 (json)") {
		t.Fatalf("inspect: %d %s", code, out)
	}

	token := strings.TrimSpace(mustRun(t, "token", "create", "--data", dir, "--user", "developer", "--name", "ci", "--expires", "1d"))
	gate := func(args ...string) (int, string) {
		t.Helper()
		code, out, errs := cli(t, "", append([]string{"gate", "--server", url, "--token", token}, args...)...)
		return code, out + errs
	}
	reports := filepath.Join(dir, "reports")
	code, out = gate("--product", "5G Core", "--release", "3.0", "--report-dir", reports, uncertified)
	if code != 1 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "left-pad@4.17.21") || !strings.Contains(out, "/gate-runs/") {
		t.Fatalf("gate with an uncertified component: exit %d\n%s", code, out)
	}
	for _, f := range []string{"gate.json", "gate.junit.xml", "gate.sarif"} {
		if st, err := os.Stat(filepath.Join(reports, f)); err != nil || st.Size() == 0 {
			t.Errorf("report %s: %v", f, err)
		}
	}
	if code, out = gate("--product", "5G Core", "--release", "3.1", good); code != 0 || !strings.Contains(out, "PASS") {
		t.Fatalf("gate with certified components: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--product", "5G Core", "--release", "3.2", bad}, "line"},
		{[]string{"--product", "No Such Product", "--release", "1", good}, "No Such Product"},
		{[]string{"--product", "5G Core", good}, "--release"},
		{[]string{"--product", "5G Core", "--release", "1.0", uncertified}, "configuration control"},
		{[]string{"--product", "5G Core", "--release", "3.3", huge}, "at most 128 MiB"},
	} {
		if code, out := gate(c.args...); code != 2 || !strings.Contains(out, c.says) {
			t.Errorf("gate %v: exit %d, want 2 saying %q:\n%s", c.args, code, c.says, out)
		}
	}
	if code, _, errs := cli(t, "", "gate", "--server", url, "--token", "bwk_wrong", "--product", "5G Core", "--release", "1", good); code != 2 || !strings.Contains(errs, "401") {
		t.Fatalf("gate with a bad token: %d %s", code, errs)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := cli(t, "", args...)
	if code != 0 {
		t.Fatalf("bulwark %v: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}

func TestAdvisoriesImportAndScanCLI(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	recs := filepath.Join(dir, "advisories")
	os.MkdirAll(filepath.Join(recs, "npm"), 0o700)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("advisories/npm/GHSA-1.json", `{"id": "GHSA-xxxx-yyyy-zzzz", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-0001"],
		"affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}`)
	write("advisories/PYSEC-1.yaml", "id: PYSEC-2024-9\nmodified: \"2024-02-01T00:00:00Z\"\naliases: [CVE-2024-0002]\naffected:\n"+
		"- package: {ecosystem: PyPI, name: django}\n  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: \"4.0\"}, {fixed: \"4.2.8\"}]\n")
	write("advisories/npm/broken.json", `{"modified": "2024-01-01T00:00:00Z"}`)
	// Importing needs the organisation root, which serve creates.
	_, _, stop := serve(t, "--data", dir)
	stop()
	code, out, errs := cli(t, "", "advisories", "import", d, recs)
	if code != 0 || !regexp.MustCompile(`new\s+2`).MatchString(out) || !regexp.MustCompile(`rejected\s+1`).MatchString(out) || !strings.Contains(out, "broken.json") {
		t.Fatalf("advisories import: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := cli(t, "", "advisories", "import", d, recs); code != 0 || !regexp.MustCompile(`unchanged\s+2`).MatchString(out) ||
		!regexp.MustCompile(`new findings\s+0`).MatchString(out) {
		t.Fatalf("import again: exit %d\n%s", code, out)
	}
	// Exploit signals are recognised beside advisories; a malformed file
	// is refused whole.
	epss := write("epss.csv", "#model_version:v2025.03.14,score_date:2026-11-20T00:00:00Z\ncve,epss,percentile\nCVE-2024-0001,0.5,0.9\n")
	kev := write("kev.json", `{"catalogVersion": "2026.11.20", "dateReleased": "2026-11-20T00:00:00.000Z", "vulnerabilities": [{"cveID": "CVE-2024-0001", "dateAdded": "2026-11-01"}]}`)
	if code, out, errs := cli(t, "", "advisories", "import", d, epss, kev); code != 0 || !strings.Contains(out, "EPSS, 1 rows of 2026-11-20") || !strings.Contains(out, "KEV, 1 rows") {
		t.Fatalf("signals import: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cli(t, "", "advisories", "rematch", d); code != 0 || !strings.Contains(out, "0 releases matched") {
		t.Fatalf("rematch: exit %d\n%s%s", code, out, errs)
	}
	bad := write("bad-epss.csv", "cve,epss,percentile\nCVE-2024-0001,high,0.9\n")
	if code, _, errs := cli(t, "", "advisories", "import", d, bad); code == 0 || !strings.Contains(errs, "line 2") {
		t.Fatalf("bad EPSS file: exit %d %s", code, errs)
	}
	sbomFile := write("app.cdx.json", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
		{"type": "library", "name": "express", "version": "4.18.2", "purl": "pkg:npm/express@4.18.2"},
		{"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"},
		{"type": "library", "name": "Django", "version": "4.2.7", "purl": "pkg:pypi/Django@4.2.7"},
		{"type": "library", "name": "no-purl", "version": "1"}]}`)
	code, out, errs = cli(t, "", "scan", d, "--json", sbomFile)
	var res struct {
		Results []struct {
			PURL            string `json:"purl"`
			Vulnerabilities []struct {
				ID      string   `json:"id"`
				Aliases []string `json:"aliases"`
				Fixed   []string `json:"fixed"`
			} `json:"vulnerabilities"`
		} `json:"results"`
	}
	if code != 1 || json.Unmarshal([]byte(out), &res) != nil || len(res.Results) != 4 {
		t.Fatalf("scan: exit %d\n%s%s", code, out, errs)
	}
	r := res.Results
	if r[0].PURL != "pkg:npm/express@4.18.2" || len(r[0].Vulnerabilities) != 0 || r[2].PURL != "pkg:pypi/Django@4.2.7" || r[3].PURL != "" ||
		len(r[1].Vulnerabilities) != 1 || r[1].Vulnerabilities[0].ID != "GHSA-xxxx-yyyy-zzzz" || r[1].Vulnerabilities[0].Aliases[0] != "CVE-2024-0001" ||
		r[1].Vulnerabilities[0].Fixed[0] != "4.17.21" || len(r[2].Vulnerabilities) != 1 || r[2].Vulnerabilities[0].ID != "PYSEC-2024-9" {
		t.Fatalf("scan results: %s", out)
	}
	clean := write("clean.cdx.json", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
		{"type": "library", "name": "lodash", "version": "4.17.21", "purl": "pkg:npm/lodash@4.17.21"}]}`)
	if code, out, errs := cli(t, "", "scan", d, clean); code != 0 || !strings.Contains(out, "0 matches") {
		t.Fatalf("clean scan: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := cli(t, "", "scan", d, write("bad.json", `{"bomFormat": "CycloneDX"`)); code != 2 || !strings.Contains(errs, "bad.json") {
		t.Fatalf("scan of a bad file: exit %d %s", code, errs)
	}
}
