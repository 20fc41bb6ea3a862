package reports

import (
	"bufio"
	"io"
	"runtime"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/batch"
)

// ResultsHeader is the fixed part of the results.csv header; one column per
// composite node id follows, in tree order.
var ResultsHeader = []string{"peer_group", "subject", "name", "kind", "status", "rank", "score", "grade", "coverage", "vetoed"}

// IndicatorsHeader is the header of indicators.csv.
var IndicatorsHeader = []string{"subject", "indicator", "raw", "value", "status", "weight"}

// WriteResultsCSV writes results.csv: one row per subject in output order
// (peer group, rank, subject id; unrated subjects last in their group).
// Unrated rows leave rank, score, grade and vetoed empty.
func WriteResultsCSV(w io.Writer, b *batch.Batch) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	comps := b.Composites()
	var line []byte
	for i, h := range ResultsHeader {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, h...)
	}
	for _, n := range comps {
		line = append(line, ',')
		line = appendCSVField(line, n.ID)
	}
	line = append(line, '\n')
	if _, err := bw.Write(line); err != nil {
		return err
	}
	subs := b.Project.Data.Subjects
	for _, si := range b.Result.Order {
		r := &b.Result.Subjects[si]
		s := &subs[si]
		line = line[:0]
		line = appendCSVField(line, r.Group)
		line = append(line, ',')
		line = appendCSVField(line, s.ID)
		line = append(line, ',')
		line = appendCSVField(line, s.Name)
		line = append(line, ',')
		line = appendCSVField(line, s.Kind)
		line = append(line, ',')
		if r.Rated {
			line = append(line, "rated,"...)
			line = strconv.AppendInt(line, int64(r.Rank), 10)
			line = append(line, ',')
			line = AppendFloat(line, r.Score)
			line = append(line, ',')
			line = appendCSVField(line, r.Grade)
			line = append(line, ',')
			line = AppendFloat(line, r.Coverage)
			line = append(line, ',')
			line = strconv.AppendBool(line, r.Vetoed)
		} else {
			line = append(line, "unrated,,,,"...)
			line = AppendFloat(line, r.Coverage)
			line = append(line, ',')
		}
		for _, n := range comps {
			line = append(line, ',')
			line = AppendFloat(line, r.Nodes[n.Index])
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteIndicatorsCSV writes indicators.csv: one row per (subject, applicable
// leaf), subjects in output order and leaves in tree order. raw is the
// expression value, value the normalised value, weight the leaf's effective
// weight in the subject's score (0 when it took no part). Rows are formatted
// in parallel chunks and written in order.
func WriteIndicatorsCSV(w io.Writer, b *batch.Batch) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	head := []byte{}
	for i, h := range IndicatorsHeader {
		if i > 0 {
			head = append(head, ',')
		}
		head = append(head, h...)
	}
	head = append(head, '\n')
	if _, err := bw.Write(head); err != nil {
		return err
	}
	leaves := b.Project.Set.Leaves
	subs := b.Project.Data.Subjects
	cells := b.Result.Cells
	leafIDs := make([][]byte, len(leaves))
	for l, n := range leaves {
		leafIDs[l] = appendCSVField(nil, n.ID)
	}
	format := func(order []int, buf []byte) []byte {
		for _, si := range order {
			id := appendCSVField(nil, subs[si].ID)
			for l := range leaves {
				c := &cells[l][si]
				if !c.Applies {
					continue
				}
				buf = append(buf, id...)
				buf = append(buf, ',')
				buf = append(buf, leafIDs[l]...)
				buf = append(buf, ',')
				buf = AppendFloat(buf, c.Raw)
				buf = append(buf, ',')
				buf = AppendFloat(buf, c.Value)
				buf = append(buf, ',')
				buf = append(buf, c.Status...)
				buf = append(buf, ',')
				buf = AppendFloat(buf, c.Weight)
				buf = append(buf, '\n')
			}
		}
		return buf
	}
	if err := writeChunked(bw, b.Result.Order, format); err != nil {
		return err
	}
	return bw.Flush()
}

// writeChunked formats order in chunks on all CPUs and writes the chunks in
// order, so output is identical to a sequential run.
func writeChunked(w io.Writer, order []int, format func(order []int, buf []byte) []byte) error {
	const chunk = 2048
	workers := runtime.GOMAXPROCS(0)
	for start := 0; start < len(order); start += chunk * workers {
		var g errgroup.Group
		bufs := make([][]byte, workers)
		for k := 0; k < workers; k++ {
			lo := start + k*chunk
			if lo >= len(order) {
				break
			}
			hi := min(lo+chunk, len(order))
			g.Go(func() error {
				bufs[k] = format(order[lo:hi], make([]byte, 0, 64*1024))
				return nil
			})
		}
		_ = g.Wait()
		for _, buf := range bufs {
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	return nil
}
