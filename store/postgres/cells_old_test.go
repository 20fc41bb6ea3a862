package postgres

// The cell lists Import built before it read the columns straight from the
// dataset (commit efb6fb7): kept, as they were, as the reference that
// TestImportColumnsEncodeAsColCells compares the COPY streams of
// importColumn with, byte for byte.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/govscore/govscore/dataset"
)

// colCells are the given cells of one (metric, period) column: the
// dataset indices of their subjects and their sources, in dataset order
// until sortCells puts them in the order of the metrics key.
type colCells struct {
	metric     string
	period     dataset.Period
	periodText string
	metricID   int32
	values     []float64 // the dataset's column
	subj       []int32   // dataset indices
	src0       int32     // the source of every cell while srcs is nil
	srcs       []int32   // the source of each cell, once two differ
	sources    [][]byte  // source index → COPY text (escaped, or \N)
}

// columnCells converts the given cells of ds (given) into the columns
// Import sends, each in subject order. Sources are held once each and by
// index, and per cell only in columns where they vary, so that a cell
// costs 4 or 8 bytes.
func columnCells(ds *dataset.Dataset, given *dataset.Given) []*colCells {
	sources := make([][]byte, len(given.Sources()))
	for i, src := range given.Sources() {
		if src == "" {
			sources[i] = []byte(`\N`)
		} else {
			sources[i] = appendCopyText(nil, src)
		}
	}
	var cols []*colCells
	for _, g := range given.Columns() {
		c := &colCells{metric: g.Metric, period: g.Period, periodText: g.Period.String(),
			values: ds.Column(g.Metric, g.Period), sources: sources}
		n := g.Len()
		c.subj = make([]int32, 0, n)
		varies := false
		c.src0 = -1
		for i := range ds.Len() {
			if !g.Has(i) {
				continue
			}
			src := g.SourceIndex(i)
			switch {
			case c.src0 < 0:
				c.src0 = src
			case !varies && src != c.src0:
				varies = true
				c.srcs = make([]int32, len(c.subj), n)
				for k := range c.srcs {
					c.srcs[k] = c.src0
				}
			}
			if varies {
				c.srcs = append(c.srcs, src)
			}
			c.subj = append(c.subj, int32(i))
		}
		cols = append(cols, c)
	}
	return cols
}

// sortCells orders the columns and their cells as the primary key of
// metrics, (period, metric_id, subject_id), so that the server appends to
// the key's index instead of inserting all over it. subjIDs maps dataset
// indices to subject_id; metricID must be set. Periods compare bytewise,
// as the column's collation "C" does.
func sortCells(cols []*colCells, subjIDs []int32) {
	slices.SortFunc(cols, func(a, b *colCells) int {
		if c := strings.Compare(a.periodText, b.periodText); c != 0 {
			return c
		}
		return int(a.metricID) - int(b.metricID)
	})
	var keys []uint64
	for _, c := range cols {
		if slices.IsSortedFunc(c.subj, func(a, b int32) int { return int(subjIDs[a]) - int(subjIDs[b]) }) {
			continue
		}
		// subject_id (a positive int32) above the cell's position.
		keys = keys[:0]
		for i, k := range c.subj {
			keys = append(keys, uint64(subjIDs[k])<<32|uint64(i))
		}
		slices.Sort(keys)
		subj := make([]int32, len(c.subj))
		var srcs []int32
		if c.srcs != nil {
			srcs = make([]int32, len(c.srcs))
		}
		for j, key := range keys {
			i := uint32(key)
			subj[j] = c.subj[i]
			if srcs != nil {
				srcs[j] = c.srcs[i]
			}
		}
		c.subj, c.srcs = subj, srcs
	}
}

// encode writes the column's cells as COPY lines (period, metric_id,
// subject_id, value, source) followed by end, the rest of the line with
// its newline; each calls sent. A missing value is NULL; values are
// written in the shortest form that reads back as the same float64.
func (c *colCells) encode(w *copyWriter, subjIDs []int32, end []byte, sent func()) error {
	prefix := fmt.Appendf(nil, "%s\t%d\t", c.periodText, c.metricID)
	for i, k := range c.subj {
		b := append(w.line(), prefix...)
		b = strconv.AppendInt(b, int64(subjIDs[k]), 10)
		b = append(b, '\t')
		if v := c.values[k]; v != v {
			b = append(b, `\N`...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, '\t')
		src := c.src0
		if c.srcs != nil {
			src = c.srcs[i]
		}
		b = append(b, c.sources[src]...)
		b = append(b, end...)
		if err := w.endLine(b); err != nil {
			return err
		}
		sent()
	}
	return nil
}
