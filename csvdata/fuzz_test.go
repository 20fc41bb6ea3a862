package csvdata_test

import (
	"errors"
	"math"
	"testing"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// checkResult fails when Parse's answer breaks its contract: a dataset or
// a diag.List of fully positioned errors, never both, and only finite or
// missing values.
func checkResult(t *testing.T, ds *dataset.Dataset, err error) {
	t.Helper()
	if err != nil {
		if ds != nil {
			t.Fatal("dataset returned with an error")
		}
		var list diag.List
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %T %v is not a non-empty diag.List", err, err)
		}
		kept, _ := list.Kept() // the count of errors not kept has no position
		for _, e := range kept {
			if e.Pos.File == "" || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" {
				t.Fatalf("error without full position: %q", e.Error())
			}
		}
		return
	}
	for _, m := range ds.Metrics() {
		for _, p := range ds.Periods() {
			for _, v := range ds.Column(m, p) {
				if math.IsInf(v, 0) {
					t.Fatalf("metric %s has an infinite value", m)
				}
			}
		}
	}
}

func FuzzParseSubjects(f *testing.F) {
	f.Add([]byte(subjectsCSV))
	f.Add([]byte("\uFEFFid,name,kind,parent\na,A,party_org,b\nb,B,party_org,a\n"))
	f.Add([]byte("id,name,kind\n\"a\"\"\",x,social_org\n,y,\na,\"z\n"))
	f.Add([]byte("id,id,\xb2\xbb\n1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := csvdata.Parse(csvdata.NamedData{Name: "subjects.csv", Data: data}, nil, csvdata.Options{Kinds: kinds})
		checkResult(t, ds, err)
	})
}

func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte("subject,period,a,b\ns1,2024,1,95%\ns2,2024,NA,\"12,5\"\ns1,2024,2,3\n"))
	f.Add([]byte("subject,period,metric,value,note\ns1,2024-Q1,a,1e3,\"x\"\ns3,2024-Q2,a,-.5,\ns1,2024,a,1\"\n"))
	f.Add([]byte("subject,period,value\n"))
	f.Add([]byte("subject,period,x\ns1,2024-13,+1e400%\n\xff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := csvdata.Parse(nd("subjects.csv", subjectsCSV), []csvdata.NamedData{
			{Name: "m.csv", Data: data},
			nd("n.csv", "subject,period,metric,value\ns1,2024,a,1\n"),
		}, csvdata.Options{Bounds: map[string]csvdata.Bounds{"b": {Min: f64(0), Max: f64(1)}}})
		checkResult(t, ds, err)
	})
}
