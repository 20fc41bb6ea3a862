package reports

import (
	"bytes"
	"math"
	"testing"
)

// storedCellsRender renders v's cells through StoredCells, given one
// subject at a time as a stored batch's rows hold them: indicators.csv
// whole, and the subjects' list of results.json's "indicators" section.
func storedCellsRender(v *View) (csv, list []byte) {
	ids := make([]string, len(v.Leaves))
	for l, ni := range v.Leaves {
		ids[l] = v.Nodes[ni].ID
	}
	c := NewStoredCells(ids)
	nl := len(ids)
	applies := make([]bool, nl)
	raw, value, weight := make([]float64, nl), make([]float64, nl), make([]float64, nl)
	status := make([]string, nl)
	csv = appendHeader(nil, IndicatorsHeader)
	flush := func() {
		csv = c.AppendCSV(csv)
		list = c.AppendJSON(list)
		c.Reset()
	}
	for k := range v.NumSubjects() {
		for l := range nl {
			x := v.Cell(k, l)
			// What the row holds: NULL (here NaN and "") where the
			// leaf does not apply.
			applies[l], raw[l], value[l], weight[l], status[l] = x.Applies, math.NaN(), math.NaN(), math.NaN(), ""
			if x.Applies {
				raw[l], value[l], weight[l], status[l] = x.Raw, x.Value, x.Weight, x.Status
			}
		}
		c.Add(v.subjectID(k), applies, raw, value, weight, status)
		if c.Full() {
			flush()
		}
	}
	if c.Len() > 0 {
		flush()
	}
	if len(list) > 0 {
		list = list[1:] // the first entry without its comma
	}
	return csv, list
}

// cellsList is the subjects' list of results.json's "indicators" section:
// the bytes between its "[" and the "\n    ]}" that closes it.
func cellsList(t *testing.T, js []byte) []byte {
	t.Helper()
	start := []byte("\n    \"subjects\": [")
	i := bytes.Index(js, start)
	if i < 0 {
		t.Fatalf("results.json has no subjects' list of cells")
	}
	rest := js[i+len(start):]
	j := bytes.Index(rest, []byte("\n    ]},\n"))
	if j < 0 {
		t.Fatalf("results.json: the subjects' list of cells is not closed")
	}
	return rest[:j]
}

// TestStoredCells checks that the cells given subject by subject, as a
// stored batch's rows hold them, render as WriteIndicatorsCSV and WriteJSON
// render them from the view, for every shape of jointCases (several cell
// blocks, leaves that do not apply, missing, imputed and unrated cells,
// views read back from results.json).
func TestStoredCells(t *testing.T) {
	for name, v := range jointCases(t) {
		var wantCSV, wantJSON bytes.Buffer
		if err := WriteIndicatorsCSV(&wantCSV, v); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&wantJSON, v); err != nil {
			t.Fatal(err)
		}
		csv, list := storedCellsRender(v)
		if !bytes.Equal(csv, wantCSV.Bytes()) {
			t.Errorf("%s: indicators.csv from stored cells differs %s", name, firstDiff(csv, wantCSV.Bytes()))
		}
		if want := cellsList(t, wantJSON.Bytes()); !bytes.Equal(list, want) {
			t.Errorf("%s: results.json's cells from stored cells differ %s", name, firstDiff(list, want))
		}
		if v.NumSubjects() > StoredCellsBlock && bytes.Count(csv, []byte("\n")) <= StoredCellsBlock {
			t.Errorf("%s: %d subjects but only %d rows", name, v.NumSubjects(), bytes.Count(csv, []byte("\n")))
		}
	}
}

// TestStoredCellsFull checks the block's bound.
func TestStoredCellsFull(t *testing.T) {
	c := NewStoredCells([]string{"a"})
	for i := range StoredCellsBlock {
		if c.Full() {
			t.Fatalf("full after %d subjects", i)
		}
		c.Add("s", []bool{true}, []float64{1}, []float64{2}, []float64{0.5}, []string{"ok"})
	}
	if !c.Full() || c.Len() != StoredCellsBlock {
		t.Fatalf("Full %v, Len %d after %d subjects", c.Full(), c.Len(), StoredCellsBlock)
	}
	defer func() {
		if recover() == nil {
			t.Error("Add on a full block did not panic")
		}
	}()
	c.Add("s", []bool{true}, []float64{1}, []float64{2}, []float64{0.5}, []string{"ok"})
}

// TestStoredCellsReset checks that a block starts over after Reset and
// that a leaf that does not apply writes nothing to indicators.csv and
// nulls to results.json.
func TestStoredCellsReset(t *testing.T) {
	c := NewStoredCells([]string{"a", "b,c"})
	c.Add("s1", []bool{true, false}, []float64{1.5, 9}, []float64{1.5, 9}, []float64{0.25, 9}, []string{"ok", "x"})
	if got, want := string(c.AppendCSV(nil)), "s1,a,1.5,1.5,ok,0.25\n"; got != want {
		t.Errorf("csv %q, want %q", got, want)
	}
	c.Reset()
	nan := math.NaN()
	c.Add("s\"2", []bool{true, true}, []float64{nan, 2}, []float64{nan, 3}, []float64{0, 0.5}, []string{"missing", "imputed"})
	if got, want := string(c.AppendCSV(nil)), "\"s\"\"2\",a,,,missing,0\n\"s\"\"2\",\"b,c\",2,3,imputed,0.5\n"; got != want {
		t.Errorf("csv %q, want %q", got, want)
	}
	if got, want := string(c.AppendJSON(nil)), ",\n      {\"subject\": \"s\\\"2\", \"raw\": [null,2], \"value\": [null,3], \"status\": [\"missing\",\"imputed\"], \"weight\": [0,0.5]}"; got != want {
		t.Errorf("json %q, want %q", got, want)
	}
}
