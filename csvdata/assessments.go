package csvdata

// This file reads assessments.csv (SPEC §3, §5). It is self-contained: its
// unexported helpers carry the prefix "asmt".

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// Assessment is one row of an assessments file: a rating in a period.
type Assessment struct {
	Period dataset.Period
	assess.Rating
	// Pos is the row's position (file, line, column 1).
	Pos diag.Pos
}

// Assessments holds the rows of one or more assessments files, in file
// order. Rows whose score cell is a missing token are not kept.
type Assessments struct {
	Rows []Assessment
	// Warnings: a file read as GB18030, blank rows skipped, a file without
	// rows, rows without a score.
	Warnings []diag.Warning
}

// Periods returns the periods with at least one rating, oldest first.
func (a *Assessments) Periods() []dataset.Period {
	var out []dataset.Period
	for i := range a.Rows {
		if p := a.Rows[i].Period; !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(x, y dataset.Period) int {
		switch {
		case x.Before(y):
			return -1
		case y.Before(x):
			return 1
		}
		return 0
	})
	return out
}

// Ratings returns the ratings of period p, in file order, ready for
// assess.Combine.
func (a *Assessments) Ratings(p dataset.Period) []assess.Rating {
	var out []assess.Rating
	for i := range a.Rows {
		if a.Rows[i].Period == p {
			out = append(out, a.Rows[i].Rating)
		}
	}
	return out
}

// assessmentColumns are the required columns of an assessments file.
var assessmentColumns = []string{"period", "item", "subject", "rater", "role", "score"}

// ParseAssessments reads one assessments file named name (used in
// positions) with the columns period, item, subject, rater, role and score
// (any order; an optional note column is ignored; any other column is an
// error). items are the set's assessment items and subjects the subject
// ids of the dataset.
//
// The file is RFC 4180 CSV, UTF-8 with or without a byte order mark (or
// GB18030, with a warning, when it is not valid UTF-8 but decodes as
// GB18030); header names and cells are trimmed of white space. A row is an
// error when its period is not YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM or not in
// the format of the file's first period; its item is unknown (with a "did
// you mean"); its subject is unknown; its rater is empty; its role is not
// one of the item's roles; its rater equals its subject and the role is not
// "self"; its score is not a decimal number (a full-width character in it
// is named, with its code point and the ASCII character to type) or lies
// outside the item's scale; or it repeats a (period, item, subject, rater)
// of an earlier row (the error names that row). A score cell that is empty,
// NA, N/A, - or null means the rater gave no score: the row is skipped, with
// one warning per file. A blank row (every cell empty or white space, as
// Excel writes ",,,,,") is skipped, with one warning per file listing the
// lines of the first five.
//
// Every problem is reported at once, sorted, as a diag.List of
// file:line:col errors (columns count runes from 1); on error the result is
// nil.
func ParseAssessments(name string, data []byte, items []assess.Item, subjects []string) (*Assessments, error) {
	p := &asmtParser{name: name, items: items, budget: 20_000_000}
	p.itemIdx = make(map[string]int, len(items))
	for i := range items {
		p.itemIdx[items[i].ID] = i
		p.itemIDs = append(p.itemIDs, items[i].ID)
	}
	p.subjIdx = make(map[string]int, len(subjects))
	for i, s := range subjects {
		p.subjIdx[s] = i
	}
	p.subjects = subjects
	out := &Assessments{}
	text, ok := p.decode(data, out)
	if ok {
		p.parse(text, out)
	}
	if err := p.finish(text); err != nil {
		return nil, err
	}
	return out, nil
}

