package engine

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// TestGroupStatistics evaluates every group statistic over two peer groups
// (region r0: s0 s2 s4 s6, r1: s1 s3 s5 s7) where rated_when drops s6 and
// s7 from the pools, with a missing value in each group.
func TestGroupStatistics(t *testing.T) {
	x := []float64{1, 10, 3, nanv, nanv, 30, 100, 1000}
	prevX := []float64{2, 2, 4, 4, 6, 6, 8, 8}
	ds := testData(8, []string{"k"}, map[string][]float64{"x@2024": x, "x@2023": prevX, "y@2024": {1, 1, 1, 1, 1, 1, 1, 1}})
	// r0 pool: 1, 3 (s4 missing, s6 excluded); r1 pool: 10, 30 (s3 missing, s7 excluded).
	tests := []struct {
		expr   string
		r0, r1 float64
	}{
		{"group.mean(x)", 2, 20},
		{"group.median(x)", 2, 20},
		{"group.min(x)", 1, 10},
		{"group.max(x)", 3, 30},
		{"group.sd(x)", math.Sqrt2, math.Sqrt(200)},
		{"group.count(x)", 2, 2},
		{"group.mean(prev.x)", 4, 4},
		{"group.median(prev.x)", 4, 4},
		{"x - group.median(x)", nanv, nanv}, // checked per subject below
		{"group.mean(d)", 4, 40},            // derived metric d = 2x
		{"group.sd(one)", nanv, nanv},       // a pool of one value has no sd
		{"group.mean(none) ?? -1", -1, -1},  // no present value: missing
		{"group.count(none) ?? -1", -1, -1},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			set := spec{declared: []string{"none"}, derived: []string{"d: 2 * x", "one: subject.id == \"s0\" or subject.id == \"s1\" ? x : nil"},
				leaves: []string{"v: " + tc.expr}}.build()
			set.PeerGroups = []string{"region"}
			set.RatedWhen = &indicators.Expr{Text: `subject.id not in ["s6", "s7"]`, Pos: diag.Pos{Line: 1, Col: 1}}
			_, v := compileEval(t, set, Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames}, ds)
			if got := v.RatedWhen; len(got) != 8 || got[6] != 0 || got[0] != 1 {
				t.Errorf("RatedWhen = %v", got)
			}
			for i, got := range v.Leaves[0] {
				want := tc.r0
				if i%2 == 1 {
					want = tc.r1
				}
				if strings.HasPrefix(tc.expr, "x -") {
					want = x[i] - []float64{2, 20}[i%2]
				}
				if !close(got, want) {
					t.Errorf("s%d: %s = %v, want %v", i, tc.expr, got, want)
				}
			}
		})
	}
}

// TestGroupStatisticsEqualGroupsOption: Options.Groups replaces the
// set's peer groups, and an even pool's median is the type-7 midpoint.
func TestGroupStatisticsGroupsOption(t *testing.T) {
	ds := testData(5, []string{"k"}, map[string][]float64{"x@2024": {4, 1, 3, 2, 100}})
	set := spec{leaves: []string{"v: group.median(x)", "w: group.count(x)"}}.build()
	p, err := Compile(set, Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames})
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.EvaluateWith(context.Background(), ds, mustPeriod("2024"), Options{Groups: []int{0, 0, 0, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{2.5, 2.5, 2.5, 2.5, 100} {
		if !close(v.Leaves[0][i], want) {
			t.Errorf("median s%d = %v, want %v", i, v.Leaves[0][i], want)
		}
	}
	if v.Leaves[1][0] != 4 || v.Leaves[1][4] != 1 {
		t.Errorf("count = %v", v.Leaves[1])
	}
	if got := v.Group["group.median(x)"]; len(got) != 5 || got[4] != 100 {
		t.Errorf("Values.Group = %v", v.Group)
	}
	if _, err := p.EvaluateWith(context.Background(), ds, mustPeriod("2024"), Options{Groups: []int{0}}); err == nil {
		t.Error("Groups of the wrong length accepted")
	}
}

// TestConditions: applies_when and rated_when are bools over subject.* and
// period only.
func TestConditions(t *testing.T) {
	ds := testData(4, []string{"village", "committee"}, map[string][]float64{"x@2024": {1, 2, 3, 4}})
	schema := Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames}
	mk := func(cond string) *indicators.Set {
		set := spec{leaves: []string{"v: x"}}.build()
		set.Nodes[0].AppliesWhen = &indicators.Expr{Text: cond, Pos: diag.Pos{File: "indicators.yaml", Line: 1, Col: 1}}
		return set
	}
	p, err := Compile(mk(`subject.kind == "village" and period >= "2024"`), schema)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Evaluate(context.Background(), ds, mustPeriod("2024"))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.AppliesWhen[0]; len(got) != 4 || got[0] != 1 || got[1] != 0 || got[2] != 1 || got[3] != 0 {
		t.Errorf("AppliesWhen = %v", v.AppliesWhen)
	}
	for _, tc := range []struct{ cond, want string }{
		{"x > 1", `node "v": applies_when: it may read only subject.<attribute> and period, not x`},
		{"group.mean(x) > 1", `it may read only subject.<attribute> and period, not group.mean(x)`},
		{`subject.kind`, `node "v": applies_when: expression must produce a bool, got string`},
		{`1`, `expression must produce a bool, got number`},
		{`nil`, `nil is the missing number`},
	} {
		_, err := Compile(mk(tc.cond), schema)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("applies_when %q: error %v, want %q", tc.cond, err, tc.want)
		}
	}
}

// BenchmarkGroupStatistic computes each group statistic of a 100k-row
// column over four peer groups, 5% of values missing, 10% of subjects out
// of every pool (rated_when): one column pass (two for sd; bucketing and
// sorting for the median) whatever the number of groups.
func BenchmarkGroupStatistic(b *testing.B) {
	const n = 100000
	x := make([]float64, n)
	gid := make([]int, n)
	s := uint64(1)
	for i := range x {
		s = s*6364136223846793005 + 1442695040888963407
		x[i] = float64(s>>11) / (1 << 53) * 1000
		gid[i] = int(s>>7) % 4
		switch {
		case i%20 == 0:
			x[i] = nanv
		case i%10 == 1:
			gid[i] = -1
		}
	}
	for st, name := range groupStatNames {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				groupStatistic(groupStat(st), x, gid, 4)
			}
		})
	}
}

// TestSelectKth checks quickselect against sorting, ties and sizes
// included.
func TestSelectKth(t *testing.T) {
	s := uint64(7)
	for n := 1; n < 200; n += 7 {
		for _, ties := range []int{0, 3} {
			a := make([]float64, n)
			for i := range a {
				s = s*6364136223846793005 + 1442695040888963407
				a[i] = float64(s>>11) / (1 << 53)
				if ties > 0 {
					a[i] = float64(int(a[i] * float64(ties)))
				}
			}
			want := slices.Clone(a)
			slices.Sort(want)
			for _, k := range []int{0, n / 2, n - 1, (n - 1) / 3} {
				b := slices.Clone(a)
				selectKth(b, k)
				if b[k] != want[k] {
					t.Fatalf("n=%d ties=%d k=%d: got %v, want %v", n, ties, k, b[k], want[k])
				}
				for i := range b {
					if i < k && b[i] > b[k] || i > k && b[i] < b[k] {
						t.Fatalf("n=%d k=%d: a[%d]=%v on the wrong side of %v", n, k, i, b[i], b[k])
					}
				}
			}
		}
	}
}
