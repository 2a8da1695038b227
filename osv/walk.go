package osv

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MaxFileSize bounds one file or archive member: a single record, or a
// JSON array of records (osv.dev's per-ecosystem all.json, osv-scalibr's
// fixture files). Each record in it is still bounded by MaxRecordSize.
const MaxFileSize = 256 << 20

// Item is one record read by Walk, or the reason it could not be.
// Source names it: a file path, "archive.tgz!member/path",
// "archive.zip!member/path", with "[i]" added for the i-th record of an
// array file. Record is nil when Err is set.
type Item struct {
	Source   string
	Record   *Record
	Warnings []string
	Err      error
}

// Walk reads the records under paths and hands each to fn, in order. A path
// is a record file (.json, .yaml, .yml), a directory, a .zip archive (as
// osv.dev's per-ecosystem all.zip; records at the top level or in folders)
// or a .tar.gz / .tgz archive. Directories are walked recursively in
// lexical order; files with other extensions, and directories whose names
// start with ".", are skipped; archives found in them are read. Archive
// members are read in archive order; members with other extensions are
// skipped.
//
// A JSON file (or member) holding an array of records, or an object
// {"vulns": [...]} (osv-scalibr's fixture layout, osv.dev's query answers),
// yields one Item per element.
//
// A record that cannot be read or fails Parse's checks yields an Item with
// Err (an *Error), and the walk goes on; so does an unreadable file,
// directory or broken archive found inside a directory. Walk stops and returns an error
// only when a path itself cannot be read (it does not exist, or the archive
// it names is broken), or when fn returns an error, which Walk returns.
func Walk(paths []string, fn func(Item) error) error {
	w := &walker{
		record: func(source string, r io.Reader) error {
			data, err := readLimited(r)
			if err != nil {
				return fn(Item{Source: source, Err: &Error{Source: source, Msg: err.Error()}})
			}
			return splitRecords(source, data, fn)
		},
		broken: func(source string, err error) error {
			return fn(Item{Source: source, Err: &Error{Source: source, Msg: err.Error()}})
		},
	}
	return w.walk(paths)
}

// Count counts the record files under paths as Walk would find them,
// without reading records: a figure for a progress bar. An array file
// counts once, although Walk yields one Item per element; a .tar.gz archive
// is decompressed to list its members.
func Count(paths []string) (int, error) {
	n := 0
	w := &walker{
		record: func(string, io.Reader) error { n++; return nil },
		broken: func(string, error) error { return nil },
	}
	err := w.walk(paths)
	return n, err
}

// walker finds record files and hands them on.
type walker struct {
	// record receives one record file (or member); a reader error is the
	// record's, not the walk's.
	record func(source string, r io.Reader) error
	// broken receives a file or archive inside a directory that cannot be
	// read.
	broken func(source string, err error) error
}

// errFn marks an error returned by fn, to be passed up unchanged.
type errFn struct{ err error }

func (e errFn) Error() string { return e.err.Error() }

func (w *walker) walk(paths []string) error {
	inner := *w
	inner.record = func(source string, r io.Reader) error {
		if err := w.record(source, r); err != nil {
			return errFn{err}
		}
		return nil
	}
	inner.broken = func(source string, err error) error {
		if err := w.broken(source, err); err != nil {
			return errFn{err}
		}
		return nil
	}
	for _, p := range paths {
		if err := inner.path(p); err != nil {
			var fe errFn
			if errors.As(err, &fe) {
				return fe.err
			}
			return err
		}
	}
	return nil
}

type kind int

const (
	other kind = iota
	recordFile
	zipFile
	tgzFile
)

func kindOf(name string) kind {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".json"), strings.HasSuffix(n, ".yaml"), strings.HasSuffix(n, ".yml"):
		return recordFile
	case strings.HasSuffix(n, ".zip"):
		return zipFile
	case strings.HasSuffix(n, ".tar.gz"), strings.HasSuffix(n, ".tgz"):
		return tgzFile
	}
	return other
}