// MergeAssessments joins the assessments of several files. A (period, item,
// subject, rater) given in two files, or periods of different formats, are
// errors naming both places.
func MergeAssessments(parts ...*Assessments) (*Assessments, error) {
	type key struct {
		p                    dataset.Period
		item, subject, rater string
	}
	out := &Assessments{}
	seen := map[key]diag.Pos{}
	var first *Assessment
	var errs diag.List
	for _, a := range parts {
		for i := range a.Rows {
			r := &a.Rows[i]
			if first == nil {
				first = r
			} else if r.Period.Kind != first.Period.Kind {
				errs.Add(r.Pos, "period %s is in the format %s but %s has %s (format %s): use one period format for all data",
					r.Period, r.Period.Kind, first.Pos, first.Period, first.Period.Kind)
			}
			k := key{r.Period, r.Item, r.Subject, r.Rater}
			if at, dup := seen[k]; dup {
				errs.Add(r.Pos, "duplicate rating: rater %q already rated subject %q on item %q in %s at %s",
					r.Rater, r.Subject, r.Item, r.Period, at)
				continue
			}
			seen[k] = r.Pos
			out.Rows = append(out.Rows, *r)
		}
		out.Warnings = append(out.Warnings, a.Warnings...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	out.Warnings = diag.SortWarnings(out.Warnings)
	return out, nil
}

// asmtErr is an error at a byte column, converted to a rune column at the
// end (unless runes is set: col already counts runes).
type asmtErr struct {
	line, col int // 1-based; col 0 = the whole line
	runes     bool
	msg       string
}

// asmtKey identifies a rating for the duplicate check.
type asmtKey struct {
	p                    dataset.Period
	item, subject, rater string
}

type asmtParser struct {
	name     string
	items    []assess.Item
	itemIdx  map[string]int
	itemIDs  []string
	subjIdx  map[string]int
	subjects []string
	budget   int // candidate comparisons left for subject suggestions
	suggest  map[string]string
	errs     []asmtErr
}

func (p *asmtParser) errorf(line, col int, format string, args ...any) {
	p.errs = append(p.errs, asmtErr{line: line, col: col, msg: fmt.Sprintf(format, args...)})
}

// decode returns the file as UTF-8 without a byte order mark, recording a
// warning for GB18030 and an error for undecodable bytes.
func (p *asmtParser) decode(data []byte, out *Assessments) ([]byte, bool) {
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(dec) || bytes.ContainsRune(dec, utf8.RuneError) {
			line, col := 1, 1
			for i := 0; i < len(data); {
				r, n := utf8.DecodeRune(data[i:])
				if r == utf8.RuneError && n == 1 {
					break
				}
				if r == '\n' {
					line, col = line+1, 1
				} else {
					col++
				}
				i += n
			}
			p.errs = append(p.errs, asmtErr{line: line, col: col, runes: true,
				msg: "file is neither UTF-8 nor GB18030: save it as UTF-8 (in Excel: CSV UTF-8)"})
			return nil, false
		}
		out.Warnings = append(out.Warnings, diag.Warning{Pos: diag.Pos{File: p.name},
			Msg: "file is not valid UTF-8; read as GB18030 (save it as CSV UTF-8 to silence this warning)"})
		data = dec
	}
	return bytes.TrimPrefix(data, []byte("\uFEFF")), true
}

// parse reads the header and every row.
func (p *asmtParser) parse(text []byte, out *Assessments) {
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		p.errorf(1, 1, "file is empty: the first line must be the header %s", strings.Join(assessmentColumns, ","))
		return
	}
	if err != nil {
		p.csvError(err)
		return
	}
	col := map[string]int{}
	ok := true
	for j, h := range header {
		h = strings.TrimSpace(h)
		line, c := r.FieldPos(j)
		switch {
		case h == "":
			p.errorf(line, c, "empty column name in the header: name the column or delete it")
			ok = false
		case !slices.Contains(assessmentColumns, h) && h != "note":
			p.errorf(line, c, "unknown column %q: an assessments file has the columns %s and optionally note%s",
				h, strings.Join(assessmentColumns, ", "), diag.DidYouMean(h, append(slices.Clone(assessmentColumns), "note"), nil))
			ok = false
		default:
			if k, dup := col[h]; dup {
				p.errorf(line, c, "duplicate column %q (also column %d): delete one of them", h, k+1)
				ok = false
				continue
			}
			col[h] = j
		}
	}
	var missing []string
	for _, h := range assessmentColumns {
		if _, has := col[h]; !has {
			missing = append(missing, h)
		}
	}
	if len(missing) > 0 {
		p.errorf(1, 1, "header lacks the column(s) %s: an assessments file has the columns %s",
			strings.Join(missing, ", "), strings.Join(assessmentColumns, ","))
		ok = false
	}
	if !ok {
		return
	}
	seen := map[asmtKey]int{}
	var firstPeriod dataset.Period
	firstLine, rows, skipped, firstSkipped := 0, 0, 0, 0
	var blank blankRows
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.csvError(err)
			return
		}
		line, _ := r.FieldPos(0)
		if isBlankRow(rec) {
			blank.add(line)
			continue
		}
		rows++
		if len(rec) != len(header) {
			p.errorf(line, 0, "row has %d fields but the header has %d: quote cells that contain commas (\"a,b\") and check for missing or extra commas", len(rec), len(header))
			continue
		}
		cell := func(name string) (string, int) {
			j := col[name]
			_, c := r.FieldPos(j)
			return strings.TrimSpace(rec[j]), c
		}
		rowOK := true
		ps, pc := cell("period")
		per, perr := dataset.ParsePeriod(ps)
		switch {
		case perr != nil:
			p.errorf(line, pc, "invalid period %q: use YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM", ps)
			rowOK = false
		case firstPeriod.IsZero():
			firstPeriod, firstLine = per, line
		case per.Kind != firstPeriod.Kind:
			p.errorf(line, pc, "period %s is in the format %s but line %d has %s (format %s): use one period format for all data",
				per, per.Kind, firstLine, firstPeriod, firstPeriod.Kind)
			rowOK = false
		}
		is, ic := cell("item")
		k, itemOK := p.itemIdx[is]
		if !itemOK {
			rowOK = false
			if is == "" {
				p.errorf(line, ic, "empty item: name one of the assessment items %s", asmtQuoteList(p.itemIDs))
			} else {
				p.errorf(line, ic, "unknown assessment item %q%s", is, diag.DidYouMean(is, p.itemIDs, nil))
			}
		}
		ss, sc := cell("subject")
		si, subjOK := p.subjIdx[ss]
		if !subjOK {
			rowOK = false
			if ss == "" {
				p.errorf(line, sc, "empty subject: give the id of the subject rated")
			} else {
				p.errorf(line, sc, "unknown subject %q%s", ss, p.subjectSuggestion(ss))
			}
		}
		rs, rc := cell("rater")
		if rs == "" {
			p.errorf(line, rc, "empty rater: give the rater's id (a subject id when a subject rates)")
			rowOK = false
		}
		ro, roc := cell("role")
		var it *assess.Item
		role := -1
		if itemOK {
			it = &p.items[k]
			role = it.RoleIndex(ro)
			if role < 0 {
				names := make([]string, len(it.Roles))
				for j, rw := range it.Roles {
					names[j] = rw.Role
				}
				p.errorf(line, roc, "item %q has no role %q%s: its roles are %s", is, ro, diag.DidYouMean(ro, names, nil), asmtQuoteList(names))
				rowOK = false
			}
		}
		if rs != "" && rs == ss && ro != assess.SelfRole {
			p.errorf(line, roc, "subject %q rates itself with role %q: a self-assessment must have role %q", ss, ro, assess.SelfRole)
			rowOK = false
		}
		xs, xc := cell("score")
		var x float64
		noScore := false
		switch {
		case asmtMissing(xs):
			noScore = true
		case !asmtDecimal(xs):
			if h := fullWidthHint(xs); h != "" {
				p.errorf(line, xc, "score %q is not a number: %s", xs, h)
			} else {
				p.errorf(line, xc, "score %q is not a number (write decimals with a point: 87.5)", xs)
			}
			rowOK = false
		default:
			v, err := strconv.ParseFloat(xs, 64)
			if err != nil {
				p.errorf(line, xc, "score %q is out of range", xs)
				rowOK = false
				break
			}
			x = v + 0 // no negative zero
			if it != nil && !(x >= it.Scale[0] && x <= it.Scale[1]) {
				p.errorf(line, xc, "score %s is outside the scale [%v, %v] of item %q", xs, it.Scale[0], it.Scale[1], is)
				rowOK = false
			}
		}
		if perr == nil && itemOK && subjOK && rs != "" {
			key := asmtKey{per, p.items[k].ID, p.subjects[si], rs}
			if at, dup := seen[key]; dup {
				p.errorf(line, 0, "duplicate rating: rater %q already rated subject %q on item %q in %s at %s:%d: delete one of the rows",
					rs, ss, is, per, p.name, at)
				rowOK = false
			} else {
				key.rater = strings.Clone(rs)
				seen[key] = line
			}
		}
		if noScore {
			if skipped == 0 {
				firstSkipped = line
			}
			skipped++
			continue
		}
		if !rowOK {
			continue
		}
		out.Rows = append(out.Rows, Assessment{
			Period: per,
			Rating: assess.Rating{Item: p.items[k].ID, Subject: p.subjects[si], Rater: strings.Clone(rs),
				Role: it.Roles[role].Role, Score: x},
			Pos: diag.Pos{File: p.name, Line: line, Col: 1},
		})
	}
	if w, ok := blank.warning(p.name); ok {
		out.Warnings = append(out.Warnings, w)
	}
	if rows == 0 {
		out.Warnings = append(out.Warnings, diag.Warning{Pos: diag.Pos{File: p.name}, Msg: "assessments file has no rows"})
	}
	if skipped > 0 {
		out.Warnings = append(out.Warnings, diag.Warning{Pos: diag.Pos{File: p.name, Line: firstSkipped},
			Msg: fmt.Sprintf("%d row(s) without a score ignored (the first is here)", skipped)})
	}
}

