package reports

import (
	"bufio"
	"io"
	"math"
	"runtime"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/batch"
)

// ResultsHeader is the fixed part of the results.csv header; one column per
// composite node id follows, in tree order, then one `<id>_rank` column per
// node with `rank: true` (SPEC §4.10), in tree order.
var ResultsHeader = []string{"peer_group", "subject", "name", "kind", "status", "rank", "score", "grade", "coverage", "vetoed"}

// IndicatorsHeader is the header of indicators.csv.
var IndicatorsHeader = []string{"subject", "indicator", "raw", "value", "status", "weight"}

// WriteResultsCSV writes results.csv: one row per subject in output order
// (peer group, rank, subject id; unrated subjects last in their group).
// Unrated rows leave rank, score, grade and vetoed empty.
func WriteResultsCSV(w io.Writer, b *batch.Batch) error { return writeResultsCSV(w, batchResults(b)) }

// WriteViewResultsCSV writes results.csv from a View (e.g. one read back from
// results.json by ReadView) with the writer WriteResultsCSV uses, so that
// `govscore report OUT --format csv` re-creates the CSV files of a published
// batch from its results.json byte for byte.
func WriteViewResultsCSV(w io.Writer, v *View) error { return writeResultsCSV(w, viewResults(v)) }

// WriteIndicatorsCSV writes indicators.csv: one row per (subject, applicable
// leaf), subjects in output order and leaves in tree order. raw is the
// expression value, value the normalised value, weight the leaf's effective
// weight in the subject's score (0 when it took no part). Rows are formatted
// in parallel chunks and written in order.
func WriteIndicatorsCSV(w io.Writer, b *batch.Batch) error {
	return writeIndicatorsCSV(w, batchCells(b))
}

// WriteViewIndicatorsCSV writes indicators.csv from a View, with the writer
// WriteIndicatorsCSV uses.
func WriteViewIndicatorsCSV(w io.Writer, v *View) error { return writeIndicatorsCSV(w, viewCells(v)) }

// resultsTable is what results.csv is written from: row k (output order)
// has the fixed columns, the value of composite column c and the rank on
// ranked node c (0 = none).
type resultsTable struct {
	comps, ranked []string // composite ids; ranked node ids
	n             int
	fixed         func(k int) resultRow
	node          func(k, c int) float64
	rank          func(k, c int) int32
}

// batchResults is the results table of a scored batch.
func batchResults(b *batch.Batch) resultsTable {
	comps := b.Composites()
	ranked := b.Project.Set.RankedNodes()
	t := resultsTable{n: len(b.Result.Order)}
	for _, n := range comps {
		t.comps = append(t.comps, n.ID)
	}
	for _, n := range ranked {
		t.ranked = append(t.ranked, n.ID)
	}
	subs, res, order := b.Project.Data.Subjects, b.Result, b.Result.Order
	t.fixed = func(k int) resultRow {
		si := order[k]
		r, s := &res.Subjects[si], &subs[si]
		return resultRow{r.Group, s.ID, s.Name, s.Kind, r.Rated, r.Rank, r.Score, r.Grade, r.Coverage, r.Vetoed}
	}
	t.node = func(k, c int) float64 { return res.Subjects[order[k]].Nodes[comps[c].Index] }
	t.rank = func(k, c int) int32 { return res.NodeRanks[ranked[c].Index][order[k]] }
	return t
}

// viewResults is the results table of a View.
func viewResults(v *View) resultsTable {
	var comps []int
	t := resultsTable{n: len(v.Subjects)}
	for i, n := range v.Nodes {
		if !n.Leaf {
			comps = append(comps, i)
			t.comps = append(t.comps, n.ID)
		}
	}
	ranked := v.RankedNodes()
	for _, i := range ranked {
		t.ranked = append(t.ranked, v.Nodes[i].ID)
	}
	t.fixed = func(k int) resultRow {
		s := &v.Subjects[k]
		return resultRow{s.Group, s.ID, s.Name, s.Kind, s.Rated, s.Rank, s.Score, s.Grade, s.Coverage, s.Vetoed}
	}
	t.node = func(k, c int) float64 { return v.Subjects[k].Nodes[comps[c]] }
	t.rank = func(k, c int) int32 { return int32(v.Subjects[k].Ranks[ranked[c]]) }
	return t
}

