package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/store/postgres"
)

// SeedReport says what SeedProject stored.
type SeedReport struct {
	Set      string
	Subjects int
	Periods  []string
	Values   postgres.SubmitReport // summed over the files and periods
	Ratings  postgres.SubmitReport // summed over the periods
}

// SeedProject makes a project directory (`govscore init`, examples/…) the
// data of record of the server, as the account actor: its indicator set in
// force, its subjects (and ratings) in the register, every period of its metrics opened,
// and its metrics files submitted as versions (unchanged values make no new
// version, so seeding twice changes nothing). The project is validated as
// `govscore validate` does first; nothing is stored when it is invalid.
func SeedProject(ctx context.Context, db *postgres.DB, dir string, actor *postgres.Account) (*SeedReport, error) {
	files, err := batch.FromDir(dir)
	if err != nil {
		return nil, err
	}
	p, err := batch.Load(files)
	if err != nil {
		return nil, err
	}
	rep := &SeedReport{Set: p.Set.ID, Subjects: p.Data.Len()}
	if _, err := db.UseSet(ctx, p.Set, actor.Name); err != nil {
		return nil, err
	}
	// The register goes through the CLI's import (its metrics land in the
	// CLI's table too, which the server does not read); the ratings are
	// submitted as rating versions below.
	data, err := batch.LoadData(files, p.Set)
	if err != nil {
		return nil, err
	}
	var fis []postgres.FileInfo
	for _, f := range data.Files {
		fis = append(fis, postgres.FileInfo{Name: f.Name, SHA256: f.SHA256, Bytes: f.Bytes})
	}
	if _, err := db.Import(ctx, data.Dataset, data.Given, nil, postgres.ImportOptions{Files: fis}); err != nil {
		return nil, err
	}
	subjects, err := db.ServerSubjects(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range files.Metrics {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sub := parseSubmission(filepath.Base(f), data, subjects, p.Set, dataset.Period{})
		if len(sub.errs) > 0 {
			e := sub.errs[0]
			return nil, fmt.Errorf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
		}
		pers := make([]dataset.Period, 0, len(sub.periods))
		for per := range sub.periods {
			pers = append(pers, per)
		}
		slices.SortFunc(pers, func(a, b dataset.Period) int {
			if a.Before(b) {
				return -1
			}
			if b.Before(a) {
				return 1
			}
			return 0
		})
		for _, per := range pers {
			ps := per.String()
			if err := openPeriod(ctx, db, ps, actor, rep); err != nil {
				return nil, err
			}
			r, err := db.Submit(ctx, postgres.Submission{AccountID: actor.ID, Actor: actor.Name, Period: ps, File: filepath.Base(f),
				SHA256: digest(data), Bytes: int64(len(data)), Cells: sub.periods[per]}, false)
			if err != nil {
				return nil, fmt.Errorf("%s, period %s: %w", f, ps, err)
			}
			rep.Values.Added += r.Added
			rep.Values.Changed += r.Changed
			rep.Values.Unchanged += r.Unchanged
		}
	}
	if data.Ratings != nil {
		sum, n := filesDigest(files.Assessments)
		for _, per := range data.Ratings.Periods() {
			ps := per.String()
			if err := openPeriod(ctx, db, ps, actor, rep); err != nil {
				return nil, err
			}
			r, err := db.SubmitRatings(ctx, postgres.RatingSubmission{AccountID: actor.ID, Actor: actor.Name, Period: ps,
				File: ratingFiles(files.Assessments), SHA256: sum, Bytes: n, Ratings: data.Ratings.Ratings(per)}, false)
			if err != nil {
				return nil, fmt.Errorf("ratings of period %s: %w", ps, err)
			}
			rep.Ratings.Added += r.Added
			rep.Ratings.Changed += r.Changed
			rep.Ratings.Unchanged += r.Unchanged
		}
	}
	return rep, nil
}

// openPeriod opens period ps unless the server knows it already.
func openPeriod(ctx context.Context, db *postgres.DB, ps string, actor *postgres.Account, rep *SeedReport) error {
	if _, err := db.ServerPeriod(ctx, ps); errors.Is(err, postgres.ErrNotFound) {
		if err := db.SetPeriodStatus(ctx, ps, "open", actor.Name); err != nil {
			return err
		}
		rep.Periods = append(rep.Periods, ps)
	} else if err != nil {
		return err
	}
	return nil
}

// ratingFiles names the assessments files of a project, as the source of
// its ratings.
func ratingFiles(paths []string) string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return strings.Join(names, ",")
}

// filesDigest is the hex SHA-256 of one file's bytes, or of the hex
// digests of several files in order, and their total size.
func filesDigest(paths []string) (string, int64) {
	var all []byte
	var n int64
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		n += int64(len(b))
		if len(paths) == 1 {
			return digest(b), n
		}
		all = append(all, digest(b)...)
	}
	return digest(all), n
}
