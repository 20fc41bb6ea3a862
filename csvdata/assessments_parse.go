package csvdata

// The parser of assessments.csv (assessments.go): header, rows, errors.

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// asmtErr is an error at a byte column, converted to a rune column at the
// end (unless runes is set: col already counts runes).
type asmtErr struct {
	line, col int // 1-based; col 0 = the whole line
	runes     bool
	msg       diag.Text
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
	// sheet is the worksheet read, "" for a CSV file: positions are
	// then cells (columns need no conversion).
	sheet string
	// names finds subjects by name (subject_by: name), nil otherwise.
	names *nameIndex
	// mapFailed is set once the reader found problems of its own.
	mapFailed bool
	suggest   map[string]string
	errs      []asmtErr
	omitted   int // errors past diag.MaxCollected: counted, not kept
}

func (p *asmtParser) errorf(line, col int, format string, args ...any) {
	if len(p.errs) >= diag.MaxCollected {
		p.omitted++
		return
	}
	p.errs = append(p.errs, asmtErr{line: line, col: col, msg: diag.Textf(format, clipArgs(args)...)})
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
				msg: diag.Textf("file is neither UTF-8 nor GB18030: save it as UTF-8 (in Excel: CSV UTF-8)")})
			return nil, false
		}
		out.Warnings = append(out.Warnings, diag.Warning{Pos: diag.Pos{File: p.name},
			Msg: "file is not valid UTF-8; read as GB18030 (save it as CSV UTF-8 to silence this warning)"})
		data = dec
	}
	return bytes.TrimPrefix(data, []byte("\uFEFF")), true
}

// parse reads the CSV text.
func (p *asmtParser) parse(text []byte, out *Assessments) {
	r := csv.NewReader(newLimitReader(bytes.NewReader(text)))
	r.FieldsPerRecord = -1
	p.parseRows(r, out)
}

// read reads the next record of r and records the problems its reader
// found.
func (p *asmtParser) read(r rowReader) ([]string, error) {
	rec, err := r.Read()
	if pr, ok := r.(problemReader); ok {
		for _, x := range pr.drain() {
			p.mapFailed = true
			if len(p.errs) >= diag.MaxCollected {
				p.omitted++
				continue
			}
			p.errs = append(p.errs, asmtErr{line: x.line, col: x.col, runes: !x.byteCol, msg: x.msg})
		}
	}
	return rec, err
}

// parseRows reads the header and every row: the stages header, row (one
// rating's cells, each checked by a rowX method) and warnings.
func (p *asmtParser) parseRows(r rowReader, out *Assessments) {
	col, nf, ok := p.header(r)
	if !ok {
		return
	}
	st := &asmtRows{r: r, col: col, seen: map[asmtKey]int{}}
	for {
		rec, err := p.read(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			p.csvError(err)
			return
		}
		line, _ := r.FieldPos(0)
		if isBlankRow(rec) {
			st.blank.add(line)
			continue
		}
		st.rows++
		if len(rec) != nf {
			p.errorf(line, 0, "row has %d fields but the header has %d: quote cells that contain commas (\"a,b\") and check for missing or extra commas", len(rec), nf)
			continue
		}
		if !p.noControlChars(r, col, rec, line) {
			continue
		}
		if a, ok := p.row(st, rec, line); ok {
			out.Rows = append(out.Rows, a)
		}
	}
	p.warnings(st, out)
}

// header reads the header row and returns the index of each column, the
// number of fields, and whether the header is usable (every problem is
// recorded).
func (p *asmtParser) header(r rowReader) (col map[string]int, fields int, ok bool) {
	header, err := p.read(r)
	if err == io.EOF {
		if p.mapFailed {
			return nil, 0, false
		}
		p.errorf(1, 1, "file is empty: the first line must be the header %s", strings.Join(assessmentColumns, ","))
		return nil, 0, false
	}
	if err != nil {
		p.csvError(err)
		return nil, 0, false
	}
	col = map[string]int{}
	ok = true
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
	return col, len(header), ok
}

// asmtRows is the state of the row loop: the columns, the ratings seen
// (for duplicates), the file's period format, and the counts behind the
// file's warnings.
type asmtRows struct {
	r           rowReader
	col         map[string]int
	seen        map[asmtKey]int // rating → line
	firstPeriod dataset.Period
	firstLine   int
	rows        int // rows read, blank rows aside
	skipped     int // rows without a score
	skipLine    int // the first of them
	blank       blankRows
}

// asmtCell is one trimmed cell of a row and its byte column.
type asmtCell struct {
	text string
	col  int
}

// cell returns the cell of column name in rec.
func (st *asmtRows) cell(rec []string, name string) asmtCell {
	j := st.col[name]
	_, c := st.r.FieldPos(j)
	return asmtCell{strings.TrimSpace(rec[j]), c}
}

