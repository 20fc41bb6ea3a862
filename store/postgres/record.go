package postgres

import (
	"time"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// BatchRecord is what SaveBatch stores of a scored batch: the domain
// values it is made of (no storage type). SaveBatch converts it into rows
// with toSetRow, toBatchInsertRow and encodeSubjects.
type BatchRecord struct {
	// Set is the indicator set the batch was scored with; its YAML
	// (Source) is stored once per SetSHA256.
	Set       *indicators.Set
	SetSHA256 string
	// Period, DataSHA256, EngineVersion and GeneratedAt are the batch's
	// provenance.
	Period, DataSHA256, EngineVersion string
	GeneratedAt                       time.Time
	// Subjects are the dataset's subjects, indexed like Result.Subjects.
	Subjects []dataset.Subject
	Result   *scoring.Result
	Warnings []diag.Warning
	// Ord is the output position of the record's first subject: 0 for a
	// whole batch, the number of subjects of the groups before for one
	// peer group's part (GroupBatch).
	Ord int
}

// composites returns the composite nodes of the set in tree order.
func (r *BatchRecord) composites() []*indicators.Node {
	var out []*indicators.Node
	for _, n := range r.Set.Nodes {
		if !n.IsLeaf() {
			out = append(out, n)
		}
	}
	return out
}

// setRow is a row of indicator_sets.
type setRow struct {
	SetID, Name, Version, SHA256, YAML string
}

// toSetRow converts the record's set into its indicator_sets row.
func toSetRow(r *BatchRecord) setRow {
	return setRow{SetID: r.Set.ID, Name: r.Set.Name, Version: r.Set.Version, SHA256: r.SetSHA256, YAML: string(r.Set.Source)}
}

// batchInsertRow is the row of batches SaveBatch inserts.
type batchInsertRow struct {
	SetVersion                        int64
	Period, DataSHA256, EngineVersion string
	GeneratedAt                       time.Time
	Composites, Leaves                []string
	Subjects, Rated                   int
}

// toBatchInsertRow converts the record into its batches row, for the
// stored set setVersion.
func toBatchInsertRow(r *BatchRecord, setVersion int64) batchInsertRow {
	row := batchInsertRow{SetVersion: setVersion, Period: r.Period, DataSHA256: r.DataSHA256, EngineVersion: r.EngineVersion,
		GeneratedAt: r.GeneratedAt.UTC(), Subjects: len(r.Result.Subjects),
		// A set of leaves only has no composite: an empty array, not NULL.
		Composites: []string{}, Leaves: []string{}}
	for _, n := range r.composites() {
		row.Composites = append(row.Composites, n.ID)
	}
	for _, n := range r.Set.Leaves {
		row.Leaves = append(row.Leaves, n.ID)
	}
	for i := range r.Result.Subjects {
		if r.Result.Subjects[i].Rated {
			row.Rated++
		}
	}
	return row
}
