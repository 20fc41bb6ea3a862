// Package datamap describes how the data files of an evaluation map onto
// govscore's layouts (SPEC §3.1): the `data:` section of an indicator set.
//
// A Map lists the subjects file, the metrics files and the assessments
// files, each a File: its path (.csv or .xlsx), the sheet and header row of
// a workbook, the header of each govscore column, value mappings, a
// constant period, whether subjects are named by name, and for survey
// exports the questions and answer labels. The package holds the
// description only; indicators parses it from YAML (with positions) and
// csvdata applies it when reading.
package datamap

import (
	"path/filepath"
	"strings"

	"github.com/govscore/govscore/diag"
)

// Map is the `data:` section of an indicator set. A nil *Map means the
// default files (data/subjects.csv, data/metrics*.csv,
// data/assessments*.csv).
type Map struct {
	// Pos is the position of the `data:` key.
	Pos diag.Pos
	// Subjects is the subjects file; nil means data/subjects.csv.
	Subjects *File
	// Metrics are the metrics files, merged in this order; empty means
	// data/metrics*.csv.
	Metrics []*File
	// Assessments are the assessments files; empty means
	// data/assessments*.csv.
	Assessments []*File
}

// The layouts of a File.
const (
	LayoutAuto   = ""       // told apart by the header (metrics files)
	LayoutWide   = "wide"   // subject, period, one column per metric
	LayoutLong   = "long"   // subject, period, metric, value
	LayoutSurvey = "survey" // one row per respondent, one column per question
)

// Column maps a govscore column (id, name, kind, parent, subject, period,
// metric, value, a metric name in a wide file, item, rater, role, score)
// to the header that holds it in the file.
type Column struct {
	Name   string
	Header string
	Pos    diag.Pos // of the mapping in the YAML
}

// Question is a survey question: the header of its column and the subject
// its answers rate (an id, or a name when SubjectBy is "name").
type Question struct {
	Header  string
	Subject string
	Pos     diag.Pos
}

// File is one mapped data file.
type File struct {
	// Pos is the position of the entry in the YAML.
	Pos diag.Pos
	// Path is the file as written, relative to the project directory
	// (its directory: the one holding the indicator set).
	Path string
	// Sheet is the worksheet of a workbook; "" means the first.
	Sheet string
	// HeaderRow is the 1-based row of the header; the rows above it are
	// skipped. 0 means 1.
	HeaderRow int
	// Layout is one of the Layout constants.
	Layout string
	// SubjectBy is "id" (the default, also for "") or "name": subject
	// cells (and survey questions) name subjects by their unique name.
	SubjectBy string
	// Period is a constant period for a file without a period column ("" when
	// the file has one).
	Period string
	// Columns map govscore columns to headers, in YAML order.
	Columns []Column
	// Values map cell texts of a govscore column to the values govscore
	// reads (`values: {kind: {政府部门: gov_department}}`), by column.
	Values map[string]map[string]string
	// Thousands accepts "2,465" and "2，465" as 2465 in value cells.
	Thousands bool

	// Item is the assessment item of a survey export, or a constant item
	// of an assessments file without an item column.
	Item string
	// Role is the constant role of the ratings ("" when RoleColumn
	// names the column holding it).
	Role string
	// RoleColumn is the header of the column holding the role (mapped
	// through Values["role"]).
	RoleColumn string
	// Rater is the header of the respondent column of a survey export.
	Rater string
	// Questions are the survey's question columns, in YAML order.
	Questions []Question
	// Labels map text answers to scores.
	Labels map[string]float64
}

// IsWorkbook reports whether path names an Excel workbook (.xlsx, any
// case).
func IsWorkbook(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".xlsx")
}

// Header returns the header holding govscore column name: the mapped one,
// else name itself.
func (f *File) Header(name string) string {
	if f == nil {
		return name
	}
	for _, c := range f.Columns {
		if c.Name == name {
			return c.Header
		}
	}
	return name
}

// ByName reports whether subjects are named by name.
func (f *File) ByName() bool { return f != nil && f.SubjectBy == "name" }

// Plain reports whether f only names a file: no mapping to apply, the file
// is read as a file in the default layout would be.
func (f *File) Plain() bool {
	return f == nil || f.Sheet == "" && f.HeaderRow <= 1 && f.Layout == LayoutAuto && !f.ByName() &&
		f.Period == "" && len(f.Columns) == 0 && len(f.Values) == 0 && !f.Thousands && f.Item == "" &&
		f.Role == "" && f.RoleColumn == "" && f.Rater == "" && len(f.Questions) == 0 && len(f.Labels) == 0
}
