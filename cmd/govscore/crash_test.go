//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestHelperGovscore is not a test: run as a subprocess by the full-disk
// tests, it runs govscore with the arguments in GOVSCORE_HELPER_ARGS (one
// per line) under a file-size limit of GOVSCORE_HELPER_FSIZE bytes
// (RLIMIT_FSIZE: a write past it fails with EFBIG, as on a full disk), and
// exits with govscore's exit code.
func TestHelperGovscore(t *testing.T) {
	args := os.Getenv("GOVSCORE_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process")
	}
	if n, _ := strconv.ParseUint(os.Getenv("GOVSCORE_HELPER_FSIZE"), 10, 64); n > 0 {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			t.Fatal(err)
		}
	}
	os.Exit(Main(context.Background(), strings.Split(args, "\n"), os.Stdout, os.Stderr))
}

// govscoreLimited runs govscore in a subprocess whose files cannot grow
// beyond fsize bytes (0: no limit) and returns its exit code and stderr.
func govscoreLimited(t *testing.T, fsize int, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperGovscore$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOVSCORE_HELPER_ARGS="+strings.Join(args, "\n"),
		"GOVSCORE_HELPER_FSIZE="+strconv.Itoa(fsize), "SOURCE_DATE_EPOCH=1700000000")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// snapshot is every file under dir (slash paths) with its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestFullDisk: init, gen and run on a disk that fills up (a write fails
// with EFBIG) exit 3 and leave what was there before — no half project, no
// partial file, no staging directory — and the same command succeeds once
// there is room.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	root := t.TempDir()
	proj := filepath.Join(root, "proj")

	// init: the starter indicators.yaml is larger than 512 bytes.
	if code, stderr := govscoreLimited(t, 512, "init", proj); code != exitFailure || !strings.Contains(stderr, "file too large") {
		t.Fatalf("init on a full disk: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(proj); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("init on a full disk left %s (%v)", proj, err)
	}
	noStaging(t, root)
	if code, stderr := govscoreLimited(t, 0, "init", proj); code != 0 {
		t.Fatalf("init after the disk was freed: exit %d: %s", code, stderr)
	}

	// gen over an existing project: the earlier files stay whole.
	gen := filepath.Join(root, "gen")
	if code, stderr := govscoreLimited(t, 0, "gen", gen, "--subjects", "20", "--leaves", "3"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	before := snapshot(t, gen)
	if code, stderr := govscoreLimited(t, 64<<10, "gen", gen, "--subjects", "2000", "--leaves", "20"); code != exitFailure || !strings.Contains(stderr, "file too large") {
		t.Fatalf("gen on a full disk: exit %d, stderr %q", code, stderr)
	}
	if after := snapshot(t, gen); !sameSnapshot(before, after) {
		t.Fatalf("gen on a full disk changed the project")
	}
	noStaging(t, root)

	// run over earlier outputs: they stay whole.
	out := filepath.Join(root, "out")
	if code, stderr := govscoreLimited(t, 0, "run", proj, "-q", "-o", out); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	before = snapshot(t, out)
	if code, stderr := govscoreLimited(t, 2048, "run", proj, "-q", "-o", out); code != exitFailure || !strings.Contains(stderr, "file too large") {
		t.Fatalf("run on a full disk: exit %d, stderr %q", code, stderr)
	}
	if after := snapshot(t, out); !sameSnapshot(before, after) {
		t.Fatalf("run on a full disk changed %s", out)
	}
	noStaging(t, root)
}

// noStaging fails when a staging directory (.NAME.tmp-*) is left in dir.
func noStaging(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if len(left) > 0 {
		t.Fatalf("staging directories left: %v", left)
	}
}

// TestWriteAtomicCleansStaleStaging: the staging directory of a run killed
// while rendering is removed by the next write of the same OUT.
func TestWriteAtomicCleansStaleStaging(t *testing.T) {
	root := t.TempDir()
	stale := filepath.Join(root, ".out.tmp-4242")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(stale, "results.csv"), []byte("partial"), 0o644)
	if err := writeAtomic(filepath.Join(root, "out"), []output{{name: "results.csv", write: text("a")}}); err != nil {
		t.Fatal(err)
	}
	noStaging(t, root)
}
