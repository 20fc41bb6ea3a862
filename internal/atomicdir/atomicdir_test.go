//go:build unix

package atomicdir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// tree is a directory's files (slash paths) and their contents.
type tree map[string]string

func readTree(t *testing.T, dir string) tree {
	t.Helper()
	out := tree{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no directory: nil, not an empty tree
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeTree(t *testing.T, dir string, tr tree) {
	t.Helper()
	for name, s := range tr {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func same(a, b tree) bool { return (a == nil) == (b == nil) && maps.Equal(a, b) }

var outputNames = map[string]bool{"results.csv": true, "results.json": true, "report.html": true, "uncertainty.csv": true}

// scenario is an old state of OUT and a commit that replaces it.
type scenario struct {
	old, write tree // old == nil: OUT does not exist
	stale      bool // remove stale outputNames
	want       tree // the new state
}

var scenarios = map[string]scenario{
	"new": {
		old:   nil,
		write: tree{"results.csv": "new csv", "results.json": "new json"},
		want:  tree{"results.csv": "new csv", "results.json": "new json"},
	},
	"outputs": {
		old:   tree{"results.csv": "old csv", "results.json": "old json", "report.html": "old html"},
		write: tree{"results.csv": "new csv", "results.json": "new json"},
		stale: true,
		want:  tree{"results.csv": "new csv", "results.json": "new json"},
	},
	"shared": {
		old:   tree{"notes.txt": "mine", "results.csv": "old csv", "report.html": "old html"},
		write: tree{"results.csv": "new csv", "uncertainty.csv": "new unc"},
		stale: true,
		want:  tree{"notes.txt": "mine", "results.csv": "new csv", "uncertainty.csv": "new unc"},
	},
	"nested": {
		old:   tree{"indicators.yaml": "old set", "data/metrics.csv": "old m", "data/extra.csv": "keep"},
		write: tree{"indicators.yaml": "new set", "data/metrics.csv": "new m", "data/subjects.csv": "new s"},
		want:  tree{"indicators.yaml": "new set", "data/metrics.csv": "new m", "data/subjects.csv": "new s", "data/extra.csv": "keep"},
	},
}

func (sc scenario) commit(dir string) error {
	var opts Options
	if sc.stale {
		opts.Stale = func(n string) bool { return outputNames[n] }
	}
	tx, err := Begin(dir, opts)
	if err != nil {
		return err
	}
	defer tx.Close()
	for _, name := range slices.Sorted(maps.Keys(sc.write)) {
		s := sc.write[name]
		if err := tx.WriteFile(name, func(w io.Writer) error { _, err := io.WriteString(w, s); return err }); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return tx.Close()
}

// TestHelperProcess is not a test: run by TestKillAtEveryStep as a
// subprocess, it commits (or recovers) and SIGKILLs itself at the k-th
// durable step.
func TestHelperProcess(t *testing.T) {
	name := os.Getenv("ATOMICDIR_HELPER")
	if name == "" {
		t.Skip("helper process")
	}
	k, _ := strconv.Atoi(os.Getenv("ATOMICDIR_KILL_AT"))
	n := 0
	crashHook = func(string) {
		if n++; n == k {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	dir := os.Getenv("ATOMICDIR_DIR")
	var err error
	if name == "recover" {
		err = Recover(dir)
	} else {
		err = scenarios[name].commit(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
}

// helper runs TestHelperProcess; it reports whether the helper was killed.
func helper(t *testing.T, what, dir string, k int) (killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ATOMICDIR_HELPER="+what, "ATOMICDIR_DIR="+dir, "ATOMICDIR_KILL_AT="+strconv.Itoa(k))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("helper %s k=%d: %v\n%s", what, k, err, out)
	}
	return false
}

// staging lists the staging directories of dir and whether one holds a
// journal.
func staging(t *testing.T, dir string) (dirs []string, journaled bool) {
	t.Helper()
	dirs, err := stagingDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, journalName)); err == nil {
			journaled = true
		}
	}
	return dirs, journaled
}

// TestKillAtEveryStep kills a commit with SIGKILL after each of its durable
// steps in turn (and, where the kill left a journal, the recovery after each
// of its steps too). Right after the kill OUT is the old or the new state
// unless a durable journal says a roll-forward is due; after Recover (what
// the next run does first) OUT is exactly the old or the new state — the new
// one whenever a journal was written — and no staging directory is left.
func TestKillAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, name := range slices.Sorted(maps.Keys(scenarios)) {
		sc := scenarios[name]
		t.Run(name, func(t *testing.T) {
			steps := 0
			for k := 1; ; k++ {
				dir := filepath.Join(t.TempDir(), "out")
				if sc.old != nil {
					writeTree(t, dir, sc.old)
				}
				if !helper(t, name, dir, k) {
					if got := readTree(t, dir); !same(got, sc.want) {
						t.Fatalf("uninterrupted commit: %v, want %v", got, sc.want)
					}
					break
				}
				steps++
				got := readTree(t, dir)
				_, journaled := staging(t, dir)
				if !journaled && !same(got, sc.old) && !same(got, sc.want) {
					t.Fatalf("killed at step %d without a journal: OUT = %v, neither old %v nor new %v", k, got, sc.old, sc.want)
				}
				want := sc.old
				if journaled || same(got, sc.want) {
					want = sc.want
				}
				if journaled {
					// Kill the recovery at each of its steps too: it stays
					// a roll-forward that the next recovery completes.
					for m := 1; helper(t, "recover", dir, m); m++ {
						if _, j := staging(t, dir); !j && !same(readTree(t, dir), sc.want) {
							t.Fatalf("commit killed at %d, recovery killed at %d: journal gone but OUT = %v", k, m, readTree(t, dir))
						}
					}
				} else if err := Recover(dir); err != nil {
					t.Fatal(err)
				}
				if got := readTree(t, dir); !same(got, want) {
					t.Fatalf("killed at step %d, then recovered: OUT = %v, want %v", k, got, want)
				}
				if left, _ := staging(t, dir); len(left) != 0 {
					t.Fatalf("killed at step %d: staging directories left after recovery: %v", k, left)
				}
			}
			if steps < 2 {
				t.Fatalf("only %d kill points", steps)
			}
			t.Logf("%d kill points", steps)
		})
	}
}

// TestBeginRemovesStaleStaging: a staging directory without a journal (a
// run killed while rendering) is removed by the next writer; look-alikes of
// other directories are not.
func TestBeginRemovesStaleStaging(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	for _, d := range []string{".out.tmp-123", ".out.tmp-x1", ".out.tmp-1.tmp-2", ".outx.tmp-1"} {
		writeTree(t, filepath.Join(root, d), tree{"results.csv": "partial"})
	}
	if err := (scenario{write: tree{"a": "1"}}).commit(dir); err != nil {
		t.Fatal(err)
	}
	var left []string
	es, _ := os.ReadDir(root)
	for _, e := range es {
		left = append(left, e.Name())
	}
	if want := []string{".out.tmp-1.tmp-2", ".out.tmp-x1", ".outx.tmp-1", "out"}; !slices.Equal(left, want) {
		t.Fatalf("left %v, want %v", left, want)
	}
}

// TestCommitRefusesDirectoryTarget: a staged file whose place is a
// directory fails before anything moves.
func TestCommitRefusesDirectoryTarget(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, tree{"results.csv": "old", "results.md/x": "x"})
	err := (scenario{write: tree{"results.csv": "new", "results.md": "new"}}).commit(dir)
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("err = %v", err)
	}
	if got := readTree(t, dir); !same(got, tree{"results.csv": "old", "results.md/x": "x"}) {
		t.Fatalf("OUT = %v after a refused commit", got)
	}
	if left, _ := staging(t, dir); len(left) != 0 {
		t.Fatalf("staging left: %v", left)
	}
}

// TestConcurrentWriters: writers of one directory are serialised; the
// result is one writer's complete set.
func TestConcurrentWriters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			s := strconv.Itoa(i)
			errs[i] = (scenario{write: tree{"results.csv": s, "results.json": s}, stale: true}).commit(dir)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got := readTree(t, dir)
	if len(got) != 2 || got["results.csv"] != got["results.json"] {
		t.Fatalf("OUT = %v: a mix of writers", got)
	}
	if left, _ := staging(t, dir); len(left) != 0 {
		t.Fatalf("staging left: %v", left)
	}
}

// TestWriteFileError: a failing writer leaves the destination untouched
// and Close removes the staging directory.
func TestWriteFileError(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, tree{"results.csv": "old"})
	tx, err := Begin(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	if err := tx.WriteFile("results.csv", func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if err := tx.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); !same(got, tree{"results.csv": "old"}) {
		t.Fatalf("OUT = %v", got)
	}
	if left, _ := staging(t, dir); len(left) != 0 {
		t.Fatalf("staging left: %v", left)
	}
	if err := tx.WriteFile("../x", nil); err == nil {
		t.Fatal("a name outside the directory was accepted")
	}
}

// TestParentNotWritable: when the staging directory cannot be created next
// to an existing destination (its parent is not writable: -o . in a home
// directory), it is created inside the destination, committed through the
// journal, and removed; a crash there is recovered the same way.
func TestParentNotWritable(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	writeTree(t, dir, tree{"notes.txt": "mine", "results.csv": "old"})
	mkdirTemp = func(d, pattern string) (string, error) {
		if d == root {
			return "", &fs.PathError{Op: "mkdirtemp", Path: d, Err: fs.ErrPermission}
		}
		return os.MkdirTemp(d, pattern)
	}
	defer func() { mkdirTemp = os.MkdirTemp }()
	sc := scenario{write: tree{"results.csv": "new", "report.html": "new"}, stale: true}
	if err := sc.commit(dir); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); !same(got, tree{"notes.txt": "mine", "results.csv": "new", "report.html": "new"}) {
		t.Fatalf("OUT = %v", got)
	}
	// A journaled staging directory left inside OUT is rolled forward.
	tx, err := Begin(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(tx.Dir()) != dir {
		t.Fatalf("staged in %s, want inside %s", tx.Dir(), dir)
	}
	tx.WriteFile("results.csv", func(w io.Writer) error { _, err := io.WriteString(w, "newer"); return err })
	if err := writeJournal(tx.Dir(), journal{Install: []string{"results.csv"}}); err != nil {
		t.Fatal(err)
	}
	tx.unlock() // "crash": the staging directory and its journal stay
	if err := Recover(dir); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); !same(got, tree{"notes.txt": "mine", "results.csv": "newer", "report.html": "new"}) {
		t.Fatalf("after recovery OUT = %v", got)
	}
	if left, _ := staging(t, dir); len(left) != 0 {
		t.Fatalf("staging left: %v", left)
	}
}
