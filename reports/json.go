package reports

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// JSONFormat identifies the layout of results.json; it changes when a field
// changes meaning.
const JSONFormat = "govscore.results/1"

// WriteJSON writes results.json from the publication view v: the
// metadata of the batch, the tree with the nominal weights in effect,
// per-group per-leaf statistics and weights in effect, every subject's
// result (node values, adjustments, grade reasoning), every (subject, leaf)
// cell as in indicators.csv, the assessments, the robustness analysis when
// the view has one, and the warnings. The layout:
//
//	{"format", "meta": {indicator_set: {id, name, version, sha256}, data_sha256,
//	  period, previous_period, engine_version, generated_at},
//	 "scale", "min_coverage", "ranking", "display", "tree": [...], "groups": [...],
//	 "results": [...], "indicators": {"leaves": [...], "subjects": [...]},
//	 "assessments": [...], ["analysis", "methodology_warnings",] "warnings": [...]}
//
// Missing numbers are null. Object keys are written in a fixed order. The
// document is streamed from the view's columns (no per-cell copy), and a
// view decoded from results.json (DecodeResults, Results.View) writes the
// same bytes back.
func WriteJSON(w io.Writer, v *View) error {
	return writeJSON(w, v, writeCells)
}

// writeJSON writes results.json as WriteJSON does, the "indicators"
// section with cells.
func writeJSON(w io.Writer, v *View, cells func(*jw, *View)) error {
	if v.analysisErr != nil {
		return v.analysisErr
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	j := &jw{w: bw, out: w}
	m := v.Meta

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
	j.key("scale", 1).raw("[").num(v.Scale[0]).raw(", ").num(v.Scale[1]).raw("],\n")
	j.key("min_coverage", 1).num(v.MinCoverage).raw(",\n")
	j.key("ranking", 1).raw("{")
	j.key("method", 0).str(string(v.Ranking.Method)).raw(", ")
	order := "desc"
	if !v.Ranking.Desc {
		order = "asc"
	}
	j.key("order", 0).str(order).raw(", ")
	j.key("digits", 0).int(v.Ranking.Digits).raw("},\n")
	j.key("display", 1).raw("{").key("digits", 0).int(v.Digits).raw("},\n")

	writeTree(j, v)
	writeGroups(j, v)
	writeSubjects(j, v)
	cells(j, v)
	writeAssessJSON(j, v)
	if v.Analysis != nil {
		j.key("analysis", 1).bytes(bytes.ReplaceAll(v.Analysis, []byte("\n"), []byte("\n  "))).raw(",\n")
		j.key("methodology_warnings", 1).warnings(v.MethodologyWarnings).raw(",\n")
	}
	j.key("warnings", 1).warnings(v.Warnings).raw("\n")
	j.raw("}\n")
	if j.err != nil {
		return j.err
	}
	return bw.Flush()
}

func writeTree(j *jw, v *View) {
	j.key("tree", 1).raw("[")
	for i := range v.Nodes {
		n := &v.Nodes[i]
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n    {")
		j.key("id", 0).str(n.ID).raw(", ")
		j.key("name", 0).str(n.Name).raw(", ")
		parent := ""
		if n.Parent >= 0 {
			parent = v.Nodes[n.Parent].ID
		}
		j.key("parent", 0).str(parent).raw(", ")
		j.key("depth", 0).int(n.Depth).raw(", ")
		j.key("weight", 0).num(n.Weight).raw(", ")
		j.key("share", 0).num(n.Share).raw(", ")
		if len(n.AppliesTo) > 0 {
			j.key("applies_to", 0).strs(n.AppliesTo).raw(", ")
		}
		if n.Round >= 0 {
			j.key("round", 0).int(n.Round).raw(", ")
		}
		if n.Rank {
			j.key("rank", 0).bool(true).raw(", ")
		}
		j.key("missing", 0).str(n.Missing)
		if n.MissingBy != "" {
			j.raw(", ").key("missing_by", 0).str(n.MissingBy)
		}
		j.raw(", ")
		if n.IsLeaf() {
			writeLeafDef(j, n)
		} else {
			j.key("type", 0).str("composite").raw(", ")
			j.key("aggregate", 0).str(n.Aggregate)
		}
		j.raw("}")
	}
	j.raw("\n  ],\n")
}

// writeLeafDef writes a leaf's definition in the tree: its expression,
// direction, normalisation and treatment.
func writeLeafDef(j *jw, n *ViewNode) {
	j.key("type", 0).str("leaf").raw(", ")
	j.key("expr", 0).str(n.Expr).raw(", ")
	j.key("direction", 0).str(n.Direction).raw(", ")
	j.key("normalize", 0).str(n.Normalize)
	switch indicators.NormMethod(n.Normalize) {
	case indicators.Goalpost:
		j.raw(", ").key("low", 0).num(n.Low).raw(", ").key("high", 0).num(n.High)
	case indicators.ZScore:
		j.raw(", ").key("mean", 0).num(n.Mean).raw(", ").key("sd", 0).num(n.SD)
	case indicators.NormNone:
		j.raw(", ").key("clip", 0).bool(n.Clip)
	case indicators.Target:
		j.raw(", ").key("target", 0)
		switch t := n.Target; {
		case t == nil:
			j.raw("null")
		case t.Median:
			j.str("median")
		default:
			j.raw("[").num(t.Low).raw(", ").num(t.High).raw("]")
		}
	}
	if to := n.To; len(to) == 2 {
		j.raw(", ").key("to", 0).raw("[").num(to[0]).raw(", ").num(to[1]).raw("]")
	}
	if n.Transform != "" {
		j.raw(", ").key("transform", 0).str(n.Transform)
	}
	if wz := n.Winsorize; len(wz) == 2 {
		j.raw(", ").key("winsorize", 0).raw("[").num(wz[0]).raw(", ").num(wz[1]).raw("]")
	}
}

// nominalShare is the node's weight divided by the sum of its siblings'
// weights: its share when every sibling takes part.
func nominalShare(n *indicators.Node) float64 {
	if n.Parent == nil {
		return 1
	}
	sum := 0.0
	for _, c := range n.Parent.Children {
		sum += c.Weight
	}
	return n.Weight / sum
}

func writeGroups(j *jw, v *View) {
	children := v.childLists()
	j.key("groups", 1).raw("[")
	for gi := range v.Groups {
		g := &v.Groups[gi]
		if gi > 0 {
			j.raw(",")
		}
		j.raw("\n    {")
		j.key("label", 0).str(g.Label).raw(", ")
		j.key("subjects", 0).int(len(g.Members)).raw(", ")
		j.key("rated", 0).int(g.NRated).raw(", ")
		j.key("leaves", 0).raw("[")
		first := true
		for l := range g.Leaves {
			st := &g.Leaves[l]
			if st.N+st.Missing == 0 {
				continue // the leaf applies to no rated subject of the group
			}
			if !first {
				j.raw(",")
			}
			first = false
			j.raw("\n      {")
			j.key("indicator", 0).str(v.Nodes[v.Leaves[l]].ID).raw(", ")
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
			if l < len(g.Treat) && g.Treat[l] != nil {
				writeTreat(j, g.Treat[l])
			}
			j.raw("}")
		}
		j.raw("], ")
		writeGroupWeights(j, v, g, children)
		j.raw("}")
	}
	j.raw("\n  ],\n")
}

// writeSubjects writes "results": one object per subject in output order.
// Subjects are formatted in parallel chunks (writeChunked), with the keys
// quoted once.
func writeSubjects(j *jw, v *View) {
	var comps []int
	for i := range v.Nodes {
		if !v.Nodes[i].IsLeaf() {
			comps = append(comps, i)
		}
	}
	ranked := v.RankedNodes()
	nodeKeys := make([][]byte, len(v.Nodes)) // `"id": `
	for i := range v.Nodes {
		nodeKeys[i] = append(diag.AppendJSONString(nil, v.Nodes[i].ID), ": "...)
	}
	adjIDs := make([][]byte, len(v.Adjustments))
	for a := range v.Adjustments {
		adjIDs[a] = diag.AppendJSONString(nil, v.Adjustments[a].ID)
	}
	j.key("results", 1).raw("[")
	if j.err != nil {
		return
	}
	rows := subjectRows(v)
	format := func(rows []int, buf []byte) []byte {
		for _, k := range rows {
			s := v.Subject(k)
			buf = appendSubjectJSON(buf, v, k, &s, comps, ranked, nodeKeys, adjIDs)
		}
		return buf
	}
	if w := j.chunks(); j.err == nil {
		j.err = writeChunked(w, rows, format)
	}
	j.raw("\n  ],\n")
}

// appendSubjectJSON appends ",\n    " and subject s's (View.Subject(k)) object of
// "results": its fixed fields, "nodes" and "node_status" of the composites
// comps, "node_ranks" of the ranked nodes when the set ranks nodes (SPEC
// §4.10; null for a subject without a rank), the adjustments that apply,
// and the grade's reasoning. nodeKeys[i] is `"<id>": ` of View.Nodes[i],
// adjIDs[a] the quoted id of View.Adjustments[a].
func appendSubjectJSON(buf []byte, v *View, k int, s *ViewSubject, comps, ranked []int, nodeKeys, adjIDs [][]byte) []byte {
	buf = append(buf, ",\n    {\"peer_group\": "...)
	buf = diag.AppendJSONString(buf, s.Group)
	buf = append(buf, ", \"subject\": "...)
	buf = diag.AppendJSONString(buf, s.ID)
	buf = append(buf, ", \"name\": "...)
	buf = diag.AppendJSONString(buf, s.Name)
	buf = append(buf, ", \"kind\": "...)
	buf = diag.AppendJSONString(buf, s.Kind)
	if s.Rated {
		buf = append(buf, ", \"status\": \"rated\", \"rank\": "...)
		buf = strconv.AppendInt(buf, int64(s.Rank), 10)
		buf = append(buf, ", \"score\": "...)
		buf = diag.AppendJSONFloat(buf, s.Score)
		buf = append(buf, ", \"grade\": "...)
		buf = diag.AppendJSONString(buf, s.Grade)
	} else {
		buf = append(buf, ", \"status\": \"unrated\", \"unrated_reason\": "...)
		buf = diag.AppendJSONString(buf, s.UnratedReason)
		buf = append(buf, ", \"rank\": null, \"score\": null, \"grade\": null"...)
	}
	buf = append(buf, ", \"coverage\": "...)
	buf = diag.AppendJSONFloat(buf, s.Coverage)
	if s.Rated {
		buf = append(buf, ", \"vetoed\": "...)
		buf = strconv.AppendBool(buf, s.Vetoed)
	} else {
		buf = append(buf, ", \"vetoed\": null"...)
	}
	buf = append(buf, ", \"root\": "...)
	buf = diag.AppendJSONFloat(buf, s.Root)
	buf = append(buf, ", \"nodes\": {"...)
	for c, i := range comps {
		if c > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, nodeKeys[i]...)
		buf = diag.AppendJSONFloat(buf, s.Nodes[i])
	}
	buf = append(buf, "}, \"node_status\": {"...)
	for c, i := range comps {
		if c > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, nodeKeys[i]...)
		if st := v.NodeState(k, i); st == NodeStateNone {
			buf = append(buf, "null"...)
		} else {
			buf = diag.AppendJSONString(buf, st.String())
		}
	}
	buf = append(buf, "}, "...)
	if len(ranked) > 0 {
		buf = append(buf, "\"node_ranks\": {"...)
		for c, i := range ranked {
			if c > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, nodeKeys[i]...)
			if rank := v.NodeRank(k, i); rank > 0 {
				buf = strconv.AppendInt(buf, int64(rank), 10)
			} else {
				buf = append(buf, "null"...)
			}
		}
		buf = append(buf, "}, "...)
	}
	buf = append(buf, "\"adjustments\": ["...)
	first := true
	for a, ar := range s.Adjustments {
		if a >= len(v.Adjustments) || !ar.Applies {
			continue
		}
		if !first {
			buf = append(buf, ", "...)
		}
		first = false
		buf = append(buf, "{\"id\": "...)
		buf = append(buf, adjIDs[a]...)
		buf = append(buf, ", \"held\": "...)
		buf = strconv.AppendBool(buf, ar.Held)
		buf = append(buf, ", \"points\": "...)
		buf = diag.AppendJSONFloat(buf, ar.Points)
		buf = append(buf, ", \"capped\": "...)
		buf = strconv.AppendBool(buf, ar.Capped)
		buf = append(buf, '}')
	}
	buf = append(buf, "], \"grade_by_score\": "...)
	buf = diag.AppendJSONString(buf, s.GradeByScore)
	buf = append(buf, ", \"grade_reason\": "...)
	buf = diag.AppendJSONString(buf, s.GradeReason)
	return append(buf, '}')
}