// writeResultsCSV writes results.csv from t: the fixed columns, one column
// per composite, one `<id>_rank` column per ranked node.
func writeResultsCSV(w io.Writer, t resultsTable) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	names := append(append([]string(nil), ResultsHeader...), t.comps...)
	for _, id := range t.ranked {
		names = append(names, id+"_rank")
	}
	line := appendHeader(nil, names)
	if _, err := bw.Write(line); err != nil {
		return err
	}
	for k := 0; k < t.n; k++ {
		line = appendResultRow(line[:0], t.fixed(k))
		for c := range t.comps {
			line = append(line, ',')
			line = AppendFloat(line, t.node(k, c))
		}
		for c := range t.ranked {
			line = appendRank(line, t.rank(k, c))
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendRank appends ",rank", or "," alone when rank is 0 (no rank).
func appendRank(line []byte, rank int32) []byte {
	line = append(line, ',')
	if rank > 0 {
		line = strconv.AppendInt(line, int64(rank), 10)
	}
	return line
}

// appendHeader appends a CSV header line of the given column names.
func appendHeader(line []byte, names []string) []byte {
	for i, h := range names {
		if i > 0 {
			line = append(line, ',')
		}
		line = appendCSVField(line, h)
	}
	return append(line, '\n')
}

// resultRow is the fixed part of a results.csv row.
type resultRow struct {
	group, id, name, kind string
	rated                 bool
	rank                  int
	score                 float64
	grade                 string
	coverage              float64
	vetoed                bool
}

// appendResultRow appends the fixed columns of a results.csv row (no
// newline): unrated rows leave rank, score, grade and vetoed empty.
func appendResultRow(line []byte, r resultRow) []byte {
	line = appendCSVField(line, r.group)
	line = append(line, ',')
	line = appendCSVField(line, r.id)
	line = append(line, ',')
	line = appendCSVField(line, r.name)
	line = append(line, ',')
	line = appendCSVField(line, r.kind)
	line = append(line, ',')
	if !r.rated {
		line = append(line, "unrated,,,,"...)
		line = AppendFloat(line, r.coverage)
		return append(line, ',')
	}
	line = append(line, "rated,"...)
	line = strconv.AppendInt(line, int64(r.rank), 10)
	line = append(line, ',')
	line = AppendFloat(line, r.score)
	line = append(line, ',')
	line = appendCSVField(line, r.grade)
	line = append(line, ',')
	line = AppendFloat(line, r.coverage)
	line = append(line, ',')
	return strconv.AppendBool(line, r.vetoed)
}

// cellsTable is what indicators.csv is written from: the leaf ids, and for
// row k (output order) the subject id and its cell of leaf l.
type cellsTable struct {
	leaves []string
	n      int
	id     func(k int) string
	cell   func(k, l int) ViewCell
}

// batchCells is the cells table of a scored batch, read from its columns.
func batchCells(b *batch.Batch) cellsTable {
	t := cellsTable{n: len(b.Result.Order)}
	for _, n := range b.Project.Set.Leaves {
		t.leaves = append(t.leaves, n.ID)
	}
	subs, cells, order := b.Project.Data.Subjects, b.Result.Cells, b.Result.Order
	t.id = func(k int) string { return subs[order[k]].ID }
	t.cell = func(k, l int) ViewCell {
		c := cells[l].Published(order[k])
		return ViewCell{Applies: c.Applies, Raw: c.Raw, Value: c.Value, Weight: c.Weight, Status: string(c.Status)}
	}
	return t
}

// viewCells is the cells table of a View.
func viewCells(v *View) cellsTable {
	t := cellsTable{n: len(v.Subjects)}
	for _, i := range v.Leaves {
		t.leaves = append(t.leaves, v.Nodes[i].ID)
	}
	t.id = func(k int) string { return v.Subjects[k].ID }
	t.cell = v.Cell
	return t
}

// writeIndicatorsCSV writes indicators.csv from t, formatting rows in
// parallel chunks (writeChunked).
func writeIndicatorsCSV(w io.Writer, t cellsTable) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.Write(appendHeader(nil, IndicatorsHeader)); err != nil {
		return err
	}
	leafIDs := make([][]byte, len(t.leaves))
	for l, id := range t.leaves {
		leafIDs[l] = appendCSVField(nil, id)
	}
	rows := make([]int, t.n)
	for k := range rows {
		rows[k] = k
	}
	format := func(rows []int, buf []byte) []byte {
		// Effective weights repeat from subject to subject: format each
		// leaf's weight once per run of equal values.
		lastW := make([]float64, len(leafIDs))
		lastWB := make([][]byte, len(leafIDs))
		for l := range lastW {
			lastW[l] = math.NaN()
		}
		var id []byte
		for _, k := range rows {
			id = appendCSVField(id[:0], t.id(k))
			for l := range leafIDs {
				c := t.cell(k, l)
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
				if c.Weight != lastW[l] {
					lastW[l] = c.Weight
					lastWB[l] = AppendFloat(lastWB[l][:0], c.Weight)
				}
				buf = append(buf, lastWB[l]...)
				buf = append(buf, '\n')
			}
		}
		return buf
	}
	if err := writeChunked(bw, rows, format); err != nil {
		return err
	}
	return bw.Flush()
}

// writeChunked formats order in chunks on all CPUs and writes the chunks in
// order, so the output is identical to a sequential run. Formatting of later
// chunks overlaps the writing of earlier ones, and chunk buffers are reused.
func writeChunked(w io.Writer, order []int, format func(order []int, buf []byte) []byte) error {
	const chunk = 1024
	workers := runtime.GOMAXPROCS(0)
	nchunks := (len(order) + chunk - 1) / chunk
	if nchunks == 0 {
		return nil
	}
	inflight := 2 * workers
	pool := make(chan []byte, inflight)
	for i := 0; i < inflight; i++ {
		pool <- nil
	}
	slots := make([]chan []byte, nchunks)
	for i := range slots {
		slots[i] = make(chan []byte, 1)
	}
	next := make(chan int, nchunks)
	for i := 0; i < nchunks; i++ {
		next <- i
	}
	close(next)
	var g errgroup.Group
	stop := make(chan struct{})
	for k := 0; k < workers; k++ {
		g.Go(func() error {
			for i := range next {
				var buf []byte
				select {
				case buf = <-pool:
				case <-stop:
					return nil
				}
				lo := i * chunk
				hi := min(lo+chunk, len(order))
				slots[i] <- format(order[lo:hi], buf[:0])
			}
			return nil
		})
	}
	var err error
	for i := 0; i < nchunks; i++ {
		buf := <-slots[i]
		if err == nil {
			_, err = w.Write(buf)
		}
		if err != nil {
			close(stop)
			// Drain so that the workers can finish.
			for j := i + 1; j < nchunks; j++ {
				select {
				case <-slots[j]:
				default:
				}
			}
			break
		}
		pool <- buf
	}
	if err != nil {
		go func() { _ = g.Wait() }()
		return err
	}
	return g.Wait()
}
