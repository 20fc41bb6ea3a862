package reports

// The batch-based results.json writer as it was before WriteJSON wrote from
// the View, kept for the byte-for-byte comparison of TestJSONLegacy.

import (
	"bufio"
	"bytes"
	"io"
	"time"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// legacyWriteJSON writes results.json like WriteJSON, with the robustness
// analysis a (analysis.Report.JSON: correlations, alphas, flags,
// leave-one-out shifts, uncertainty bands) as its "analysis" member and its
// methodology warnings as "methodology_warnings", after "indicators". A nil
// a writes neither.
func legacyWriteJSON(w io.Writer, b *batch.Batch, a *analysis.Report) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	j := &jw{w: bw}
	set := b.Project.Set
	m := b.Meta

	j.raw("{\n")
	j.key("format", 1).str(JSONFormat).raw(",\n")
	j.key("meta", 1).raw("{\n")
	j.key("indicator_set", 2).raw("{")
	j.key("id", 0).str(m.SetID).raw(", ")
	j.key("name", 0).str(m.SetName).raw(", ")
	j.key("version", 0).str(m.SetVersion).raw(", ")
	j.key("sha256", 0).str(m.SetSHA256).raw("},\n")
	j.key("data_sha256", 2).str(m.DataSHA256).raw(",\n")
	j.key("period", 2).str(m.Period).raw(",\n")
	j.key("previous_period", 2).str(m.PrevPeriod).raw(",\n")
	j.key("engine_version", 2).str(m.EngineVersion).raw(",\n")
	j.key("generated_at", 2).str(m.GeneratedAt.UTC().Format(time.RFC3339)).raw("\n")
	j.raw("  },\n")
	j.key("scale", 1).raw("[").num(set.Scale[0]).raw(", ").num(set.Scale[1]).raw("],\n")
	j.key("min_coverage", 1).num(set.MinCoverage).raw(",\n")
	j.key("ranking", 1).raw("{")
	j.key("method", 0).str(string(set.Ranking.Method)).raw(", ")
	order := "desc"
	if !set.Ranking.Desc {
		order = "asc"
	}
	j.key("order", 0).str(order).raw(", ")
	j.key("digits", 0).int(set.Ranking.Digits).raw("},\n")
	j.key("display", 1).raw("{").key("digits", 0).int(set.Display.Digits).raw("},\n")

	legacyTree(j, set)
	legacyGroups(j, b)
	legacySubjects(j, b)
	legacyCells(j, b)
	legacyAssess(j, b)
	if a != nil {
		legacyAnalysis(j, a)
	}
	legacyWarnings(j, b)
	j.raw("}\n")
	if j.err != nil {
		return j.err
	}
	return bw.Flush()
}

