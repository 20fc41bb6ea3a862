package analysis

import (
	"fmt"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// MinEntropySubjects is the number of complete cases below which entropy
// weights draw a warning: with few subjects the entropy of a column says
// more about chance than about discrimination.
const MinEntropySubjects = 10

// Methodology returns the methodology warnings an expert reviewer would
// give about set and its result (see the package doc), sorted. rep may be
// nil; with it, its collinear pairs are warned about too.
func Methodology(set *indicators.Set, res *scoring.Result, rep *Report) []diag.Warning {
	var ws []diag.Warning
	nodes := append(append([]*indicators.Node(nil), set.Nodes...), set.Root)
	lo := set.Scale[0]
	for _, nd := range nodes {
		if nd.IsLeaf() {
			continue
		}
		id := nd.ID
		if nd == set.Root {
			id = "score"
		}
		if w := nd.Weighting; w != nil {
			for _, part := range weightingParts(w) {
				switch part.Method {
				case indicators.AHPWeights:
					if part.MaxCR > 0 && part.CR > 0.8*part.MaxCR {
						ws = append(ws, diag.Warning{Pos: part.Pos, Node: id,
							Msg: fmt.Sprintf("AHP consistency ratio CR = %.3f is close to the limit max_cr = %g (above 80%% of it); the judgements are barely consistent — review the pairwise comparisons", part.CR, part.MaxCR)})
					}
				case indicators.EntropyWeights:
					for g, grp := range res.Groups {
						if c := grp.WeightCases[k(set, nd)]; c > 0 && c < MinEntropySubjects {
							ws = append(ws, diag.Warning{Pos: part.Pos, Group: res.Groups[g].Label, Node: id,
								Msg: fmt.Sprintf("entropy weights computed from %d subjects (fewer than %d): they reflect chance more than discrimination; prefer explicit or AHP weights", c, MinEntropySubjects)})
						}
					}
				}
			}
		}
		if nd.Aggregate == indicators.Geometric && lo <= 0 {
			ws = append(ws, diag.Warning{Pos: nd.Pos, Node: id,
				Msg: fmt.Sprintf("geometric aggregation over a scale starting at %g: a child at %g makes the node missing; use a scale with lo > 0 or another aggregation", lo, lo)})
		}
	}
	for _, a := range set.Uncertainty.Aggregate {
		if a == indicators.Geometric && lo <= 0 {
			ws = append(ws, diag.Warning{Pos: set.Uncertainty.Pos,
				Msg: fmt.Sprintf("the uncertainty alternatives include geometric aggregation over a scale starting at %g: replications drawing it leave every subject with a child at %g unscored", lo, lo)})
		}
	}
	if rep != nil {
		for _, g := range rep.Groups {
			for _, p := range g.Collinear {
				ws = append(ws, diag.Warning{Group: g.Label, Node: p.Parent,
					Msg: fmt.Sprintf("%q and %q are collinear (Pearson r = %.3f, |r| > %g): they measure the same thing and double its weight; drop or merge one", p.A, p.B, float64(p.R), Collinear)})
			}
		}
	}
	return diag.SortWarnings(ws)
}

// k returns the node row of nd (len(set.Nodes) for the root).
func k(set *indicators.Set, nd *indicators.Node) int {
	if nd == set.Root {
		return len(set.Nodes)
	}
	return nd.Index
}

// weightingParts flattens a weighting spec: itself, or a combine's parts.
func weightingParts(w *indicators.Weighting) []*indicators.Weighting {
	if w == nil {
		return nil
	}
	if w.Method != indicators.CombineWeights {
		return []*indicators.Weighting{w}
	}
	return append(weightingParts(w.Of[0]), weightingParts(w.Of[1])...)
}
