package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/govscore/govscore/dataset"
)

// Groups is the database as the source of a run by peer group
// (batch.GroupSource): the first call reads, from one snapshot, every
// subject and then the metric columns of the batch period and of the
// previous one, one column at a time, each written to a temporary file as
// soon as it is read; each peer group's dataset is then gathered from that
// file, and so is the data fingerprint. What is held in memory is the
// subjects and one column, rather than every column as LoadDataset holds
// them. Close removes the file. Use one Groups per batch; it is safe for
// concurrent use.
type Groups struct {
	DB *DB
	// Dir is where the columns are spilled ("" = the system's temporary
	// directory): 8 bytes per subject per column of the two periods.
	Dir     string
	Options LoadOptions // progress reports of the metric rows read

	mu       sync.Mutex
	per      dataset.Period
	loaded   bool
	subjects *dataset.Dataset
	cols     []spilled
	at       map[dataset.ColumnKey]int // index into cols
	f        *os.File
}

// spilled is one column of the file: at off, or all missing when !given
// (a metric the database holds in other periods only).
type spilled struct {
	key   dataset.ColumnKey
	off   int64
	given bool
}

// Periods is DB.Periods (batch.GroupSource).
func (g *Groups) Periods(ctx context.Context) ([]dataset.Period, error) { return g.DB.Periods(ctx) }

// Describe is DB.Describe (batch.Describer).
func (g *Groups) Describe() (name, noPeriods, noRow string) { return g.DB.Describe() }

// Subjects returns every subject, without metric columns, reading the
// period's data on first use (batch.GroupSource).
func (g *Groups) Subjects(ctx context.Context, per dataset.Period) (*dataset.Dataset, error) {
	if err := g.load(ctx, per); err != nil {
		return nil, err
	}
	return g.subjects, nil
}

// Group returns the dataset of the subjects at the indices members of
// Subjects, with every column read (batch.GroupSource).
func (g *Groups) Group(ctx context.Context, per dataset.Period, members []int) (*dataset.Dataset, error) {
	if err := g.load(ctx, per); err != nil {
		return nil, err
	}
	subs := make([]dataset.Subject, len(members))
	for j, i := range members {
		subs[j] = g.subjects.Subjects[i]
	}
	ds := dataset.New(subs, g.subjects.AttrNames)
	col := make([]float64, g.subjects.Len())
	raw := make([]byte, 8*len(col))
	for _, c := range g.cols {
		dst := ds.MutableColumn(c.key.Metric, c.key.Period)
		if !c.given {
			continue
		}
		if err := g.read(c, col, raw); err != nil {
			return nil, err
		}
		for j, i := range members {
			dst[j] = col[i]
		}
	}
	return ds, nil
}

// Fingerprint returns the fingerprint of the data set LoadDataset would
// read (batch.GroupSource), from the spilled columns.
func (g *Groups) Fingerprint(ctx context.Context, per dataset.Period) (string, error) {
	if err := g.load(ctx, per); err != nil {
		return "", err
	}
	keys := make([]dataset.ColumnKey, len(g.cols))
	for i, c := range g.cols {
		keys[i] = c.key
	}
	col := make([]float64, g.subjects.Len())
	raw := make([]byte, 8*len(col))
	return dataset.FingerprintColumns(g.subjects, keys, func(k dataset.ColumnKey) ([]float64, error) {
		c := g.cols[g.at[k]]
		if !c.given {
			for i := range col {
				col[i] = math.NaN()
			}
			return col, nil
		}
		return col, g.read(c, col, raw)
	})
}

// Close removes the spilled columns.
func (g *Groups) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.f == nil {
		return nil
	}
	err := errors.Join(g.f.Close(), os.Remove(g.f.Name()))
	g.f = nil
	return err
}

// read reads column c into col (raw: its bytes).
func (g *Groups) read(c spilled, col []float64, raw []byte) error {
	if _, err := g.f.ReadAt(raw, c.off); err != nil {
		return fmt.Errorf("reading the spilled column %s (%s): %w", c.key.Metric, c.key.Period, err)
	}
	for i := range col {
		col[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return nil
}

// load reads the subjects and spills the columns of per and per.Prev(),
// once.
func (g *Groups) load(ctx context.Context, per dataset.Period) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.loaded {
		if per != g.per {
			return fmt.Errorf("postgres.Groups: period %s read, %s asked for", g.per, per)
		}
		return nil
	}
	tx, err := g.DB.x.BeginTxx(ctx, nil)
	if err != nil {
		return g.DB.mapError(ctx, "reading the dataset", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
		return g.DB.mapError(ctx, "reading the dataset", err)
	}
	ds, index, err := g.DB.loadSubjects(ctx, tx)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(g.Dir, "govscore-columns-")
	if err != nil {
		return err
	}
	g.f, g.subjects, g.per, g.at = f, ds, per, map[dataset.ColumnKey]int{}
	col := make([]float64, ds.Len())
	raw := make([]byte, 8*len(col))
	var off, read int64
	for _, q := range []dataset.Period{per, per.Prev()} {
		var metrics []struct {
			ID   int32  `db:"metric_id"`
			Name string `db:"name"`
		}
		if err := tx.SelectContext(ctx, &metrics, sqlPeriodNames+` ORDER BY c.metric_id`, q.String()); err != nil {
			return g.DB.mapError(ctx, "reading metrics", err)
		}
		for _, m := range metrics {
			if err := g.readColumn(ctx, tx, q, m.ID, index, col, &read); err != nil {
				return err
			}
			for i, v := range col {
				binary.LittleEndian.PutUint64(raw[8*i:], math.Float64bits(v))
			}
			if _, err := f.Write(raw); err != nil {
				return err
			}
			g.add(spilled{key: dataset.ColumnKey{Metric: m.Name, Period: q}, off: off, given: true})
			off += int64(len(raw))
		}
	}
	if g.Options.Progress != nil {
		g.Options.Progress(read)
	}
	names, err := g.DB.metricNames(ctx, tx)
	if err != nil {
		return err
	}
	for _, m := range names {
		k := dataset.ColumnKey{Metric: m, Period: per}
		if _, ok := g.at[k]; ok {
			continue
		}
		if _, ok := g.at[dataset.ColumnKey{Metric: m, Period: per.Prev()}]; !ok {
			g.add(spilled{key: k})
		}
	}
	g.loaded = true
	return nil
}

// add records a spilled column.
func (g *Groups) add(c spilled) {
	g.at[c.key] = len(g.cols)
	g.cols = append(g.cols, c)
}

// readColumn reads the column of metric id in period q into col (NaN =
// missing), counting the rows into *read.
func (g *Groups) readColumn(ctx context.Context, tx rowQuerier, q dataset.Period, id int32, index []int32, col []float64, read *int64) error {
	for i := range col {
		col[i] = math.NaN()
	}
	return g.DB.readColumnBlob(ctx, tx, q, id, index, col, rowCounter(read, g.Options.Progress))
}
