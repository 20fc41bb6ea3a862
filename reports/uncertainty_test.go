package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govscore/govscore/analysis"
)

func TestWriteUncertaintyCSVQuoting(t *testing.T) {
	v := &View{Uncertainty: &analysis.Uncertainty{Subjects: []analysis.Band{
		{Group: "a,b", Subject: "=cmd|' /C calc'!A0", Nominal: 1, Median: 1, P05: 1, P95: 2, Tied: []string{"-x", "y"}},
		{Group: `q"g`, Subject: "-1.5", Nominal: 2, Median: 2.5, P05: 1, P95: 1e6},
	}}}
	var buf bytes.Buffer
	if err := WriteUncertaintyCSV(&buf, v); err != nil {
		t.Fatal(err)
	}
	want := strings.Join(UncertaintyHeader, ",") + "\n" +
		`"a,b",'=cmd|' /C calc'!A0,1,1,1,2,0,0,'-x y` + "\n" +
		`"q""g",-1.5,2,2.5,1,1e+06,0,0,` + "\n"
	if buf.String() != want {
		t.Errorf("uncertainty.csv:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestUncertaintyCSVFromResults checks that uncertainty.csv written from
// the view of a batch with an uncertainty analysis is written again, byte
// for byte, from the view decoded from its results.json.
func TestUncertaintyCSVFromResults(t *testing.T) {
	v := NewView(assessedBatch(t, 20))
	if v.Uncertainty == nil || len(v.Uncertainty.Subjects) == 0 {
		t.Fatal("no uncertainty bands")
	}
	var want, got bytes.Buffer
	if err := WriteUncertaintyCSV(&want, v); err != nil {
		t.Fatal(err)
	}
	read, err := ReadView(bytes.NewReader(writeJSONBytes(t, v)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteUncertaintyCSV(&got, read); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("uncertainty.csv from results.json:\n%s\nwant:\n%s", got.String(), want.String())
	}
	if n := strings.Count(want.String(), "\n"); n != len(v.Uncertainty.Subjects)+1 {
		t.Errorf("%d lines for %d bands", n, len(v.Uncertainty.Subjects))
	}
}
