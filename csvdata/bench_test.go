package csvdata

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// wideData generates a subjects file and a wide metrics file of n subjects
// × m metrics for period 2024, with values like 123.456, a missing cell
// every 97 cells and a percentage every 89.
func wideData(n, m int) (subjects, metrics []byte) {
	var s, b bytes.Buffer
	s.WriteString("id,name,kind,region\n")
	b.WriteString("subject,period")
	for k := range m {
		fmt.Fprintf(&b, ",m%02d", k)
	}
	b.WriteByte('\n')
	cell := 0
	for i := range n {
		id := "s" + strconv.Itoa(1000000+i)
		fmt.Fprintf(&s, "%s,Subject %d,%s,r%d\n", id, i, []string{"party_org", "gov_department"}[i%2], i%7)
		b.WriteString(id)
		b.WriteString(",2024")
		for k := range m {
			b.WriteByte(',')
			cell++
			switch {
			case cell%97 == 0:
				b.WriteString("NA")
			case cell%89 == 0:
				b.WriteString(strconv.Itoa(cell%100) + ".5%")
			default:
				b.WriteString(strconv.FormatFloat(float64((i*31+k*17)%100000)/1000, 'f', -1, 64))
			}
		}
		b.WriteByte('\n')
	}
	return s.Bytes(), b.Bytes()
}

// BenchmarkLoadWide loads 100k subjects × 50 metrics from a wide file held
// in memory; b.SetBytes counts the metrics file.
func BenchmarkLoadWide(b *testing.B) {
	subj, met := wideData(100_000, 50)
	b.SetBytes(int64(len(met)))
	b.ReportAllocs()
	opt := Options{Kinds: []string{"party_org", "gov_department"}}
	for b.Loop() {
		ds, err := Parse(NamedData{"subjects.csv", subj}, []NamedData{{"metrics.csv", met}}, opt)
		if err != nil {
			b.Fatal(err)
		}
		if ds.Len() != 100_000 || len(ds.Metrics()) != 50 {
			b.Fatalf("got %d subjects, %d metrics", ds.Len(), len(ds.Metrics()))
		}
	}
}

// BenchmarkParseValue reads typical metric cells.
func BenchmarkParseValue(b *testing.B) {
	cells := []string{"123.456", "95%", "NA", "-3.5", "1e3", "0.0825", "412", "12.5%"}
	var p valueParser
	for b.Loop() {
		for _, c := range cells {
			p.parse(c)
		}
	}
}

// BenchmarkStrconvParseFloat is the baseline for BenchmarkParseValue.
func BenchmarkStrconvParseFloat(b *testing.B) {
	cells := []string{"123.456", "95e-2", "-3.5", "-3.5", "1e3", "0.0825", "412", "12.5e-2"}
	for b.Loop() {
		for _, c := range cells {
			_, _ = strconv.ParseFloat(c, 64)
		}
	}
}
