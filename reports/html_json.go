package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// ReadView reads a results.json written by WriteJSON back into the view the
// publication writers render, so that a published batch can be re-rendered
// without its inputs.
//
// results.json does not record the definitions of the adjustments (names,
// expressions, caps), the grading scale, node descriptions or the declared
// metrics. When set is not nil, those come from it; its SHA-256 must then
// equal the one recorded in results.json (the set the batch was scored
// with). Without a set, adjustments are known by id only, the grade order is
// inferred from the scores, and the methodology leaves those parts out.
func ReadView(r io.Reader, set *indicators.Set) (*View, error) {
	var j jsonResults
	dec := json.NewDecoder(r)
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	if j.Format != JSONFormat {
		return nil, fmt.Errorf("results.json: format %q, want %q", j.Format, JSONFormat)
	}
	v := &View{
		Digits:      indicators.DefaultDisplayDigits,
		Scale:       [2]float64{float64(j.Scale[0]), float64(j.Scale[1])},
		MinCoverage: float64(j.MinCoverage),
		Ranking:     indicators.Ranking{Method: indicators.RankMethod(j.Ranking.Method), Desc: j.Ranking.Order != "asc", Digits: j.Ranking.Digits},
	}
	if j.Display != nil {
		v.Digits = j.Display.Digits
	}
	m := j.Meta
	v.Meta.SetID, v.Meta.SetName, v.Meta.SetVersion, v.Meta.SetSHA256 = m.Set.ID, m.Set.Name, m.Set.Version, m.Set.SHA256
	v.Meta.DataSHA256, v.Meta.Period, v.Meta.PrevPeriod, v.Meta.EngineVersion = m.DataSHA256, m.Period, m.PreviousPeriod, m.EngineVersion
	if m.GeneratedAt != "" {
		t, err := time.Parse(time.RFC3339, m.GeneratedAt)
		if err != nil {
			return nil, fmt.Errorf("results.json: meta.generated_at: %w", err)
		}
		v.Meta.GeneratedAt = t.UTC()
	}
	if set != nil {
		sum := sha256.Sum256(set.Source)
		if got := hex.EncodeToString(sum[:]); got != m.Set.SHA256 {
			return nil, fmt.Errorf("results.json was scored with indicator set sha256 %s, but %s has sha256 %s", m.Set.SHA256, set.File, got)
		}
		v.setDefinitions(set)
		v.Kinds, v.PeerGroups, v.ClampTotal = set.Kinds, set.PeerGroups, set.ClampTotal
		if len(set.Nodes) != len(j.Tree) {
			return nil, fmt.Errorf("results.json: %d tree nodes, the indicator set has %d", len(j.Tree), len(set.Nodes))
		}
	} else if err := v.treeFromJSON(j.Tree); err != nil {
		return nil, err
	}
	nodeIndex := make(map[string]int, len(v.Nodes))
	for i, n := range v.Nodes {
		nodeIndex[n.ID] = i
	}
	leafIndex := func(id string) (int, bool) {
		i, ok := nodeIndex[id]
		if !ok || !v.Nodes[i].Leaf {
			return 0, false
		}
		return v.Nodes[i].LeafIndex, true
	}
	adjIndex := make(map[string]int, len(v.Adjustments))
	for a, adj := range v.Adjustments {
		adjIndex[adj.ID] = a
	}
	groupIndex := map[string]int{}
	for _, g := range j.Groups {
		if _, dup := groupIndex[g.Label]; dup {
			return nil, fmt.Errorf("results.json: peer group %q twice", g.Label)
		}
		groupIndex[g.Label] = len(v.Groups)
		vg := ViewGroup{Label: g.Label, NSubjects: g.Subjects, NRated: g.Rated, Leaves: make([]scoring.LeafStats, len(v.Leaves))}
		for l := range vg.Leaves {
			vg.Leaves[l] = emptyLeafStats()
		}
		for _, st := range g.Leaves {
			l, ok := leafIndex(st.Indicator)
			if !ok {
				return nil, fmt.Errorf("results.json: peer group %q: unknown indicator %q", g.Label, st.Indicator)
			}
			ns := st.Norm
			vg.Leaves[l] = scoring.LeafStats{
				N: st.N, Missing: st.Missing, Min: float64(st.Min), Max: float64(st.Max), Mean: float64(st.Mean), SD: float64(st.SD),
				NormN: ns.N, NormMin: float64(ns.Min), NormMax: float64(ns.Max), NormMean: float64(ns.Mean), NormSD: float64(ns.SD),
				WinsorLow: float64(ns.WinsorLow), WinsorHigh: float64(ns.WinsorHigh), Uninformative: st.Uninformative,
			}
		}
		v.Groups = append(v.Groups, vg)
	}
	subjectIndex := make(map[string]int, len(j.Results))
	v.Subjects = make([]ViewSubject, len(j.Results))
	for k, r := range j.Results {
		if _, dup := subjectIndex[r.Subject]; dup {
			return nil, fmt.Errorf("results.json: subject %q twice", r.Subject)
		}
		subjectIndex[r.Subject] = k
		gi, ok := groupIndex[r.PeerGroup]
		if !ok {
			return nil, fmt.Errorf("results.json: subject %q: unknown peer group %q", r.Subject, r.PeerGroup)
		}
		v.Groups[gi].Members = append(v.Groups[gi].Members, k)
		s := ViewSubject{
			Group: r.PeerGroup, ID: r.Subject, Name: r.Name, Kind: r.Kind, Rated: r.Status == "rated", UnratedReason: r.Unrated,
			Score: float64(r.Score), Root: float64(r.Root), Coverage: float64(r.Coverage),
			GradeByScore: r.GradeByScore, GradeReason: r.GradeReason,
			Nodes: make([]float64, len(v.Nodes)), Cells: make([]ViewCell, len(v.Leaves)),
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
		for l := range s.Cells {
			s.Cells[l] = ViewCell{Raw: math.NaN(), Value: math.NaN()}
		}
		for id, x := range r.Nodes {
			i, ok := nodeIndex[id]
			if !ok || v.Nodes[i].Leaf {
				return nil, fmt.Errorf("results.json: subject %q: unknown composite node %q", r.Subject, id)
			}
			s.Nodes[i] = float64(x)
		}
		if err := readNodeExtras(v, &s, r, nodeIndex); err != nil {
			return nil, err
		}
		for _, a := range r.Adjustments {
			ai, ok := adjIndex[a.ID]
			if !ok {
				if set != nil {
					return nil, fmt.Errorf("results.json: subject %q: adjustment %q is not in the indicator set", r.Subject, a.ID)
				}
				ai = len(v.Adjustments)
				adjIndex[a.ID] = ai
				v.Adjustments = append(v.Adjustments, ViewAdjustment{ID: a.ID, Name: a.ID})
			}
			for len(s.Adjustments) <= ai {
				s.Adjustments = append(s.Adjustments, scoring.AdjustmentResult{})
			}
			s.Adjustments[ai] = scoring.AdjustmentResult{Applies: true, Held: a.Held, Points: float64(a.Points), Capped: a.Capped}
		}
		v.Subjects[k] = s
	}
	for k := range v.Subjects { // every subject knows every adjustment
		s := &v.Subjects[k]
		for len(s.Adjustments) < len(v.Adjustments) {
			s.Adjustments = append(s.Adjustments, scoring.AdjustmentResult{})
		}
	}
	if len(j.Indicators.Columns) > 0 && !equalStrings(j.Indicators.Columns, IndicatorsHeader) {
		return nil, fmt.Errorf("results.json: indicators.columns %v, want %v", j.Indicators.Columns, IndicatorsHeader)
	}
	cellLeaves := make([]int, len(j.Indicators.Leaves))
	for i, id := range j.Indicators.Leaves {
		l, ok := leafIndex(id)
		if !ok {
			return nil, fmt.Errorf("results.json: indicators.leaves: unknown indicator %q", id)
		}
		cellLeaves[i] = l
	}
	for _, cs := range j.Indicators.Subjects {
		k, ok := subjectIndex[cs.Subject]
		if !ok {
			return nil, fmt.Errorf("results.json: indicators: unknown subject %q", cs.Subject)
		}
		n := len(cellLeaves)
		if len(cs.Raw) != n || len(cs.Value) != n || len(cs.Weight) != n || len(cs.Status) != n {
			return nil, fmt.Errorf("results.json: indicators: subject %q: arrays of %d, %d, %d and %d values for %d leaves", cs.Subject, len(cs.Raw), len(cs.Value), len(cs.Status), len(cs.Weight), n)
		}
		s := &v.Subjects[k]
		for i, l := range cellLeaves {
			if cs.Status[i] == nil {
				continue
			}
			s.Cells[l] = ViewCell{Applies: true, Raw: float64(cs.Raw[i]), Value: float64(cs.Value[i]), Weight: float64(cs.Weight[i]), Status: *cs.Status[i]}
			s.Nodes[v.Leaves[l]] = float64(cs.Value[i])
		}
	}
	for i, row := range j.Indicators.Rows {
		k, ok := subjectIndex[row.Subject]
		if !ok {
			return nil, fmt.Errorf("results.json: indicators row %d: unknown subject %q", i+1, row.Subject)
		}
		l, ok := leafIndex(row.Indicator)
		if !ok {
			return nil, fmt.Errorf("results.json: indicators row %d: unknown indicator %q", i+1, row.Indicator)
		}
		s := &v.Subjects[k]
		s.Cells[l] = ViewCell{Applies: true, Raw: float64(row.Raw), Value: float64(row.Value), Weight: float64(row.Weight), Status: row.Status}
		s.Nodes[v.Leaves[l]] = float64(row.Value)
	}
	if err := v.readAssess(j.Assessments, subjectIndex); err != nil {
		return nil, err
	}
	v.readUncertainty(j.Analysis)
	for _, w := range j.Warnings {
		v.Warnings = append(v.Warnings, diag.Warning{
			Pos:   diag.Pos{File: w.File, Line: w.Line, Col: w.Col},
			Group: w.PeerGroup, Subject: w.Subject, Node: w.Node, Msg: w.Message,
		})
	}
	sort.SliceStable(v.Groups, func(a, b int) bool { return v.Groups[a].Label < v.Groups[b].Label })
	v.finish()
	return v, nil
}

// treeFromJSON rebuilds the tree from results.json's "tree" array, which
// lists the nodes in pre-order with their parent's id.
func (v *View) treeFromJSON(tree []jsonNode) error {
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
			AppliesTo: t.AppliesTo, Round: -1, Missing: t.Missing, MissingBy: t.MissingBy, LeafIndex: -1,
		}
		if n.Name == "" {
			n.Name = n.ID
		}
		if t.Round != nil {
			n.Round = *t.Round
		}
		n.Rank = t.Rank
		if t.Parent != "" {
			p, ok := index[t.Parent]
			if !ok {
				return fmt.Errorf("results.json: tree node %q: parent %q is not listed before it", t.ID, t.Parent)
			}
			if v.Nodes[p].Leaf {
				return fmt.Errorf("results.json: tree node %q: parent %q is a leaf", t.ID, t.Parent)
			}
			n.Parent, n.Depth = p, v.Nodes[p].Depth+1
		}
		switch t.Type {
		case "leaf":
			n.Leaf, n.LeafIndex = true, len(v.Leaves)
			n.Expr, n.Direction, n.Normalize = t.Expr, t.Direction, t.Normalize
			n.Low, n.High, n.Mean, n.SD, n.Clip = float64(t.Low), float64(t.High), float64(t.Mean), float64(t.SD), t.Clip
			n.Transform = t.Transform
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

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// jnum is a JSON number where null (or absence) means missing (NaN).
type jnum float64

func (x *jnum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = jnum(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*x = jnum(f)
	return nil
}

type jsonResults struct {
	Format string `json:"format"`
	Meta   struct {
		Set struct {
			ID, Name, Version, SHA256 string
		} `json:"indicator_set"`
		DataSHA256     string `json:"data_sha256"`
		Period         string `json:"period"`
		PreviousPeriod string `json:"previous_period"`
		EngineVersion  string `json:"engine_version"`
		GeneratedAt    string `json:"generated_at"`
	} `json:"meta"`
	Scale       [2]jnum `json:"scale"`
	MinCoverage jnum    `json:"min_coverage"`
	Ranking     struct {
		Method string `json:"method"`
		Order  string `json:"order"`
		Digits int    `json:"digits"`
	} `json:"ranking"`
	Display *struct {
		Digits int `json:"digits"`
	} `json:"display"`
	Tree    []jsonNode `json:"tree"`
	Groups  []jsonGroup
	Results []jsonSubject `json:"results"`
	// Indicators holds the cells, in the compact layout (leaf ids once, then
	// per subject arrays aligned with them) or the row layout (columns and
	// rows as in indicators.csv) of earlier writers.
	Indicators struct {
		Leaves   []string          `json:"leaves"`
		Subjects []jsonCellSubject `json:"subjects"`
		Columns  []string          `json:"columns"`
		Rows     []jsonRow         `json:"rows"`
	} `json:"indicators"`
	Warnings    []jsonWarning    `json:"warnings"`
	Assessments []jsonAssessItem `json:"assessments"`
	Analysis    *jsonAnalysis    `json:"analysis"`
}

type jsonNode struct {
	ID, Name, Parent string
	Depth            int
	Weight, Share    jnum
	AppliesTo        []string `json:"applies_to"`
	Round            *int
	Rank             bool
	Missing          string
	MissingBy        string `json:"missing_by"`
	Type             string
	Expr, Direction  string
	Normalize        string
	Low, High        jnum
	Mean, SD         jnum
	Clip             bool
	Transform        string
	Winsorize        []jnum
	Aggregate        string
}

type jsonGroup struct {
	Label    string
	Subjects int
	Rated    int
	Leaves   []struct {
		Indicator          string
		N, Missing         int
		Min, Max, Mean, SD jnum
		Norm               struct {
			N                  int
			Min, Max, Mean, SD jnum
			WinsorLow          jnum `json:"winsor_low"`
			WinsorHigh         jnum `json:"winsor_high"`
		} `json:"normalisation"`
		Uninformative bool
	}
}

type jsonSubject struct {
	PeerGroup   string `json:"peer_group"`
	Subject     string
	Name, Kind  string
	Status      string
	Unrated     string `json:"unrated_reason"`
	Rank        *int
	Score       jnum
	Grade       *string
	Coverage    jnum
	Vetoed      *bool
	Root        jnum
	Nodes       map[string]jnum
	NodeStatus  map[string]*string `json:"node_status"`
	NodeRanks   map[string]*int    `json:"node_ranks"`
	Adjustments []struct {
		ID     string
		Held   bool
		Points jnum
		Capped bool
	}
	GradeByScore string `json:"grade_by_score"`
	GradeReason  string `json:"grade_reason"`
}

// jsonCellSubject is one subject's cells in the compact layout; a leaf that
// does not apply has a null status.
type jsonCellSubject struct {
	Subject            string
	Raw, Value, Weight []jnum
	Status             []*string
}

// jsonRow is one row of results.json's indicators table:
// [subject, indicator, raw, value, status, weight].
type jsonRow struct {
	Subject, Indicator string
	Raw, Value, Weight jnum
	Status             string
}

func (r *jsonRow) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	if len(parts) != 6 {
		return fmt.Errorf("indicators row %s: want 6 fields, got %d", bytes.TrimSpace(b), len(parts))
	}
	targets := []any{&r.Subject, &r.Indicator, &r.Raw, &r.Value, &r.Status, &r.Weight}
	for i, p := range parts {
		if err := json.Unmarshal(p, targets[i]); err != nil {
			return fmt.Errorf("indicators row field %d: %w", i+1, err)
		}
	}
	return nil
}

type jsonWarning struct {
	File      string
	Line, Col int
	PeerGroup string `json:"peer_group"`
	Subject   string
	Node      string
	Message   string
}

// readNodeExtras reads a subject's composite statuses and node ranks.
func readNodeExtras(v *View, s *ViewSubject, r jsonSubject, nodeIndex map[string]int) error {
	s.NodeStatus = make([]string, len(v.Nodes))
	for id, st := range r.NodeStatus {
		i, ok := nodeIndex[id]
		if !ok || v.Nodes[i].Leaf {
			return fmt.Errorf("results.json: subject %q: node_status of unknown composite node %q", r.Subject, id)
		}
		if st != nil {
			switch *st {
			case NodeOK, NodeImputed, NodeMissing:
				s.NodeStatus[i] = *st
			default:
				return fmt.Errorf("results.json: subject %q: node_status %q of %q, want ok, imputed or missing", r.Subject, *st, id)
			}
		}
	}
	if len(v.RankedNodes()) == 0 {
		return nil
	}
	s.Ranks = make([]int, len(v.Nodes))
	for id, rk := range r.NodeRanks {
		i, ok := nodeIndex[id]
		if !ok || !v.Nodes[i].Rank {
			return fmt.Errorf("results.json: subject %q: node_ranks of %q, which is not a ranked node", r.Subject, id)
		}
		if rk != nil {
			s.Ranks[i] = *rk
		}
	}
	return nil
}
