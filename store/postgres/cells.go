package postgres

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
)

// cell is one given (subject, period, metric) of a metrics file.
type cell struct {
	subject    int // dataset index
	period     dataset.Period
	periodText string
	metric     string
	value      float64 // from the validated dataset; NaN = missing token
	source     string
}

// givenCells calls emit for every (subject, period, metric) cell given in
// the metric files, which csvdata has already validated into ds. The
// dataset says what each value is but not which cells a file gave (a
// column is NaN both for a missing token and for a cell no row mentions),
// so the files are read once more, with the layout rules of csvdata, to
// find the given cells and their source column.
func givenCells(ds *dataset.Dataset, files []string, emit func(cell) error) error {
	for _, f := range files {
		if err := fileCells(ds, f, emit); err != nil {
			return err
		}
	}
	return nil
}

func fileCells(ds *dataset.Dataset, path string, emit func(cell) error) error {
	utf8OK, err := csvdata.IsUTF8File(path)
	if err != nil {
		return err
	}
	gb := !utf8OK
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if gb {
		r = transform.NewReader(f, simplifiedchinese.GB18030.NewDecoder())
	}
	br := bufio.NewReaderSize(r, 1<<16)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	col := map[string]int{}
	header := make([]string, len(head))
	for j, h := range head {
		header[j] = strings.TrimSpace(h)
		if _, dup := col[header[j]]; !dup {
			col[header[j]] = j
		}
	}
	_, hasMetric := col["metric"]
	_, hasValue := col["value"]
	long := hasMetric || hasValue
	sc, pc := col["subject"], col["period"]
	srcCol, hasSrc := col["source"]
	var names []string
	if !long {
		for _, h := range header {
			switch h {
			case "subject", "period", "source", "note", "":
				continue
			}
			names = append(names, h)
		}
	}
	type periodOf struct {
		p    dataset.Period
		text string
	}
	periods := map[string]periodOf{}
	var c cell
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		id := strings.TrimSpace(rec[sc])
		k, ok := ds.SubjectIndex(id)
		if !ok {
			return errors.New("internal error: validated metrics name an unknown subject " + id)
		}
		pt := strings.TrimSpace(rec[pc])
		po, ok := periods[pt]
		if !ok {
			p, err := dataset.ParsePeriod(pt)
			if err != nil {
				return err
			}
			po = periodOf{p, p.String()}
			periods[strings.Clone(pt)] = po
		}
		p := po.p
		c.subject, c.period, c.periodText = k, p, po.text
		c.source = ""
		if hasSrc {
			c.source = strings.TrimSpace(rec[srcCol])
		}
		if long {
			c.metric = strings.TrimSpace(rec[col["metric"]])
			c.value = ds.Column(c.metric, p)[k]
			if err := emit(c); err != nil {
				return err
			}
			continue
		}
		for _, m := range names {
			c.metric = m
			c.value = ds.Column(m, p)[k]
			if err := emit(c); err != nil {
				return err
			}
		}
	}
}

// colCells are the given cells of one (metric, period) column: the
// dataset indices of their subjects and their sources, in file order until
// sortCells puts them in the order of the metrics key.
type colCells struct {
	metric     string
	period     dataset.Period
	periodText string
	metricID   int32
	existing   bool      // the database holds values of the column already
	values     []float64 // the dataset's column
	subj       []int32   // dataset indices
	src0       int32     // the source of every cell while srcs is nil
	srcs       []int32   // the source of each cell, once two differ
	sources    [][]byte  // source index → COPY text (escaped, or \N)
}

// gatherResult is what gatherCells returns.
type gatherResult struct {
	cols []*colCells
	err  error
}

