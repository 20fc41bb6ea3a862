package main

import (
	"fmt"
	"io"

	"github.com/govscore/govscore/internal/atomicdir"
	"github.com/govscore/govscore/reports"
)

// outputPair is two outputs written together, in one pass, when both are
// staged: indicators.csv and results.json share the reading and the
// formatting of every cell (reports.WriteIndicatorsAndJSON). Each output of
// the pair keeps its own write, for a caller that writes it alone.
type outputPair struct {
	first, second string // the outputs' names
	write         func(first, second io.Writer) error
}

// staged reports whether both outputs of p are among outputs.
func (p *outputPair) staged(outputs []output) bool {
	var first, second bool
	for _, o := range outputs {
		first = first || o.name == p.first && o.pair == p
		second = second || o.name == p.second && o.pair == p
	}
	return first && second
}

// stage writes both outputs of p into tx, each file open while the pair
// writes them.
func (p *outputPair) stage(tx *atomicdir.Tx) error {
	err := tx.WriteFile(p.first, func(w1 io.Writer) error {
		return tx.WriteFile(p.second, func(w2 io.Writer) error { return p.write(w1, w2) })
	})
	if err != nil {
		return fmt.Errorf("writing %s and %s: %w", p.first, p.second, err)
	}
	return nil
}

// pairCells pairs the outputs indicators.csv and results.json of v when
// outputs holds both, so that staging them formats each cell once;
// indicators.csv starts with the byte order mark f asks for, as when it is
// written alone.
func (f *outFlags) pairCells(outputs []output, v *reports.View) {
	p := &outputPair{first: "indicators.csv", second: "results.json", write: func(csv, js io.Writer) error {
		if err := f.writeBOM(csv); err != nil {
			return err
		}
		return reports.WriteIndicatorsAndJSON(csv, js, v)
	}}
	var at []int
	for i, o := range outputs {
		if o.name == p.first || o.name == p.second {
			at = append(at, i)
		}
	}
	if len(at) != 2 {
		return
	}
	for _, i := range at {
		outputs[i].pair = p
	}
}
