package scoring_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
	"github.com/govscore/govscore/synth"
)

// synthInput is the scoring input of a generated project of n subjects and
// m leaves (four peer groups of unequal sizes, imputation by region,
// adjustments with a veto, grades with binding quotas), with what the
// generator does not write switched on: an entropy weighting, a TOPSIS
// dimension, a composite imputed by its group's mean, and node ranks.
func synthInput(t *testing.T, n, m int) scoring.Input {
	t.Helper()
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: n, Leaves: m, Seed: 7, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	p, err := batch.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := batch.Run(context.Background(), p, p.Set, batch.Options{Period: "2024", At: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	in := b.Input()
	dims := in.Set.Root.Children
	if len(dims) < 4 {
		t.Fatalf("the generated set has %d dimensions, the test needs 4", len(dims))
	}
	dims[0].Weighting = &indicators.Weighting{Method: indicators.EntropyWeights}
	dims[1].Aggregate = indicators.TOPSIS
	dims[2].Missing = indicators.Missing{Policy: indicators.ImputeMean}
	dims[3].Rank = true
	dims[3].Children[0].Rank = true
	return in
}

// TestScoreWorkers: the result is the same, bit for bit, whatever the
// number of workers the peer groups are split over.
func TestScoreWorkers(t *testing.T) {
	in := synthInput(t, 3000, 24)
	want, err := scoring.ScoreWorkers(in, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Groups) < 2 || want.NodeRanks == nil || len(want.Order) != len(in.Subjects) {
		t.Fatalf("the input does not exercise the groups: %d groups, node ranks %v", len(want.Groups), want.NodeRanks != nil)
	}
	graded := 0
	for _, r := range want.Subjects {
		if r.Grade != "" {
			graded++
		}
	}
	if graded == 0 {
		t.Fatal("no subject was graded")
	}
	for _, w := range []int{2, 7} {
		got, err := scoring.ScoreWorkers(in, w)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameBits(reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()); d != "" {
			t.Errorf("%d workers: Result%s", w, d)
		}
	}
}

// sameBits returns "" when a and b hold the same values (floats bit for
// bit, unexported fields included, pointers followed), else the path below
// them of the first difference (built only then: the walk is long).
func sameBits(a, b reflect.Value) string {
	if a.Kind() != b.Kind() {
		return ": kinds differ"
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			return fmt.Sprintf(": %v != %v", a.Float(), b.Float())
		}
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return ": bools differ"
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			return fmt.Sprintf(": %d != %d", a.Int(), b.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if a.Uint() != b.Uint() {
			return fmt.Sprintf(": %d != %d", a.Uint(), b.Uint())
		}
	case reflect.String:
		if a.String() != b.String() {
			return fmt.Sprintf(": %q != %q", a.String(), b.String())
		}
	case reflect.Slice, reflect.Array:
		if a.Kind() == reflect.Slice && a.IsNil() != b.IsNil() {
			return ": one is nil"
		}
		if a.Len() != b.Len() {
			return fmt.Sprintf(": lengths %d != %d", a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := sameBits(a.Index(i), b.Index(i)); d != "" {
				return fmt.Sprintf("[%d]%s", i, d)
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if d := sameBits(a.Field(i), b.Field(i)); d != "" {
				return "." + a.Type().Field(i).Name + d
			}
		}
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return ": one is nil"
			}
			return ""
		}
		return sameBits(a.Elem(), b.Elem())
	case reflect.Map:
		if a.Len() != b.Len() {
			return ": map sizes differ"
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("[%v]: missing", k)
			}
			if d := sameBits(a.MapIndex(k), bv); d != "" {
				return fmt.Sprintf("[%v]%s", k, d)
			}
		}
	default:
		return ": unexpected kind " + a.Kind().String()
	}
	return ""
}
