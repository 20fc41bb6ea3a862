package reports

import (
	"bufio"
	"io"
	"strconv"
)

// ResultsHeader is the fixed part of the results.csv header; one column per
// composite node id follows, in tree order, then one `<id>_rank` column per
// node with `rank: true` (SPEC §4.10), in tree order.
var ResultsHeader = []string{"peer_group", "subject", "name", "kind", "status", "rank", "score", "grade", "coverage", "vetoed"}

// IndicatorsHeader is the header of indicators.csv.
var IndicatorsHeader = []string{"subject", "indicator", "raw", "value", "status", "weight"}

// WriteResultsCSV writes results.csv from the publication view: one row
// per subject in output order (peer group, rank, subject id; unrated
// subjects last in their group), the fixed columns, one column per
// composite (tree order), one `<id>_rank` column per ranked node. Unrated
// rows leave rank, score, grade and vetoed empty. A view read back from
// results.json (ReadView) gives the same bytes as the batch's own view,
// which is how `govscore report OUT --format csv` re-creates the file.
func WriteResultsCSV(w io.Writer, v *View) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var comps []int
	names := append([]string(nil), ResultsHeader...)
	for i, n := range v.Nodes {
		if !n.IsLeaf() {
			comps = append(comps, i)
			names = append(names, n.ID)
		}
	}
	ranked := v.RankedNodes()
	for _, i := range ranked {
		names = append(names, v.Nodes[i].ID+"_rank")
	}
	line := appendHeader(nil, names)
	if _, err := bw.Write(line); err != nil {
		return err
	}
	for k := range v.NumSubjects() {
		s := v.Subject(k)
		line = appendResultRow(line[:0], &s)
		for _, i := range comps {
			line = append(line, ',')
			line = AppendFloat(line, s.Nodes[i])
		}
		for _, i := range ranked {
			line = appendRank(line, v.NodeRank(k, i))
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendRank appends ",rank", or "," alone when rank is 0 (no rank).
func appendRank(line []byte, rank int) []byte {
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

// appendResultRow appends the fixed columns of a results.csv row (no
// newline): unrated rows leave rank, score, grade and vetoed empty.
func appendResultRow(line []byte, s *ViewSubject) []byte {
	line = appendCSVField(line, s.Group)
	line = append(line, ',')
	line = appendCSVField(line, s.ID)
	line = append(line, ',')
	line = appendCSVField(line, s.Name)
	line = append(line, ',')
	line = appendCSVField(line, s.Kind)
	line = append(line, ',')
	if !s.Rated {
		line = append(line, "unrated,,,,"...)
		line = AppendFloat(line, s.Coverage)
		return append(line, ',')
	}
	line = append(line, "rated,"...)
	line = strconv.AppendInt(line, int64(s.Rank), 10)
	line = append(line, ',')
	line = AppendFloat(line, s.Score)
	line = append(line, ',')
	line = appendCSVField(line, s.Grade)
	line = append(line, ',')
	line = AppendFloat(line, s.Coverage)
	line = append(line, ',')
	return strconv.AppendBool(line, s.Vetoed)
}

// WriteIndicatorsCSV writes indicators.csv from the publication view: one
// row per (subject, applicable leaf), subjects in output order and leaves
// in tree order. raw is the expression value, value the normalised value,
// weight the leaf's effective weight in the subject's score (0 when it took
// no part). Rows are formatted in parallel chunks (writeChunked) and
// written in order.
func WriteIndicatorsCSV(w io.Writer, v *View) error {
	if _, err := w.Write(appendHeader(nil, IndicatorsHeader)); err != nil {
		return err
	}
	leafIDs := make([][]byte, len(v.Leaves))
	for l, ni := range v.Leaves {
		leafIDs[l] = appendCSVField(nil, v.Nodes[ni].ID)
	}
	rows := subjectRows(v)
	format := func(rows []int, buf []byte) []byte {
		// Effective weights repeat from subject to subject: format each
		// leaf's weight once per run of equal values.
		weights := newRunText(len(leafIDs), AppendFloat)
		blk := cellBlocks.Get().(*cellBlock)
		defer cellBlocks.Put(blk)
		ids := make([]string, 0, cellBlockSize)
		for lo := 0; lo < len(rows); lo += cellBlockSize {
			block := rows[lo:min(lo+cellBlockSize, len(rows))]
			blk.fill(v, block)
			ids = ids[:0]
			for _, k := range block {
				ids = append(ids, v.subjectID(k))
			}
			buf = appendCSVCells(buf, blk, ids, leafIDs, weights)
		}
		return buf
	}
	// The chunks are written as they are: through a buffer they would be
	// copied in part.
	return writeChunked(w, rows, format)
}

// appendCSVCells appends indicators.csv's rows of the subjects of blk,
// whose ids are ids (ids[j] is the block's j-th subject): one row per
// applicable leaf, in leaf order (leafIDs, as CSV fields). weights keeps
// the text of each leaf's last weight across calls.
func appendCSVCells(buf []byte, blk *cellBlock, ids []string, leafIDs [][]byte, weights *runText[float64]) []byte {
	n := blk.n
	var id []byte
	for j, subject := range ids {
		id = appendCSVField(id[:0], subject)
		for l := range leafIDs {
			x := l*n + j
			if !blk.applies[x] {
				continue
			}
			buf = append(buf, id...)
			buf = append(buf, ',')
			buf = append(buf, leafIDs[l]...)
			buf = append(buf, ',')
			raw, value := blk.raw[x], blk.value[x]
			at := len(buf)
			buf = AppendFloat(buf, raw)
			if value == raw {
				// A value left as it was (normalize: none, a
				// goalpost of its own range): same text.
				buf = append(buf, ',')
				buf = append(buf, buf[at:len(buf)-1]...)
			} else {
				buf = append(buf, ',')
				buf = AppendFloat(buf, value)
			}
			buf = append(buf, ',')
			buf = append(buf, blk.status[x]...)
			buf = append(buf, ',')
			buf = weights.appendTo(buf, l, blk.weight[x])
			buf = append(buf, '\n')
		}
	}
	return buf
}

// subjectRows is every subject index of v, in order: the rows of the
// per-subject writers.
func subjectRows(v *View) []int {
	rows := make([]int, v.NumSubjects())
	for k := range rows {
		rows[k] = k
	}
	return rows
}
