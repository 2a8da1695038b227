package main

import (
	"encoding/json"
	"io"

	"errors"
	"fmt"
	"github.com/bulwark-sec/bulwark"
	"os"
	"text/tabwriter"

	"github.com/bulwark-sec/bulwark/sbom"
)

func runSBOM(e *env, args []string) error {
	return dispatch(e, "sbom", []subcommand{
		{"inspect", "detect, parse and check an SBOM file; exit 1 when it is invalid", sbomInspect},
	}, args)
}

func sbomInspect(e *env, args []string) error {
	fs := newFlagSet("sbom inspect", "FILE", "Read a CycloneDX (1.0–1.6, JSON or XML) or SPDX (2.1–2.3, JSON or tag-value) document\n"+
		"and report its format, component and dependency counts and any problems.\n"+
		"Exit 0 when it is a valid SBOM, 1 when it is not, 2 on usage errors.", e)
	asJSON := fs.Bool("json", false, `print {"format", "specVersion", "encoding", "components", "dependencies", "problems"}`)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("sbom inspect needs exactly one file")
	}
	// Inspecting reports a dependency cycle as a problem; storing one in
	// a release needs allow_cycles.
	d, data, err := inspectFile(fs.Arg(0), sbom.Options{AllowCycles: true})
	if err != nil {
		var se *sbom.Error
		var ue *usageError
		if errors.As(err, &ue) {
			return err
		}
		if !errors.As(err, &se) {
			return &failedError{fmt.Sprintf("%s: %v", fs.Arg(0), err)}
		}
		if *asJSON {
			s := sbom.Summary{Format: se.Format, Encoding: se.Encoding, Problems: []string{se.Error()}}
			if f, enc, version, err := sbom.Detect(data); err == nil {
				s.Format, s.Encoding, s.SpecVersion = f, enc, version
			}
			if err := writeIndented(e, s); err != nil {
				return err
			}
		}
		return &failedError{fmt.Sprintf("%s: %s", fs.Arg(0), se.Error())}
	}
	s := d.Summary()
	if *asJSON {
		return writeIndented(e, s)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "format\t%s %s (%s)\n", s.Format, s.SpecVersion, s.Encoding)
	if d.Subject != nil {
		fmt.Fprintf(tw, "subject\t%s %s\n", d.Subject.Name, d.Subject.Version)
	}
	fmt.Fprintf(tw, "components\t%d\n", s.Components)
	fmt.Fprintf(tw, "dependencies\t%d\n", s.Dependencies)
	fmt.Fprintf(tw, "problems\t%d\n", len(s.Problems))
	tw.Flush()
	for _, p := range s.Problems {
		fmt.Fprintf(e.stdout, "  - %s\n", p)
	}
	return nil
}

// inspectFile reads a file of at most sbom.MaxSize bytes and parses it.
func inspectFile(path string, o sbom.Options) (*sbom.Document, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > sbom.MaxSize {
		return nil, nil, &sbom.Error{Code: bulwark.ETOOLARGE, Msg: fmt.Sprintf("the file has %d bytes; SBOMs are at most %d MiB", st.Size(), sbom.MaxSize>>20)}
	}
	data, err := io.ReadAll(io.LimitReader(f, sbom.MaxSize+1))
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	d, err := sbom.ParseOptions(data, o)
	return d, data, err
}

func writeIndented(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
