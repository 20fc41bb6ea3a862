package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// ReadView reads a results.json written by WriteJSON back into the view the
// publication writers render, so that a published batch can be re-rendered
// without its inputs: DecodeResults, then Results.View.
func ReadView(r io.Reader, set *indicators.Set) (*View, error) {
	res, err := DecodeResults(r)
	if err != nil {
		return nil, err
	}
	return res.View(set)
}

// View builds the publication view of the decoded results.json.
//
// results.json does not record the definitions of the adjustments (names,
// expressions, caps), the grading scale, node descriptions or the declared
// metrics. When set is not nil, those come from it; its SHA-256 must then
// equal the one recorded in results.json (the set the batch was scored
// with). Without a set, adjustments are known by id only, the grade order is
// inferred from the scores, and the methodology leaves those parts out.
func (res *Results) View(set *indicators.Set) (*View, error) {
	v := &View{
		Digits:      indicators.DefaultDisplayDigits,
		Scale:       [2]float64{float64(res.Scale[0]), float64(res.Scale[1])},
		MinCoverage: float64(res.MinCoverage),
		Ranking:     indicators.Ranking{Method: indicators.RankMethod(res.Ranking.Method), Desc: res.Ranking.Order != "asc", Digits: res.Ranking.Digits},
	}
	if res.Display != nil {
		v.Digits = res.Display.Digits
	}
	if err := v.readMeta(res.Meta); err != nil {
		return nil, err
	}
	if err := v.readDefinitions(res, set); err != nil {
		return nil, err
	}
	ix := newViewIndex(v)
	if err := v.readGroups(res.Groups, ix); err != nil {
		return nil, err
	}
	if err := v.readSubjects(res.Results, ix, set != nil); err != nil {
		return nil, err
	}
	for gi, g := range res.Groups {
		if n := len(v.Groups[gi].Members); n != g.Subjects {
			return nil, fmt.Errorf("results.json: peer group %q: subjects %d, but %d results name it", g.Label, g.Subjects, n)
		}
	}
	if err := v.readCells(&res.Indicators, ix); err != nil {
		return nil, err
	}
	if err := v.readAssess(res.Assessments, ix.subject); err != nil {
		return nil, err
	}
	v.readUncertainty(res.Analysis)
	if res.Analysis != nil {
		v.Analysis = res.Analysis.Raw
		v.MethodologyWarnings = readWarnings(res.MethodologyWarnings)
	}
	v.Warnings = readWarnings(res.Warnings)
	sort.SliceStable(v.Groups, func(a, b int) bool { return v.Groups[a].Label < v.Groups[b].Label })
	v.finish()
	return v, nil
}

// readWarnings converts results.json's warnings.
func readWarnings(ws []ResultsWarning) []diag.Warning {
	var out []diag.Warning
	for _, w := range ws {
		out = append(out, diag.Warning{
			Pos:   diag.Pos{File: w.File, Line: w.Line, Col: w.Col},
			Group: w.PeerGroup, Subject: w.Subject, Node: w.Node, Msg: w.Message,
		})
	}
	return out
}

// readMeta copies the batch metadata.
func (v *View) readMeta(m ResultsMeta) error {
	v.Meta.SetID, v.Meta.SetName, v.Meta.SetVersion, v.Meta.SetSHA256 = m.Set.ID, m.Set.Name, m.Set.Version, m.Set.SHA256
	v.Meta.DataSHA256, v.Meta.Period, v.Meta.PrevPeriod, v.Meta.EngineVersion = m.DataSHA256, m.Period, m.PreviousPeriod, m.EngineVersion
	if m.GeneratedAt != "" {
		t, err := time.Parse(time.RFC3339, m.GeneratedAt)
		if err != nil {
			return fmt.Errorf("results.json: meta.generated_at: %w", err)
		}
		v.Meta.GeneratedAt = t.UTC()
	}
	return nil
}

