package csvdata

// This file and assessments_parse.go read assessments.csv (SPEC §3, §5).
// They are self-contained: their unexported helpers carry the prefix "asmt".

import (
	"slices"

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

// LoadAssessments reads, validates and merges assessments files against the
// items and the subjects of ds, and checks that their periods use the format
// of ds's metric periods (one period format per dataset). A file that cannot
// be read is returned as its I/O error; every content problem of every file
// comes back at once as a diag.List.
func LoadAssessments(files []string, items []assess.Item, ds *dataset.Dataset) (*Assessments, error) {
	return LoadAssessmentInputs(Inputs(files), items, ds)
}

// mergeChecked merges the files' assessments and checks their periods
// against the format of ds's metric periods.
func mergeChecked(parts []*Assessments, ds *dataset.Dataset) (*Assessments, error) {
	var errs diag.List
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
