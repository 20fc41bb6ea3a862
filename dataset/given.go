package dataset

import (
	"math/bits"
	"slices"
	"strings"
)

// Given records which cells of a dataset its input gave — a number or a
// missing token such as "NA" — and the source of each (the metrics files'
// optional source column). A dataset column is NaN both for a missing
// token and for a cell no row mentions; Given tells them apart, as a store
// of record must: a given missing cell is stored as missing, a cell not
// given is not stored at all.
//
// Build one with NewGiven and mark the cells with GivenColumn.Mark; after
// that it is read-only and safe for concurrent use.
type Given struct {
	n       int
	cols    map[colKey]*GivenColumn
	sources []string         // distinct sources, by index
	index   map[string]int32 // source → index
}

// GivenColumn is the given cells of one (metric, period) column.
type GivenColumn struct {
	Metric string
	Period Period

	g    *Given
	bits []uint64 // by subject index
	src  []int32  // the source of each subject's cell; nil while all are src0
	src0 int32    // -1 until the first cell

	lastSrc   string
	lastSrcID int32
}

// NewGiven returns an empty record for a dataset of n subjects.
func NewGiven(n int) *Given {
	return &Given{n: n, cols: map[colKey]*GivenColumn{}, index: map[string]int32{}}
}

// Column returns the given cells of metric in period p, creating the
// column when absent.
func (g *Given) Column(metric string, p Period) *GivenColumn {
	k := colKey{metric, p}
	if c, ok := g.cols[k]; ok {
		return c
	}
	metric = strings.Clone(metric)
	c := &GivenColumn{Metric: metric, Period: p, g: g, bits: make([]uint64, (g.n+63)/64), src0: -1, lastSrcID: -1}
	g.cols[colKey{metric, p}] = c
	return c
}

// Columns returns the columns with at least one given cell, sorted by
// period and metric.
func (g *Given) Columns() []*GivenColumn {
	out := make([]*GivenColumn, 0, len(g.cols))
	for _, c := range g.cols {
		if c.src0 >= 0 {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *GivenColumn) int {
		if a.Period != b.Period {
			if a.Period.Before(b.Period) {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Metric, b.Metric)
	})
	return out
}

// Sources returns the distinct sources, indexed as GivenColumn.SourceIndex
// says ("" is no source).
func (g *Given) Sources() []string { return g.sources }

// sourceID returns the index of source, adding it.
func (g *Given) sourceID(source string) int32 {
	id, ok := g.index[source]
	if !ok {
		id = int32(len(g.sources))
		source = strings.Clone(source)
		g.sources = append(g.sources, source)
		g.index[source] = id
	}
	return id
}

// Mark records that the input gave subject i's cell, from source.
func (c *GivenColumn) Mark(i int, source string) {
	c.bits[i>>6] |= 1 << (i & 63)
	if c.lastSrcID < 0 || source != c.lastSrc {
		c.lastSrcID = c.g.sourceID(source)
		c.lastSrc = c.g.sources[c.lastSrcID]
	}
	id := c.lastSrcID
	switch {
	case c.src0 < 0:
		c.src0 = id
	case c.src == nil && id != c.src0:
		c.src = make([]int32, c.g.n)
		for k := range c.src {
			c.src[k] = c.src0
		}
	}
	if c.src != nil {
		c.src[i] = id
	}
}

// Has reports whether subject i's cell was given.
func (c *GivenColumn) Has(i int) bool { return c.bits[i>>6]&(1<<(i&63)) != 0 }

// Len is the number of given cells.
func (c *GivenColumn) Len() int {
	n := 0
	for _, w := range c.bits {
		n += bits.OnesCount64(w)
	}
	return n
}

// SourceIndex returns the index in Given.Sources of subject i's source.
func (c *GivenColumn) SourceIndex(i int) int32 {
	if c.src != nil {
		return c.src[i]
	}
	return c.src0
}

// GivenAll records every non-missing cell of ds as given, without a
// source: the given cells of a dataset built in memory (every value set is
// given; a missing value is indistinguishable from a cell not given).
func GivenAll(ds *Dataset) *Given {
	g := NewGiven(ds.Len())
	for k, col := range ds.cols {
		var c *GivenColumn
		for i, v := range col {
			if v == v {
				if c == nil {
					c = g.Column(k.metric, k.period)
				}
				c.Mark(i, "")
			}
		}
	}
	return g
}
