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

// subjects parses srcs[0] into l.ds. When the file is unusable (undecodable,
// no header, a required column missing) l.ds stays nil and metric rows are
// then checked without subject ids. The error is an I/O error.
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
			l.errorf(bpos{file: file, line: hpos[0].line, col: 1}, "missing required column %q: subjects.csv needs the columns id, name and kind (optional: parent, then any attributes)%s", m, hint)
		}
		return nil
	}
	idCol, nameCol, kindCol := col["id"], col["name"], col["kind"]
	parentCol, hasParent := col["parent"]
	var attrNames []string
	var attrCols []int
	for j, h := range header {
		switch h {
		case "id", "name", "kind", "parent", "":
			continue
		}
		if col[h] == j {
			attrNames = append(attrNames, h)
			attrCols = append(attrCols, j)
		}
	}
	allowed := map[string]bool{}
	for _, k := range l.opt.Kinds {
		allowed[k] = true
	}

	var subjects []dataset.Subject
	var rows []subjectRow
	first := map[string]int{} // id → index in subjects
	rowsSeen := 0             // rows other than blank ones
	var blank blankRows
	for {
		rec, err := r.Read()
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
		at := func(j int) bpos {
			line, c := r.FieldPos(j)
			return bpos{file: file, line: line, col: c}
		}
		id := strings.TrimSpace(rec[idCol])
		if id == "" {
			l.errorf(at(idCol), "empty subject id: every subject needs a unique id")
			continue
		}
		if k, dup := first[id]; dup {
			l.errorRef(at(idCol), rows[k].idPos, fmt.Sprintf("duplicate subject id %q (first defined at %s): ids must be unique", id, refMark))
			continue
		}
		kind := strings.TrimSpace(rec[kindCol])
		switch {
		case kind == "":
			l.errorf(at(kindCol), "empty kind for subject %q: give one of the kinds the indicator set declares", id)
		case len(allowed) > 0 && !allowed[kind]:
			hint := ""
			if s := diag.Closest(kind, l.opt.Kinds, nil); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			l.errorf(at(kindCol), "unknown kind %q; the indicator set declares: %s%s", kind, strings.Join(l.opt.Kinds, ", "), hint)
		}
		line, _ := r.FieldPos(0)
		s := dataset.Subject{
			ID:   id,
			Name: strings.TrimSpace(rec[nameCol]),
			Kind: kind,
			Pos:  diag.Pos{File: l.srcs[file].name, Line: line, Col: 1},
		}
		if s.Name == "" {
			s.Name = id
		}
		row := subjectRow{idPos: at(idCol)}
		if hasParent {
			s.Parent = strings.TrimSpace(rec[parentCol])
			row.parentPos = at(parentCol)
		}
		if len(attrCols) > 0 {
			s.Attrs = make(map[string]string, len(attrCols))
			for k, j := range attrCols {
				s.Attrs[attrNames[k]] = strings.TrimSpace(rec[j])
			}
		}
		first[id] = len(subjects)
		subjects = append(subjects, s)
		rows = append(rows, row)
	}
	if w, ok := blank.warning(l.srcs[file].name); ok {
		l.warnings = append(l.warnings, w)
	}
	if rowsSeen == 0 {
		l.errorf(bpos{file: file, line: hpos[0].line, col: 1}, "no subjects: add one row per subject below the header")
	}
	l.checkParents(subjects, rows, first)

	l.ds = dataset.New(subjects, attrNames)
	l.ids = make([]string, len(l.ds.Subjects))
	for i := range l.ds.Subjects {
		l.ids[i] = l.ds.Subjects[i].ID
	}
	return nil
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
