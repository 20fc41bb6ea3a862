package reports

import "io"

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
// as CSV fields): each number is formatted into js (jsonCells), and csv
// copies its text.
func appendCellsBoth(js, csv []byte, v *View, rows []int, leafIDs [][]byte) ([]byte, []byte) {
	blk := cellBlocks.Get().(*cellBlock)
	defer cellBlocks.Put(blk)
	f := newJSONCells(len(leafIDs))
	subjects := make([]string, 0, cellBlockSize)
	var id []byte
	row := func(j int, js []byte) {
		id = appendCSVField(id[:0], subjects[j])
		for l := range leafIDs {
			x := l*blk.n + j
			if !blk.applies[x] {
				continue
			}
			csv = append(csv, id...)
			csv = append(csv, ',')
			csv = append(csv, leafIDs[l]...)
			csv = append(csv, ',')
			csv = appendSpan(csv, js, f.raws[l])
			csv = append(csv, ',')
			csv = appendSpan(csv, js, f.values[l])
			csv = append(csv, ',')
			csv = append(csv, blk.status[x]...)
			csv = append(csv, ',')
			csv = appendSpan(csv, js, f.weightAt[l])
			csv = append(csv, '\n')
		}
	}
	for lo := 0; lo < len(rows); lo += cellBlockSize {
		block := rows[lo:min(lo+cellBlockSize, len(rows))]
		blk.fill(v, block)
		subjects = subjects[:0]
		for _, k := range block {
			subjects = append(subjects, v.subjectID(k))
		}
		js = f.append(js, blk, subjects, row)
	}
	return js, csv
}
