package csvdata

// Survey exports (SPEC §3.1, `layout: survey`): one row per respondent,
// one column per question; every answer becomes a rating.

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/diag"
)

// surveyColumns is the header surveyRows gives: an assessments file's.
var surveyColumns = []string{"period", "item", "subject", "rater", "role", "score"}

// surveyRows turns the rows of a survey export into assessments records:
// one per non-empty answer, with the constant period and item, the
// question's subject, the rater (the file's prefix and the respondent
// cell), the role (constant or from its column, mapped through values) and
// the score (the answer's label mapped to a score, or a number).
type surveyRows struct {
	problems
	in      rowReader
	m       *datamap.File
	prefix  string
	resolve func(string) (string, diag.Text, bool) // subject as written → id, or ok false and an error message
	byteCol bool

	started  bool
	qcol     []int    // input column of each question kept
	qsubj    []string // its subject id
	raterCol int
	roleCol  int // -1 for a constant role
	labels   string

	in0   []string   // the input record
	queue [][]string // records left from the current input row
	qidx  []int      // their question's input column
	cur   int        // the question column of the record last returned
	line  int
	rec   []string
}

func newSurveyRows(in rowReader, m *datamap.File, prefix string, byteCol bool, resolve func(string) (string, diag.Text, bool)) *surveyRows {
	keys := make([]string, 0, len(m.Labels))
	for k := range m.Labels {
		keys = append(keys, strconv.Quote(k))
	}
	sort.Strings(keys)
	return &surveyRows{in: in, m: m, prefix: prefix, resolve: resolve, byteCol: byteCol, roleCol: -1, labels: strings.Join(keys, ", ")}
}

func (r *surveyRows) addAt(col int, format string, args ...any) {
	line, c := r.in.FieldPos(col)
	r.list = append(r.list, cellProblem{line: line, col: c, msg: diag.Textf(format, clipArgs(args)...), byteCol: r.byteCol})
}

func (r *surveyRows) start() error {
	r.started = true
	hs, line, err := headerCells(r.in, &r.problems, r.m.HeaderRow)
	if err != nil {
		return err
	}
	r.line = line
	ok := true
	if r.raterCol = findHeader(&r.problems, hs, r.m.Rater, line, "rater"); r.raterCol < 0 {
		ok = false
	}
	if r.m.RoleColumn != "" {
		if r.roleCol = findHeader(&r.problems, hs, r.m.RoleColumn, line, "role"); r.roleCol < 0 {
			ok = false
		}
	}
	for _, q := range r.m.Questions {
		j := findHeader(&r.problems, hs, q.Header, line, fmt.Sprintf("question (mapped at %s)", q.Pos))
		if j < 0 {
			ok = false
			continue
		}
		id, msg, found := r.resolve(q.Subject)
		if !found {
			r.addAt(j, "question %q (mapped at %s): %s", q.Header, q.Pos, msg)
			ok = false
			continue
		}
		r.qcol = append(r.qcol, j)
		r.qsubj = append(r.qsubj, id)
	}
	if !ok {
		return io.EOF
	}
	return nil
}

func (r *surveyRows) Read() ([]string, error) {
	if !r.started {
		if err := r.start(); err != nil {
			return nil, err
		}
		return surveyColumns, nil
	}
	for len(r.queue) == 0 {
		in, err := r.in.Read()
		if err != nil {
			return nil, err
		}
		r.line, _ = r.in.FieldPos(0)
		r.in0 = append(r.in0[:0], in...)
		r.fill()
	}
	r.rec, r.cur = r.queue[0], r.qidx[0]
	r.queue, r.qidx = r.queue[1:], r.qidx[1:]
	return r.rec, nil
}

// cell returns input cell j, trimmed ("" past the row's end).
func (r *surveyRows) cell(j int) string {
	if j < 0 || j >= len(r.in0) {
		return ""
	}
	return strings.TrimSpace(r.in0[j])
}

// fill queues the records of the current input row.
func (r *surveyRows) fill() {
	rater := r.cell(r.raterCol)
	if rater != "" {
		rater = r.prefix + rater
	}
	role := r.m.Role
	if r.roleCol >= 0 {
		role = r.cell(r.roleCol)
		if v, ok := r.m.Values["role"][role]; ok {
			role = v
		}
	}
	for k, j := range r.qcol {
		ans := r.cell(j)
		if ans == "" {
			continue
		}
		score, ok := r.m.Labels[ans]
		text := ans
		switch {
		case ok:
			text = strconv.FormatFloat(score, 'f', -1, 64)
		case asmtDecimal(ans):
		default:
			r.addAt(j, "answer %q is neither a number nor a label: add it to labels (%s) in the indicator set, or correct the answer", ans, r.labels)
			continue
		}
		r.queue = append(r.queue, []string{r.m.Period, r.m.Item, r.qsubj[k], rater, role, text})
		r.qidx = append(r.qidx, j)
	}
}

// FieldPos gives the input cell of each column: the answer for subject
// and score, the respondent for rater, the role cell; the row for the
// constants.
func (r *surveyRows) FieldPos(j int) (int, int) {
	col := -1
	switch j {
	case 2, 5:
		col = r.cur
	case 3:
		col = r.raterCol
	case 4:
		col = r.roleCol
	}
	if col < 0 {
		return r.line, 0
	}
	return r.in.FieldPos(col)
}

func (r *surveyRows) drain() []cellProblem {
	l := r.problems.drain()
	if p, ok := r.in.(problemReader); ok {
		l = append(l, p.drain()...)
	}
	return l
}