func legacyTree(j *jw, set *indicators.Set) {
	j.key("tree", 1).raw("[")
	for i, n := range set.Nodes {
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n    {")
		j.key("id", 0).str(n.ID).raw(", ")
		j.key("name", 0).str(n.Name).raw(", ")
		parent := ""
		if n.Parent != nil {
			parent = n.Parent.ID
		}
		j.key("parent", 0).str(parent).raw(", ")
		j.key("depth", 0).int(n.Depth).raw(", ")
		j.key("weight", 0).num(n.Weight).raw(", ")
		j.key("share", 0).num(nominalShare(n)).raw(", ")
		if len(n.AppliesTo) > 0 {
			j.key("applies_to", 0).strs(n.AppliesTo).raw(", ")
		}
		if n.Round >= 0 {
			j.key("round", 0).int(n.Round).raw(", ")
		}
		if n.Rank {
			j.key("rank", 0).bool(true).raw(", ")
		}
		j.key("missing", 0).str(string(n.Missing.Policy))
		if n.Missing.By != "" {
			j.raw(", ").key("missing_by", 0).str(n.Missing.By)
		}
		j.raw(", ")
		if n.IsLeaf() {
			j.key("type", 0).str("leaf").raw(", ")
			j.key("expr", 0).str(n.Expr.Text).raw(", ")
			j.key("direction", 0).str(n.Direction.String()).raw(", ")
			j.key("normalize", 0).str(string(n.Normalize.Method))
			switch n.Normalize.Method {
			case indicators.Goalpost:
				j.raw(", ").key("low", 0).num(n.Normalize.Low).raw(", ").key("high", 0).num(n.Normalize.High)
			case indicators.ZScore:
				j.raw(", ").key("mean", 0).num(n.Normalize.Mean).raw(", ").key("sd", 0).num(n.Normalize.SD)
			case indicators.NormNone:
				j.raw(", ").key("clip", 0).bool(n.Normalize.Clip)
			case indicators.Target:
				j.raw(", ").key("target", 0)
				if n.Normalize.TargetMedian {
					j.str("median")
				} else {
					j.raw("[").num(n.Normalize.TargetLow).raw(", ").num(n.Normalize.TargetHigh).raw("]")
				}
			}
			if to := n.Normalize.To; to != nil {
				j.raw(", ").key("to", 0).raw("[").num(to[0]).raw(", ").num(to[1]).raw("]")
			}
			if n.Transform != "" {
				j.raw(", ").key("transform", 0).str(string(n.Transform))
			}
			if n.Winsorize != nil {
				j.raw(", ").key("winsorize", 0).raw("[").num(n.Winsorize.Lower).raw(", ").num(n.Winsorize.Upper).raw("]")
			}
		} else {
			j.key("type", 0).str("composite").raw(", ")
			j.key("aggregate", 0).str(string(n.Aggregate))
		}
		j.raw("}")
	}
	j.raw("\n  ],\n")
}

func legacyGroups(j *jw, b *batch.Batch) {
	leaves := b.Project.Set.Leaves
	j.key("groups", 1).raw("[")
	for gi, g := range b.Result.Groups {
		if gi > 0 {
			j.raw(",")
		}
		j.raw("\n    {")
		j.key("label", 0).str(g.Label).raw(", ")
		j.key("subjects", 0).int(len(g.Members)).raw(", ")
		j.key("rated", 0).int(g.NRated).raw(", ")
		j.key("leaves", 0).raw("[")
		first := true
		for l, st := range g.Leaves {
			if st.N+st.Missing == 0 {
				continue // the leaf applies to no rated subject of the group
			}
			if !first {
				j.raw(",")
			}
			first = false
			j.raw("\n      {")
			j.key("indicator", 0).str(leaves[l].ID).raw(", ")
			j.key("n", 0).int(st.N).raw(", ")
			j.key("missing", 0).int(st.Missing).raw(", ")
			j.key("min", 0).num(st.Min).raw(", ")
			j.key("max", 0).num(st.Max).raw(", ")
			j.key("mean", 0).num(st.Mean).raw(", ")
			j.key("sd", 0).num(st.SD).raw(", ")
			j.key("normalisation", 0).raw("{")
			j.key("n", 0).int(st.NormN).raw(", ")
			j.key("min", 0).num(st.NormMin).raw(", ")
			j.key("max", 0).num(st.NormMax).raw(", ")
			j.key("mean", 0).num(st.NormMean).raw(", ")
			j.key("sd", 0).num(st.NormSD).raw(", ")
			j.key("winsor_low", 0).num(st.WinsorLow).raw(", ")
			j.key("winsor_high", 0).num(st.WinsorHigh).raw("}, ")
			j.key("uninformative", 0).bool(st.Uninformative)
			if t := st.Treat; t != nil {
				legacyTreat(j, b, t)
			}
			j.raw("}")
		}
		j.raw("], ")
		legacyGroupWeights(j, b, gi)
		j.raw("}")
	}
	j.raw("\n  ],\n")
}

func legacySubjects(j *jw, b *batch.Batch) {
	set := b.Project.Set
	subs := b.Project.Data.Subjects
	comps := b.Composites()
	ranked := set.RankedNodes()
	j.key("results", 1).raw("[")
	for k, si := range b.Result.Order {
		r := &b.Result.Subjects[si]
		s := &subs[si]
		if k > 0 {
			j.raw(",")
		}
		j.raw("\n    {")
		j.key("peer_group", 0).str(r.Group).raw(", ")
		j.key("subject", 0).str(s.ID).raw(", ")
		j.key("name", 0).str(s.Name).raw(", ")
		j.key("kind", 0).str(s.Kind).raw(", ")
		if r.Rated {
			j.key("status", 0).str("rated").raw(", ")
			j.key("rank", 0).int(r.Rank).raw(", ")
			j.key("score", 0).num(r.Score).raw(", ")
			j.key("grade", 0).str(r.Grade).raw(", ")
		} else {
			j.key("status", 0).str("unrated").raw(", ")
			j.key("unrated_reason", 0).str(string(r.Unrated)).raw(", ")
			j.key("rank", 0).raw("null, ")
			j.key("score", 0).raw("null, ")
			j.key("grade", 0).raw("null, ")
		}
		j.key("coverage", 0).num(r.Coverage).raw(", ")
		if r.Rated {
			j.key("vetoed", 0).bool(r.Vetoed).raw(", ")
		} else {
			j.key("vetoed", 0).raw("null, ")
		}
		j.key("root", 0).num(r.RootValue).raw(", ")
		j.key("nodes", 0).raw("{")
		for c, n := range comps {
			if c > 0 {
				j.raw(", ")
			}
			j.key(n.ID, 0).num(r.Nodes[n.Index])
		}
		j.raw("}, ")
		legacyNodeStatus(j, b, si, comps)
		legacyNodeRanks(j, b, si, ranked)
		j.key("adjustments", 0).raw("[")
		first := true
		for a, adj := range set.Adjustments {
			if a >= len(r.Adjustments) || !r.Adjustments[a].Applies {
				continue
			}
			ar := r.Adjustments[a]
			if !first {
				j.raw(", ")
			}
			first = false
			j.raw("{")
			j.key("id", 0).str(adj.ID).raw(", ")
			j.key("held", 0).bool(ar.Held).raw(", ")
			j.key("points", 0).num(ar.Points).raw(", ")
			j.key("capped", 0).bool(ar.Capped).raw("}")
		}
		j.raw("], ")
		j.key("grade_by_score", 0).str(r.GradeByScore).raw(", ")
		j.key("grade_reason", 0).str(r.GradeReason).raw("}")
	}
	j.raw("\n  ],\n")
}

// legacyCells writes the (subject, leaf) cells compactly: the leaf ids once,
// then per subject (in output order) four arrays aligned with them — raw,
// value, status and weight, as in indicators.csv; a leaf that does not apply
// to the subject has null in every array.
func legacyCells(j *jw, b *batch.Batch) {
	leaves := b.Project.Set.Leaves
	ids := make([]string, len(leaves))
	for l, n := range leaves {
		ids[l] = n.ID
	}
	j.key("indicators", 1).raw("{")
	j.key("leaves", 0).strs(ids).raw(",\n    ")
	j.key("subjects", 0).raw("[")
	if j.err != nil {
		return
	}
	subs := b.Project.Data.Subjects
	cells := b.Result.Cells
	format := func(order []int, buf []byte) []byte {
		row := make([]scoring.Cell, len(leaves)) // the subject's cells, assembled once
		for _, si := range order {
			buf = append(buf, ",\n      {\"subject\": "...)
			buf = appendJSONString(buf, subs[si].ID)
			for l := range row {
				row[l] = cells[l].At(si)
			}
			for f, field := range []string{"raw", "value", "status", "weight"} {
				buf = append(buf, ", \""...)
				buf = append(buf, field...)
				buf = append(buf, "\": ["...)
				for l := range leaves {
					if l > 0 {
						buf = append(buf, ',')
					}
					c := &row[l]
					if !c.Applies {
						buf = append(buf, "null"...)
						continue
					}
					switch f {
					case 0:
						buf = appendJSONFloat(buf, c.Raw)
					case 1:
						buf = appendJSONFloat(buf, c.Value)
					case 2:
						buf = append(buf, '"')
						buf = append(buf, c.Status...)
						buf = append(buf, '"')
					case 3:
						buf = appendJSONFloat(buf, c.Weight)
					}
				}
				buf = append(buf, ']')
			}
			buf = append(buf, '}')
		}
		return buf
	}
	// Every subject starts with ","; the first one must not.
	j.err = writeChunked(&dropFirstByte{w: j.w}, b.Result.Order, format)
	j.raw("\n    ]},\n")
}

func legacyWarnings(j *jw, b *batch.Batch) {
	j.key("warnings", 1).warnings(b.Warnings).raw("\n")
}

// legacyTreat writes a leaf's JRC treatment record: outcome, skewness and
// kurtosis before and after, the winsorised subjects and the log shift.
func legacyTreat(j *jw, b *batch.Batch, t *scoring.TreatStats) {
	j.raw(", ").key("treat", 0).raw("{")
	j.key("outcome", 0).str(t.Outcome).raw(", ")
	j.key("skew_before", 0).num(t.SkewBefore).raw(", ")
	j.key("kurtosis_before", 0).num(t.KurtBefore).raw(", ")
	j.key("skew_after", 0).num(t.SkewAfter).raw(", ")
	j.key("kurtosis_after", 0).num(t.KurtAfter).raw(", ")
	ids := make([]string, len(t.Points))
	for p, i := range t.Points {
		ids[p] = b.Project.Data.Subjects[i].ID
	}
	j.key("winsorised", 0).strs(ids).raw(", ")
	j.key("log_shift", 0).num(t.LogShift).raw("}")
}

// legacyGroupWeights writes the weights in effect of every composite's
// children in group g ("weights": {composite id ("score" for the root): {child
// id: weight}}), with the complete cases of statistical weightings.
func legacyGroupWeights(j *jw, b *batch.Batch, g int) {
	set := b.Project.Set
	grp := &b.Result.Groups[g]
	j.key("weights", 0).raw("{")
	first := true
	for k := 0; k <= len(set.Nodes); k++ {
		node, id := set.Root, "score"
		if k < len(set.Nodes) {
			node, id = set.Nodes[k], set.Nodes[k].ID
		}
		if k >= len(grp.Weights) || grp.Weights[k] == nil {
			continue
		}
		if !first {
			j.raw(", ")
		}
		first = false
		j.raw("\n      ").key(id, 0).raw("{")
		for c, ch := range node.Children {
			if c > 0 {
				j.raw(", ")
			}
			j.key(ch.ID, 0).num(grp.Weights[k][c])
		}
		if node.Weighting != nil {
			j.raw(", ").key("@method", 0).str(string(node.Weighting.Method))
			if grp.WeightCases[k] > 0 {
				j.raw(", ").key("@cases", 0).int(grp.WeightCases[k])
			}
		}
		j.raw("}")
	}
	j.raw("}")
}

// legacyAnalysis writes the "analysis" and "methodology_warnings"
// members.
func legacyAnalysis(j *jw, a *analysis.Report) {
	js, err := a.JSON()
	if err != nil {
		if j.err == nil {
			j.err = err
		}
		return
	}
	j.key("analysis", 1).bytes(bytes.ReplaceAll(js, []byte("\n"), []byte("\n  "))).raw(",\n")
	j.key("methodology_warnings", 1).warnings(a.Warnings).raw(",\n")
}

// legacyNodeStatus writes a subject's "node_status": the status of each
// composite's value (SPEC §4.7) — NodeStatus — keyed by node id.
func legacyNodeStatus(j *jw, b *batch.Batch, si int, comps []*indicators.Node) {
	j.key("node_status", 0).raw("{")
	for c, n := range comps {
		if c > 0 {
			j.raw(", ")
		}
		j.key(n.ID, 0)
		if st := NodeStatus(b, si, n); st == "" {
			j.raw("null")
		} else {
			j.str(st)
		}
	}
	j.raw("}, ")
}

// legacyNodeRanks writes a subject's "node_ranks" when the set ranks nodes
// (`rank: true`, SPEC §4.10): each ranked node's rank in the peer group,
// null when the subject has none.
func legacyNodeRanks(j *jw, b *batch.Batch, si int, ranked []*indicators.Node) {
	if len(ranked) == 0 {
		return
	}
	j.key("node_ranks", 0).raw("{")
	for c, n := range ranked {
		if c > 0 {
			j.raw(", ")
		}
		j.key(n.ID, 0)
		if r := b.Result.NodeRanks[n.Index][si]; r > 0 {
			j.int(int(r))
		} else {
			j.raw("null")
		}
	}
	j.raw("}, ")
}

// legacyAssess writes the "assessments" member of results.json: per item
// its roles, reliability analysis and every subject's combined score with
// its standard error, 90% interval and per-role statistics.
func legacyAssess(j *jw, b *batch.Batch) {
	j.key("assessments", 1).raw("[")
	if b.Assess == nil {
		j.raw("],\n")
		return
	}
	subs := b.Project.Data.Subjects
	for ii := range b.Assess.Items {
		it := &b.Assess.Items[ii]
		if ii > 0 {
			j.raw(",")
		}
		j.raw("\n    {")
		j.key("id", 0).str(it.ID).raw(", ")
		j.key("name", 0).str(it.Name).raw(", ")
		var roleMin []int
		if ii < len(b.Project.Set.Assessments) {
			def := b.Project.Set.Assessments[ii]
			j.key("min_raters", 0).int(def.MinRaters).raw(", ")
			roleMin = roleMinRaters(def, it.Roles)
		}
		j.key("roles", 0).raw("[")
		for r, rw := range it.Roles {
			if r > 0 {
				j.raw(", ")
			}
			j.raw("{").key("role", 0).str(rw.Role).raw(", ").key("weight", 0).num(rw.Weight)
			if roleMin != nil {
				j.raw(", ").key("min_raters", 0).int(roleMin[r])
			}
			j.raw("}")
		}
		j.raw("],\n      ")
		rel := it.Reliability
		j.key("reliability", 0).raw("{")
		j.key("raters", 0).int(rel.Raters).raw(", ")
		j.key("ratings", 0).int(rel.Ratings).raw(", ")
		j.key("role_ratings", 0).raw("{")
		for r, rw := range it.Roles {
			if r > 0 {
				j.raw(", ")
			}
			j.key(rw.Role, 0).int(rel.RoleRatings[r])
		}
		j.raw("}, ")
		j.key("role_means", 0).raw("{")
		for r, rw := range it.Roles {
			if r > 0 {
				j.raw(", ")
			}
			j.key(rw.Role, 0).num(rel.RoleMeans[r])
		}
		j.raw("}, ")
		j.key("icc1", 0).num(rel.ICC1).raw(", ")
		j.key("krippendorff_alpha", 0).num(rel.Alpha).raw(", ")
		j.key("reciprocity", 0).raw("{")
		j.key("dyads", 0).int(rel.Reciprocity.Dyads).raw(", ")
		j.key("r", 0).num(rel.Reciprocity.R).raw(", ")
		j.key("flagged_pairs", 0).raw("[")
		for k, p := range rel.Reciprocity.Flagged {
			if k > 0 {
				j.raw(", ")
			}
			j.raw("[").str(p.A).raw(", ").str(p.B).raw("]")
		}
		j.raw("]}},\n      ")
		j.key("subjects", 0).raw("[")
		for _, si := range b.Result.Order {
			if si != b.Result.Order[0] {
				j.raw(",")
			}
			j.raw("\n        {")
			j.key("subject", 0).str(subs[si].ID).raw(", ")
			j.key("score", 0).num(it.Score[si]).raw(", ")
			j.key("se", 0).num(it.SE[si]).raw(", ")
			j.key("ci90", 0).raw("[").num(it.Low[si]).raw(", ").num(it.High[si]).raw("], ")
			j.key("roles", 0).raw("{")
			for r, rw := range it.Roles {
				if r > 0 {
					j.raw(", ")
				}
				st := it.Stat(si, r)
				j.key(rw.Role, 0)
				if !st.Present {
					j.raw("{").key("n", 0).int(st.N).raw(", ").key("mean", 0).raw("null}")
					continue
				}
				j.raw("{").key("n", 0).int(st.N).raw(", ").key("kept", 0).int(st.Kept).raw(", ")
				j.key("mean", 0).num(st.Mean).raw(", ").key("sd", 0).num(st.SD).raw("}")
			}
			j.raw("}}")
		}
		j.raw("\n      ]}")
	}
	j.raw("\n  ],\n")
}
