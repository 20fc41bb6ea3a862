package postgres

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

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

// copySources returns the sources of given as COPY text, by source index
// (escaped, or \N for none).
func copySources(given *dataset.Given) [][]byte {
	sources := make([][]byte, len(given.Sources()))
	for i, src := range given.Sources() {
		if src == "" {
			sources[i] = []byte(`\N`)
		} else {
			sources[i] = appendCopyText(nil, src)
		}
	}
	return sources
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

// encode writes the column's given cells, subject by subject in order
// (dataset indices), as COPY lines (period, metric_id, subject_id, value,
// source) followed by end, the rest of the line with its newline; each
// calls sent. subjIDs maps dataset indices to subject_id, sources source
// indices to their COPY text. A missing value is NULL; values are written
// in the shortest form that reads back as the same float64.
func (c *importColumn) encode(w *copyWriter, order, subjIDs []int32, sources [][]byte, end []byte, sent func()) error {
	prefix := fmt.Appendf(nil, "%s\t%d\t", c.periodText, c.metricID)
	g := c.given
	for _, k := range order {
		i := int(k)
		if !g.Has(i) {
			continue
		}
		b := append(w.line(), prefix...)
		b = strconv.AppendInt(b, int64(subjIDs[i]), 10)
		b = append(b, '\t')
		if v := c.values[i]; v != v {
			b = append(b, `\N`...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, '\t')
		b = append(b, sources[g.SourceIndex(i)]...)
		b = append(b, end...)
		if err := w.endLine(b); err != nil {
			return err
		}
		sent()
	}
	return nil
}

// binSources returns the sources of given as they go into COPY's binary
// format, by source index: the text, or nil for none (NULL).
func binSources(given *dataset.Given) [][]byte {
	sources := make([][]byte, len(given.Sources()))
	for i, src := range given.Sources() {
		if src != "" {
			sources[i] = []byte(src)
		}
	}
	return sources
}

// pgEpochMicros is 2000-01-01 00:00:00 UTC, the origin of PostgreSQL's
// binary timestamps, in microseconds since the Unix epoch.
const pgEpochMicros = 946_684_800_000_000

// binImportTail returns the last two fields of a metrics row in COPY's
// binary format: import_id (bigint) and loaded_at (timestamptz: the
// microseconds since 2000-01-01 UTC).
func binImportTail(importID int64, loadedAt time.Time) []byte {
	b := binInt64(nil, importID)
	return binInt64(b, loadedAt.UnixMicro()-pgEpochMicros)
}

// encodeBinary is encode in COPY's binary format: each given cell is a
// tuple of fields fields (period, metric_id, subject_id, value, source,
// then tail, the fields that follow, already encoded). sources are as
// binSources returns them. A missing value (NaN) is NULL; every other
// value goes as its bits, as the text format's shortest form reads back.
func (c *importColumn) encodeBinary(w *copyWriter, order, subjIDs []int32, sources [][]byte, fields int16, tail []byte, sent func()) error {
	prefix := appendInt16(nil, fields)
	prefix = binText(prefix, c.periodText)
	prefix = binInt32(prefix, c.metricID)
	g := c.given
	for _, k := range order {
		i := int(k)
		if !g.Has(i) {
			continue
		}
		b := append(w.line(), prefix...)
		b = binInt32(b, subjIDs[i])
		if v := c.values[i]; v != v {
			b = binNull(b)
		} else {
			b = appendInt32(b, 8)
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
		}
		if src := sources[g.SourceIndex(i)]; src == nil {
			b = binNull(b)
		} else {
			b = binText(b, src)
		}
		b = append(b, tail...)
		if err := w.endLine(b); err != nil {
			return err
		}
		sent()
	}
	return nil
}
