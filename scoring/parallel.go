package scoring

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// parallel runs task(w, t) for every t in [0, n) on at most workers
// goroutines (one, the caller's, when workers ≤ 1 or n ≤ 1). w in
// [0, workers) identifies the goroutine running the task, for its scratch
// space: two tasks with the same w never run at the same time. Tasks are
// taken in order of t by whichever goroutine is free, so a task must write
// only its own slots of shared arrays (its peer group's subjects, say): the
// outcome then does not depend on the number of workers or the schedule.
// (errgroup would do, but golang.org/x/sync is only an indirect requirement
// in go.mod.)
func parallel(workers, n int, task func(w, t int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for t := range n {
			task(0, t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for t := int(next.Add(1) - 1); t < n; t = int(next.Add(1) - 1) {
				task(w, t)
			}
		})
	}
	wg.Wait()
}

// bySize returns the indices of groups, largest first (ties by index): the
// order in which to hand them to parallel, so that a large group does not
// start last and leave the other workers idle.
func bySize(groups []Group) []int {
	order := make([]int, len(groups))
	for g := range order {
		order[g] = g
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(len(groups[b].Members), len(groups[a].Members))
	})
	return order
}

// rangeBlock is the smallest range inRanges hands to a worker.
const rangeBlock = 1 << 16

// inRanges calls fill with consecutive ranges [lo, hi) covering [0, n),
// on at most workers goroutines (ranges of at least rangeBlock; n below
// that is one call). For the first writes of large arrays: their page
// faults, a large part of the cost of setting up a million subjects on a
// virtual machine, then fall on every core. fill must only write its own
// range.
func inRanges(workers, n int, fill func(lo, hi int)) {
	if workers <= 1 || n <= rangeBlock {
		if n > 0 {
			fill(0, n)
		}
		return
	}
	size := max(rangeBlock, (n+4*workers-1)/(4*workers))
	parallel(workers, (n+size-1)/size, func(_, t int) {
		fill(t*size, min(n, (t+1)*size))
	})
}