// writeCells writes the (subject, leaf) cells compactly: the leaf ids once,
// then per subject (in output order) four arrays aligned with them — raw,
// value, status and weight, as in indicators.csv; a leaf that does not apply
// to the subject has null in every array. Subjects are formatted in
// parallel chunks (writeChunked), each subject's cells read once.
func writeCells(j *jw, v *View) {
	ids := beginCells(j, v)
	if j.err != nil {
		return
	}
	rows := subjectRows(v)
	format := func(rows []int, buf []byte) []byte {
		blk := cellBlocks.Get().(*cellBlock)
		defer cellBlocks.Put(blk)
		f := newJSONCells(len(ids))
		subjects := make([]string, 0, cellBlockSize)
		for lo := 0; lo < len(rows); lo += cellBlockSize {
			block := rows[lo:min(lo+cellBlockSize, len(rows))]
			blk.fill(v, block)
			subjects = subjects[:0]
			for _, k := range block {
				subjects = append(subjects, v.subjectID(k))
			}
			buf = f.append(buf, blk, subjects, nil)
		}
		return buf
	}
	if w := j.chunks(); j.err == nil {
		j.err = writeChunked(w, rows, format)
	}
	endCells(j)
}

// jsonCells formats the subjects' entries of results.json's "indicators"
// section from cell blocks, keeping across blocks the text of each leaf's
// last weight and status.
type jsonCells struct {
	// raws[l], values[l] and weights[l] are where the text of the
	// current subject's numbers of leaf l is in the buffer: a value equal
	// to the raw value copies it, and indicators.csv's rows copy all
	// three (appendCellsBoth).
	raws, values, weightAt []span
	// Effective weights repeat from subject to subject: each leaf's
	// weight is formatted once per run of equal values.
	weights *runText[float64]
	// The same for the statuses.
	statuses *runText[scoring.Status]
}

