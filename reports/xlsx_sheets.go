package reports

import (
	"strings"

	"github.com/govscore/govscore/i18n"
	"github.com/govscore/govscore/scoring"
)

// rankingSheets writes one ranking sheet per peer group: after the veto
// column the rule that left an unrated subject unrated, and after the
// dimension scores the other `rank: true` nodes; every ranked node's value
// column is followed by its rank column (see nodeColumns).
func (x *xlsxWriter) rankingSheets() error {
	v, L, X := x.v, x.L, x.X
	bands := newBandRenderer(v, L)
	for gi := range v.Groups {
		g := &v.Groups[gi]
		nodes := x.rankingNodes(g)
		cols := []column{{L["rank"], 7, 0}, {L["id"], 16, 0}, {L["name"], 28, 0}, {L["kind"], 16, 0},
			{L["score"], 10, x.score}, {L["grade"], 10, 0}, {L["coverage"], 11, x.pct}, {L["veto"], 9, 0},
			{L["unratedReason"], 24, x.text}}
		if v.HasPrevious {
			cols = append(cols, column{L["prevPeriod"] + " " + L["rank"], 10, 0}, column{L["rankChange"], 10, 0}, column{L["scoreChange"], 11, x.score})
		}
		if bands.bands != nil {
			cols = append(cols, column{X["bandLow"], 11, 0}, column{X["bandHigh"], 11, 0}, column{L["tiedWith"], 30, x.text})
		}
		cols, _ = x.nodeColumns(cols, nodes, false)
		t, err := x.newTable(L["ranking"]+" "+v.names(L).group(g.Label), cols, 3)
		if err != nil {
			return err
		}
		err = t.addEach(g.Members, func(ks []int, emit func([]any)) {
			vals := make([]any, 0, len(cols))
			for _, k := range ks {
				s := v.Subject(k)
				var rank, score, grade, veto, reason any
				if s.Rated {
					rank, score, grade = s.Rank, s.Score, s.Grade
					if s.Vetoed {
						veto = L["veto"]
					}
				} else {
					grade, reason = L["unrated"], reasonText(L, s.UnratedReason)
				}
				vals = append(vals[:0], rank, s.ID, s.Name, v.names(L).of(i18n.Kind, s.Kind), score, grade, s.Coverage, veto, reason)
				if v.HasPrevious {
					var prank, dr, ds any
					switch {
					case s.Prev == nil:
						dr = L["new"]
					case s.Prev.Rated && s.Rated:
						prank, dr, ds = s.Prev.Rank, s.Prev.Rank-s.Rank, s.Score-s.Prev.Score
					case s.Prev.Rated:
						prank = s.Prev.Rank
					}
					vals = append(vals, prank, dr, ds)
				}
				if bands.bands != nil {
					var lo, hi, tied any
					if b := bands.bands[k]; b != nil {
						var row htmlRow
						bands.band(k, &row)
						lo, hi, tied = float64(b.P05), float64(b.P95), row.Tied
					}
					vals = append(vals, lo, hi, tied)
				}
				vals = x.nodeCells(vals, k, &s, nodes)
				emit(vals)
			}
		})
		if err != nil {
			return err
		}
		if err := t.close(); err != nil {
			return err
		}
	}
	return nil
}

// nodeValuesSheet writes one row per subject (output order) with the value
// of every node of the tree: composites as scored, leaves normalised, a
// `rank: true` node's value followed by its rank. A leaf value resting on an
// imputed raw value and a composite value filled by its missing policy are
// highlighted (see the rules sheet's legend); a leaf that took no part
// (missing, uninformative in the group, not applicable) is an empty cell.
func (x *xlsxWriter) nodeValuesSheet() error {
	v, L, X := x.v, x.L, x.X
	cols := []column{{L["group"], 14, 0}, {L["id"], 16, 0}, {L["name"], 28, 0}, {L["status"], 9, 0}, {L["rank"], 7, 0},
		{L["score"], 10, x.score}, {L["aggregate"], 10, x.score}}
	all := make([]int, len(v.Nodes))
	for i := range all {
		all[i] = i
	}
	cols, col := x.nodeColumns(cols, all, true)
	t, err := x.newTable(X["nodeValues"], cols, 3)
	if err != nil {
		return err
	}
	err = t.addEach(v.positions(), func(ks []int, emit func([]any)) {
		vals := make([]any, 0, len(cols))
		eachCellBlockOf(v, ks, func(blk *cellBlock, j, k int) {
			s := v.Subject(k)
			status, rank := L["unrated"], any(nil)
			if s.Rated {
				status, rank = L["rated"], s.Rank
			}
			vals = append(vals[:0], v.names(L).group(s.Group), s.ID, s.Name, status, rank, s.Score, s.Root)
			vals = x.nodeCells(vals, k, &s, all)
			for l := range v.Leaves {
				if c := l*blk.n + j; blk.applies[c] && blk.status[c] == scoring.StatusImputed {
					vals[col[v.Leaves[l]]] = xlsxCell(x.imputed, blk.value[c])
				}
			}
			emit(vals)
		})
	})
	if err != nil {
		return err
	}
	return t.close()
}

