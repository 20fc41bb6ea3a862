//go:build ignore

// gen_assessments.go writes data/assessments_2024.csv: SYNTHETIC ratings for
// the example's three assessment items (see README.md).
//
//   - satisfaction (群众满意度): every subject is rated by members of the
//     public, by third-party assessors, by its superior (the parent subject)
//     and by peers of the same kind in the same district;
//   - two_way (双向测评): communities and villages rate the departments of
//     the city and the departments rate them back; one community and
//     one department (a-cl-keji, g-cl-civil) inflate each other's ratings —
//     the planted collusive pair the reliability report flags;
//   - third_party_eval (第三方评估): five assessors, each scoring most subjects,
//     with different leniency (corrected by standardize: true).
//
// Run `go run gen_assessments.go` in this directory; the output is
// deterministic (PCG seeded).
package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
)

type subject struct{ id, kind, parent, region string }

func main() {
	subs := readSubjects("data/subjects.csv")
	rng := rand.New(rand.NewPCG(2024, 11))
	// A latent quality per subject, so the items agree with each other.
	quality := map[string]float64{}
	for _, s := range subs {
		quality[s.id] = 78 + 10*rng.NormFloat64()
	}
	var rows [][]string
	add := func(item, subj, rater, role string, score float64) {
		score = math.Max(0, math.Min(100, math.Round(score)))
		rows = append(rows, []string{"2024", item, subj, rater, role, strconv.FormatFloat(score, 'f', -1, 64)})
	}
	byID := map[string]subject{}
	for _, s := range subs {
		byID[s.id] = s
	}
	for _, s := range subs {
		q := quality[s.id]
		n := 12 + rng.IntN(10)
		if s.id == "a-hh-xinyuan" {
			n = 2 // a new community: too few public ratings (min_raters 3)
		}
		for k := 0; k < n; k++ {
			add("satisfaction", s.id, fmt.Sprintf("pub-%s-%02d", s.id, k), "public", q+8*rng.NormFloat64())
		}
		for k := 0; k < 3; k++ {
			add("satisfaction", s.id, fmt.Sprintf("tp-%c", 'A'+k), "third_party", q-3+5*rng.NormFloat64())
		}
		if s.parent != "" {
			add("satisfaction", s.id, s.parent, "superior", q+2+4*rng.NormFloat64())
		}
		peers := 0
		for _, o := range subs {
			if o.id != s.id && o.id != s.parent && o.kind == s.kind && o.region == s.region && peers < 4 {
				peers++
				add("satisfaction", s.id, o.id, "peer", q+6*rng.NormFloat64())
			}
		}
	}
	// Two-way: every community and village rates every department of the
	// city, and every department rates them back.
	for _, c := range subs {
		if c.kind != "autonomous_org" {
			continue
		}
		for _, d := range subs {
			if d.kind != "gov_department" {
				continue
			}
			cd := 80 + 0.4*(quality[d.id]-78) + 3*rng.NormFloat64()
			dc := 80 + 0.4*(quality[c.id]-78) + 3*rng.NormFloat64()
			if c.id == "a-cl-keji" && d.id == "g-cl-civil" {
				cd, dc = 100, 100 // the planted collusive pair
			}
			add("two_way", d.id, c.id, "peer", cd)
			add("two_way", c.id, d.id, "peer", dc)
		}
	}
	// Third-party evaluation: five assessors with their own leniency.
	leniency := []float64{-8, -3, 0, 4, 9}
	for _, s := range subs {
		for a, l := range leniency {
			if rng.IntN(5) == 0 {
				continue // each assessor skips about one subject in five
			}
			add("third_party_eval", s.id, fmt.Sprintf("inst-%d", a+1), "third_party", quality[s.id]+l+4*rng.NormFloat64())
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for k := 1; k < 4; k++ {
			if rows[i][k] != rows[j][k] {
				return rows[i][k] < rows[j][k]
			}
		}
		return false
	})
	f, err := os.Create("data/assessments_2024.csv")
	if err != nil {
		panic(err)
	}
	w := csv.NewWriter(bufio.NewWriter(f))
	w.Write([]string{"period", "item", "subject", "rater", "role", "score"})
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func readSubjects(path string) []subject {
	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		panic(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var out []subject
	for _, r := range recs[1:] {
		out = append(out, subject{r[col["id"]], r[col["kind"]], r[col["parent"]], r[col["region"]]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}