// readDefinitions takes the tree (and, with set, the adjustments, grades,
// metrics and descriptions) from set, checking its SHA-256, or the tree
// from results.json.
func (v *View) readDefinitions(res *Results, set *indicators.Set) error {
	if set == nil {
		return v.treeFromJSON(res.Tree)
	}
	sum := sha256.Sum256(set.Source)
	if got := hex.EncodeToString(sum[:]); got != res.Meta.Set.SHA256 {
		return fmt.Errorf("results.json was scored with indicator set sha256 %s, but %s has sha256 %s", res.Meta.Set.SHA256, set.File, got)
	}
	v.setDefinitions(set)
	v.Kinds, v.PeerGroups, v.ClampTotal = set.Kinds, set.PeerGroups, set.ClampTotal
	if len(set.Nodes) != len(res.Tree) {
		return fmt.Errorf("results.json: %d tree nodes, the indicator set has %d", len(res.Tree), len(set.Nodes))
	}
	return nil
}

// viewIndex finds nodes, leaves, adjustments, groups and subjects of a View
// being read by id.
type viewIndex struct {
	v       *View
	node    map[string]int
	adj     map[string]int
	group   map[string]int
	subject map[string]int
}

func newViewIndex(v *View) *viewIndex {
	ix := &viewIndex{v: v, node: make(map[string]int, len(v.Nodes)), adj: make(map[string]int, len(v.Adjustments)),
		group: map[string]int{}, subject: map[string]int{}}
	for i, n := range v.Nodes {
		ix.node[n.ID] = i
	}
	for a, adj := range v.Adjustments {
		ix.adj[adj.ID] = a
	}
	return ix
}

// leaf returns the leaf index of the leaf with the given id.
func (ix *viewIndex) leaf(id string) (int, bool) {
	i, ok := ix.node[id]
	if !ok || !ix.v.Nodes[i].IsLeaf() {
		return 0, false
	}
	return ix.v.Nodes[i].LeafIndex, true
}

// readGroups reads the peer groups and their leaf statistics.
func (v *View) readGroups(groups []ResultsGroup, ix *viewIndex) error {
	children := v.childLists()
	for _, g := range groups {
		if _, dup := ix.group[g.Label]; dup {
			return fmt.Errorf("results.json: peer group %q twice", g.Label)
		}
		ix.group[g.Label] = len(v.Groups)
		vg := ViewGroup{Label: g.Label, NRated: g.Rated, Leaves: make([]scoring.LeafStats, len(v.Leaves))}
		for l := range vg.Leaves {
			vg.Leaves[l] = emptyLeafStats()
		}
		for _, st := range g.Leaves {
			l, ok := ix.leaf(st.Indicator)
			if !ok {
				return fmt.Errorf("results.json: peer group %q: unknown indicator %q", g.Label, st.Indicator)
			}
			ns := st.Norm
			vg.Leaves[l] = scoring.LeafStats{
				N: st.N, Missing: st.Missing, Min: float64(st.Min), Max: float64(st.Max), Mean: float64(st.Mean), SD: float64(st.SD),
				NormN: ns.N, NormMin: float64(ns.Min), NormMax: float64(ns.Max), NormMean: float64(ns.Mean), NormSD: float64(ns.SD),
				WinsorLow: float64(ns.WinsorLow), WinsorHigh: float64(ns.WinsorHigh), Uninformative: st.Uninformative,
			}
		}
		if err := v.readGroupDetails(&vg, &g, ix, children); err != nil {
			return err
		}
		v.Groups = append(v.Groups, vg)
	}
	return nil
}