// eachCellBlockOf calls fn for every view position k of ks in order, with
// the block of cells holding its cells as the block's j-th subject: the
// cells are read a block at a time, leaf by leaf, instead of one View.Cell
// at a time. The blocks hold no effective weights.
func eachCellBlockOf(v *View, ks []int, fn func(blk *cellBlock, j, k int)) {
	blk := cellBlocks.Get().(*cellBlock)
	defer cellBlocks.Put(blk)
	for lo := 0; lo < len(ks); lo += cellBlockSize {
		rows := ks[lo:min(lo+cellBlockSize, len(ks))]
		blk.fillCells(v, rows, false)
		for j, k := range rows {
			fn(blk, j, k)
		}
	}
}

// positions returns the view positions of every subject, in order.
func (v *View) positions() []int {
	ks := make([]int, v.NumSubjects())
	for k := range ks {
		ks[k] = k
	}
	return ks
}

// rawValuesSheet writes one row per subject with the raw value (the
// expression's value, before treatment and normalisation) of every leaf
// that applies to it; an empty cell is missing or not applicable.
func (x *xlsxWriter) rawValuesSheet() error {
	v, L, X := x.v, x.L, x.X
	cols := []column{{L["group"], 14, 0}, {L["id"], 16, 0}, {L["name"], 28, 0}}
	for _, ni := range v.Leaves {
		n := &v.Nodes[ni]
		cols = append(cols, column{n.Name + " (" + n.ID + ")", 14, 0})
	}
	t, err := x.newTable(X["rawValues"], cols, 3)
	if err != nil {
		return err
	}
	err = t.addEach(v.positions(), func(ks []int, emit func([]any)) {
		vals := make([]any, 0, len(cols))
		eachCellBlockOf(v, ks, func(blk *cellBlock, j, k int) {
			s := v.Subject(k)
			vals = append(vals[:0], v.names(L).group(s.Group), s.ID, s.Name)
			for l := range v.Leaves {
				if c := l*blk.n + j; blk.applies[c] {
					vals = append(vals, blk.raw[c])
				} else {
					vals = append(vals, nil)
				}
			}
			emit(vals)
		})
	})
	if err != nil {
		return err
	}
	return t.close()
}

// treeSheet writes the methodology's tree: one row per node.
func (x *xlsxWriter) treeSheet() error {
	v, L := x.v, x.L
	cols := []column{{idHead(L, "indicator"), 24, 0}, {L["name"], 30, x.text}, {L["type"], 10, 0}, {L["formula"], 40, x.text},
		{L["direction"], 12, 0}, {L["normalize"], 26, x.text}, {L["weight"], 9, 0}, {L["share"], 10, x.pct}, {L["nominalWeight"], 12, x.pct},
		{L["missing"], 16, 0}, {L["appliesTo"], 24, x.text}}
	t, err := x.newTable(L["methodology"], cols, 1)
	if err != nil {
		return err
	}
	m := newHTMLMethod(v, L)
	for i, n := range v.Nodes {
		hn := m.Tree[i]
		if err := t.add(n.ID, strings.Repeat("　", n.Depth-1)+n.Name, hn.Type, hn.Formula, hn.Direction, hn.Normalize, n.Weight, n.Share, n.Nominal, hn.Missing, hn.AppliesTo); err != nil {
			return err
		}
	}
	return t.close()
}

// boundsSheet writes the statistics and normalisation bounds each peer
// group used, one row per (group, leaf), as numbers.
func (x *xlsxWriter) boundsSheet() error {
	v, L, X := x.v, x.L, x.X
	cols := []column{{L["group"], 14, 0}, {idHead(L, "indicator"), 22, 0}, {L["indicator"], 26, 0}, {L["normalize"], 12, 0},
		{L["n"], 8, 0}, {L["nMissing"], 8, 0}, {L["min"], 11, 0}, {L["max"], 11, 0}, {L["mean"], 11, 0}, {L["sd"], 11, 0},
		{X["usedLow"], 12, 0}, {X["usedHigh"], 12, 0}, {X["usedMean"], 12, 0}, {X["usedSD"], 12, 0}, {X["usedN"], 10, 0},
		{X["winsorLow"], 12, 0}, {X["winsorHigh"], 12, 0}, {L["uninformative"], 14, 0}}
	t, err := x.newTable(X["boundsSheet"], cols, 3)
	if err != nil {
		return err
	}
	for _, g := range v.Groups {
		for l, st := range g.Leaves {
			if st.N+st.Missing == 0 {
				continue
			}
			n := &v.Nodes[v.Leaves[l]]
			var lo, hi, mean, sd, nn any
			switch n.Normalize {
			case "minmax":
				lo, hi, nn = st.NormMin, st.NormMax, st.NormN
			case "zscore":
				mean, sd, nn = st.NormMean, st.NormSD, st.NormN
			case "goalpost":
				lo, hi = n.Low, n.High
			case "rank":
				nn = st.NormN
			}
			var unin any
			if st.Uninformative {
				unin = L["uninformative"]
			}
			if err := t.add(v.names(L).group(g.Label), n.ID, n.Name, v.names(L).of(i18n.Normalize, n.Normalize), st.N, st.Missing, st.Min, st.Max, st.Mean, st.SD,
				lo, hi, mean, sd, nn, st.WinsorLow, st.WinsorHigh, unin); err != nil {
				return err
			}
		}
	}
	return t.close()
}

