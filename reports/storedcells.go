package reports

import "github.com/govscore/govscore/scoring"

// StoredCells renders the (subject, leaf) cells of indicators.csv and of
// results.json's "indicators" section from cells given one subject at a
// time, as a stored batch holds them (store/postgres: one batch_subjects
// row per subject, with the raw values, normalised values, statuses and
// effective weights of the leaves in tree order). It formats them with the
// code of WriteIndicatorsCSV and WriteJSON (appendCSVCells, jsonCells), so
// that the two files' cell parts can be rendered again from a stored
// batch's rows byte for byte: the groundwork for storing those parts once,
// as rows, instead of also as rendered text (BENCHMARKS.md, issue 13).
//
// Add subjects in output order until Full, append their text (AppendCSV,
// AppendJSON, or both), Reset, and go on. A StoredCells is not safe for
// concurrent use.
type StoredCells struct {
	leafIDs [][]byte // the leaves' ids as CSV fields
	blk     cellBlock
	ids     []string
	weights *runText[float64] // indicators.csv's weight texts
	js      *jsonCells
}

// StoredCellsBlock is the number of subjects a StoredCells holds at once.
const StoredCellsBlock = cellBlockSize

// NewStoredCells returns an empty StoredCells for the leaves leafIDs, in
// tree order.
func NewStoredCells(leafIDs []string) *StoredCells {
	c := &StoredCells{
		leafIDs: make([][]byte, len(leafIDs)),
		ids:     make([]string, 0, StoredCellsBlock),
		weights: newRunText(len(leafIDs), AppendFloat),
		js:      newJSONCells(len(leafIDs)),
	}
	for l, id := range leafIDs {
		c.leafIDs[l] = appendCSVField(nil, id)
	}
	c.blk.resize(StoredCellsBlock, len(leafIDs))
	return c
}

// Add adds the cells of subject, one entry per leaf: applies[l] is false
// when leaf l does not apply to the subject (its other entries are then
// not read); raw[l] is the expression value (NaN when missing), value[l]
// the normalised value (NaN when it took no part), status[l] the cell's
// status and weight[l] the leaf's effective weight. Add panics when the
// StoredCells is Full.
func (c *StoredCells) Add(subject string, applies []bool, raw, value, weight []float64, status []string) {
	j := len(c.ids)
	if j == StoredCellsBlock {
		panic("reports: StoredCells.Add on a full block")
	}
	c.ids = append(c.ids, subject)
	n := c.blk.n
	for l := range c.leafIDs {
		x := l*n + j
		if c.blk.applies[x] = applies[l]; applies[l] {
			c.blk.raw[x], c.blk.value[x], c.blk.weight[x] = raw[l], value[l], weight[l]
			c.blk.status[x] = scoring.Status(status[l])
		}
	}
}

// Len is the number of subjects added since the last Reset.
func (c *StoredCells) Len() int { return len(c.ids) }

// Full reports whether the StoredCells holds StoredCellsBlock subjects.
func (c *StoredCells) Full() bool { return len(c.ids) == StoredCellsBlock }

// AppendCSV appends indicators.csv's rows of the subjects added since the
// last Reset (the file's header is IndicatorsHeader; WriteIndicatorsCSV).
func (c *StoredCells) AppendCSV(buf []byte) []byte {
	return appendCSVCells(buf, &c.blk, c.ids, c.leafIDs, c.weights)
}

// AppendJSON appends the entries of results.json's "indicators" subjects'
// list for the subjects added since the last Reset, each starting with
// ",\n      " (the list's first entry without its comma: WriteJSON).
func (c *StoredCells) AppendJSON(buf []byte) []byte {
	return c.js.append(buf, &c.blk, c.ids, nil)
}

// Reset forgets the subjects added.
func (c *StoredCells) Reset() { c.ids = c.ids[:0] }
