package reports

import (
	"io"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/scoring"
)

// WriteIndicatorsAndJSON writes indicators.csv to csv and results.json to
// js from the publication view v: the bytes of WriteIndicatorsCSV and
// WriteJSON, in one pass over the cells. Each block of cells is read once
// and each raw value, normalised value and effective weight formatted once,
// into results.json's text, which indicators.csv's rows copy (a missing
// number, null there, is an empty field here). The two files are written
// concurrently, each in order: indicators.csv while results.json writes its
// "indicators" section. WriteIndicatorsCSV and WriteJSON, for
// one of the files alone, do not take this path.
func WriteIndicatorsAndJSON(csv, js io.Writer, v *View) error {
	if _, err := csv.Write(appendHeader(nil, IndicatorsHeader)); err != nil {
		return err
	}
	return writeJSON(js, v, func(j *jw, v *View) {
		ids := beginCells(j, v)
		if j.err != nil {
			return
		}
		leafIDs := make([][]byte, len(ids))
		for l, id := range ids {
			leafIDs[l] = appendCSVField(nil, id)
		}
		format := func(rows []int, bufs [][]byte) {
			bufs[0], bufs[1] = appendCellsBoth(bufs[0], bufs[1], v, rows, leafIDs)
		}
		if w := j.chunks(); j.err == nil {
			j.err = writeChunkedTo([]io.Writer{w, csv}, subjectRows(v), format)
		}
		endCells(j)
	})
}

// span is where a number's text is in results.json's chunk buffer.
type span struct{ at, end int }

// appendSpan appends the text of s in js to csv as a CSV field: "null"
// (a missing number) is the empty field.
func appendSpan(csv, js []byte, s span) []byte {
	if t := js[s.at:s.end]; string(t) != "null" {
		csv = append(csv, t...)
	}
	return csv
}

// appendCellsBoth appends the cells of the subjects at view positions rows
// to js, as writeCells does for results.json, and to csv, as
// WriteIndicatorsCSV does for indicators.csv (leafIDs are the leaves' ids
// as CSV fields): each number is formatted into js, and csv copies its
// text.
func appendCellsBoth(js, csv []byte, v *View, rows []int, leafIDs [][]byte) ([]byte, []byte) {
	nl := len(leafIDs)
	blk := cellBlocks.Get().(*cellBlock)
	defer cellBlocks.Put(blk)
	raws, values, weightAt := make([]span, nl), make([]span, nl), make([]span, nl)
	// Effective weights and statuses repeat from subject to subject: each
	// leaf's is formatted once per run of equal values.
	weights := newRunText(nl, diag.AppendJSONFloat)
	statuses := newRunText(nl, func(b []byte, st scoring.Status) []byte { return diag.AppendJSONString(b, string(st)) })
	var id []byte
	for lo := 0; lo < len(rows); lo += cellBlockSize {
		block := rows[lo:min(lo+cellBlockSize, len(rows))]
		blk.fill(v, block)
		n := len(block)
		for j, k := range block {
			subject := v.subjectID(k)
			js = append(js, ",\n      {\"subject\": "...)
			js = diag.AppendJSONString(js, subject)
			js = append(js, ", \"raw\": ["...)
			for l := range nl {
				if l > 0 {
					js = append(js, ',')
				}
				x := l*n + j
				at := len(js)
				if !blk.applies[x] {
					js = append(js, "null"...)
				} else {
					js = diag.AppendJSONFloat(js, blk.raw[x])
				}
				raws[l] = span{at, len(js)}
			}
			js = append(js, "], \"value\": ["...)
			for l := range nl {
				if l > 0 {
					js = append(js, ',')
				}
				x := l*n + j
				at := len(js)
				switch value := blk.value[x]; {
				case !blk.applies[x]:
					js = append(js, "null"...)
				case value == blk.raw[x]:
					js = append(js, js[raws[l].at:raws[l].end]...)
				default:
					js = diag.AppendJSONFloat(js, value)
				}
				values[l] = span{at, len(js)}
			}
			js = append(js, "], \"status\": ["...)
			js = appendJSONRuns(js, statuses, blk.status, blk.applies, nl, n, j)
			js = append(js, "], \"weight\": ["...)
			for l := range nl {
				if l > 0 {
					js = append(js, ',')
				}
				x := l*n + j
				at := len(js)
				if !blk.applies[x] {
					js = append(js, "null"...)
				} else {
					js = weights.appendTo(js, l, blk.weight[x])
				}
				weightAt[l] = span{at, len(js)}
			}
			js = append(js, "]}"...)

			id = appendCSVField(id[:0], subject)
			for l := range nl {
				x := l*n + j
				if !blk.applies[x] {
					continue
				}
				csv = append(csv, id...)
				csv = append(csv, ',')
				csv = append(csv, leafIDs[l]...)
				csv = append(csv, ',')
				csv = appendSpan(csv, js, raws[l])
				csv = append(csv, ',')
				csv = appendSpan(csv, js, values[l])
				csv = append(csv, ',')
				csv = append(csv, blk.status[x]...)
				csv = append(csv, ',')
				csv = appendSpan(csv, js, weightAt[l])
				csv = append(csv, '\n')
			}
		}
	}
	return js, csv
}
