package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

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
	// The register and the ratings go through the CLI's import (its
	// metrics land in the CLI's table too, which the server does not read).
	data, err := batch.LoadData(files, p.Set)
	if err != nil {
		return nil, err
	}
	var fis []postgres.FileInfo
	for _, f := range data.Files {
		fis = append(fis, postgres.FileInfo{Name: f.Name, SHA256: f.SHA256, Bytes: f.Bytes})
	}
	if _, err := db.Import(ctx, data.Dataset, data.Given, data.Ratings, postgres.ImportOptions{Files: fis}); err != nil {
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
			if _, err := db.ServerPeriod(ctx, ps); errors.Is(err, postgres.ErrNotFound) {
				if err := db.SetPeriodStatus(ctx, ps, "open", actor.Name); err != nil {
					return nil, err
				}
				rep.Periods = append(rep.Periods, ps)
			} else if err != nil {
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
	return rep, nil
}
