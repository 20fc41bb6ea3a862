package dataset

import (
	"fmt"
	"math"

	"github.com/govscore/govscore/diag"
)

// Builder builds a Dataset held in memory, keyed by subject id: a program
// that scores data it did not read from files (a server, a test) gives
// each value with its subject's id, never with an index into the sorted
// subjects. The zero value is not usable; call NewBuilder.
type Builder struct {
	d   *Dataset
	err diag.List
}

// NewBuilder starts a dataset of the given subjects (in any order; the
// dataset sorts them by id) with the free attribute columns attrNames. An
// empty or repeated id is an error.
func NewBuilder(subjects []Subject, attrNames []string) (*Builder, error) {
	var errs diag.List
	seen := make(map[string]bool, len(subjects))
	for i := range subjects {
		id := subjects[i].ID
		switch {
		case id == "":
			errs = append(errs, &diag.Error{Pos: subjects[i].Pos, Msg: fmt.Sprintf("subject %d has an empty id", i+1)})
		case seen[id]:
			errs = append(errs, &diag.Error{Pos: subjects[i].Pos, Subject: id, Msg: fmt.Sprintf("duplicate subject id %q", id)})
		}
		seen[id] = true
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return &Builder{d: New(subjects, attrNames)}, nil
}

// Set stores the value of metric for the subject with id subject in period
// p; NaN is missing. A subject the dataset does not hold, an invalid metric
// name and a non-finite value are recorded as errors and returned by
// Dataset; Set returns the same error at once.
func (b *Builder) Set(subject, metric string, p Period, v float64) error {
	i, ok := b.d.SubjectIndex(subject)
	var msg string
	switch {
	case !ok:
		msg = fmt.Sprintf("unknown subject %q%s", subject, diag.DidYouMean(subject, b.ids(), nil))
	case !IsIdentifier(metric):
		msg = fmt.Sprintf("invalid metric name %q: use letters, digits and _, not starting with a digit", metric)
	case math.IsInf(v, 0):
		msg = fmt.Sprintf("subject %q, metric %q, period %s: value %v is not finite", subject, metric, p, v)
	}
	if msg != "" {
		e := &diag.Error{Subject: subject, Indicator: metric, Period: p.String(), Msg: msg}
		b.err = append(b.err, e)
		return e
	}
	b.d.MutableColumn(metric, p)[i] = v
	return nil
}

// ids returns the subject ids, sorted.
func (b *Builder) ids() []string {
	out := make([]string, len(b.d.Subjects))
	for i := range b.d.Subjects {
		out[i] = b.d.Subjects[i].ID
	}
	return out
}

// Dataset returns the dataset built, or every error Set recorded as a
// diag.List. The builder must not be used afterwards.
func (b *Builder) Dataset() (*Dataset, error) {
	if err := b.err.Err(); err != nil {
		return nil, err
	}
	d := b.d
	b.d = nil
	return d, nil
}
