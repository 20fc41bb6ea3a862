package reports

import (
	"bufio"
	"io"
	"math"
	"runtime"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/indicators"
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
func WriteResultsCSV(w io.Writer, b *batch.Batch) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	comps := b.Composites()
	ranked := b.Project.Set.RankedNodes()
	ids := make([]string, 0, len(comps)+len(ranked))
	for _, n := range comps {
		ids = append(ids, n.ID)
	}
	for _, n := range ranked {
		ids = append(ids, indicators.RankColumn(n))
	}
	line := appendHeader(nil, append(append([]string(nil), ResultsHeader...), ids...))
	if _, err := bw.Write(line); err != nil {
		return err
	}
	subs := b.Project.Data.Subjects
	for _, si := range b.Result.Order {
		r := &b.Result.Subjects[si]
		s := &subs[si]
		line = appendResultRow(line[:0], resultRow{r.Group, s.ID, s.Name, s.Kind, r.Rated, r.Rank, r.Score, r.Grade, r.Coverage, r.Vetoed})
		for _, n := range comps {
			line = append(line, ',')
			line = AppendFloat(line, r.Nodes[n.Index])
		}
		for _, n := range ranked {
			line = appendRank(line, b.Result.NodeRanks[n.Index][si])
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

// WriteIndicatorsCSV writes indicators.csv: one row per (subject, applicable
// leaf), subjects in output order and leaves in tree order. raw is the
// expression value, value the normalised value, weight the leaf's effective
// weight in the subject's score (0 when it took no part). Rows are formatted
// in parallel chunks and written in order.
func WriteIndicatorsCSV(w io.Writer, b *batch.Batch) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.Write(appendHeader(nil, IndicatorsHeader)); err != nil {
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
		// Effective weights repeat from subject to subject: format each
		// leaf's weight once per run of equal values.
		lastW := make([]float64, len(leaves))
		lastWB := make([][]byte, len(leaves))
		for l := range lastW {
			lastW[l] = math.NaN()
		}
		var id []byte
		for _, si := range order {
			id = appendCSVField(id[:0], subs[si].ID)
			for l := range leaves {
				c := cells[l].At(si)
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
	if err := writeChunked(bw, b.Result.Order, format); err != nil {
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