func newJSONCells(leaves int) *jsonCells {
	return &jsonCells{
		raws: make([]span, leaves), values: make([]span, leaves), weightAt: make([]span, leaves),
		weights:  newRunText(leaves, diag.AppendJSONFloat),
		statuses: newRunText(leaves, func(b []byte, st scoring.Status) []byte { return diag.AppendJSONString(b, string(st)) }),
	}
}

// append appends the entries of the subjects of blk, whose ids are
// subjects, each starting with ",\n      ". When after is not nil, it is
// called after each subject's entry with the subject's index in the block
// and the buffer, while the spans locate that entry's numbers.
func (f *jsonCells) append(buf []byte, blk *cellBlock, subjects []string, after func(j int, buf []byte)) []byte {
	n, nl := blk.n, len(f.raws)
	for j, subject := range subjects {
		buf = append(buf, ",\n      {\"subject\": "...)
		buf = diag.AppendJSONString(buf, subject)
		buf = append(buf, ", \"raw\": ["...)
		for l := range nl {
			if l > 0 {
				buf = append(buf, ',')
			}
			x := l*n + j
			at := len(buf)
			if !blk.applies[x] {
				buf = append(buf, "null"...)
			} else {
				buf = diag.AppendJSONFloat(buf, blk.raw[x])
			}
			f.raws[l] = span{at, len(buf)}
		}
		buf = append(buf, "], \"value\": ["...)
		for l := range nl {
			if l > 0 {
				buf = append(buf, ',')
			}
			x := l*n + j
			at := len(buf)
			switch value := blk.value[x]; {
			case !blk.applies[x]:
				buf = append(buf, "null"...)
			case value == blk.raw[x]:
				buf = append(buf, buf[f.raws[l].at:f.raws[l].end]...)
			default:
				buf = diag.AppendJSONFloat(buf, value)
			}
			f.values[l] = span{at, len(buf)}
		}
		buf = append(buf, "], \"status\": ["...)
		buf = appendJSONRuns(buf, f.statuses, blk.status, blk.applies, nl, n, j)
		buf = append(buf, "], \"weight\": ["...)
		for l := range nl {
			if l > 0 {
				buf = append(buf, ',')
			}
			x := l*n + j
			at := len(buf)
			if !blk.applies[x] {
				buf = append(buf, "null"...)
			} else {
				buf = f.weights.appendTo(buf, l, blk.weight[x])
			}
			f.weightAt[l] = span{at, len(buf)}
		}
		buf = append(buf, "]}"...)
		if after != nil {
			after(j, buf)
		}
	}
	return buf
}

