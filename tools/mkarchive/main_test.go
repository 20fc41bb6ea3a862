package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestArchivesAreReproducibleAndComplete packs the same files twice in each
// format and checks that the archives are byte-identical and hold every file
// under the prefix with its content and mode.
func TestArchivesAreReproducibleAndComplete(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "govscore.exe")
	doc := filepath.Join(dir, "README.md")
	if err := os.WriteFile(exe, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(doc, []byte("# govscore\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ex := filepath.Join(dir, "example")
	for _, d := range []string{"data", "out"} {
		if err := os.MkdirAll(filepath.Join(ex, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(ex, "data", "m.csv"), []byte("a,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ex, "out", "results.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := expand([]string{exe + "=govscore.exe", doc + "=README.md", ex + "=examples/ex"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := expand([]string{"../x"}); err == nil {
		t.Error("a path outside the current directory was accepted without a NAME")
	}
	mtime := time.Unix(1700000000, 0).UTC()
	for _, name := range []string{"a.zip", "a.tar.gz"} {
		var got [2][]byte
		for i := range got {
			out := filepath.Join(dir, "run"+string(rune('0'+i))+name)
			if err := write(out, "govscore_1_windows_amd64", files, mtime); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got[i] = b
		}
		if !bytes.Equal(got[0], got[1]) {
			t.Errorf("%s: two runs differ", name)
		}
		entries := readEntries(t, name, got[0])
		want := map[string]struct {
			body string
			mode int64
		}{
			"govscore_1_windows_amd64/govscore.exe":           {"binary", 0o755},
			"govscore_1_windows_amd64/README.md":              {"# govscore\n", 0o644},
			"govscore_1_windows_amd64/examples/ex/data/m.csv": {"a,b\n", 0o644},
		}
		if len(entries) != len(want) {
			t.Fatalf("%s: %d entries, want %d", name, len(entries), len(want))
		}
		for n, w := range want {
			e, ok := entries[n]
			if !ok {
				t.Errorf("%s: no entry %s", name, n)
				continue
			}
			if e.body != w.body || e.mode != w.mode {
				t.Errorf("%s: %s = %q mode %o, want %q mode %o", name, n, e.body, e.mode, w.body, w.mode)
			}
		}
	}
	if err := write(filepath.Join(dir, "a.rar"), "p", files[:1], mtime); err == nil {
		t.Error("an unknown archive suffix was accepted")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "a.rar*")); len(m) != 0 {
		t.Errorf("a failed write left %v", m)
	}
}

type entry struct {
	body string
	mode int64
}

func readEntries(t *testing.T, name string, b []byte) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	if filepath.Ext(name) == ".zip" {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(rc)
			rc.Close()
			out[f.Name] = entry{string(body), int64(f.Mode().Perm())}
		}
		return out
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		out[h.Name] = entry{string(body), h.Mode}
	}
	return out
}
