package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// randomSet builds a two-dimension set over six leaves with varied
// methods, directions and missing policies, peer groups by kind.
func randomSet() *indicators.Set {
	set := newSet(
		comp("D1", []*indicators.Node{
			leaf("l1"),
			leaf("l2", method(indicators.ZScore), lowerIsBetter(), missing(indicators.ImputeMean, "")),
			leaf("l3", method(indicators.Rank), missing(indicators.ImputeMedian, "region")),
		}, weight(2), round(2)),
		comp("D2", []*indicators.Node{
			leaf("l4", norm(indicators.Normalize{Method: indicators.Goalpost, Low: 10, High: 80}), weight(3)),
			leaf("l5", transformed(indicators.TransformLog1p), winsor(0.05, 0.95), missing(indicators.Zero, "")),
			leaf("l6", appliesTo("a"), missing(indicators.ImputeMin, "")),
		}, missing(indicators.ImputeMean, "")),
	)
	set.PeerGroups = []string{"kind"}
	set.MinCoverage = 0.5
	set.Grades = gradesABCD(fp(0.2), fp(0.3))
	set.Grades[0].Min = fp(70)
	set.Grades[1].Min = fp(50)
	set.Grades[2].Min = fp(30)
	return set
}

// randomInput draws n subjects of kinds a and b in three regions with
// values 0…100 (some integers, to make ties) and ~10% missing.
func randomInput(r *rand.Rand, n int) Input {
	set := randomSet()
	in := Input{Set: set, Raw: make([][]float64, len(set.Leaves))}
	for i := 0; i < n; i++ {
		in.Subjects = append(in.Subjects, subj(fmt.Sprintf("s%04d", i), []string{"a", "b"}[r.IntN(2)],
			"region", []string{"r1", "r2", "r3"}[r.IntN(3)]))
	}
	for l := range in.Raw {
		in.Raw[l] = make([]float64, n)
		for i := range in.Raw[l] {
			switch {
			case r.IntN(10) == 0:
				in.Raw[l][i] = nan
			case r.IntN(3) == 0:
				in.Raw[l][i] = float64(r.IntN(20))
			default:
				in.Raw[l][i] = r.Float64() * 100
			}
		}
	}
	return in
}

func TestPropertyShuffle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		in := randomInput(r, 40+r.IntN(40))
		want := mustScore(t, in)
		perm := r.Perm(len(in.Subjects))
		sh := Input{Set: in.Set, Raw: make([][]float64, len(in.Raw))}
		for _, p := range perm {
			sh.Subjects = append(sh.Subjects, in.Subjects[p])
		}
		for l := range in.Raw {
			for _, p := range perm {
				sh.Raw[l] = append(sh.Raw[l], in.Raw[l][p])
			}
		}
		got := mustScore(t, sh)
		for j, p := range perm {
			a, b := want.Subjects[p], got.Subjects[j]
			if a.Rated != b.Rated || a.Rank != b.Rank || a.Grade != b.Grade || !near(a.Score, b.Score) || a.Group != b.Group {
				t.Fatalf("trial %d subject %s: %+v vs shuffled %+v", trial, in.Subjects[p].ID, a, b)
			}
			for l := range want.Cells {
				if ca, cb := want.Cells[l].At(p), got.Cells[l].At(j); ca.Status != cb.Status || !near(ca.Value, cb.Value) || !near(ca.Weight, cb.Weight) {
					t.Fatalf("trial %d subject %s leaf %d: %+v vs %+v", trial, in.Subjects[p].ID, l, ca, cb)
				}
			}
		}
		for k := range want.Order {
			if in.Subjects[want.Order[k]].ID != sh.Subjects[got.Order[k]].ID {
				t.Fatalf("trial %d: order differs at %d", trial, k)
			}
		}
	}
}

