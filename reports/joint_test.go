package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/govscore/govscore/synth"
)

// jointCases are views of several shapes: the test projects, the examples,
// synthetic projects (every normalisation, transforms, imputation, missing
// values, adjustments, a veto) of several sizes, more than one chunk and cell
// block among them, the published batch's view and views read back from
// results.json.
func jointCases(t *testing.T) map[string]*View {
	t.Helper()
	views := map[string]*View{}
	views["small"] = NewView(loadBatch(t, smallDir, "2024"))
	views["assessed"] = NewView(loadBatch(t, "testdata/assessed", ""))
	dirs, err := filepath.Glob("../examples/*/indicators.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, d := range dirs {
		views["example "+filepath.Base(filepath.Dir(d))] = NewView(loadBatch(t, filepath.Dir(d), ""))
	}
	for _, c := range []synth.Config{
		{Subjects: 2500, Leaves: 7, Seed: 1},
		{Subjects: 300, Leaves: 30, Seed: 2},
		{Subjects: 1100, Leaves: 13, Seed: 3},
		{Subjects: 1, Leaves: 1, Seed: 4},
	} {
		dir := t.TempDir()
		c.Period = "2024"
		if err := synth.Write(dir, c); err != nil {
			t.Fatal(err)
		}
		b := loadBatch(t, dir, "2024")
		name := fmt.Sprintf("synth %d×%d seed %d", c.Subjects, c.Leaves, c.Seed)
		views[name] = NewView(b)
		views[name+" published"] = NewView(b.Published())
	}
	for name, v := range views {
		if name != "small" && name != "synth 2500×7 seed 1" {
			continue
		}
		var js bytes.Buffer
		if err := WriteJSON(&js, v); err != nil {
			t.Fatal(err)
		}
		read, err := ReadView(&js, nil)
		if err != nil {
			t.Fatal(err)
		}
		views[name+" read back"] = read
	}
	return views
}

// TestWriteIndicatorsAndJSON checks that the joint writer gives the bytes
// of WriteIndicatorsCSV and WriteJSON for every shape of jointCases, with one
// CPU and with several.
func TestWriteIndicatorsAndJSON(t *testing.T) {
	views := jointCases(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for name, v := range views {
		var wantCSV, wantJSON bytes.Buffer
		if err := WriteIndicatorsCSV(&wantCSV, v); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&wantJSON, v); err != nil {
			t.Fatal(err)
		}
		if bytes.Count(wantCSV.Bytes(), []byte("\n")) < 2 {
			t.Fatalf("%s: indicators.csv has no cell:\n%s", name, wantCSV.Bytes())
		}
		for _, procs := range []int{1, 2, 5} {
			runtime.GOMAXPROCS(procs)
			var csv, js bytes.Buffer
			if err := WriteIndicatorsAndJSON(&csv, &js, v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.Equal(csv.Bytes(), wantCSV.Bytes()) {
				t.Errorf("%s, GOMAXPROCS %d: indicators.csv differs from WriteIndicatorsCSV's %s", name, procs, firstDiff(csv.Bytes(), wantCSV.Bytes()))
			}
			if !bytes.Equal(js.Bytes(), wantJSON.Bytes()) {
				t.Errorf("%s, GOMAXPROCS %d: results.json differs from WriteJSON's %s", name, procs, firstDiff(js.Bytes(), wantJSON.Bytes()))
			}
		}
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

var errFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		f.n = 0
		return 0, errFull
	}
	f.n -= len(p)
	return len(p), nil
}

// TestWriteIndicatorsAndJSONError checks that a failing write of either file,
// early or in the middle of the cells, is returned (and does not leave the
// writer waiting for the other file).
func TestWriteIndicatorsAndJSONError(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: 5000, Leaves: 5, Seed: 1, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	v := NewView(loadBatch(t, dir, "2024"))
	for _, n := range []int{0, 10, 300_000, 900_000} {
		if err := WriteIndicatorsAndJSON(&failAfter{n}, io.Discard, v); !errors.Is(err, errFull) {
			t.Errorf("indicators.csv failing after %d bytes: error %v, want %v", n, err, errFull)
		}
		if err := WriteIndicatorsAndJSON(io.Discard, &failAfter{n}, v); !errors.Is(err, errFull) {
			t.Errorf("results.json failing after %d bytes: error %v, want %v", n, err, errFull)
		}
	}
}
