package postgres

import (
	"slices"
	"strings"

	"github.com/govscore/govscore/dataset"
)

// importColumn is one (metric, period) column of an import: its given
// cells (which subjects, with which source) and the dataset's values. It
// holds no cell of its own: encode reads the dataset's column and the
// Given record in the order of one permutation of the subjects that all
// columns share (importOrder), so that an import holds the data once,
// in the dataset, however many columns it sends.
type importColumn struct {
	given      *dataset.GivenColumn
	values     []float64 // the dataset's column
	periodText string
	metricID   int32
	existing   bool // the database holds values of the column already
}

// importColumns returns the given columns of ds (given), in the order of
// given.Columns until sortColumns puts them in the order of the metrics
// key.
func importColumns(ds *dataset.Dataset, given *dataset.Given) []*importColumn {
	gcs := given.Columns()
	cols := make([]*importColumn, len(gcs))
	for i, g := range gcs {
		cols[i] = &importColumn{given: g, values: ds.Column(g.Metric, g.Period), periodText: g.Period.String()}
	}
	return cols
}

// sortColumns orders the columns as the primary key of metrics orders
// them, (period, metric_id); metricID must be set. Periods compare
// bytewise, as the column's collation "C" does.
func sortColumns(cols []*importColumn) {
	slices.SortFunc(cols, func(a, b *importColumn) int {
		if c := strings.Compare(a.periodText, b.periodText); c != 0 {
			return c
		}
		return int(a.metricID) - int(b.metricID)
	})
}

// importOrder returns the dataset indices of the subjects in the order of
// their database ids (subjIDs, by dataset index; distinct), the order of
// the key of metrics within a column, so that the server appends to the
// key's index instead of inserting all over it. It costs 4 bytes per
// subject (and 8 more, briefly, when the ids are not already in dataset
// order, as they are when every subject is new).
func importOrder(subjIDs []int32) []int32 {
	order := make([]int32, len(subjIDs))
	if slices.IsSorted(subjIDs) {
		for i := range order {
			order[i] = int32(i)
		}
		return order
	}
	// subject_id (a positive int32) above the dataset index.
	keys := make([]uint64, len(subjIDs))
	for i, id := range subjIDs {
		keys[i] = uint64(uint32(id))<<32 | uint64(i)
	}
	slices.Sort(keys)
	for j, key := range keys {
		order[j] = int32(uint32(key))
	}
	return order
}

// blockCounts counts what an import did to the cells of a column.
type blockCounts struct{ added, changed, unchanged int64 }

// touchedBlocks returns the numbers of the blocks that hold the column's
// given cells, in increasing order (order: the dataset indices in
// subject-id order, subjIDs: the ids by dataset index).
func (c *importColumn) touchedBlocks(order, subjIDs []int32) []int32 {
	var out []int32
	for _, k := range order {
		i := int(k)
		if !c.given.Has(i) {
			continue
		}
		if b := subjIDs[i] >> blockShift; len(out) == 0 || out[len(out)-1] != b {
			out = append(out, b)
		}
	}
	return out
}

// eachBlock builds, block by block in id order, the column's blocks as the
// import leaves them and calls emit with each: the old cells of the block
// (old, which fills ob for block number b and reports false when the
// database holds none; nil for a column new to the database) overlaid with
// the given cells, each given cell counted as added (no old cell), changed
// (another value or source: it takes the import's id, importID) or
// unchanged (the old cell stays, import id included). sources are the
// Given record's sources by index ("" for none); sent is called once per
// given cell.
func (c *importColumn) eachBlock(order, subjIDs []int32, sources []string, importID int64, old func(b int32, ob *metricBlock) (bool, error),
	counts *blockCounts, sent func(), emit func(b *metricBlock) error) error {
	g := c.given
	var nb, ob metricBlock
	var ids, idx []int32 // the current block's given cells
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		blk := ids[0] >> blockShift
		// nb starts as the block's old cells, then takes the given ones.
		nb.reset(blk << blockShift)
		if old != nil {
			hasOld, err := old(blk, &ob)
			if err != nil {
				return err
			}
			for k := 0; hasOld && k < len(ob.imports); k++ {
				if ob.imports[k] != 0 {
					nb.set(ob.first+int32(k), ob.vals[k], ob.imports[k], ob.sources[k], ob.hasSource[k])
				}
			}
		}
		for j, id := range ids {
			i := int(idx[j])
			v, src := c.values[i], sources[g.SourceIndex(i)]
			switch k := int(id - nb.first); {
			case k >= len(nb.imports) || nb.imports[k] == 0:
				counts.added++
				nb.set(id, v, importID, src, src != "")
			case (v == nb.vals[k] || (v != v && nb.vals[k] != nb.vals[k])) && (src != "") == nb.hasSource[k] && src == nb.sources[k]:
				counts.unchanged++ // the old cell stays, its import included
			default:
				counts.changed++
				nb.set(id, v, importID, src, src != "")
			}
			sent()
		}
		ids, idx = ids[:0], idx[:0]
		if !nb.trim() {
			return nil
		}
		return emit(&nb)
	}
	for _, k := range order {
		i := int(k)
		if !g.Has(i) {
			continue
		}
		id := subjIDs[i]
		if len(ids) > 0 && id>>blockShift != ids[0]>>blockShift {
			if err := flush(); err != nil {
				return err
			}
		}
		ids, idx = append(ids, id), append(idx, k)
	}
	return flush()
}
