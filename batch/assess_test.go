package batch

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/scoring"
)

// runDir loads and scores the project in dir.
func runDir(t testing.TB, dir string) *Batch {
	t.Helper()
	files, err := FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), p, p.Set, Options{At: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRaterBootstrapExample(t *testing.T) {
	b := runDir(t, "../examples/inner-mongolia-2024")
	rb, err := b.RaterBootstrap()
	if err != nil || rb == nil {
		t.Fatalf("RaterBootstrap() = %v, %v", rb, err)
	}
	set := b.Project.Set
	reads := map[int]bool{}
	for _, l := range rb.Leaves() {
		reads[l] = true
		if !strings.Contains(set.Leaves[l].Expr.Text, "assess.") {
			t.Errorf("leaf %s (%s) does not read an assessment", set.Leaves[l].ID, set.Leaves[l].Expr.Text)
		}
	}
	if len(reads) != 3 {
		t.Fatalf("leaves %v, want the 3 assessment leaves", rb.Leaves())
	}
	in := b.Input()
	draw := func(j uint64) scoring.Input {
		out, err := rb.Resample(context.Background(), rand.New(rand.NewPCG(7, j)), in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, a2, c := draw(1), draw(1), draw(2)
	changed := false
	for l := range set.Leaves {
		if !reads[l] {
			if &a.Raw[l][0] != &in.Raw[l][0] {
				t.Errorf("leaf %s: column replaced, want the nominal one", set.Leaves[l].ID)
			}
			continue
		}
		if &a.Raw[l][0] == &in.Raw[l][0] {
			t.Errorf("leaf %s: nominal column modified in place or kept", set.Leaves[l].ID)
		}
		for i := range a.Raw[l] {
			x, y, nom := a.Raw[l][i], a2.Raw[l][i], in.Raw[l][i]
			if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
				t.Fatalf("leaf %s, subject %d: %v then %v from the same seed", set.Leaves[l].ID, i, x, y)
			}
			if math.IsNaN(x) != math.IsNaN(nom) {
				t.Fatalf("leaf %s, subject %d: missingness changed (%v, nominal %v)", set.Leaves[l].ID, i, x, nom)
			}
			changed = changed || (x != c.Raw[l][i] && !math.IsNaN(x))
		}
	}
	if !changed {
		t.Error("two seeds gave the same replicate")
	}
	rep, err := analysis.Analyse(context.Background(), in, b.Result, analysis.Options{Replications: 20, Seed: 1, Resampler: rb})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Uncertainty.RaterBootstrap {
		t.Error("RaterBootstrap not recorded")
	}
}

func TestRaterBootstrapNone(t *testing.T) {
	dir := t.TempDir()
	writeBootProject(t, dir, 20, 0, 1, false)
	b := runDir(t, dir)
	if rb, err := b.RaterBootstrap(); rb != nil || err != nil {
		t.Errorf("without ratings: RaterBootstrap() = %v, %v; want nil, nil", rb, err)
	}
	dir = t.TempDir()
	writeBootProject(t, dir, 20, 3, 1, true)
	b = runDir(t, dir)
	if rb, err := b.RaterBootstrap(); rb != nil || err != nil {
		t.Errorf("no expression reads an item: RaterBootstrap() = %v, %v; want nil, nil", rb, err)
	}
}

// writeBootProject writes a project of n subjects, ten metric leaves and,
// with items > 0, that many assessment items each read by a leaf (unless
// unread) and rated perRole times per subject in each of four roles.
func writeBootProject(t testing.TB, dir string, n, items, perRole int, unread bool) {
	t.Helper()
	var y strings.Builder
	y.WriteString("govscore: 1\nid: boot\nkinds: [a, b]\nperiod: \"2024\"\ntree:\n  - id: m\n    weight: 3\n    children:\n")
	for j := range 10 {
		fmt.Fprintf(&y, "      - {id: l%d, expr: \"x%d\", normalize: %s}\n", j, j, []string{"minmax", "zscore", "rank"}[j%3])
	}
	if items > 0 && !unread {
		y.WriteString("  - id: a\n    children:\n")
		for k := range items {
			fmt.Fprintf(&y, "      - {id: q%d, expr: \"assess.i%d\", normalize: none}\n", k, k)
		}
	}
	if items > 0 {
		y.WriteString("assessments:\n")
		for k := range items {
			fmt.Fprintf(&y, "  - {id: i%d, scale: [0, 100], roles: {public: 40, third_party: 30, superior: 20, peer: 10}, trim: 1, min_raters: 3}\n", k)
		}
	}
	y.WriteString("uncertainty:\n  weight_noise: 0.25\n  alternatives: {normalize: [minmax, rank]}\n")
	r := rand.New(rand.NewPCG(3, 4))
	var subj, met, ass strings.Builder
	subj.WriteString("id,name,kind\n")
	met.WriteString("subject,period")
	for j := range 10 {
		fmt.Fprintf(&met, ",x%d", j)
	}
	met.WriteString("\n")
	ass.WriteString("period,item,subject,rater,role,score\n")
	roles := []string{"public", "third_party", "superior", "peer"}
	for i := range n {
		fmt.Fprintf(&subj, "s%05d,S%d,%s\n", i, i, []string{"a", "b"}[i%2])
		fmt.Fprintf(&met, "s%05d,2024", i)
		q := r.NormFloat64()
		for range 10 {
			fmt.Fprintf(&met, ",%.3f", 50+10*q+10*r.NormFloat64())
		}
		met.WriteString("\n")
		for k := range items {
			for ro, role := range roles {
				for p := range perRole {
					x := math.Max(0, math.Min(100, math.Round(70+8*q+12*r.NormFloat64())))
					fmt.Fprintf(&ass, "2024,i%d,s%05d,%c%d_%d,%s,%g\n", k, i, role[0], ro, (i*7+p)%(4*perRole+n/10+1), role, x)
				}
			}
		}
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "indicators.yaml"), []byte(y.String()), 0o644))
	must(os.WriteFile(filepath.Join(dir, "data", "subjects.csv"), []byte(subj.String()), 0o644))
	must(os.WriteFile(filepath.Join(dir, "data", "metrics.csv"), []byte(met.String()), 0o644))
	if items > 0 {
		must(os.WriteFile(filepath.Join(dir, "data", "assessments.csv"), []byte(ass.String()), 0o644))
	}
}

// BenchmarkUncertaintyRaterBootstrap is the uncertainty analysis with the
// rater bootstrap: 2,000 subjects, 10 metric leaves and 3 assessment items
// with 192,000 ratings (8 per subject, item and role), 200 replications.
func BenchmarkUncertaintyRaterBootstrap(b *testing.B) {
	dir := b.TempDir()
	writeBootProject(b, dir, 2000, 3, 8, false)
	bt := runDir(b, dir)
	rb, err := bt.RaterBootstrap()
	if err != nil || rb == nil {
		b.Fatalf("RaterBootstrap() = %v, %v", rb, err)
	}
	in := bt.Input()
	b.ResetTimer()
	for b.Loop() {
		if _, err := analysis.Analyse(context.Background(), in, bt.Result, analysis.Options{Replications: 200, Seed: 1, Resampler: rb}); err != nil {
			b.Fatal(err)
		}
	}
}