func TestPropertyMonotone(t *testing.T) {
	// Arithmetic aggregation over higher-is-better minmax leaves without
	// rounding: raising one raw value never lowers that subject's score.
	r := rand.New(rand.NewPCG(3, 4))
	set := newSet(comp("D", []*indicators.Node{leaf("l1"), leaf("l2", weight(2))}), leaf("l3", weight(0.5)))
	for trial := 0; trial < 200; trial++ {
		n := 3 + r.IntN(10)
		in := Input{Set: set, Subjects: subjects(idsN(n)...), Raw: make([][]float64, 3)}
		for l := range in.Raw {
			for range n {
				in.Raw[l] = append(in.Raw[l], float64(r.IntN(10)))
			}
		}
		before := mustScore(t, in)
		i, l := r.IntN(n), r.IntN(3)
		in.Raw[l] = slices.Clone(in.Raw[l])
		in.Raw[l][i] += 1 + float64(r.IntN(5))
		after := mustScore(t, in)
		b, a := before.Subjects[i], after.Subjects[i]
		if b.Rated && a.Rated && a.Score < b.Score-tol {
			t.Fatalf("trial %d: raising leaf %d of subject %d lowered its score %v → %v", trial, l, i, b.Score, a.Score)
		}
	}
}

func TestPropertyRanks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 20; trial++ {
		in := randomInput(r, 30+r.IntN(50))
		for _, m := range []indicators.RankMethod{indicators.Competition, indicators.Ordinal} {
			in.Set.Ranking.Method = m
			res := mustScore(t, in)
			for _, g := range res.Groups {
				var ranks []int
				for _, i := range g.Members {
					s := res.Subjects[i]
					if !s.Rated {
						if s.Rank != 0 {
							t.Fatalf("unrated %s has rank %d", in.Subjects[i].ID, s.Rank)
						}
						continue
					}
					ranks = append(ranks, s.Rank)
					// competition: rank = 1 + number of strictly better scores.
					better := 0
					for _, j := range g.Members {
						if res.Subjects[j].Rated && Round(res.Subjects[j].Score, 9) > Round(s.Score, 9) {
							better++
						}
					}
					if m == indicators.Competition && s.Rank != better+1 {
						t.Fatalf("%s: rank %d, %d better", in.Subjects[i].ID, s.Rank, better)
					}
				}
				slices.Sort(ranks)
				for k, rk := range ranks {
					if m == indicators.Ordinal && rk != k+1 {
						t.Fatalf("ordinal ranks %v are not a permutation", ranks)
					}
					if m == indicators.Competition && rk > k+1 {
						t.Fatalf("competition ranks %v skip", ranks)
					}
				}
				if g.NRated != len(ranks) {
					t.Fatalf("NRated %d, %d ranks", g.NRated, len(ranks))
				}
			}
		}
	}
}

// idsN returns n sorted subject ids.
func idsN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("s%06d", i)
	}
	return out
}

// benchInput builds n subjects × l leaves in five dimensions, two kinds.
func benchInput(n, l int) Input {
	r := rand.New(rand.NewPCG(7, 8))
	dims := make([][]*indicators.Node, 5)
	methods := []indicators.NormMethod{indicators.MinMax, indicators.ZScore, indicators.Rank, indicators.MinMax, indicators.NormNone}
	for j := 0; j < l; j++ {
		opts := []opt{method(methods[j%len(methods)])}
		if j%7 == 0 {
			opts = append(opts, missing(indicators.ImputeMedian, ""))
		}
		if j%11 == 0 {
			opts = append(opts, winsor(0.05, 0.95))
		}
		dims[j%5] = append(dims[j%5], leaf(fmt.Sprintf("l%02d", j), opts...))
	}
	var top []*indicators.Node
	for d, ch := range dims {
		top = append(top, comp(fmt.Sprintf("d%d", d), ch, weight(float64(d+1)), round(2)))
	}
	set := newSet(top...)
	set.PeerGroups = []string{"kind"}
	set.Grades = gradesABCD(fp(0.2), nil)
	in := Input{Set: set, Raw: make([][]float64, l)}
	in.Subjects = make([]dataset.Subject, n)
	for i := range in.Subjects {
		in.Subjects[i] = dataset.Subject{ID: fmt.Sprintf("s%07d", i), Kind: []string{"a", "b"}[i%2]}
	}
	for j := range in.Raw {
		in.Raw[j] = make([]float64, n)
		for i := range in.Raw[j] {
			if r.IntN(50) == 0 {
				in.Raw[j][i] = math.NaN()
			} else {
				in.Raw[j][i] = r.NormFloat64()*10 + 50
			}
		}
	}
	return in
}

func BenchmarkScore(b *testing.B) {
	in := benchInput(100_000, 50)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Score(in); err != nil {
			b.Fatal(err)
		}
	}
}