// gradesSheet writes the grades, best first: minimum score and quota as
// numbers.
func (x *xlsxWriter) gradesSheet() error {
	v, L := x.v, x.L
	if len(v.Grades) == 0 {
		return nil
	}
	t, err := x.newTable(L["grades"], []column{{L["grade"], 14, 0}, {L["min"], 10, 0}, {L["quota"], 10, x.pct}}, 1)
	if err != nil {
		return err
	}
	for _, g := range v.Grades {
		var lo, quota any
		if g.Min != nil {
			lo = *g.Min
		}
		if g.MaxShare != nil {
			quota = *g.MaxShare
		}
		if err := t.add(g.Name, lo, quota); err != nil {
			return err
		}
	}
	return t.close()
}

// adjustmentsSheet writes the adjustments and their rules.
func (x *xlsxWriter) adjustmentsSheet() error {
	v, L := x.v, x.L
	if len(v.Adjustments) == 0 {
		return nil
	}
	t, err := x.newTable(L["adjustments"], []column{{idHead(L, "adjustment"), 18, 0}, {L["name"], 24, x.text}, {L["rules"], 70, x.text}}, 1)
	if err != nil {
		return err
	}
	for _, a := range v.Adjustments {
		if err := t.add(a.ID, a.Name, adjRule(a, L, v.names(L))); err != nil {
			return err
		}
	}
	return t.close()
}

// metricsSheet writes the data sources (declared metrics).
func (x *xlsxWriter) metricsSheet() error {
	v, L := x.v, x.L
	if len(v.Metrics) == 0 {
		return nil
	}
	t, err := x.newTable(L["sources"], []column{{L["metric"], 20, 0}, {L["name"], 28, x.text}, {L["unit"], 10, 0}, {L["derived"], 50, x.text}}, 1)
	if err != nil {
		return err
	}
	for _, m := range v.Metrics {
		if err := t.add(m.Name, m.Title, m.Unit, strings.TrimSpace(m.Expr)); err != nil {
			return err
		}
	}
	return t.close()
}

// rulesSheet writes the scoring rules, the legend of the highlighted cells
// and the provenance, one (item, value) pair per row.
func (x *xlsxWriter) rulesSheet() error {
	v, L, X := x.v, x.L, x.X
	t, err := x.newTable(X["rulesSheet"], []column{{X["item"], 24, x.text}, {X["content"], 100, x.text}}, 1)
	if err != nil {
		return err
	}
	m := newHTMLMethod(v, L)
	rows := [][2]any{
		{L["scale"], m.Scale + clampNote(v, L)},
		{L["minCoverage"], xlsxCell(x.pct, v.MinCoverage)},
		{L["rankingRule"], m.Ranking},
		{L["missing"], L["missingRules"]},
		{L["weaknesses"], L["weaknessRule"]},
		{X["imputedCell"], X["imputedLegend"]},
		{X["layout"], X["layoutNote"]},
	}
	if len(v.Assess) > 0 {
		note := L["reliabilityNote"]
		if v.Public {
			note = L["reliabilityNotePublic"]
		}
		rows = append(rows, [2]any{L["reliability"], note})
	}
	if m.Uncertainty != "" {
		rows = append(rows, [2]any{L["uncertainty"], m.Uncertainty + " " + L["uncBands"]})
	}
	rows = append(rows,
		[2]any{L["indicatorSet"], v.Meta.SetID + " " + v.Meta.SetVersion},
		[2]any{L["period"], v.Meta.Period},
		[2]any{L["setSHA"], v.Meta.SetSHA256},
		[2]any{L["dataSHA"], v.Meta.DataSHA256},
		[2]any{L["engine"], v.Meta.EngineVersion},
		[2]any{L["generated"], v.generatedShown()})
	for _, r := range rows {
		if err := t.add(r[0], r[1]); err != nil {
			return err
		}
	}
	return t.close()
}

func clampNote(v *View, L labels) string {
	if v.ClampTotal {
		return " (" + L["clampTotal"] + ")"
	}
	return ""
}

// warningsSheet writes the batch's warnings.
func (x *xlsxWriter) warningsSheet() error {
	if x.v.Public {
		return nil
	}
	L := x.L
	cols := []column{{"file:line:col", 36, 0}, {L["group"], 14, 0}, {L["subject"], 16, 0}, {L["indicator"], 22, 0}, {L["warnings"], 90, x.text}}
	t, err := x.newTable(L["warnings"], cols, 0)
	if err != nil {
		return err
	}
	for _, w := range x.v.Warnings {
		msg := w.Msg
		if x.L["lang"] != "en" {
			msg = i18n.Message(i18n.Zh, msg)
		}
		if err := t.add(w.Pos.String(), w.Group, w.Subject, w.Node, msg); err != nil {
			return err
		}
	}
	return t.close()
}
