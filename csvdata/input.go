package csvdata

import (
	"bytes"
	"encoding/csv"
	"os"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// Input is a data file to read through a `data:` entry (SPEC §3.1): the
// file on disk, the name used in positions, and the mapping to apply (nil
// for none: the file is read as the default files are). A .xlsx file is
// read as a workbook, anything else as CSV.
type Input struct {
	Path string
	Name string
	Map  *datamap.File
}

// name returns the name in positions: Name, else Path.
func (in Input) name() string {
	if in.Name != "" {
		return in.Name
	}
	return in.Path
}

// Inputs returns the Inputs of plain files: each path is its own name.
func Inputs(paths []string) []Input {
	out := make([]Input, len(paths))
	for i, p := range paths {
		out[i] = Input{Path: p, Name: p}
	}
	return out
}

func inputSources(subjects Input, metrics []Input) []*source {
	srcs := make([]*source, 0, 1+len(metrics))
	srcs = append(srcs, mappedSource(subjects.Path, subjects.name(), subjects.Map, subjectsFile))
	for _, m := range metrics {
		srcs = append(srcs, mappedSource(m.Path, m.name(), m.Map, metricsFile))
	}
	return srcs
}

// LoadInputs is Load for mapped files, CSV or workbooks: the subjects
// file and the metrics files (merged, in order). Every rule of Load
// applies to the rows the mappings produce; errors in a workbook are at
// its cells (file.xlsx:Sheet!C12).
func LoadInputs(subjects Input, metrics []Input, opt Options) (*dataset.Dataset, error) {
	return load(inputSources(subjects, metrics), opt)
}

// LoadInputsGiven is LoadInputs that also records the given cells (see
// LoadGiven).
func LoadInputsGiven(subjects Input, metrics []Input, opt Options) (*dataset.Dataset, *dataset.Given, error) {
	return loadGiven(inputSources(subjects, metrics), opt, true)
}

// LoadAssessmentInputs is LoadAssessments for mapped files: CSV or
// workbooks, in the assessments layout or a survey export (layout:
// survey).
func LoadAssessmentInputs(inputs []Input, items []assess.Item, ds *dataset.Dataset) (*Assessments, error) {
	if len(inputs) == 0 {
		return &Assessments{}, nil
	}
	ids := make([]string, ds.Len())
	for i := range ds.Subjects {
		ids[i] = ds.Subjects[i].ID
	}
	var errs diag.List
	var parts []*Assessments
	for _, in := range inputs {
		var a *Assessments
		var err error
		if in.Map.Plain() && !datamap.IsWorkbook(in.Path) {
			data, rerr := os.ReadFile(in.Path)
			if rerr != nil {
				return nil, rerr
			}
			a, err = ParseAssessments(in.name(), data, items, ids)
		} else {
			a, err = parseMappedAssessments(in, items, ds, ids)
		}
		if err != nil {
			if !isList(err) {
				return nil, err
			}
			errs.Append(err)
			continue
		}
		parts = append(parts, a)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return mergeChecked(parts, ds)
}

func isList(err error) bool {
	_, ok := err.(diag.List)
	return ok
}

// parseMappedAssessments reads one mapped assessments file or survey
// export. Invalid input is a diag.List; other errors are I/O.
func parseMappedAssessments(in Input, items []assess.Item, ds *dataset.Dataset, ids []string) (*Assessments, error) {
	p := &asmtParser{name: in.name(), items: items, budget: 20_000_000}
	p.itemIdx = make(map[string]int, len(items))
	for i := range items {
		p.itemIdx[items[i].ID] = i
		p.itemIDs = append(p.itemIDs, items[i].ID)
	}
	p.subjIdx = make(map[string]int, len(ids))
	for i, s := range ids {
		p.subjIdx[s] = i
	}
	p.subjects = ids
	var names *nameIndex
	if in.Map.ByName() {
		names = newNameIndex(ds.Subjects)
		if in.Map.Layout != datamap.LayoutSurvey {
			p.names = names
		}
	}
	resolve := func(s string) (string, diag.Text, bool) {
		if names != nil {
			k, msg, ok := names.lookup(s)
			if !ok {
				return "", msg, false
			}
			return ids[k], diag.Text{}, true
		}
		if _, ok := p.subjIdx[s]; ok {
			return s, diag.Text{}, true
		}
		return "", diag.Textf("unknown subject %q%s", s, p.subjectSuggestion(s)), false
	}
	out := &Assessments{}
	src := mappedSource(in.Path, in.name(), in.Map, assessmentsFile)
	var direct diag.List
	var r rowReader
	var text []byte
	if src.isSheet() {
		sr, c, err := openSheet(src, &direct)
		if err != nil {
			return nil, err
		}
		if sr != nil {
			defer c.Close()
			p.sheet = src.sheet
			r = sr
		}
	} else {
		data, err := os.ReadFile(in.Path)
		if err != nil {
			return nil, err
		}
		var ok bool
		if text, ok = p.decode(data, out); ok {
			r = csvRows(text)
		}
	}
	if r != nil {
		switch {
		case in.Map != nil && in.Map.Layout == datamap.LayoutSurvey:
			r = newSurveyRows(r, in.Map, raterPrefix(in.Path), !src.isSheet(), resolve)
		case !in.Map.Plain():
			r = src.mapped(r)
		}
		p.parseRows(r, out)
	}
	err := p.finish(text)
	if err != nil || len(direct) > 0 {
		var l diag.List
		l.Append(err)
		l.Append(direct)
		return nil, l.Err()
	}
	return out, nil
}

// csvRows returns a reader of the CSV text.
func csvRows(text []byte) rowReader {
	r := csv.NewReader(newLimitReader(bytes.NewReader(text)))
	r.FieldsPerRecord = -1
	return r
}

// LoadSubjects reads the subjects file alone, as LoadInputs reads it.
func LoadSubjects(subjects Input, opt Options) (*dataset.Dataset, error) {
	return load(inputSources(subjects, nil), opt)
}
