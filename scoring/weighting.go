package scoring

import (
	"errors"
	"math"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
)

// groupWeights returns the weights of the children of composite row k in
// group g, whose rated members the node applies to are members: use, the
// weights the aggregation uses (the `weight` fields as written when the node
// has no `weighting:`, so that sums are formed exactly as before), and
// report, the same weights restricted to the children with a value for
// some member and normalised to sum 1 over them (Group.Weights). cases is the
// number of complete cases a statistical weighting used (0 otherwise).
func (s *scorer) groupWeights(k, g int, kids, members []int) (use, report []float64, cases int, err error) {
	node := s.nodeAt(k)
	if node.Weighting == nil {
		use = make([]float64, len(kids))
		for j, ch := range node.Children {
			use[j] = ch.Weight
		}
	} else {
		use, cases, err = s.weights(node.Weighting, k, g, kids, members)
		if err != nil {
			return nil, nil, 0, err
		}
	}
	// Report the weights over the children that take part in the group.
	cols, _ := s.columns(kids, members, use)
	report = make([]float64, len(kids))
	for _, j := range cols {
		report[j] = use[j]
	}
	return use, normalised(report), cases, nil
}

// weights computes one weighting spec (SPEC §6) for composite row k in
// group g; the result is in children order and sums to 1 (or is all 0 when
// no child has a value in the group).
//
//   - ahp: the priority vector indicators.Parse computed (Weighting.Weights).
//   - entropy, critic, pca: mcda.Entropy, CRITIC or PCA over the complete
//     cases — the members with a value for every child that has a value for
//     at least one member (the other children, uninformative or never
//     applicable in the group, get weight 0). At least mcda.MinCases
//     complete cases are needed, else a *WeightingError.
//   - combine: mcda.Combine of the two parts, each normalised to sum 1.
func (s *scorer) weights(wt *indicators.Weighting, k, g int, kids, members []int) ([]float64, int, error) {
	switch wt.Method {
	case indicators.AHPWeights:
		return normalised(wt.Weights), 0, nil
	case indicators.CombineWeights:
		a, ca, err := s.weights(wt.Of[0], k, g, kids, members)
		if err != nil {
			return nil, 0, err
		}
		b, cb, err := s.weights(wt.Of[1], k, g, kids, members)
		if err != nil {
			return nil, 0, err
		}
		return mcda.Combine(a, b, wt.Alpha), max(ca, cb), nil
	}
	ones := make([]float64, len(kids))
	for j := range ones {
		ones[j] = 1
	}
	cols, _ := s.columns(kids, members, ones)
	w := make([]float64, len(kids))
	if len(cols) == 0 {
		return w, 0, nil
	}
	var rows [][]float64
	for _, i := range members {
		row := make([]float64, len(cols))
		complete := true
		for q, j := range cols {
			row[q] = s.vals[s.at(kids[j], i)]
			complete = complete && !math.IsNaN(row[q])
		}
		if complete {
			rows = append(rows, row)
		}
	}
	var cw []float64
	var err error
	switch {
	case len(rows) < mcda.MinCases:
		// Checked here: mcda reports an empty matrix as a shape error.
		err = &mcda.CasesError{Method: string(wt.Method), N: len(rows), Need: mcda.MinCases}
	case wt.Method == indicators.EntropyWeights:
		cw, err = mcda.Entropy(rows)
	case wt.Method == indicators.CRITICWeights:
		cw, err = mcda.CRITIC(rows)
	case wt.Method == indicators.PCAWeights:
		cw, err = mcda.PCA(rows)
	default:
		err = errors.New("unknown weighting method")
	}
	if err != nil {
		return nil, 0, &WeightingError{Node: s.nodeAt(k).ID, Pos: wt.Pos, Group: s.res.Groups[g].Label,
			Method: string(wt.Method), Cases: len(rows), Err: err}
	}
	for q, j := range cols {
		w[j] = cw[q]
	}
	return w, len(rows), nil
}

// normalised returns w/Σw (a new slice); all zeros stay zeros.
func normalised(w []float64) []float64 {
	var sum float64
	for _, x := range w {
		sum += x
	}
	out := make([]float64, len(w))
	if sum == 0 {
		return out
	}
	for j, x := range w {
		out[j] = x / sum
	}
	return out
}
