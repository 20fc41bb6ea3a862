package postgres

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

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
	gb, err := needsGB18030(path)
	if err != nil {
		return err
	}
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
	periods := map[string]dataset.Period{}
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
		p, ok := periods[pt]
		if !ok {
			p, err = dataset.ParsePeriod(pt)
			if err != nil {
				return err
			}
			pt = strings.Clone(pt)
			periods[pt] = p
		}
		c.subject, c.period, c.periodText = k, p, p.String()
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

// needsGB18030 reports whether the file is not valid UTF-8 (csvdata has
// then read it as GB18030).
func needsGB18030(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 1<<16)
	carry := 0
	for {
		n, rerr := io.ReadFull(f, buf[carry:])
		data := buf[:carry+n]
		atEOF := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !atEOF {
			return false, rerr
		}
		end := len(data)
		if !atEOF {
			for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
				if utf8.RuneStart(data[i]) {
					if !utf8.FullRune(data[i:]) {
						end = i
					}
					break
				}
			}
		}
		if !utf8.Valid(data[:end]) {
			return true, nil
		}
		if atEOF {
			return false, nil
		}
		carry = copy(buf, data[end:])
	}
}
