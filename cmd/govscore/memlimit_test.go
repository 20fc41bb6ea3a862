package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/govscore/govscore/batch"
)

// TestSetMemoryLimit: a run from files sets the soft limit to
// memLimitPerByte bytes per input byte, never below memLimitFloor,
// leaves it alone when GOMEMLIMIT is set, and restores the previous one.
func TestSetMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	small, big := filepath.Join(dir, "subjects.csv"), filepath.Join(dir, "metrics.csv")
	if err := os.WriteFile(small, []byte("id,name,kind\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := debug.SetMemoryLimit(-1)
	env := func(v string) *env { return &env{getenv: func(string) string { return v }} }

	restore := setMemoryLimit(env(""), batch.Files{Subjects: small})
	if got := debug.SetMemoryLimit(-1); got != memLimitFloor {
		t.Errorf("small input: limit %d, want the floor %d", got, memLimitFloor)
	}
	restore()

	const size = 512 << 20 // sparse: takes no disk
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, size); err != nil {
		t.Fatal(err)
	}
	restore = setMemoryLimit(env(""), batch.Files{Subjects: small, Metrics: []string{big}})
	if got, want := debug.SetMemoryLimit(-1), int64(memLimitPerByte*(size+13)); got != want {
		t.Errorf("512 MiB input: limit %d, want %d", got, want)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("after restore: limit %d, want %d", got, before)
	}

	restore = setMemoryLimit(env("3GiB"), batch.Files{Subjects: small, Metrics: []string{big}})
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("GOMEMLIMIT set: limit changed to %d", got)
	}
	restore()
}