// row checks the cells of one row, recording every problem, and returns
// its rating when the row is valid and has a score.
func (p *asmtParser) row(st *asmtRows, rec []string, line int) (Assessment, bool) {
	ps, is, ss, rs, ro, xs := st.cell(rec, "period"), st.cell(rec, "item"), st.cell(rec, "subject"),
		st.cell(rec, "rater"), st.cell(rec, "role"), st.cell(rec, "score")
	per, parsed, perOK := p.rowPeriod(st, ps, line)
	k, itemOK := p.rowItem(is, line)
	si, subjOK := p.rowSubject(ss, line)
	raterOK := rs.text != ""
	if !raterOK {
		p.errorf(line, rs.col, "empty rater: give the rater's id (a subject id when a subject rates)")
	}
	var it *assess.Item
	role, roleOK := -1, true
	if itemOK {
		it = &p.items[k]
		role, roleOK = p.rowRole(it, is.text, ro, line)
	}
	selfOK := p.rowSelf(ss.text, rs.text, ro, line)
	x, noScore, scoreOK := p.rowScore(it, is.text, xs, line)
	unique := true
	if parsed && itemOK && subjOK && raterOK {
		unique = p.rowUnique(st, asmtKey{per, it.ID, p.subjects[si], rs.text}, ss.text, is.text, line)
	}
	if noScore {
		if st.skipped == 0 {
			st.skipLine = line
		}
		st.skipped++
		return Assessment{}, false
	}
	if !perOK || !itemOK || !subjOK || !raterOK || !roleOK || !selfOK || !scoreOK || !unique {
		return Assessment{}, false
	}
	return Assessment{
		Period: per,
		Rating: assess.Rating{Item: it.ID, Subject: p.subjects[si], Rater: strings.Clone(rs.text),
			Role: it.Roles[role].Role, Score: x},
		Pos: diag.Pos{File: p.name, Sheet: p.sheet, Line: line, Col: 1},
	}, true
}

// rowPeriod checks the period cell: a valid period (parsed) in the file's
// format, that of its first period (ok).
func (p *asmtParser) rowPeriod(st *asmtRows, c asmtCell, line int) (per dataset.Period, parsed, ok bool) {
	per, err := dataset.ParsePeriod(c.text)
	switch {
	case err != nil:
		p.errorf(line, c.col, "invalid period %q: use YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM", c.text)
		return per, false, false
	case st.firstPeriod.IsZero():
		st.firstPeriod, st.firstLine = per, line
	case per.Kind != st.firstPeriod.Kind:
		p.errorf(line, c.col, "period %s is in the format %s but line %d has %s (format %s): use one period format for all data",
			per, per.Kind, st.firstLine, st.firstPeriod, st.firstPeriod.Kind)
		return per, true, false
	}
	return per, true, true
}

// rowItem checks the item cell and returns the item's index.
func (p *asmtParser) rowItem(c asmtCell, line int) (int, bool) {
	k, ok := p.itemIdx[c.text]
	switch {
	case ok:
	case c.text == "":
		p.errorf(line, c.col, "empty item: name one of the assessment items %s", asmtQuoteList(p.itemIDs))
	default:
		p.errorf(line, c.col, "unknown assessment item %q%s", c.text, diag.DidYouMean(c.text, p.itemIDs, nil))
	}
	return k, ok
}

// rowSubject checks the subject cell and returns the subject's index.
func (p *asmtParser) rowSubject(c asmtCell, line int) (int, bool) {
	if p.names != nil {
		si, msg, ok := p.names.lookup(c.text)
		if !ok {
			p.errorf(line, c.col, "%s", msg)
		}
		return si, ok
	}
	si, ok := p.subjIdx[c.text]
	switch {
	case ok:
	case c.text == "":
		p.errorf(line, c.col, "empty subject: give the id of the subject rated")
	default:
		p.errorf(line, c.col, "unknown subject %q%s", c.text, p.subjectSuggestion(c.text))
	}
	return si, ok
}

// rowRole checks that the item it has the role in the role cell and
// returns the role's index.
func (p *asmtParser) rowRole(it *assess.Item, item string, c asmtCell, line int) (int, bool) {
	role := it.RoleIndex(c.text)
	if role >= 0 {
		return role, true
	}
	names := make([]string, len(it.Roles))
	for j, rw := range it.Roles {
		names[j] = rw.Role
	}
	p.errorf(line, c.col, "item %q has no role %q%s: its roles are %s", item, c.text, diag.DidYouMean(c.text, names, nil), asmtQuoteList(names))
	return role, false
}

// rowSelf checks that a subject rating itself does so with the self role.
func (p *asmtParser) rowSelf(subject, rater string, role asmtCell, line int) bool {
	if rater != "" && rater == subject && role.text != assess.SelfRole {
		p.errorf(line, role.col, "subject %q rates itself with role %q: a self-assessment must have role %q", subject, role.text, assess.SelfRole)
		return false
	}
	return true
}