// csvError records a CSV syntax error; reading stops after it.
func (p *asmtParser) csvError(err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		p.errorf(0, 0, "%v", err)
		return
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		p.errorf(pe.Line, pe.Column, `bare " in an unquoted cell: quote the whole cell and double the quotes inside it`)
	case errors.Is(pe.Err, csv.ErrQuote):
		p.errorf(pe.Line, pe.Column, `extraneous or missing " in a quoted cell (starting on line %d): close the quote and double every " inside it`, pe.StartLine)
	default:
		p.errorf(pe.Line, pe.Column, "malformed CSV: %v", pe.Err)
	}
}

// subjectSuggestion returns a "did you mean" for an unknown subject id,
// cached, within the comparison budget.
func (p *asmtParser) subjectSuggestion(id string) string {
	if s, ok := p.suggest[id]; ok {
		return s
	}
	if p.suggest == nil {
		p.suggest = map[string]string{}
	}
	s := diag.DidYouMean(id, p.subjects, &p.budget)
	p.suggest[id] = s
	return s
}

// finish converts byte columns to rune columns and returns the sorted list.
func (p *asmtParser) finish(text []byte) error {
	if len(p.errs) == 0 {
		return nil
	}
	var starts []int // byte offset of each line start
	if text != nil {
		starts = append(starts, 0)
		for i, b := range text {
			if b == '\n' {
				starts = append(starts, i+1)
			}
		}
	}
	var l diag.List
	for _, e := range p.errs {
		pos := diag.Pos{File: p.name, Line: e.line, Col: e.col}
		switch {
		case e.runes:
		case e.col > 1 && e.line >= 1 && e.line <= len(starts):
			s := starts[e.line-1]
			end := min(s+e.col-1, len(text))
			pos.Col = utf8.RuneCount(text[s:end]) + 1
		}
		l = append(l, &diag.Error{Pos: pos, Msg: e.msg})
	}
	return l.Err()
}

