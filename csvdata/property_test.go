package csvdata_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/govscore/govscore/csvdata"
)

// shuffleRows returns the CSV text with its data rows (every line after the
// first) in random order. The rows must not span lines.
func shuffleRows(r *rand.Rand, text string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	rows := lines[1:]
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return strings.Join(lines, "\n") + "\n"
}

// randomData builds a valid subjects file, a wide and a long metrics file.
func randomData(r *rand.Rand) (subjects, wide, long string) {
	var s, w, l strings.Builder
	s.WriteString("id,name,kind,parent,region\n")
	w.WriteString("subject,period,a,b,c\n")
	l.WriteString("subject,period,metric,value,source\n")
	n := 5 + r.IntN(40)
	cell := func() string {
		switch r.IntN(6) {
		case 0:
			return "NA"
		case 1:
			return fmt.Sprintf("%d%%", r.IntN(100))
		default:
			return fmt.Sprintf("%.3f", r.NormFloat64()*100)
		}
	}
	for i := range n {
		parent := ""
		if i > 0 {
			parent = fmt.Sprintf("s%02d", r.IntN(i))
		}
		fmt.Fprintf(&s, "s%02d,主体%d,%s,%s,r%d\n", i, i, kinds[r.IntN(len(kinds))], parent, r.IntN(3))
		for _, p := range []string{"2023-Q4", "2024-Q1"} {
			if r.IntN(4) > 0 {
				fmt.Fprintf(&w, "s%02d,%s,%s,%s,%s\n", i, p, cell(), cell(), cell())
			}
			if r.IntN(2) > 0 {
				fmt.Fprintf(&l, "s%02d,%s,d,%s,survey\n", i, p, cell())
			}
		}
	}
	return s.String(), w.String(), l.String()
}

func TestShuffleRowsKeepsFingerprint(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 1))
			subj, wide, long := randomData(r)
			base, err := csvdata.Parse(nd("subjects.csv", subj), []csvdata.NamedData{nd("w.csv", wide), nd("l.csv", long)}, csvdata.Options{Kinds: kinds})
			if err != nil {
				t.Fatal(err)
			}
			want := base.Fingerprint()
			for k := range 3 {
				files := []csvdata.NamedData{nd("w.csv", shuffleRows(r, wide)), nd("l.csv", shuffleRows(r, long))}
				if k%2 == 1 {
					files[0], files[1] = files[1], files[0]
				}
				ds, err := csvdata.Parse(nd("subjects.csv", shuffleRows(r, subj)), files, csvdata.Options{Kinds: kinds})
				if err != nil {
					t.Fatal(err)
				}
				if got := ds.Fingerprint(); got != want {
					t.Fatalf("shuffle %d: fingerprint %s, want %s", k, got, want)
				}
			}
		})
	}
}
