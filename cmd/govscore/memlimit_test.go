package main

import (
	"os"
	"path/filepath"
	"runtime"
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

// TestSetStoringMemoryLimit: storing a batch sets the soft limit to 5/4 of
// the live heap (measured after a collection) plus storeLimitHeadroom,
// keeps a lower limit in force, leaves it alone when GOMEMLIMIT is set,
// and restores the previous one.
func TestSetStoringMemoryLimit(t *testing.T) {
	env := func(v string) *env { return &env{getenv: func(string) string { return v }} }
	before := debug.SetMemoryLimit(-1)
	held := make([]byte, 64<<20)
	for i := range held {
		held[i] = byte(i)
	}
	restore := setStoringMemoryLimit(env(""))
	got := debug.SetMemoryLimit(-1)
	live := liveHeap()
	if live < uint64(len(held)) {
		t.Errorf("live heap %d, less than the %d bytes held", live, len(held))
	}
	if want := int64(live) + int64(live)/4 + 256<<20; got != want {
		t.Errorf("limit %d, want 1.25 × live heap %d + 256 MiB = %d", got, live, want)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("after restore: limit %d, want %d", got, before)
	}
	runtime.KeepAlive(held)

	debug.SetMemoryLimit(100 << 20)
	restore = setStoringMemoryLimit(env(""))
	if got := debug.SetMemoryLimit(-1); got != 100<<20 {
		t.Errorf("a lower limit in force: changed to %d", got)
	}
	restore()
	debug.SetMemoryLimit(before)

	restore = setStoringMemoryLimit(env("3GiB"))
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("GOMEMLIMIT set: limit changed to %d", got)
	}
	restore()
}

// TestDBImportRestoresMemoryLimit: `db import` sets the soft limits of
// reading and storing and restores the previous limit whether it fails
// on the files (invalid data), on the database (none answers) or not at
// all.
func TestDBImportRestoresMemoryLimit(t *testing.T) {
	const mine = 7 << 30
	prev := debug.SetMemoryLimit(mine)
	defer debug.SetMemoryLimit(prev)
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "subjects.csv"), []byte("id,name,kind\na,A,party_org\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "metrics.csv"), []byte("subject,period,x\na,2024,1,2\n"), 0o644)
	ex := filepath.Join("..", "..", "examples", "inner-mongolia-2024")
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"invalid files", []string{"db", "import", "--subjects", filepath.Join(bad, "subjects.csv"), "--metrics", filepath.Join(bad, "metrics.csv"),
			"--db", "postgres://u@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, exitInvalid},
		{"no database", []string{"db", "import", ex, "--db", "postgres://u@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, exitFailure},
	}
	if url := os.Getenv("GOVSCORE_TEST_DATABASE_URL"); url != "" {
		db := testDatabase(t)
		if code, _, errs := gov(t, "db", "migrate", "--db", db); code != exitOK {
			t.Fatalf("migrate: exit %d: %s", code, errs)
		}
		cases = append(cases, struct {
			name string
			args []string
			code int
		}{"imported", []string{"db", "import", ex, "--db", db}, exitOK})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := gov(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, errs)
			}
			if got := debug.SetMemoryLimit(-1); got != mine {
				t.Errorf("limit after db import: %d, want the previous %d", got, mine)
			}
		})
	}
}

// TestSoftLimitByGroup: the by-group limit keeper measures the heap before the
// first group, sets storingLimit of each group's live heap once it is
// scored, and before each later group storingLimit of base plus its size
// times the largest cost per subject seen, never above the limit in
// force before (cap); with GOMEMLIMIT set it changes nothing; restore
// puts the cap back.
func TestSoftLimitByGroup(t *testing.T) {
	var lives []uint64
	var limit int64 = 10 << 30
	var sets []int64
	m := &softLimit{
		measure: func() uint64 { l := lives[0]; lives = lives[1:]; return l },
		set: func(v int64) int64 {
			prev := limit
			if v >= 0 {
				limit = v
				sets = append(sets, v)
			}
			return prev
		},
		cap: 10 << 30,
	}
	const base, per = 1 << 30, 4 << 10 // 1 GiB, 4 KiB a subject
	lives = []uint64{base, base + 1000*per, base + 500*per/2}
	m.start(0, 1000)
	if len(sets) != 0 || m.base != base {
		t.Fatalf("before the first group: limits %v, base %d; want none, %d", sets, m.base, base)
	}
	m.scored(1000)
	if want := storingLimit(base + 1000*per); limit != want {
		t.Errorf("first group scored: limit %d, want %d", limit, want)
	}
	m.start(1, 2000)
	if want := storingLimit(base + 2000*per); limit != want {
		t.Errorf("before a group of 2000: limit %d, want %d", limit, want)
	}
	m.scored(500) // half the cost per subject: the largest cost stays
	if want := storingLimit(base + 500*per/2); limit != want {
		t.Errorf("second group scored: limit %d, want %d", limit, want)
	}
	m.start(2, 1000)
	if want := storingLimit(base + 1000*per); limit != want {
		t.Errorf("before a group of 1000: limit %d, want %d", limit, want)
	}
	m.start(3, 10_000_000) // more than the cap allows
	if limit != m.cap {
		t.Errorf("a group past the cap: limit %d, want the cap %d", limit, m.cap)
	}
	m.restore()
	if limit != m.cap {
		t.Errorf("restored: limit %d, want %d", limit, m.cap)
	}

	sets = nil
	off := &softLimit{measure: func() uint64 { t.Fatal("measured with GOMEMLIMIT set"); return 0 }, set: m.set, cap: m.cap, off: true}
	off.start(0, 10)
	off.scored(10)
	off.start(1, 10)
	off.restore()
	if len(sets) != 0 {
		t.Errorf("GOMEMLIMIT set: limits %v set", sets)
	}
}

// TestNewSoftLimit: a run's keeper takes the limit in force as its cap
// and is off when GOMEMLIMIT is set.
func TestNewSoftLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	debug.SetMemoryLimit(5 << 30)
	m := newSoftLimit(&env{getenv: func(string) string { return "" }})
	if m.cap != 5<<30 || m.off {
		t.Errorf("cap %d, off %v; want %d, false", m.cap, m.off, int64(5<<30))
	}
	if !newSoftLimit(&env{getenv: func(k string) string { return map[string]string{"GOMEMLIMIT": "3GiB"}[k] }}).off {
		t.Error("GOMEMLIMIT set: the keeper is on")
	}
}
