package reports

import (
	"bytes"
	"strings"
	"testing"
)

func TestCSVFieldFormulaInjection(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"=1+2", "'=1+2"},
		{"+SUM(A1:A9)", "'+SUM(A1:A9)"},
		{"-2+3", "'-2+3"},
		{"@cmd", "'@cmd"},
		{"\tx", "'\tx"},
		{"\rx", "\"'\rx\""},
		{`=HYPERLINK("http://x","y")`, `"'=HYPERLINK(""http://x"",""y"")"`},
		{"=a,b", `"'=a,b"`},
		{"-1.5", "-1.5"},
		{"+3", "+3"},
		{"-.5e-3", "-.5e-3"},
		{"-1e", "'-1e"},
		{"-", "'-"},
		{"-Inf", "'-Inf"},
		{"a=b", "a=b"},
	} {
		if got := CSVField(c.in); got != c.want {
			t.Errorf("CSVField(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if NeutraliseFormula("=x") != "'=x" || NeutraliseFormula("-7") != "-7" || NeutraliseFormula("x") != "x" {
		t.Error("NeutraliseFormula")
	}
}

// TestResultsCSVFormulaInjection checks that names from the data that a
// spreadsheet would evaluate are neutralised in results.csv and
// indicators.csv, written from the batch's view and from results.json alike, while
// the numbers (negative ones included) stay numbers.
func TestResultsCSVFormulaInjection(t *testing.T) {
	b := loadBatch(t, smallDir, "2024")
	subs := b.Project.Data.Subjects
	subs[0].Name = "=HYPERLINK(\"http://evil\",\"x\")"
	subs[1].Name = "@SUM(1+1)"
	subs[2].Kind = "-2+3"
	var res, ind, vres, vind, js bytes.Buffer
	v := NewView(b)
	if err := WriteResultsCSV(&res, v); err != nil {
		t.Fatal(err)
	}
	if err := WriteIndicatorsCSV(&ind, v); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, NewView(b)); err != nil {
		t.Fatal(err)
	}
	read, err := ReadView(&js, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteResultsCSV(&vres, read); err != nil {
		t.Fatal(err)
	}
	if err := WriteIndicatorsCSV(&vind, read); err != nil {
		t.Fatal(err)
	}
	if res.String() != vres.String() || ind.String() != vind.String() {
		t.Error("the CSV files of the view read back from results.json differ from the batch's")
	}
	out := res.String()
	for _, want := range []string{`"'=HYPERLINK(""http://evil"",""x"")"`, `'@SUM(1+1)`, `,'-2+3,`} {
		if !strings.Contains(out, want) {
			t.Errorf("results.csv lacks %s:\n%s", want, out)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		for _, f := range strings.Split(line, ",") {
			if strings.HasPrefix(f, "=") || strings.HasPrefix(f, "@") || strings.HasPrefix(f, "\"=") {
				t.Errorf("line %d: formula cell %q", i+1, f)
			}
		}
	}
}