// readSubjects reads every subject's outcome; haveSet says whether the
// adjustments are defined by the indicator set (an unknown one is then an
// error) or known by id only.
func (v *View) readSubjects(results []ResultsSubject, ix *viewIndex, haveSet bool) error {
	nn := len(v.Nodes)
	v.subjects = viewSubjects{list: make([]ViewSubject, len(results)), states: make([]NodeState, len(results)*nn)}
	if len(v.RankedNodes()) > 0 {
		v.subjects.ranks = make([]int, len(results)*nn)
	}
	for k, r := range results {
		if _, dup := ix.subject[r.Subject]; dup {
			return fmt.Errorf("results.json: subject %q twice", r.Subject)
		}
		ix.subject[r.Subject] = k
		gi, ok := ix.group[r.PeerGroup]
		if !ok {
			return fmt.Errorf("results.json: subject %q: unknown peer group %q", r.Subject, r.PeerGroup)
		}
		v.Groups[gi].Members = append(v.Groups[gi].Members, k)
		s, err := v.readSubject(k, r, ix, haveSet)
		if err != nil {
			return err
		}
		v.subjects.list[k] = s
	}
	for k := range v.subjects.list { // every subject knows every adjustment
		s := &v.subjects.list[k]
		for len(s.Adjustments) < len(v.Adjustments) {
			s.Adjustments = append(s.Adjustments, scoring.AdjustmentResult{})
		}
	}
	if !haveSet {
		v.orderAdjustments(results, ix)
	}
	return nil
}

// orderAdjustments puts the adjustments known by id only (read without the
// set, first seen first) in an order consistent with every subject's list:
// results.json lists a subject's adjustments in set order, so a
// topological order of "listed before" (the earliest seen first among the
// free ones) is the set order restricted to what the file shows, and
// WriteJSON lists each subject's adjustments as the file did. Lists that
// contradict each other (an edited file) keep the first-seen order.
func (v *View) orderAdjustments(results []ResultsSubject, ix *viewIndex) {
	n := len(v.Adjustments)
	next := make([][]int, n) // next[a]: adjustments listed right after a
	indeg := make([]int, n)
	edge := map[[2]int]bool{}
	for _, r := range results {
		for i := 1; i < len(r.Adjustments); i++ {
			a, b := ix.adj[r.Adjustments[i-1].ID], ix.adj[r.Adjustments[i].ID]
			if a != b && !edge[[2]int{a, b}] {
				edge[[2]int{a, b}] = true
				next[a] = append(next[a], b)
				indeg[b]++
			}
		}
	}
	order := make([]int, 0, n)
	done := make([]bool, n)
	for len(order) < n {
		pick := -1
		for a := range n {
			if !done[a] && indeg[a] == 0 {
				pick = a
				break
			}
		}
		if pick < 0 {
			return // a cycle: contradictory lists
		}
		done[pick] = true
		order = append(order, pick)
		for _, b := range next[pick] {
			indeg[b]--
		}
	}
	adjs := make([]ViewAdjustment, n)
	for i, a := range order {
		adjs[i] = v.Adjustments[a]
		ix.adj[adjs[i].ID] = i
	}
	v.Adjustments = adjs
	for k := range v.subjects.list {
		old := v.subjects.list[k].Adjustments
		s := make([]scoring.AdjustmentResult, n)
		for i, a := range order {
			s[i] = old[a]
		}
		v.subjects.list[k].Adjustments = s
	}
}

