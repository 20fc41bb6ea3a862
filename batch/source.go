package batch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// Source is where Run reads the data of a batch from: the CSV project
// (*Project, from Load), the database (*postgres.DB), or data held in
// memory. Implementations must be safe for concurrent use when Run is
// called concurrently on one Source.
type Source interface {
	// Periods returns the periods holding at least one metric row, oldest
	// first.
	Periods(ctx context.Context) ([]dataset.Period, error)
	// Dataset returns the subjects and the metric columns of period per
	// and of per.Prev() (it may hold other periods too).
	Dataset(ctx context.Context, per dataset.Period) (*dataset.Dataset, error)
	// Ratings returns the assessment ratings of period per (nil when
	// there are none).
	Ratings(ctx context.Context, per dataset.Period) ([]assess.Rating, error)
}

// Describer is implemented by a Source that words Run's errors about its
// data for its users; without it Run says "the data".
type Describer interface {
	// Describe returns the name that stands in the file position of data
	// errors without a file (a value out of its declared range read from a
	// database: "database"), the error when the source holds no period at
	// all, and the error when the period asked for has no metric row,
	// whose %s lists the periods the source holds.
	Describe() (name, noPeriods, noRow string)
}

// description is how Run's errors name a Source (Describer).
type description struct{ name, noPeriods, noRow string }

// describe returns src's description, or the generic one.
func describe(src Source) description {
	if d, ok := src.(Describer); ok {
		var x description
		x.name, x.noPeriods, x.noRow = d.Describe()
		return x
	}
	return description{"data", "the data hold no period", "the data hold no row for that period (they have: %s)"}
}

// resolvePeriod picks the batch period among periods (the periods of src,
// oldest first): requested, else setPeriod, else the latest. A malformed
// period or one without rows is a *diag.Error worded by src's Description.
func resolvePeriod(src Source, requested, setPeriod string, periods []dataset.Period) (dataset.Period, error) {
	d := describe(src)
	s, where := requested, "--period"
	if s == "" {
		s, where = setPeriod, "the indicator set's period"
	}
	if s == "" {
		if len(periods) == 0 {
			return dataset.Period{}, &diag.Error{Msg: d.noPeriods}
		}
		return periods[len(periods)-1], nil
	}
	per, err := dataset.ParsePeriod(s)
	if err != nil {
		return dataset.Period{}, &diag.Error{Msg: fmt.Sprintf("%s: %v", where, err), Period: s, Err: err}
	}
	if slices.Contains(periods, per) {
		return per, nil
	}
	names := make([]string, 0, len(periods))
	for _, q := range periods {
		names = append(names, q.String())
	}
	return dataset.Period{}, &diag.Error{Msg: fmt.Sprintf("%s %s: "+d.noRow, where, per, strings.Join(names, ", ")), Period: per.String()}
}

// checkData applies to a dataset from a Source other than the CSV project
// the checks csvdata.Load makes on files (LoadOptions(set)): every
// subject's kind is one the set declares (when it declares kinds) and
// every value lies within its metric's declared range. The data may have
// been imported without an indicator set, or for another one. Problems come
// back as a diag.List (invalid input), each naming the subject, metric and
// period, at the position name (rows in a database have no file position).
func checkData(set *indicators.Set, ds *dataset.Dataset, name string) error {
	opt := LoadOptions(set)
	var errs diag.List
	at := diag.Pos{File: name}
	if len(opt.Kinds) > 0 {
		for i := range ds.Subjects {
			if s := &ds.Subjects[i]; !slices.Contains(opt.Kinds, s.Kind) {
				errs = append(errs, &diag.Error{Pos: at, Subject: s.ID,
					Msg: fmt.Sprintf("subject %q: unknown kind %q; the indicator set declares: %s", s.ID, s.Kind, strings.Join(opt.Kinds, ", "))})
			}
		}
	}
	bound := func(b *float64, open string) string {
		if b == nil {
			return open
		}
		return diag.FormatNum(*b, "")
	}
	for _, m := range slices.Sorted(maps.Keys(opt.Bounds)) {
		b := opt.Bounds[m]
		for _, p := range ds.Periods() {
			for i, v := range ds.Column(m, p) {
				if v != v {
					continue
				}
				if (b.Min != nil && v < *b.Min) || (b.Max != nil && v > *b.Max) {
					id := ds.Subjects[i].ID
					errs = append(errs, &diag.Error{Pos: at, Subject: id, Indicator: m, Period: p.String(),
						Msg: fmt.Sprintf("subject %q, metric %q, period %s: value %s is outside the declared range [%s, %s]",
							id, m, p, diag.FormatNum(v, ""), bound(b.Min, "-inf"), bound(b.Max, "+inf"))})
				}
			}
		}
	}
	return errs.Err()
}

// IsInvalidInput reports whether err is a problem with the input's content
// — something the person running govscore must fix in the indicator set or
// the data — rather than a failure to read or store it: a diag.List or
// *diag.Error, a *MissingFilesError, or a scoring.MissingError or
// scoring.WeightingError (a batch the data cannot score as the set
// demands). It is the one classifier of invalid input: the command line
// maps it to exit code 1.
func IsInvalidInput(err error) bool {
	if err == nil {
		return false
	}
	var l diag.List
	var e *diag.Error
	var mf *MissingFilesError
	var me *scoring.MissingError
	var we *scoring.WeightingError
	return errors.As(err, &l) || errors.As(err, &e) || errors.As(err, &mf) || errors.As(err, &me) || errors.As(err, &we)
}

// Memory is a Source over data held in memory: a dataset (holding every
// period, as from dataset.Builder) and the ratings by period.
type Memory struct {
	Data *dataset.Dataset
	// ByPeriod holds the assessment ratings of each period.
	ByPeriod map[dataset.Period][]assess.Rating
}

// Periods returns the dataset's periods.
func (m Memory) Periods(context.Context) ([]dataset.Period, error) { return m.Data.Periods(), nil }

// Dataset returns the dataset.
func (m Memory) Dataset(context.Context, dataset.Period) (*dataset.Dataset, error) {
	return m.Data, nil
}

// Ratings returns the ratings of period per.
func (m Memory) Ratings(_ context.Context, per dataset.Period) ([]assess.Rating, error) {
	return m.ByPeriod[per], nil
}
