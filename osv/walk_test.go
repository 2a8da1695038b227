package osv

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func record(id string) string {
	return fmt.Sprintf(`{"id": %q, "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "p"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}`, id)
}

const badRecord = `{"id": "BAD-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "p"}, "ranges": [{"type": "RANGE", "events": [{"introduced": "0"}]}]}]}`

// collect walks paths and returns "source: id" or "source: error" lines.
func collect(t *testing.T, paths ...string) []string {
	t.Helper()
	var out []string
	err := Walk(paths, func(it Item) error {
		if it.Err != nil {
			out = append(out, it.Source+": error: "+it.Err.Error())
		} else {
			out = append(out, it.Source+": "+it.Record.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWalkZip reads a zip laid out like osv.dev's per-ecosystem all.zip
// (records at the top level), with records in a folder as well, a
// directory entry and a file of another kind.
func TestWalkZip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "all.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, m := range []struct{ name, body string }{
		{"PYSEC-2024-1.json", record("PYSEC-2024-1")},
		{"GHSA-aaaa-bbbb-cccc.json", record("GHSA-aaaa-bbbb-cccc")},
		{"nested/", ""},
		{"nested/PYSEC-2024-2.yaml", "id: PYSEC-2024-2\nmodified: 2024-01-01T00:00:00Z\n"},
		{"nested/BAD-1.json", badRecord},
		{"README.txt", "not a record"},
		{"__MACOSX/._PYSEC-2024-1.json", "\x00\x05\x16\x07"},
	} {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(m.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	got := collect(t, path)
	want := []string{
		path + "!PYSEC-2024-1.json: PYSEC-2024-1",
		path + "!GHSA-aaaa-bbbb-cccc.json: GHSA-aaaa-bbbb-cccc",
		path + "!nested/PYSEC-2024-2.yaml: PYSEC-2024-2",
		path + `!nested/BAD-1.json: error: ` + path + `!nested/BAD-1.json: affected[0].ranges[0].type: unknown range type "RANGE" (the schema defines SEMVER, ECOSYSTEM and GIT)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n, err := Count([]string{path}); err != nil || n != 4 {
		t.Errorf("Count = %d, %v; want 4", n, err)
	}
}

// TestWalkDirectory walks a tree: sorted, recursive, other files and
// hidden directories skipped, archives read, array files split.
func TestWalkDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b", "B-2.json"), record("B-2"))
	writeFile(t, filepath.Join(dir, "b", "B-1.yml"), "id: B-1\nmodified: 2024-01-01T00:00:00Z\n")
	writeFile(t, filepath.Join(dir, "a.json"), "["+record("A-1")+", 42, "+record("A-2")+"]")
	writeFile(t, filepath.Join(dir, "c.json"), `{"vulns": [`+record("C-1")+`]}`)
	writeFile(t, filepath.Join(dir, "d.json"), "{broken")
	writeFile(t, filepath.Join(dir, "notes.md"), "# not a record")
	writeFile(t, filepath.Join(dir, ".git", "x.json"), record("HIDDEN"))
	writeTgz(t, filepath.Join(dir, "e.tgz"), map[string]string{"pack/E-1.json": record("E-1"), "pack/readme": "x"})

	got := collect(t, dir)
	want := []string{
		filepath.Join(dir, "a.json") + "[0]: A-1",
		filepath.Join(dir, "a.json") + "[1]: error: " + filepath.Join(dir, "a.json") + "[1]: an array element that is not a JSON object",
		filepath.Join(dir, "a.json") + "[2]: A-2",
		filepath.Join(dir, "b", "B-1.yml") + ": B-1",
		filepath.Join(dir, "b", "B-2.json") + ": B-2",
		filepath.Join(dir, "c.json") + "[0]: C-1",
		filepath.Join(dir, "d.json") + ": error: " + filepath.Join(dir, "d.json") + ": not valid JSON: invalid character 'b' looking for beginning of object key string (at byte 2)",
		filepath.Join(dir, "e.tgz") + "!pack/E-1.json: E-1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Count counts files: the array files once each.
	if n, err := Count([]string{dir}); err != nil || n != 6 {
		t.Errorf("Count = %d, %v; want 6", n, err)
	}
}

func writeTgz(t *testing.T, path string, members map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(maps.Keys(members)) {
		body := members[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWalkErrors(t *testing.T) {
	dir := t.TempDir()
	// A path that does not exist ends the walk.
	if err := Walk([]string{filepath.Join(dir, "nope")}, func(Item) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: %v", err)
	}
	// A broken archive given as a path ends the walk; inside a directory
	// it is an Item with Err.
	writeFile(t, filepath.Join(dir, "sub", "broken.tar.gz"), "not gzip")
	writeFile(t, filepath.Join(dir, "sub", "z.json"), record("Z-1"))
	if err := Walk([]string{filepath.Join(dir, "sub", "broken.tar.gz")}, func(Item) error { return nil }); err == nil {
		t.Error("broken archive path: no error")
	}
	got := collect(t, filepath.Join(dir, "sub"))
	if len(got) != 2 || !strings.Contains(got[0], "broken.tar.gz: error: ") || !strings.HasSuffix(got[1], "z.json: Z-1") {
		t.Errorf("broken archive in a directory: %q", got)
	}
	// A file of another kind given as a path is an Item with Err.
	writeFile(t, filepath.Join(dir, "x.txt"), "hello")
	if got := collect(t, filepath.Join(dir, "x.txt")); len(got) != 1 || !strings.Contains(got[0], "not a record file") {
		t.Errorf("other file: %q", got)
	}
	// fn's error ends the walk and is returned as is.
	stop := errors.New("stop")
	calls := 0
	err := Walk([]string{filepath.Join(dir, "sub"), filepath.Join(dir, "sub")}, func(Item) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("fn error: %v after %d calls", err, calls)
	}
}