// beginCells writes the start of the "indicators" section, up to the
// subjects' list, and returns the leaf ids.
func beginCells(j *jw, v *View) []string {
	ids := make([]string, len(v.Leaves))
	for l, ni := range v.Leaves {
		ids[l] = v.Nodes[ni].ID
	}
	j.key("indicators", 1).raw("{")
	j.key("leaves", 0).strs(ids).raw(",\n    ")
	j.key("subjects", 0).raw("[")
	return ids
}

// endCells closes the "indicators" section beginCells started.
func endCells(j *jw) { j.raw("\n    ]},\n") }

// warnings writes ws as a JSON array of objects with the position, peer
// group, subject and node when known, and the message.
func (j *jw) warnings(ws []diag.Warning) *jw {
	j.raw("[")
	for i, w := range ws {
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n    {")
		if w.Pos.File != "" {
			j.key("file", 0).str(w.Pos.File).raw(", ")
			j.key("line", 0).int(w.Pos.Line).raw(", ")
			j.key("col", 0).int(w.Pos.Col).raw(", ")
		}
		if w.Group != "" {
			j.key("peer_group", 0).str(w.Group).raw(", ")
		}
		if w.Subject != "" {
			j.key("subject", 0).str(w.Subject).raw(", ")
		}
		if w.Node != "" {
			j.key("node", 0).str(w.Node).raw(", ")
		}
		j.key("message", 0).str(w.Msg).raw("}")
	}
	return j.raw("\n  ]")
}

// jw is a small streaming JSON writer with a sticky error.
type jw struct {
	w   *bufio.Writer
	out io.Writer // the writer under w
	buf []byte
	err error
}

// chunks flushes j's buffer and returns the writer under it, wrapped to
// drop the first byte written (every chunk of a list starts with ","): the
// chunks of writeChunked, larger than the buffer, are written directly
// instead of being copied through it in part.
func (j *jw) chunks() io.Writer {
	if j.err == nil {
		j.err = j.w.Flush()
	}
	return &dropFirstByte{w: j.out}
}

func (j *jw) raw(s string) *jw {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
	return j
}

func (j *jw) bytes(b []byte) *jw {
	if j.err == nil {
		_, j.err = j.w.Write(b)
	}
	return j
}

func (j *jw) key(k string, indent int) *jw {
	for i := 0; i < indent; i++ {
		j.raw("  ")
	}
	j.buf = diag.AppendJSONString(j.buf[:0], k)
	j.buf = append(j.buf, ": "...)
	return j.bytes(j.buf)
}

func (j *jw) str(s string) *jw {
	j.buf = diag.AppendJSONString(j.buf[:0], s)
	return j.bytes(j.buf)
}

func (j *jw) strs(ss []string) *jw {
	j.raw("[")
	for i, s := range ss {
		if i > 0 {
			j.raw(", ")
		}
		j.str(s)
	}
	return j.raw("]")
}

func (j *jw) num(x float64) *jw {
	j.buf = diag.AppendJSONFloat(j.buf[:0], x)
	return j.bytes(j.buf)
}

func (j *jw) int(n int) *jw {
	j.buf = strconv.AppendInt(j.buf[:0], int64(n), 10)
	return j.bytes(j.buf)
}

func (j *jw) bool(v bool) *jw {
	j.buf = strconv.AppendBool(j.buf[:0], v)
	return j.bytes(j.buf)
}

// dropFirstByte passes writes through but for the very first byte.
type dropFirstByte struct {
	w       io.Writer
	dropped bool
}

func (d *dropFirstByte) Write(p []byte) (int, error) {
	if d.dropped || len(p) == 0 {
		return d.w.Write(p)
	}
	d.dropped = true
	n, err := d.w.Write(p[1:])
	return n + 1, err
}

// writeTreat writes a leaf's JRC treatment record: outcome, skewness and
// kurtosis before and after, the winsorised subjects and the log shift.
func writeTreat(j *jw, t *ViewTreat) {
	j.raw(", ").key("treat", 0).raw("{")
	j.key("outcome", 0).str(t.Outcome).raw(", ")
	j.key("skew_before", 0).num(t.SkewBefore).raw(", ")
	j.key("kurtosis_before", 0).num(t.KurtBefore).raw(", ")
	j.key("skew_after", 0).num(t.SkewAfter).raw(", ")
	j.key("kurtosis_after", 0).num(t.KurtAfter).raw(", ")
	j.key("winsorised", 0).strs(t.Winsorised).raw(", ")
	j.key("log_shift", 0).num(t.LogShift).raw("}")
}

// writeGroupWeights writes the weights in effect of every composite's
// children in group g ("weights": {composite id ("score" for the root): {child
// id: weight}}), with the complete cases of statistical weightings;
// children are v.childLists().
func writeGroupWeights(j *jw, v *View, g *ViewGroup, children [][]int) {
	j.key("weights", 0).raw("{")
	for k := range g.Weights {
		w := &g.Weights[k]
		if k > 0 {
			j.raw(", ")
		}
		id := "score"
		if w.Node >= 0 {
			id = v.Nodes[w.Node].ID
		}
		j.raw("\n      ").key(id, 0).raw("{")
		for c, ni := range children[w.Node+1] {
			if c > 0 {
				j.raw(", ")
			}
			x := math.NaN()
			if c < len(w.Children) {
				x = w.Children[c]
			}
			j.key(v.Nodes[ni].ID, 0).num(x)
		}
		if w.Method != "" {
			j.raw(", ").key("@method", 0).str(w.Method)
			if w.Cases > 0 {
				j.raw(", ").key("@cases", 0).int(w.Cases)
			}
		}
		j.raw("}")
	}
	j.raw("}")
}

// Statuses of a composite's value for a subject (SPEC §4.7).
const (
	NodeOK      = "ok"      // aggregated from its children
	NodeImputed = "imputed" // filled by the composite's missing policy
	NodeMissing = "missing" // no value
)

// NodeStatus is the status of composite n's value for subject si: NodeOK,
// NodeImputed or NodeMissing; "" when the subject is unrated or the node
// does not apply to it.
func NodeStatus(b *batch.Batch, si int, n *indicators.Node) string {
	return nodeStateOf(b.Result, si, n.Index).String()
}
