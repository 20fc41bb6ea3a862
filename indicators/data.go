package indicators

// The `data:` section (SPEC §3.1): how data files map onto the layouts.

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// The keys of a `data:` file entry, by section.
var (
	dataKeys         = []string{"subjects", "metrics", "assessments"}
	dataFileKeys     = []string{"file", "sheet", "header_row", "columns", "values"}
	dataMetricKeys   = append(append([]string{}, dataFileKeys...), "layout", "subject_by", "period", "thousands")
	dataAssessKeys   = append(append([]string{}, dataFileKeys...), "layout", "subject_by", "period", "thousands", "item", "role", "rater", "questions", "labels")
	subjectColumns   = []string{"id", "name", "kind", "parent"}
	metricColumns    = []string{"subject", "period", "metric", "value", "source", "note"}
	assessColumns    = []string{"period", "item", "subject", "rater", "role", "score", "note"}
	maxDataHeaderRow = 1 << 20
)

// dataMap reads the `data:` section, nil when absent.
func (r *reader) dataMap(f *field) *datamap.Map {
	if f == nil {
		return nil
	}
	m := r.mapping(f.value, "data", f.valuePos(r))
	if m == nil {
		return nil
	}
	d := &datamap.Map{Pos: f.keyPos}
	if sf := m.get("subjects"); sf != nil {
		d.Subjects = r.dataFile(sf.raw, "data.subjects", "subjects")
	}
	d.Metrics = r.dataFiles(m.get("metrics"), "metrics")
	d.Assessments = r.dataFiles(m.get("assessments"), "assessments")
	r.unknown(m, dataKeys)
	return d
}

// dataFiles reads a list of file entries (a single entry is a list of one).
func (r *reader) dataFiles(f *field, section string) []*datamap.File {
	if f == nil {
		return nil
	}
	nodes := []ast.Node{f.raw}
	if s, ok := f.value.(*ast.SequenceNode); ok {
		nodes = s.Values
	}
	var out []*datamap.File
	for i, n := range nodes {
		what := "data." + section
		if len(nodes) > 1 || f.value != r.resolve(n) {
			what = "data." + section + "[" + strconv.Itoa(i) + "]"
		}
		if df := r.dataFile(n, what, section); df != nil {
			out = append(out, df)
		}
	}
	return out
}

// dataFile reads one file entry: a mapping, or a string naming the file.
func (r *reader) dataFile(n ast.Node, what, section string) *datamap.File {
	pos := r.pos(n)
	df := &datamap.File{Pos: pos}
	if s, ok := r.resolve(n).(*ast.StringNode); ok {
		df.Path = s.Value
		if !r.dataPath(df, pos, what) {
			return nil
		}
		return df
	}
	m := r.mapping(n, what, pos)
	if m == nil {
		return nil
	}
	allowed := dataFileKeys
	switch section {
	case "metrics":
		allowed = dataMetricKeys
	case "assessments":
		allowed = dataAssessKeys
	}
	ok := r.require(m, "file")
	if f := m.get("file"); f != nil {
		if s, sok := r.str(f); sok {
			df.Path = s
			ok = r.dataPath(df, f.valuePos(r), what+".file") && ok
		} else {
			ok = false
		}
	}
	if f := m.get("sheet"); f != nil {
		if s, sok := r.str(f); sok && strings.TrimSpace(s) != "" {
			df.Sheet = s
		} else if sok {
			r.errorf(f.valuePos(r), "%s.sheet: empty sheet name; leave the key out to read the first sheet", what)
		}
	}
	if f := m.get("header_row"); f != nil {
		if v, iok := r.integer(f); iok {
			if v < 1 || v > maxDataHeaderRow {
				r.errorf(f.valuePos(r), "%s.header_row: %d is not a row number (1 to %d)", what, v, maxDataHeaderRow)
			}
			df.HeaderRow = v
		}
	}
	if f := m.get("layout"); f != nil {
		choices := []string{datamap.LayoutWide, datamap.LayoutLong}
		if section == "assessments" {
			choices = []string{datamap.LayoutSurvey}
		}
		df.Layout, _ = r.enum(f, choices...)
	}
	if f := m.get("subject_by"); f != nil {
		df.SubjectBy, _ = r.enum(f, "id", "name")
	}
	if f := m.get("period"); f != nil {
		if s, tok := r.text(f); tok {
			if p, err := dataset.ParsePeriod(s); err != nil {
				r.errorf(f.valuePos(r), "%s.period: %v", what, err)
			} else {
				df.Period = p.String()
			}
		}
	}
	if f := m.get("thousands"); f != nil {
		df.Thousands, _ = r.boolean(f)
	}
	known := subjectColumns
	switch section {
	case "metrics":
		known = metricColumns
	case "assessments":
		known = assessColumns
	}
	if f := m.get("columns"); f != nil {
		df.Columns = r.dataColumns(f, what, section, known)
	}
	if f := m.get("values"); f != nil {
		df.Values = r.dataValues(f, what)
	}
	if f := m.get("item"); f != nil {
		df.Item, _ = r.str(f)
	}
	if f := m.get("rater"); f != nil {
		df.Rater, _ = r.text(f)
	}
	if f := m.get("role"); f != nil {
		if rm, isMap := f.value.(*ast.MappingNode); isMap {
			sub := r.mapping(rm, what+".role", f.valuePos(r))
			if r.require(sub, "column") {
				if c := sub.get("column"); c != nil {
					df.RoleColumn, _ = r.text(c)
				}
			}
			r.unknown(sub, []string{"column"})
		} else {
			df.Role, _ = r.str(f)
		}
	}
	if f := m.get("questions"); f != nil {
		df.Questions = r.dataQuestions(f, what)
	}
	if f := m.get("labels"); f != nil {
		df.Labels = r.dataLabels(f, what)
	}
	r.unknown(m, allowed)
	if df.Layout == datamap.LayoutSurvey {
		for _, k := range []string{"item", "rater", "questions", "period"} {
			if !m.has(k) {
				r.errorf(m.pos, "%s: a survey export needs %q", what, k)
			}
		}
		if !m.has("role") {
			r.errorf(m.pos, "%s: a survey export needs \"role\" (a role, or {column: header})", what)
		}
	} else if section == "assessments" {
		for _, k := range []string{"rater", "questions", "labels"} {
			if m.has(k) {
				r.errorf(m.get(k).keyPos, "%s.%s: only for a survey export (layout: survey)", what, k)
			}
		}
	}
	if !ok {
		return nil
	}
	return df
}

