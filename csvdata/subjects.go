package csvdata

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// subjectRow is what subjects() remembers of a row beyond the Subject.
type subjectRow struct {
	idPos, parentPos bpos
}

// subjects parses srcs[0] into l.ds: the layout of the header
// (subjectLayout), then each row (subject), then the parents
// (checkParents). When the file is unusable (undecodable, no header, a
// required column missing) l.ds stays nil and metric rows are then checked
// without subject ids. The error is an I/O error.
func (l *loader) subjects() error {
	const file = 0
	if l.encFailed[file] {
		return nil
	}
	r, c, header, hpos, _, err := l.newReader(file)
	if err != nil {
		return err
	}
	defer c.Close()
	if header == nil {
		return nil
	}
	lay, ok := l.subjectLayout(header, hpos)
	if !ok {
		return nil
	}
	// Presize from the lines detect counted (an upper bound on the rows;
	// capped so that a file of blank lines does not reserve much).
	est := min(max(l.srcs[file].lines-1, 0), maxPresize)
	st := &subjectRows{r: r, lay: lay, allowed: map[string]bool{}, first: make(map[string]int, est),
		subjects: make([]dataset.Subject, 0, est), rows: make([]subjectRow, 0, est),
		attrs: dataset.NewAttrTable(lay.attrNames)}
	for _, k := range l.opt.Kinds {
		st.allowed[k] = true
	}
	rowsSeen := 0 // rows other than blank ones
	var blank blankRows
	for {
		rec, err := l.read(file, r)
		if err == io.EOF {
			break
		}
		if err != nil {
			if err := l.csvError(file, err); err != nil {
				return err
			}
			rowsSeen++
			continue
		}
		if isBlankRow(rec) {
			line, _ := r.FieldPos(0)
			blank.add(line)
			continue
		}
		rowsSeen++
		if len(rec) != len(header) {
			l.fieldCountError(file, r, len(rec), len(header))
			continue
		}
		if !l.noControlChars(file, r, header, rec) {
			continue
		}
		l.subject(st, rec)
	}
	if w, ok := blank.warning(l.srcs[file].name, l.srcs[file].sheet); ok {
		l.warnings = append(l.warnings, w)
	}
	if rowsSeen == 0 {
		l.errorf(bpos{file: file, line: hpos[0].line, col: 1}, "no subjects: add one row per subject below the header")
	}
	l.checkParents(st.subjects, st.rows, st.first)

	l.ds = dataset.NewOwned(st.subjects, lay.attrNames) // st ends here
	l.ids = make([]string, len(l.ds.Subjects))
	for i := range l.ds.Subjects {
		l.ids[i] = l.ds.Subjects[i].ID
	}
	return nil
}

// maxPresize bounds the rows the loader reserves room for before reading
// them (see source.lines).
const maxPresize = 1 << 20

// subjectLayout is where the columns of subjects.csv are.
type subjectLayout struct {
	id, name, kind, parent int
	hasParent              bool
	attrNames              []string // the free attribute columns, in file order
	attrCols               []int
}

// subjectLayout finds the columns of subjects.csv in its header; false
// (with errors recorded) when a required column is missing.
func (l *loader) subjectLayout(header []string, hpos []bpos) (subjectLayout, bool) {
	col := map[string]int{}
	for j, h := range header {
		if _, dup := col[h]; !dup && h != "" {
			col[h] = j
		}
	}
	var missing []string
	for _, req := range []string{"id", "name", "kind"} {
		if _, ok := col[req]; !ok {
			missing = append(missing, req)
		}
	}
	if len(missing) > 0 {
		hint := ""
		if len(missing) == 3 {
			hint = "; the first line must be a header row"
		}
		for _, m := range missing {
			l.errorf(bpos{file: 0, line: hpos[0].line, col: 1}, "missing required column %q: subjects.csv needs the columns id, name and kind (optional: parent, then any attributes)%s", m, hint)
		}
		return subjectLayout{}, false
	}
	lay := subjectLayout{id: col["id"], name: col["name"], kind: col["kind"]}
	lay.parent, lay.hasParent = col["parent"]
	for j, h := range header {
		switch h {
		case "id", "name", "kind", "parent", "":
			continue
		}
		if col[h] == j {
			lay.attrNames = append(lay.attrNames, h)
			lay.attrCols = append(lay.attrCols, j)
		}
	}
	return lay, true
}

// subjectRows is the state of the row loop of subjects.csv.
type subjectRows struct {
	r        rowReader
	lay      subjectLayout
	allowed  map[string]bool // the kinds the set declares; empty: any
	subjects []dataset.Subject
	rows     []subjectRow
	first    map[string]int // id → index in subjects
	attrs    *dataset.AttrTable
	vals     []string // room for the attribute values of the next rows
}

