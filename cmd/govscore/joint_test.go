package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestRunPairedCellWriters: `run --format csv,json` writes indicators.csv
// and results.json in one pass (outputPair); the files are byte for byte
// those of runs writing each format alone, with and without the byte order
// mark, for the test project and the examples.
func TestRunPairedCellWriters(t *testing.T) {
	for _, src := range []string{
		filepath.Join("..", "..", "reports", "testdata", "small"),
		filepath.Join("..", "..", "examples", "inner-mongolia-2024"),
		filepath.Join("..", "..", "examples", "undp-hdi-2022"),
	} {
		for _, bom := range []string{"--bom=true", "--bom=false"} {
			t.Run(filepath.Base(src)+" "+bom, func(t *testing.T) {
				dir := copyDir(t, src)
				out := map[string]string{}
				for _, format := range []string{"csv,json", "csv", "json"} {
					out[format] = filepath.Join(t.TempDir(), "out")
					if code, _, stderr := runMain(t, "run", dir, "-q", bom, "--format", format, "-o", out[format]); code != 0 {
						t.Fatalf("run --format %s: exit %d\n%s", format, code, stderr)
					}
				}
				for name, alone := range map[string]string{"indicators.csv": "csv", "results.json": "json", "results.csv": "csv"} {
					paired, err := os.ReadFile(filepath.Join(out["csv,json"], name))
					if err != nil {
						t.Fatal(err)
					}
					single, err := os.ReadFile(filepath.Join(out[alone], name))
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(paired, single) {
						t.Errorf("%s written with the other cell file differs from %s written alone", name, name)
					}
				}
			})
		}
	}
}

// TestOutputPairStaging: a pair is written by its own writer only when both
// of its outputs are staged; a failure of the pair's writer fails the write
// and installs nothing.
func TestOutputPairStaging(t *testing.T) {
	calls := 0
	p := &outputPair{first: "indicators.csv", second: "results.json", write: func(a, b io.Writer) error {
		calls++
		if _, err := io.WriteString(a, "a"); err != nil {
			return err
		}
		_, err := io.WriteString(b, "b")
		return err
	}}
	one := []output{{name: "indicators.csv", write: text("alone"), pair: p}, {name: "results.csv", write: text("r")}}
	if p.staged(one) {
		t.Error("a pair with one output staged counts as staged")
	}
	dir := t.TempDir()
	if err := writeAtomic(dir, one); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "indicators.csv")); string(b) != "alone" || calls != 0 {
		t.Errorf("indicators.csv = %q, %d pair calls: want its own writer's text and none", b, calls)
	}
	both := []output{{name: "indicators.csv", write: text("alone"), pair: p}, {name: "results.json", write: text("alone"), pair: p}}
	if err := writeAtomic(dir, both); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "indicators.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if string(a) != "a" || string(b) != "b" || calls != 1 {
		t.Errorf("indicators.csv %q, results.json %q, %d pair calls: want a, b, 1", a, b, calls)
	}
	boom := errors.New("render failed")
	p.write = func(io.Writer, io.Writer) error { return boom }
	if err := writeAtomic(dir, both); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the pair's error", err)
	}
	if a, _ := os.ReadFile(filepath.Join(dir, "indicators.csv")); string(a) != "a" {
		t.Errorf("indicators.csv = %q after a failed pair, want the earlier file", a)
	}
}