// path reads one of Walk's paths: its own errors end the walk.
func (w *walker) path(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("osv: %w", err)
	}
	if !info.IsDir() {
		if kindOf(p) == other {
			return w.broken(p, errors.New("not a record file (.json, .yaml, .yml) or archive (.zip, .tar.gz, .tgz)"))
		}
		return w.file(p, kindOf(p))
	}
	return filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && name == p:
			return fmt.Errorf("osv: %w", err)
		case err != nil: // an unreadable entry inside: reported, skipped
			if err := w.broken(name, err); err != nil {
				return err
			}
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if name != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		k := kindOf(name)
		if k == other || !d.Type().IsRegular() {
			return nil
		}
		if err := w.file(name, k); err != nil {
			var fe errFn
			if errors.As(err, &fe) {
				return err
			}
			return w.broken(name, err) // a broken file inside a directory
		}
		return nil
	})
}

// file reads a record file or an archive. An error it returns is the
// file's own (errFn errors pass through).
func (w *walker) file(name string, k kind) error {
	switch k {
	case zipFile:
		return w.zip(name)
	case tgzFile:
		return w.tgz(name)
	}
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("osv: %w", err)
	}
	defer f.Close()
	return w.record(name, f)
}

func (w *walker) zip(name string) error {
	z, err := zip.OpenReader(name)
	if err != nil {
		return fmt.Errorf("osv: %s: %w", name, err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.FileInfo().IsDir() || kindOf(f.Name) != recordFile || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		source := name + "!" + f.Name
		if f.UncompressedSize64 > MaxFileSize {
			if err := w.broken(source, fmt.Errorf("%d bytes, over the limit of %d", f.UncompressedSize64, MaxFileSize)); err != nil {
				return err
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			if err := w.broken(source, err); err != nil {
				return err
			}
			continue
		}
		err = w.record(source, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) tgz(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("osv: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("osv: %s: %w", name, err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("osv: %s: %w", name, err)
		}
		if h.Typeflag != tar.TypeReg || kindOf(h.Name) != recordFile {
			continue
		}
		source := name + "!" + h.Name
		if h.Size > MaxFileSize {
			if err := w.broken(source, fmt.Errorf("%d bytes, over the limit of %d", h.Size, MaxFileSize)); err != nil {
				return err
			}
			continue
		}
		if err := w.record(source, tr); err != nil {
			return err
		}
	}
}

// readLimited reads a whole record file, refusing more than MaxFileSize.
func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("over the limit of %d bytes", MaxFileSize)
	}
	return data, nil
}

// splitRecords parses a record file: one record, or a JSON array of them
// (bare, or as {"vulns": [...]}).
func splitRecords(source string, data []byte, fn func(Item) error) error {
	body := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n")
	var list []json.RawMessage
	switch {
	case len(body) > 0 && body[0] == '[':
		if err := json.Unmarshal(body, &list); err != nil {
			return fn(Item{Source: source, Err: &Error{Source: source, Msg: "not a valid JSON array of records: " + err.Error()}})
		}
	case len(body) > 0 && body[0] == '{' && bytes.Contains(body, []byte(`"vulns"`)):
		var wrapper struct {
			ID    json.RawMessage   `json:"id"`
			Vulns []json.RawMessage `json:"vulns"`
		}
		if json.Unmarshal(body, &wrapper) != nil || wrapper.ID != nil || wrapper.Vulns == nil {
			break // a record (that Parse will judge), not a wrapper
		}
		list = wrapper.Vulns
	}
	if list == nil {
		rec, warnings, err := Parse(data, source)
		return fn(Item{Source: source, Record: rec, Warnings: warnings, Err: err})
	}
	for i, raw := range list {
		src := source + "[" + strconv.Itoa(i) + "]"
		if b := bytes.TrimLeft(raw, " \t\r\n"); len(b) == 0 || b[0] != '{' {
			if err := fn(Item{Source: src, Err: &Error{Source: src, Msg: "an array element that is not a JSON object"}}); err != nil {
				return err
			}
			continue
		}
		rec, warnings, err := Parse(raw, src)
		if err := fn(Item{Source: src, Record: rec, Warnings: warnings, Err: err}); err != nil {
			return err
		}
	}
	return nil
}