// subject reads one row into st.subjects, recording its problems; a row
// without a usable id is left out.
func (l *loader) subject(st *subjectRows, rec []string) {
	const file = 0
	r, lay := st.r, st.lay
	at := func(j int) bpos {
		line, c := r.FieldPos(j)
		return bpos{file: file, line: line, col: c}
	}
	id := strings.TrimSpace(rec[lay.id])
	if id == "" {
		l.errorf(at(lay.id), "empty subject id: every subject needs a unique id")
		return
	}
	if k, dup := st.first[id]; dup {
		l.errorRef(at(lay.id), st.rows[k].idPos, "duplicate subject id %q (first defined at %s): ids must be unique", id, refMark)
		return
	}
	kind := strings.TrimSpace(rec[lay.kind])
	switch {
	case kind == "":
		l.errorf(at(lay.kind), "empty kind for subject %q: give one of the kinds the indicator set declares", id)
	case len(st.allowed) > 0 && !st.allowed[kind]:
		hint := ""
		if s := diag.Closest(kind, l.opt.Kinds, nil); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		l.errorf(at(lay.kind), "unknown kind %q; the indicator set declares: %s%s", kind, strings.Join(l.opt.Kinds, ", "), hint)
	}
	line, _ := r.FieldPos(0)
	s := dataset.Subject{
		ID:   id,
		Name: strings.TrimSpace(rec[lay.name]),
		Kind: kind,
		Pos:  diag.Pos{File: l.srcs[file].name, Line: line, Col: 1},
	}
	if s.Name == "" {
		s.Name = id
	}
	row := subjectRow{idPos: at(lay.id)}
	if lay.hasParent {
		s.Parent = strings.TrimSpace(rec[lay.parent])
		row.parentPos = at(lay.parent)
	}
	if na := len(lay.attrCols); na > 0 {
		// The values of all subjects in few arrays, not a map each.
		if len(st.vals) < na {
			st.vals = make([]string, na*max(cap(st.subjects)-len(st.subjects), 1024))
		}
		vals := st.vals[:na:na]
		st.vals = st.vals[na:]
		for k, j := range lay.attrCols {
			vals[k] = strings.TrimSpace(rec[j])
		}
		s.Attrs = st.attrs.Attrs(vals)
	}
	st.first[id] = len(st.subjects)
	st.subjects = append(st.subjects, s)
	st.rows = append(st.rows, row)
}

// checkParents reports unknown parents and parent cycles. subjects are in
// file order; first maps an id to its index there.
func (l *loader) checkParents(subjects []dataset.Subject, rows []subjectRow, first map[string]int) {
	var ids []string
	parent := make([]int, len(subjects)) // index of the parent, -1 for none or unknown
	for i := range subjects {
		parent[i] = -1
		p := subjects[i].Parent
		if p == "" {
			continue
		}
		if k, ok := first[p]; ok {
			parent[i] = k
			continue
		}
		if ids == nil {
			ids = slices.Sorted(maps.Keys(first))
		}
		hint := ""
		if s := diag.Closest(p, ids, nil); s != "" && s != subjects[i].ID {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		l.errorf(rows[i].parentPos, "unknown parent %q of subject %q%s: parent must be the id of another subject, or empty", p, subjects[i].ID, hint)
	}
	// Every subject has at most one parent, so each cycle is found once by
	// walking up from the subjects in file order.
	const (
		unvisited = iota
		onPath
		done
	)
	state := make([]uint8, len(subjects))
	var path []int
	for i := range subjects {
		path = path[:0]
		k := i
		for k >= 0 && state[k] == unvisited {
			state[k] = onPath
			path = append(path, k)
			k = parent[k]
		}
		if k >= 0 && state[k] == onPath {
			// The cycle is path[from:]; name it from its first member in
			// file order.
			from := 0
			for path[from] != k {
				from++
			}
			cyc := append([]int(nil), path[from:]...)
			start := 0
			for j := range cyc {
				if cyc[j] < cyc[start] {
					start = j
				}
			}
			names := make([]string, 0, len(cyc)+1)
			for j := range len(cyc) + 1 {
				names = append(names, subjects[cyc[(start+j)%len(cyc)]].ID)
			}
			m := cyc[start]
			l.errorf(rows[m].parentPos, "parent cycle %s: a subject cannot be its own ancestor; remove one of these parent links", strings.Join(names, " → "))
		}
		for _, p := range path {
			state[p] = done
		}
	}
}

// noControlChars records an error for each cell of a subjects row that
// holds a control character (NUL, ESC…): ids, names, kinds and attributes
// reach terminals, outputs and PostgreSQL. Names and attributes may hold
// line breaks and tabs (a quoted cell "two⏎lines"); id, kind and parent
// none.
func (l *loader) noControlChars(file int, r rowReader, header, rec []string) bool {
	ok := true
	for j, cell := range rec {
		allowed := "\n\r\t"
		switch header[j] {
		case "id", "kind", "parent":
			allowed = ""
		}
		if _, what, bad := dataset.ControlChar(cell, allowed); bad {
			line, col := r.FieldPos(j)
			l.errorf(bpos{file: file, line: line, col: col}, "column %q: %s: names and ids must not hold control characters; delete it", header[j], what)
			ok = false
		}
	}
	return ok
}