// readSubject reads the subject at position k: its outcome, composite
// values, statuses and ranks, and adjustments.
func (v *View) readSubject(k int, r ResultsSubject, ix *viewIndex, haveSet bool) (ViewSubject, error) {
	s := ViewSubject{
		Group: r.PeerGroup, ID: r.Subject, Name: r.Name, Kind: r.Kind, Rated: r.Status == "rated", UnratedReason: r.Unrated,
		Score: float64(r.Score), Root: float64(r.Root), Coverage: float64(r.Coverage),
		GradeByScore: r.GradeByScore, GradeReason: r.GradeReason,
		Nodes: make([]float64, len(v.Nodes)),
	}
	if r.Rank != nil {
		s.Rank = *r.Rank
	}
	if r.Grade != nil {
		s.Grade = *r.Grade
	}
	if r.Vetoed != nil {
		s.Vetoed = *r.Vetoed
	}
	for i := range s.Nodes {
		s.Nodes[i] = math.NaN()
	}
	for id, x := range r.Nodes {
		i, ok := ix.node[id]
		if !ok || v.Nodes[i].IsLeaf() {
			return s, fmt.Errorf("results.json: subject %q: unknown composite node %q", r.Subject, id)
		}
		s.Nodes[i] = float64(x)
	}
	if err := readNodeExtras(v, k, r, ix.node); err != nil {
		return s, err
	}
	for _, a := range r.Adjustments {
		ai, ok := ix.adj[a.ID]
		if !ok {
			if haveSet {
				return s, fmt.Errorf("results.json: subject %q: adjustment %q is not in the indicator set", r.Subject, a.ID)
			}
			ai = len(v.Adjustments)
			ix.adj[a.ID] = ai
			v.Adjustments = append(v.Adjustments, ViewAdjustment{ID: a.ID, Name: a.ID})
		}
		for len(s.Adjustments) <= ai {
			s.Adjustments = append(s.Adjustments, scoring.AdjustmentResult{})
		}
		s.Adjustments[ai] = scoring.AdjustmentResult{Applies: true, Held: a.Held, Points: float64(a.Points), Capped: a.Capped}
	}
	return s, nil
}

// readCells reads the (subject, leaf) cells, in either layout.
func (v *View) readCells(c *ResultsCells, ix *viewIndex) error {
	if len(c.Columns) > 0 && !slices.Equal(c.Columns, IndicatorsHeader) {
		return fmt.Errorf("results.json: indicators.columns %v, want %v", c.Columns, IndicatorsHeader)
	}
	v.cells = newReadCells(len(v.subjects.list), len(v.Leaves))
	cellLeaves := make([]int, len(c.Leaves))
	for i, id := range c.Leaves {
		l, ok := ix.leaf(id)
		if !ok {
			return fmt.Errorf("results.json: indicators.leaves: unknown indicator %q", id)
		}
		cellLeaves[i] = l
	}
	for _, cs := range c.Subjects {
		k, ok := ix.subject[cs.Subject]
		if !ok {
			return fmt.Errorf("results.json: indicators: unknown subject %q", cs.Subject)
		}
		n := len(cellLeaves)
		if len(cs.Raw) != n || len(cs.Value) != n || len(cs.Weight) != n || len(cs.Status) != n {
			return fmt.Errorf("results.json: indicators: subject %q: arrays of %d, %d, %d and %d values for %d leaves", cs.Subject, len(cs.Raw), len(cs.Value), len(cs.Status), len(cs.Weight), n)
		}
		s := &v.subjects.list[k]
		for i, l := range cellLeaves {
			if cs.Status[i] == nil {
				continue
			}
			if err := v.cells.set(k, l, float64(cs.Raw[i]), float64(cs.Value[i]), float64(cs.Weight[i]), *cs.Status[i]); err != nil {
				return err
			}
			s.Nodes[v.Leaves[l]] = float64(cs.Value[i])
		}
	}
	for i, row := range c.Rows {
		k, ok := ix.subject[row.Subject]
		if !ok {
			return fmt.Errorf("results.json: indicators row %d: unknown subject %q", i+1, row.Subject)
		}
		l, ok := ix.leaf(row.Indicator)
		if !ok {
			return fmt.Errorf("results.json: indicators row %d: unknown indicator %q", i+1, row.Indicator)
		}
		if err := v.cells.set(k, l, float64(row.Raw), float64(row.Value), float64(row.Weight), row.Status); err != nil {
			return err
		}
		v.subjects.list[k].Nodes[v.Leaves[l]] = float64(row.Value)
	}
	return nil
}

