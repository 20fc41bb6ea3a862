package server

import (
	"context"
	"io"
	"time"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// runSource is the batch.Source of a server run: the current versions of
// the metric values (RunDataset records the versions it reads as the run's
// inputs) and the imported ratings.
type runSource struct {
	db  *postgres.DB
	run int64
}

// Periods implements batch.Source: the periods holding metric versions.
func (r runSource) Periods(ctx context.Context) ([]dataset.Period, error) {
	return r.db.VersionPeriods(ctx)
}

// Dataset implements batch.Source.
func (r runSource) Dataset(ctx context.Context, per dataset.Period) (*dataset.Dataset, error) {
	return r.db.RunDataset(ctx, r.run, per)
}

// Ratings implements batch.Source.
func (r runSource) Ratings(ctx context.Context, per dataset.Period) ([]assess.Rating, error) {
	return r.db.Ratings(ctx, per)
}

// Describe implements batch.Describer.
func (r runSource) Describe() (name, noPeriods, noRow string) {
	return "server", "the server holds no metric value: submit some first",
		"the server holds no metric value for that period (it has: %s)"
}

// pipeline scores period of run id with set: the one pipeline of the CLI
// (batch.Run), on the server's data of record.
func pipeline(ctx context.Context, db *postgres.DB, run int64, set *indicators.Set, period string, at time.Time) (*batch.Batch, error) {
	return batch.Run(ctx, runSource{db, run}, set, batch.Options{Period: period, At: at})
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
		{Name: "results.json", Write: func(w io.Writer) error { return reports.WriteJSON(w, b) }},
		{Name: "report.html", Write: func(w io.Writer) error { return reports.WriteHTML(w, v(), reports.HTMLOptions{Lang: "zh"}) }},
		{Name: "results.xlsx", Write: func(w io.Writer) error { return reports.WriteXLSX(w, v(), reports.XLSXOptions{Lang: "zh"}) }},
	}
}