// asmtMissing reports whether a trimmed score cell means "no score": empty,
// NA, N/A, -, null (any case).
func asmtMissing(s string) bool {
	return s == "" || s == "-" || strings.EqualFold(s, "na") || strings.EqualFold(s, "n/a") || strings.EqualFold(s, "null")
}

// asmtDecimal reports whether s is [+-]? (digits [. digits*] | . digits)
// ([eE] [+-]? digits)?: no hex, NaN, Inf or underscores.
func asmtDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// asmtQuoteList formats names as "a", "b", "c".
func asmtQuoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// LoadAssessments reads, validates and merges assessments files against the
// items and the subjects of ds, and checks that their periods use the format
// of ds's metric periods (one period format per dataset). A file that cannot
// be read is returned as its I/O error; every content problem of every file
// comes back at once as a diag.List.
func LoadAssessments(files []string, items []assess.Item, ds *dataset.Dataset) (*Assessments, error) {
	if len(files) == 0 {
		return &Assessments{}, nil
	}
	ids := make([]string, ds.Len())
	for i := range ds.Subjects {
		ids[i] = ds.Subjects[i].ID
	}
	var errs diag.List
	var parts []*Assessments
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		a, err := ParseAssessments(f, data, items, ids)
		if err != nil {
			errs.Append(err)
			continue
		}
		parts = append(parts, a)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	merged, err := MergeAssessments(parts...)
	if err != nil {
		return nil, err
	}
	if ps := ds.Periods(); len(ps) > 0 {
		for i := range merged.Rows {
			r := &merged.Rows[i]
			if r.Period.Kind != ps[0].Kind {
				errs.Add(r.Pos, "period %q is %s but the metrics' periods are %s: use one period format in all data files", r.Period, r.Period.Kind, ps[0].Kind)
				break
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return merged, nil
}
