package batch_test

import (
	"context"
	"fmt"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// ExampleRun scores a set and data held in memory, without a file: the
// set parsed from YAML bytes, the data given by subject id.
func ExampleRun() {
	set, err := indicators.Parse("indicators.yaml", []byte(`govscore: 1
id: demo
kinds: [district]
metrics:
  resolved: {min: 0}
  received: {min: 0}
tree:
  - {id: resolution, expr: "ratio(resolved, received)", normalize: none}
grades:
  - {name: good, min: 0.8}
  - {name: poor}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	subjects := []dataset.Subject{{ID: "north", Kind: "district"}, {ID: "east", Kind: "district"}, {ID: "west", Kind: "district"}}
	b, err := dataset.NewBuilder(subjects, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	y2024, _ := dataset.ParsePeriod("2024")
	for id, v := range map[string][2]float64{"north": {90, 100}, "east": {45, 60}, "west": {19, 20}} {
		b.Set(id, "resolved", y2024, v[0])
		b.Set(id, "received", y2024, v[1])
	}
	ds, err := b.Dataset()
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := batch.Run(context.Background(), batch.Memory{Data: ds}, set, batch.Options{At: time.Unix(0, 0)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, si := range res.Result.Order {
		r := res.Result.Subjects[si]
		fmt.Printf("%d %-5s %.3f %s\n", r.Rank, ds.Subjects[si].ID, r.Score, r.Grade)
	}
	// Output:
	// 1 west  0.950 good
	// 2 north 0.900 good
	// 3 east  0.750 poor
}
