package scoring

import (
	"errors"
	"math"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// TestAggregateErrorWorkers: when several peer groups fail, the error is the
// one the sequential order meets first (composites bottom-up, then groups
// in label order), whatever the number of workers. Group a fails at A
// only, group b at B only; B comes later in the tree, so it is aggregated
// first and its error wins although group a sorts first.
func TestAggregateErrorWorkers(t *testing.T) {
	nan := math.NaN()
	entropy := func(n *indicators.Node) { n.Weighting = &indicators.Weighting{Method: indicators.EntropyWeights} }
	set := newSet(
		comp("A", []*indicators.Node{leaf("a1"), leaf("a2")}, appliesTo("a"), entropy),
		comp("B", []*indicators.Node{leaf("b1"), leaf("b2")}, appliesTo("b"), entropy))
	set.PeerGroups = []string{"kind"}
	in := Input{Set: set,
		Subjects: []dataset.Subject{subj("x1", "a"), subj("x2", "a"), subj("y1", "b"), subj("y2", "b")},
		Raw:      [][]float64{{1, 2, nan, nan}, {3, 5, nan, nan}, {nan, nan, 1, 4}, {nan, nan, 2, 3}}}
	for _, w := range []int{1, 2, 7} {
		_, err := score(in, w)
		var we *WeightingError
		if !errors.As(err, &we) {
			t.Fatalf("%d workers: error %v, want a *WeightingError", w, err)
		}
		if we.Node != "B" || we.Group != "b" || we.Cases != 2 {
			t.Errorf("%d workers: error at node %q, group %q, %d cases; want B, b, 2", w, we.Node, we.Group, we.Cases)
		}
	}
}

// TestParallel: every task runs once, on a worker index below the number
// of workers, and one worker runs its tasks one at a time.
func TestParallel(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 50} {
		const n = 40
		ran := make([]int, n)
		busy := make([]int, max(1, workers))
		parallel(workers, n, func(w, task int) {
			if w < 0 || w >= max(1, workers) {
				t.Errorf("%d workers: worker index %d", workers, w)
				return
			}
			busy[w]++
			if busy[w] != 1 {
				t.Errorf("%d workers: worker %d runs two tasks at once", workers, w)
			}
			ran[task]++
			busy[w]--
		})
		for task, c := range ran {
			if c != 1 {
				t.Errorf("%d workers: task %d ran %d times", workers, task, c)
			}
		}
	}
}

// TestBySize: groups largest first, ties in index order.
func TestBySize(t *testing.T) {
	groups := []Group{{Members: []int{1}}, {Members: []int{2, 3, 4}}, {}, {Members: []int{5, 6, 7}}}
	got := bySize(groups)
	want := []int{1, 3, 0, 2}
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("bySize = %v, want %v", got, want)
		}
	}
}

// TestAdjustmentResultSize: a batch holds one AdjustmentResult per subject
// and adjustment; it stays at two words.
func TestAdjustmentResultSize(t *testing.T) {
	if n := unsafe.Sizeof(AdjustmentResult{}); n != 16 {
		t.Errorf("AdjustmentResult is %d bytes, want 16", n)
	}
}

// TestInRanges: the ranges cover [0, n) exactly once, whatever the number
// of workers and n (empty, below, at and above one block, not a multiple).
func TestInRanges(t *testing.T) {
	for _, workers := range []int{1, 2, 7} {
		for _, n := range []int{0, 1, rangeBlock - 1, rangeBlock, rangeBlock + 1, 5*rangeBlock + 17, 3_000_001} {
			seen := make([]int32, n)
			var calls atomic.Int64
			inRanges(workers, n, func(lo, hi int) {
				calls.Add(1)
				if lo < 0 || hi > n || lo >= hi {
					t.Errorf("workers %d, n %d: range [%d, %d)", workers, n, lo, hi)
					return
				}
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("workers %d, n %d: index %d filled %d times", workers, n, i, c)
				}
			}
			if n == 0 && calls.Load() != 0 {
				t.Errorf("workers %d: %d calls for n = 0", workers, calls.Load())
			}
		}
	}
}