// gatherCells reads the given cells of the metric files (givenCells) and
// groups them by column, each column in file order. Sources are held once
// each and by index, and per cell only in columns where they vary, so
// that a cell costs 4 or 8 bytes.
func gatherCells(ds *dataset.Dataset, files []string) ([]*colCells, error) {
	var cols []*colCells
	byPeriod := map[dataset.Period]map[string]*colCells{}
	srcIndex := map[string]int32{}
	var sources [][]byte
	var lastPeriod dataset.Period
	var byMetric map[string]*colCells
	lastSrc, lastSrcID := "", int32(-1)
	err := givenCells(ds, files, func(c cell) error {
		if byMetric == nil || c.period != lastPeriod {
			lastPeriod = c.period
			byMetric = byPeriod[c.period]
			if byMetric == nil {
				byMetric = map[string]*colCells{}
				byPeriod[c.period] = byMetric
			}
		}
		col := byMetric[c.metric]
		if col == nil {
			m := strings.Clone(c.metric)
			col = &colCells{metric: m, period: c.period, periodText: c.periodText,
				values: ds.Column(m, c.period), src0: -1}
			byMetric[m] = col
			cols = append(cols, col)
		}
		if lastSrcID < 0 || c.source != lastSrc {
			id, ok := srcIndex[c.source]
			if !ok {
				id = int32(len(sources))
				src := strings.Clone(c.source)
				srcIndex[src] = id
				if src == "" {
					sources = append(sources, []byte(`\N`))
				} else {
					sources = append(sources, appendCopyText(nil, src))
				}
			}
			lastSrc, lastSrcID = c.source, id
		}
		switch {
		case col.src0 < 0:
			col.src0 = lastSrcID
		case col.srcs == nil && lastSrcID != col.src0:
			col.srcs = make([]int32, len(col.subj), cap(col.subj))
			for i := range col.srcs {
				col.srcs[i] = col.src0
			}
		}
		if col.srcs != nil {
			col.srcs = append(col.srcs, lastSrcID)
		}
		col.subj = append(col.subj, int32(c.subject))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range cols {
		c.sources = sources
	}
	return cols, nil
}

// sortCells orders the columns and their cells as the primary key of
// metrics, (period, metric_id, subject_id), so that the server appends to
// the key's index instead of inserting all over it. subjIDs maps dataset
// indices to subject_id; metricID must be set. Periods compare bytewise,
// as the column's collation "C" does.
func sortCells(cols []*colCells, subjIDs []int32) {
	slices.SortFunc(cols, func(a, b *colCells) int {
		if c := strings.Compare(a.periodText, b.periodText); c != 0 {
			return c
		}
		return int(a.metricID) - int(b.metricID)
	})
	var keys []uint64
	for _, c := range cols {
		if slices.IsSortedFunc(c.subj, func(a, b int32) int { return int(subjIDs[a]) - int(subjIDs[b]) }) {
			continue
		}
		// subject_id (a positive int32) above the cell's position.
		keys = keys[:0]
		for i, k := range c.subj {
			keys = append(keys, uint64(subjIDs[k])<<32|uint64(i))
		}
		slices.Sort(keys)
		subj := make([]int32, len(c.subj))
		var srcs []int32
		if c.srcs != nil {
			srcs = make([]int32, len(c.srcs))
		}
		for j, key := range keys {
			i := uint32(key)
			subj[j] = c.subj[i]
			if srcs != nil {
				srcs[j] = c.srcs[i]
			}
		}
		c.subj, c.srcs = subj, srcs
	}
}

// encode writes the column's cells as COPY lines (period, metric_id,
// subject_id, value, source) followed by end, the rest of the line with
// its newline; each calls sent. A missing value is NULL; values are
// written in the shortest form that reads back as the same float64.
func (c *colCells) encode(w *copyWriter, subjIDs []int32, end []byte, sent func()) error {
	prefix := fmt.Appendf(nil, "%s\t%d\t", c.periodText, c.metricID)
	for i, k := range c.subj {
		b := append(w.line(), prefix...)
		b = strconv.AppendInt(b, int64(subjIDs[k]), 10)
		b = append(b, '\t')
		if v := c.values[k]; v != v {
			b = append(b, `\N`...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, '\t')
		src := c.src0
		if c.srcs != nil {
			src = c.srcs[i]
		}
		b = append(b, c.sources[src]...)
		b = append(b, end...)
		if err := w.endLine(b); err != nil {
			return err
		}
		sent()
	}
	return nil
}
