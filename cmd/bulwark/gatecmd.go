package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/api"
	"github.com/bulwark-sec/bulwark/gatereport"
)

// errGateFailed makes the gate exit 1 after it printed the report.
var errGateFailed = errors.New("gate failed")

func runGate(e *env, args []string) error {
	fs := newFlagSet("gate", "FILE", "Upload a release's SBOM from a build pipeline and decide whether it may ship:\n"+
		"every component version certified, none banned or end-of-life, licences within policy\n"+
		"(deprecated and waived components warn). The release is created in development when it\n"+
		"does not exist; a released release's SBOM cannot change.\n"+
		"Writes gate.json, gate.junit.xml and gate.sarif to --report-dir when given.\n"+
		"Exit 0 pass (warnings allowed), 1 policy failure, 2 usage, input or server error.", e)
	c := addOptions(fs, "server", "token")
	product := fs.String("product", "", "product name, as registered in Bulwark")
	release := fs.String("release", "", "release version, e.g. 2.4.0")
	reportDir := fs.String("report-dir", "", "directory for JSON, JUnit XML and SARIF reports")
	all := fs.Bool("all", false, "list passing components in the table too")
	cycles := fs.Bool("allow-cycles", false, "accept an SBOM whose dependency graph loops (the closing edges are dropped)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 1:
		return usagef("gate needs exactly one SBOM file")
	case c.get("server") == "":
		return usagef("--server (or BULWARK_SERVER) is required")
	case c.get("token") == "":
		return usagef("--token (or BULWARK_TOKEN) is required")
	case strings.TrimSpace(*product) == "":
		return usagef("--product is required")
	case strings.TrimSpace(*release) == "":
		return usagef("--release is required")
	}
	base, err := url.Parse(strings.TrimRight(c.get("server"), "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usagef("--server %q is not an http(s) URL", c.get("server"))
	}
	file := fs.Arg(0)
	if st, err := os.Stat(file); err == nil && st.Size() > api.MaxSBOMBytes {
		return usagef("%s has %d bytes; the server accepts SBOMs of at most %d MiB", file, st.Size(), api.MaxSBOMBytes>>20)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return usagef("%v", err)
	}
	q := url.Values{"product": {*product}, "release": {*release}, "name": {filepath.Base(file)}}
	if *cycles {
		q.Set("allow_cycles", "true")
	}
	ctx, cancel := context.WithTimeout(e.ctx, *timeout)
	defer cancel()
	g, err := postGate(ctx, e, base.String()+"/api/v1/gate?"+q.Encode(), c.get("token"), data)
	if err != nil {
		return err
	}
	runURL := fmt.Sprintf("%s/gate-runs/%d", base, g.ID)
	if err := gatereport.Table(e.stdout, g, gatereport.TableOptions{All: *all, Color: isTerminal(e.stdout), RunURL: runURL}); err != nil {
		return err
	}
	if *reportDir != "" {
		paths, err := gatereport.WriteAll(*reportDir, g, filepath.ToSlash(file))
		if err != nil {
			return usagef("writing reports: %v", err)
		}
		fmt.Fprintf(e.stderr, "reports: %s\n", strings.Join(paths, ", "))
	}
	if g.Failed() {
		return errGateFailed
	}
	return nil
}

// postGate sends the SBOM and reads the decision. Anything but a decision
// is an input or server error (exit 2), said in the server's own words.
func postGate(ctx context.Context, e *env, target, token string, data []byte) (*bulwark.GateResult, error) {
	body := &countingReader{r: bytes.NewReader(data), total: int64(len(data)), p: newProgress(e.stderr, "uploading SBOM")}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return nil, usagef("%v", err)
	}
	req.ContentLength = int64(len(data))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	body.p.done()
	if err != nil {
		return nil, usagef("cannot reach the server: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, usagef("reading the server's answer: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		var p struct {
			Title, Detail, Code, Field string
		}
		if json.Unmarshal(raw, &p) != nil || p.Detail == "" {
			return nil, usagef("server answered %s", resp.Status)
		}
		msg := p.Detail
		if p.Field != "" {
			msg = p.Field + ": " + msg
		}
		return nil, usagef("%s (%s)", msg, resp.Status)
	}
	var g bulwark.GateResult
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, usagef("the server's answer is not a gate decision: %v", err)
	}
	return &g, nil
}

// countingReader reports upload progress.
type countingReader struct {
	r     io.Reader
	n     int64
	total int64
	p     *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if c.total > 1<<20 {
		c.p.update(c.n, c.total)
	}
	return n, err
}