// rowScore checks the score cell: a decimal within the item's scale (it,
// when known), or a missing token (noScore: the row is skipped).
func (p *asmtParser) rowScore(it *assess.Item, item string, c asmtCell, line int) (x float64, noScore, ok bool) {
	xs := c.text
	switch {
	case asmtMissing(xs):
		return 0, true, true
	case !asmtDecimal(xs):
		if h := fullWidthHint(xs); h != "" {
			p.errorf(line, c.col, "score %q is not a number: %s", xs, h)
		} else {
			p.errorf(line, c.col, "score %q is not a number (write decimals with a point: 87.5)", xs)
		}
		return 0, false, false
	}
	v, err := strconv.ParseFloat(xs, 64)
	if err != nil {
		p.errorf(line, c.col, "score %q is out of range", xs)
		return 0, false, false
	}
	x = v + 0 // no negative zero
	if it != nil && !(x >= it.Scale[0] && x <= it.Scale[1]) {
		p.errorf(line, c.col, "score %s is outside the scale [%v, %v] of item %q", xs, it.Scale[0], it.Scale[1], item)
		return x, false, false
	}
	return x, false, true
}

// rowUnique checks that the rating key was not given before in the file.
func (p *asmtParser) rowUnique(st *asmtRows, key asmtKey, subject, item string, line int) bool {
	if at, dup := st.seen[key]; dup {
		p.errorf(line, 0, "duplicate rating: rater %q already rated subject %q on item %q in %s at %s: delete one of the rows",
			key.rater, subject, item, key.p, diag.Pos{File: p.name, Sheet: p.sheet, Line: at})
		return false
	}
	key.rater = strings.Clone(key.rater)
	st.seen[key] = line
	return true
}

// warnings records the file's warnings: blank rows skipped, no rows, rows
// without a score.
func (p *asmtParser) warnings(st *asmtRows, out *Assessments) {
	if w, ok := st.blank.warning(p.name, p.sheet); ok {
		out.Warnings = append(out.Warnings, w)
	}
	if st.rows == 0 {
		out.Warnings = append(out.Warnings, diag.Warning{Pos: diag.Pos{File: p.name}, Msg: "assessments file has no rows"})
	}
	if st.skipped > 0 {
		out.Warnings = append(out.Warnings, diag.Warning{Pos: diag.Pos{File: p.name, Line: st.skipLine},
			Msg: fmt.Sprintf("%d row(s) without a score ignored (the first is here)", st.skipped)})
	}
}

// csvError records a CSV syntax error; reading stops after it.
func (p *asmtParser) csvError(err error) {
	var pe *csv.ParseError
	if le := (*limitError)(nil); errors.As(err, &le) {
		p.errs = append(p.errs, asmtErr{line: le.line, col: 1, runes: true, msg: diag.Textf("%s", le.Error())})
		return
	}
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
		pos := diag.Pos{File: p.name, Sheet: p.sheet, Line: e.line, Col: e.col}
		switch {
		case e.runes || p.sheet != "":
		case e.col > 1 && e.line >= 1 && e.line <= len(starts):
			s := starts[e.line-1]
			end := min(s+e.col-1, len(text))
			pos.Col = utf8.RuneCount(text[s:end]) + 1
		}
		l = append(l, e.msg.At(pos))
	}
	l.AddOmitted(p.omitted)
	return l.Err()
}

// asmtMissing reports whether a trimmed score cell means "no score": empty,
// NA, N/A, -, null (any case).
func asmtMissing(s string) bool {
	return s == "" || s == "-" || strings.EqualFold(s, "na") || strings.EqualFold(s, "n/a") || strings.EqualFold(s, "null")
}

// asmtDecimal reports whether s is [+-]? (digits [. digits*] | . digits)
// ([eE] [+-]? digits)?: no hex, NaN, Inf or underscores (diag.IsDecimal
// after an optional sign).
func asmtDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return diag.IsDecimal(s)
}

// asmtQuoteList formats names as "a", "b", "c".
func asmtQuoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// noControlChars records an error for each cell of a row that holds a
// control character (NUL, ESC…): ids and roles reach terminals, outputs
// and PostgreSQL. The note may hold line breaks and tabs.
func (p *asmtParser) noControlChars(r rowReader, col map[string]int, rec []string, line int) bool {
	ok := true
	for j, cell := range rec {
		allowed := ""
		if j == col["note"] {
			if _, has := col["note"]; has {
				allowed = "\n\r\t"
			}
		}
		if _, what, bad := dataset.ControlChar(cell, allowed); bad {
			_, c := r.FieldPos(j)
			name := ""
			for h, k := range col {
				if k == j {
					name = h
				}
			}
			p.errorf(line, c, "column %q: %s: ids and roles must not hold control characters; delete it", name, what)
			ok = false
		}
	}
	return ok
}