// readNodeExtras reads the composite statuses and node ranks of the subject
// at position k.
func readNodeExtras(v *View, k int, r ResultsSubject, nodeIndex map[string]int) error {
	nn := len(v.Nodes)
	states := v.subjects.states[k*nn : (k+1)*nn]
	for id, st := range r.NodeStatus {
		i, ok := nodeIndex[id]
		if !ok || v.Nodes[i].IsLeaf() {
			return fmt.Errorf("results.json: subject %q: node_status of unknown composite node %q", r.Subject, id)
		}
		if st != nil {
			state, ok := nodeState(*st)
			if !ok || state == NodeStateNone {
				return fmt.Errorf("results.json: subject %q: node_status %q of %q, want ok, imputed or missing", r.Subject, *st, id)
			}
			states[i] = state
		}
	}
	if v.subjects.ranks == nil { // no node is ranked
		return nil
	}
	ranks := v.subjects.ranks[k*nn : (k+1)*nn]
	for id, rk := range r.NodeRanks {
		i, ok := nodeIndex[id]
		if !ok || !v.Nodes[i].Rank {
			return fmt.Errorf("results.json: subject %q: node_ranks of %q, which is not a ranked node", r.Subject, id)
		}
		if rk != nil {
			ranks[i] = *rk
		}
	}
	return nil
}

// treeFromJSON rebuilds the tree from results.json's "tree" array, which
// lists the nodes in pre-order with their parent's id.
func (v *View) treeFromJSON(tree []ResultsNode) error {
	v.Nodes = make([]ViewNode, len(tree))
	v.Leaves = nil
	index := make(map[string]int, len(tree))
	for i, t := range tree {
		if t.ID == "" {
			return fmt.Errorf("results.json: tree node %d has no id", i+1)
		}
		if _, dup := index[t.ID]; dup {
			return fmt.Errorf("results.json: tree node %q twice", t.ID)
		}
		n := ViewNode{
			ID: t.ID, Name: t.Name, Parent: -1, Depth: 1, Weight: float64(t.Weight), Share: float64(t.Share),
			AppliesTo: t.AppliesTo, Round: -1, Rank: t.Rank, Missing: t.Missing, MissingBy: t.MissingBy, LeafIndex: -1,
		}
		if n.Name == "" {
			n.Name = n.ID
		}
		if t.Round != nil {
			n.Round = *t.Round
		}
		if t.Parent != "" {
			p, ok := index[t.Parent]
			if !ok {
				return fmt.Errorf("results.json: tree node %q: parent %q is not listed before it", t.ID, t.Parent)
			}
			if v.Nodes[p].IsLeaf() {
				return fmt.Errorf("results.json: tree node %q: parent %q is a leaf", t.ID, t.Parent)
			}
			n.Parent, n.Depth = p, v.Nodes[p].Depth+1
		}
		switch t.Type {
		case "leaf":
			n.LeafIndex = len(v.Leaves)
			n.Expr, n.Direction, n.Normalize = t.Expr, t.Direction, t.Normalize
			n.Low, n.High, n.Mean, n.SD, n.Clip = float64(t.Low), float64(t.High), float64(t.Mean), float64(t.SD), t.Clip
			n.Transform = t.Transform
			n.Target = t.Target
			if len(t.To) == 2 {
				n.To = []float64{float64(t.To[0]), float64(t.To[1])}
			}
			if len(t.Winsorize) == 2 {
				n.Winsorize = []float64{float64(t.Winsorize[0]), float64(t.Winsorize[1])}
			}
			v.Leaves = append(v.Leaves, i)
		case "composite":
			n.Aggregate = t.Aggregate
		default:
			return fmt.Errorf("results.json: tree node %q: type %q, want leaf or composite", t.ID, t.Type)
		}
		index[t.ID] = i
		v.Nodes[i] = n
	}
	return nil
}

func emptyLeafStats() scoring.LeafStats {
	nan := math.NaN()
	return scoring.LeafStats{Min: nan, Max: nan, Mean: nan, SD: nan, NormMin: nan, NormMax: nan, NormMean: nan, NormSD: nan, WinsorLow: nan, WinsorHigh: nan}
}
