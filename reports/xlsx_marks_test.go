package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXPublicationMarks reads results.xlsx back with excelize and checks
// what issue 9 adds to it, from the batch and from results.json alike: the
// rank column of every `rank: true` node right after its value (numbers),
// a composite value filled by its missing policy in the imputed style
// (italic on light yellow, still a number) with the legend on the rules
// sheet, and the rule that left an unrated subject unrated.
func TestXLSXPublicationMarks(t *testing.T) {
	b := imputedTrustBatch(t)
	js := writeJSONBytes(t, NewView(b))
	read, err := ReadView(bytes.NewReader(js), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*View{"direct": NewView(b), "read": read} {
		t.Run(name, func(t *testing.T) {
			f := openXLSX(t, writeXLSX(t, v, XLSXOptions{Lang: "en"}))
			checkXLSXMarks(t, f, v, "Ranking community", false)
			checkXLSXMarks(t, f, v, "Node values", true)
			rules := sheetRows(t, f, "Rules and provenance")
			found := false
			for _, r := range rules {
				if len(r) == 2 && r[0] == "Italic values on yellow" && strings.Contains(r[1], "A composite in Ranking and Node values: its value was filled by its missing rule (imputed).") {
					found = true
				}
			}
			if !found {
				t.Errorf("the rules sheet lacks the legend of imputed composite values: %q", rules)
			}
		})
	}
}

// checkXLSXMarks checks sheet's rank column right after the service
// value column (c4 first on service, a number), c1's imputed trust value
// (italic on FFF2CC, a number) beside c4's plain one, and, on a ranking
// sheet, c5's unrated reason. With ids the headers carry the node ids (the
// node values sheet).
func checkXLSXMarks(t *testing.T, f *excelize.File, v *View, sheet string, ids bool) {
	t.Helper()
	rows := sheetRows(t, f, sheet)
	col := map[string]int{}
	for c, h := range rows[0] {
		col[h] = c
	}
	row := map[string]int{} // subject id → row number (1-based)
	for r, cells := range rows {
		if len(cells) > 1 {
			row[cells[1]] = r + 1
		}
	}
	cell := func(head, id string) string {
		c, ok := col[head]
		if !ok {
			t.Fatalf("%s: no column %q in %q", sheet, head, rows[0])
		}
		name, _ := excelize.CoordinatesToCellName(c+1, row[id])
		return name
	}
	service, trust := nodeIndex(t, v, "service"), nodeIndex(t, v, "trust")
	serviceHead, trustHead := v.Nodes[service].Name, v.Nodes[trust].Name
	rankHead := serviceHead + " rank"
	if ids {
		serviceHead, trustHead, rankHead = serviceHead+" (service)", trustHead+" (trust)", rankHead+" (service_rank)"
	}
	if col[rankHead] != col[serviceHead]+1 {
		t.Errorf("%s: %q at column %d, want right after %q (%d)", sheet, rankHead, col[rankHead], serviceHead, col[serviceHead])
	}
	c4 := subjectIndex(t, v, "c4")
	ref := cell(rankHead, "c4")
	if got, _ := f.GetCellValue(sheet, ref); got != "1" || v.NodeRank(c4, service) != 1 {
		t.Errorf("%s!%s (c4's service rank) = %q, want 1", sheet, ref, got)
	}
	if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("%s!%s: cell type %v, want a number", sheet, ref, typ)
	}
	for _, tc := range []struct {
		id      string
		imputed bool
	}{{"c1", true}, {"c4", false}} {
		ref := cell(trustHead, tc.id)
		got, _ := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		want := v.Subject(subjectIndex(t, v, tc.id)).Nodes[trust]
		if !near(parseF(t, got), want, 1e-12) {
			t.Errorf("%s!%s = %q, want %v", sheet, ref, got, want)
		}
		if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s!%s: cell type %v, want a number", sheet, ref, typ)
		}
		id, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		italic := st.Font != nil && st.Font.Italic
		yellow := st.Fill.Pattern == 1 && len(st.Fill.Color) == 1 && strings.EqualFold(st.Fill.Color[0], "FFF2CC")
		if italic != tc.imputed || yellow != tc.imputed {
			t.Errorf("%s!%s (%s's trust): italic %v, yellow %v, want both %v", sheet, ref, tc.id, italic, yellow, tc.imputed)
		}
	}
	if !ids {
		ref := cell("Unrated reason", "c5")
		if got, _ := f.GetCellValue(sheet, ref); got != "coverage below the minimum" {
			t.Errorf("%s!%s (c5's unrated reason) = %q, want coverage below the minimum", sheet, ref, got)
		}
		ref = cell("Unrated reason", "c4")
		if got, _ := f.GetCellValue(sheet, ref); got != "" {
			t.Errorf("%s!%s (rated c4's unrated reason) = %q, want empty", sheet, ref, got)
		}
	}
}

func nodeIndex(t *testing.T, v *View, id string) int {
	t.Helper()
	return viewIndexOf(t, v.Nodes, id, func(n ViewNode) string { return n.ID })
}

func subjectIndex(t *testing.T, v *View, id string) int {
	t.Helper()
	for k := range v.NumSubjects() {
		if v.Subject(k).ID == id {
			return k
		}
	}
	t.Fatalf("no subject %q", id)
	return -1
}

// viewIndexOf returns the index of the item whose key is id, failing t when
// there is none.
func viewIndexOf[T any](t *testing.T, items []T, id string, key func(T) string) int {
	t.Helper()
	for i, x := range items {
		if key(x) == id {
			return i
		}
	}
	t.Fatalf("no %q", id)
	return -1
}
