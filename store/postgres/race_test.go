package postgres

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// TestConcurrentApproveRecordsOne approves one draft from 8 goroutines at
// once: exactly one is told it approved the batch, and its name is the
// one recorded; the others get ErrTransition. The database refuses
// approved → approved whoever asks.
func TestConcurrentApproveRecordsOne(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	id, err := db.SaveBatch(ctx, batchRecord(exampleBatch(t)), nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			errs[i] = db.Approve(ctx, id, "approver-"+string(rune('a'+i)))
		}()
	}
	start.Done()
	wg.Wait()
	winner := ""
	for i, err := range errs {
		switch {
		case err == nil:
			if winner != "" {
				t.Errorf("approvers %s and %d were both told they approved batch %d", winner, i, id)
			}
			winner = "approver-" + string(rune('a'+i))
		case !errors.Is(err, ErrTransition):
			t.Errorf("approver %d: %v, want ErrTransition", i, err)
		}
	}
	info, err := db.Batch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if winner == "" || info.ApprovedBy != winner || info.Status != Approved {
		t.Errorf("recorded %s by %q, the approver told so is %q", info.Status, info.ApprovedBy, winner)
	}
	_, err = db.x.Exec(`UPDATE batches SET status = 'approved', approved_by = 'mallory', approved_at = now() WHERE id = $1`, id)
	if err := db.mapError(ctx, "re-approve", err); !errors.Is(err, ErrTransition) {
		t.Errorf("raw approved → approved = %v, want ErrTransition", err)
	}
}

// TestConcurrentImportsOfTwoPeriodFormats starts a yearly and a quarterly
// import into an empty database at once: exactly one is stored, the other
// is refused as invalid input, and the database holds one period format.
func TestConcurrentImportsOfTwoPeriodFormats(t *testing.T) {
	for round := range 3 {
		db := open(t)
		ctx := context.Background()
		f := writeFiles(t, map[string]string{
			"subjects.csv":  subjectsCSV,
			"yearly.csv":    "subject,period,metric,value\nc1,2024,x,1\n",
			"quarterly.csv": "subject,period,metric,value\nc1,2024-Q1,x,1\n",
		})
		errs := make([]error, 2)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i, m := range []string{"yearly.csv", "quarterly.csv"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				_, errs[i] = importFiles(ctx, db, f["subjects.csv"], []string{f[m]})
			}()
		}
		start.Done()
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var de *diag.Error
			switch {
			case err == nil:
				ok++
			case !errors.As(err, &de) || !strings.Contains(err.Error(), "use one period format"):
				t.Errorf("round %d: %v, want the period-format error", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d imports succeeded (%v), want exactly 1", round, ok, errs)
		}
		if n := count(t, db, `SELECT count(DISTINCT length(period)) FROM metric_columns`); n != 1 {
			t.Errorf("round %d: the database holds %d period formats", round, n)
		}
	}
}

// TestLoadInputsOneSnapshot changes the ratings between the reads of the
// metrics and of the ratings of a `run --db` (its batch.Source, Snapshot):
// the batch sees the ratings of the snapshot its metrics come from.
func TestLoadInputsOneSnapshot(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	files, err := batch.FromDir("../../examples/inner-mongolia-2024")
	if err != nil {
		t.Fatal(err)
	}
	set, err := indicators.ParseFile(files.Indicators)
	if err != nil {
		t.Fatal(err)
	}
	load := func(files batch.Files) {
		t.Helper()
		data, err := batch.LoadData(files, set)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Import(ctx, data.Dataset, data.Given, data.Ratings, ImportOptions{}); err != nil {
			t.Error(err)
		}
	}
	load(files)
	before, err := db.Ratings(ctx, mustPeriod(t, "2024"))
	if err != nil {
		t.Fatal(err)
	}
	// Every rating of the corrected file is 1.
	raw, err := os.ReadFile(files.Assessments[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for i := 1; i < len(lines); i++ {
		c := strings.Split(lines[i], ",")
		c[5] = "1"
		lines[i] = strings.Join(c, ",")
	}
	fixed := filepath.Join(t.TempDir(), "assessments.csv")
	os.WriteFile(fixed, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	corrected := files
	corrected.Assessments = []string{fixed}
	testHookAfterDataset = func() { load(corrected) }
	defer func() { testHookAfterDataset = nil }()
	src := &Snapshot{DB: db}
	if _, err := src.Dataset(ctx, mustPeriod(t, "2024")); err != nil {
		t.Fatal(err)
	}
	testHookAfterDataset = nil
	got, err := src.Ratings(ctx, mustPeriod(t, "2024"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(before) {
		t.Fatalf("read %d ratings, want %d", len(got), len(before))
	}
	for i := range got {
		if got[i] != before[i] {
			t.Fatalf("rating %d = %+v, want %+v from the snapshot of the metrics", i, got[i], before[i])
		}
	}
	after, err := db.Ratings(ctx, mustPeriod(t, "2024"))
	if err != nil {
		t.Fatal(err)
	}
	if after[0].Score != 1 {
		t.Errorf("the corrected ratings were not stored: %+v", after[0])
	}
}

func mustPeriod(t *testing.T, s string) dataset.Period {
	t.Helper()
	p, err := dataset.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
