package server

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// snapshotSource is the batch.Source of a server run: what
// postgres.ReadRunSnapshot read in one snapshot — the current metric
// versions and the current ratings of the period.
type snapshotSource struct {
	snap *postgres.RunSnapshot
}

// Periods implements batch.Source: the periods holding metric versions.
func (r snapshotSource) Periods(context.Context) ([]dataset.Period, error) {
	return r.snap.Periods, nil
}

// Dataset implements batch.Source. The snapshot holds the run's period
// and the one before; another period is not read by a server run.
func (r snapshotSource) Dataset(_ context.Context, per dataset.Period) (*dataset.Dataset, error) {
	if per != r.snap.Period {
		return nil, fmt.Errorf("period %s: the run read period %s only", per, r.snap.Period)
	}
	return r.snap.Data, nil
}

// Ratings implements batch.Source.
func (r snapshotSource) Ratings(_ context.Context, per dataset.Period) ([]assess.Rating, error) {
	if per != r.snap.Period {
		return nil, fmt.Errorf("period %s: the run read period %s only", per, r.snap.Period)
	}
	return r.snap.Ratings, nil
}

// Describe implements batch.Describer.
func (r snapshotSource) Describe() (name, noPeriods, noRow string) {
	return "server", "the server holds no metric value: submit some first",
		"the server holds no metric value for that period (it has: %s)"
}

// readInputs reads the inputs of run id of period in one snapshot and
// records the versions read as the run's inputs.
func readInputs(ctx context.Context, db *postgres.DB, run int64, period string) (*postgres.RunSnapshot, error) {
	per, err := dataset.ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	snap, err := db.ReadRunSnapshot(ctx, per)
	if err != nil {
		return nil, err
	}
	if err := db.RecordRunInputs(ctx, run, snap); err != nil {
		return nil, err
	}
	return snap, nil
}

// pipeline scores the period of snap with set: the one pipeline of the
// CLI (batch.Run), on the server's data of record as read by the run.
func pipeline(ctx context.Context, snap *postgres.RunSnapshot, set *indicators.Set, at time.Time) (*batch.Batch, error) {
	return batch.Run(ctx, snapshotSource{snap}, set, batch.Options{Period: snap.Period.String(), At: at})
}

// record converts a batch into what the database stores of it.
func record(b *batch.Batch) *postgres.BatchRecord {
	return &postgres.BatchRecord{
		Set: b.Project.Set, SetSHA256: b.Meta.SetSHA256,
		Period: b.Meta.Period, DataSHA256: b.Meta.DataSHA256, EngineVersion: b.Meta.EngineVersion, GeneratedAt: b.Meta.GeneratedAt,
		Subjects: b.Project.Data.Subjects, Result: b.Result, Warnings: b.Warnings,
	}
}

// outputs are the files stored with a server batch, rendered by the same
// writers as `govscore run`: the downloads of the publication site.
func outputs(b *batch.Batch) []postgres.Output {
	var view *reports.View
	v := func() *reports.View {
		if view == nil {
			view = reports.NewView(b)
		}
		return view
	}
	return []postgres.Output{
		{Name: "results.csv", Write: func(w io.Writer) error { return reports.WriteResultsCSV(w, v()) }},
		{Name: "indicators.csv", Write: func(w io.Writer) error { return reports.WriteIndicatorsCSV(w, v()) }},
		{Name: "results.json", Write: func(w io.Writer) error { return reports.WriteJSON(w, v()) }},
		{Name: "report.html", Write: func(w io.Writer) error { return reports.WriteHTML(w, v(), reports.HTMLOptions{Lang: "zh"}) }},
		{Name: "results.xlsx", Write: func(w io.Writer) error { return reports.WriteXLSX(w, v(), reports.XLSXOptions{Lang: "zh"}) }},
	}
}
