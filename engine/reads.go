package engine

// ReadsAssess reports whether leaf (a Set.Leaves index) reads an
// assessment: its expression names assess.<item>, or a derived metric
// (in the period, through prev. or through a group statistic) whose
// expression reads one, at any depth. A rater bootstrap re-evaluates exactly these leaves.
func (p *Plan) ReadsAssess(leaf int) bool {
	return p.readsAssess(p.leaves[leaf], map[string]bool{})
}

// AdjustmentReadsAssess is ReadsAssess for adjustment adj (a
// Set.Adjustments index): its `when` condition or its `points`.
func (p *Plan) AdjustmentReadsAssess(adj int) bool {
	seen := map[string]bool{}
	return p.readsAssess(p.when[adj], seen) || p.readsAssess(p.points[adj], seen)
}

// readsAssess reports whether pr (nil: none) reads an assessment, directly
// or through the derived metrics it reads; seen holds the derived metrics
// already followed.
func (p *Plan) readsAssess(pr *program, seen map[string]bool) bool {
	if pr == nil {
		return false
	}
	for _, in := range pr.inputs {
		ref := p.inputs[in]
		switch ref.kind {
		case inAssess:
			return true
		case inMetric, inPrev, inGroup: // a group statistic of a derived metric reads what it reads
			d, ok := p.derivedIdx[ref.name]
			if !ok || seen[ref.name] {
				continue
			}
			seen[ref.name] = true
			if p.readsAssess(p.derived[d], seen) {
				return true
			}
		}
	}
	return false
}