// dataPath checks the path of a file entry: relative, inside the project,
// .csv or .xlsx.
func (r *reader) dataPath(df *datamap.File, dp diag.Pos, what string) bool {
	p := df.Path
	clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(p)))
	switch {
	case strings.TrimSpace(p) == "":
		r.errorf(dp, "%s: empty file name", what)
		return false
	case filepath.IsAbs(p) || strings.HasPrefix(p, "/") || clean == ".." || strings.HasPrefix(clean, "../"):
		r.errorf(dp, "%s: %q is outside the project: name a file relative to the directory of the indicator set, e.g. data/名单.xlsx", what, p)
		return false
	}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".csv", ".xlsx":
	case ".xls":
		r.errorf(dp, "%s: %q is an Excel 97-2003 workbook (.xls): open it in Excel and save it as .xlsx", what, p)
		return false
	default:
		r.errorf(dp, "%s: %q is neither .csv nor .xlsx", what, p)
		return false
	}
	df.Path = clean
	return true
}

// dataColumns reads `columns: {govscore column: header}`.
func (r *reader) dataColumns(f *field, what, section string, known []string) []datamap.Column {
	m := r.mapping(f.value, what+".columns", f.valuePos(r))
	if m == nil {
		return nil
	}
	var out []datamap.Column
	headers := map[string]string{}
	for _, e := range m.fields {
		e.used = true
		name := e.key
		if !contains(known, name) && (section == "assessments" || !dataset.IsIdentifier(name)) {
			if s := suggest(name, known); s != "" {
				r.errorf(e.keyPos, "%s.columns: unknown column %q (did you mean %q?)", what, name, s)
			} else {
				r.errorf(e.keyPos, "%s.columns: unknown column %q; the columns are %s", what, name, strings.Join(known, ", "))
			}
			continue
		}
		h, ok := r.text(e)
		if !ok {
			continue
		}
		h = strings.TrimSpace(h)
		if h == "" {
			r.errorf(e.valuePos(r), "%s.columns.%s: empty header", what, name)
			continue
		}
		if prev, dup := headers[h]; dup {
			r.errorf(e.valuePos(r), "%s.columns: header %q is mapped to both %q and %q", what, h, prev, name)
			continue
		}
		headers[h] = name
		out = append(out, datamap.Column{Name: name, Header: h, Pos: e.keyPos})
	}
	return out
}

// dataValues reads `values: {column: {cell text: value}}`.
func (r *reader) dataValues(f *field, what string) map[string]map[string]string {
	m := r.mapping(f.value, what+".values", f.valuePos(r))
	if m == nil {
		return nil
	}
	out := map[string]map[string]string{}
	for _, e := range m.fields {
		e.used = true
		sub := r.mapping(e.value, what+".values."+e.key, e.valuePos(r))
		if sub == nil {
			continue
		}
		vals := map[string]string{}
		for _, v := range sub.fields {
			v.used = true
			if s, ok := r.text(v); ok {
				vals[strings.TrimSpace(v.key)] = s
			}
		}
		out[e.key] = vals
	}
	return out
}

// dataQuestions reads `questions: {header: subject}`.
func (r *reader) dataQuestions(f *field, what string) []datamap.Question {
	m := r.mapping(f.value, what+".questions", f.valuePos(r))
	if m == nil {
		return nil
	}
	var out []datamap.Question
	for _, e := range m.fields {
		e.used = true
		s, ok := r.text(e)
		if !ok {
			continue
		}
		if strings.TrimSpace(s) == "" {
			r.errorf(e.valuePos(r), "%s.questions: %q names no subject", what, e.key)
			continue
		}
		out = append(out, datamap.Question{Header: strings.TrimSpace(e.key), Subject: strings.TrimSpace(s), Pos: e.keyPos})
	}
	if len(out) == 0 && len(m.fields) == 0 {
		r.errorf(f.valuePos(r), "%s.questions: no question", what)
	}
	return out
}

// dataLabels reads `labels: {text: score}`.
func (r *reader) dataLabels(f *field, what string) map[string]float64 {
	m := r.mapping(f.value, what+".labels", f.valuePos(r))
	if m == nil {
		return nil
	}
	out := map[string]float64{}
	for _, e := range m.fields {
		e.used = true
		if v, ok := r.numberNode(what+".labels."+e.key, e.value, e.valuePos(r)); ok {
			out[strings.TrimSpace(e.key)] = v
		}
	}
	return out
}
