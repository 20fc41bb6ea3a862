package reports

import (
	"bufio"
	"io"
)

// WriteViewResultsCSV writes results.csv from a View (e.g. one read back from
// results.json by ReadView), in the same layout and byte for byte the same as
// WriteResultsCSV writes it from the batch: `govscore report OUT --format csv`
// re-creates the CSV files of a published batch from its results.json.
func WriteViewResultsCSV(w io.Writer, v *View) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var comps []int
	names := append([]string(nil), ResultsHeader...)
	for i, n := range v.Nodes {
		if !n.Leaf {
			comps = append(comps, i)
			names = append(names, n.ID)
		}
	}
	ranked := v.RankedNodes()
	for _, i := range ranked {
		names = append(names, v.Nodes[i].ID+"_rank")
	}
	line := appendHeader(nil, names)
	if _, err := bw.Write(line); err != nil {
		return err
	}
	for k := range v.Subjects {
		s := &v.Subjects[k]
		line = appendResultRow(line[:0], resultRow{s.Group, s.ID, s.Name, s.Kind, s.Rated, s.Rank, s.Score, s.Grade, s.Coverage, s.Vetoed})
		for _, i := range comps {
			line = append(line, ',')
			line = AppendFloat(line, s.Nodes[i])
		}
		for _, i := range ranked {
			line = appendRank(line, int32(s.Ranks[i]))
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteViewIndicatorsCSV writes indicators.csv from a View, as
// WriteIndicatorsCSV writes it from the batch.
func WriteViewIndicatorsCSV(w io.Writer, v *View) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	line := appendHeader(nil, IndicatorsHeader)
	if _, err := bw.Write(line); err != nil {
		return err
	}
	for k := range v.Subjects {
		s := &v.Subjects[k]
		for l, c := range s.Cells {
			if !c.Applies {
				continue
			}
			line = appendCSVField(line[:0], s.ID)
			line = append(line, ',')
			line = appendCSVField(line, v.Nodes[v.Leaves[l]].ID)
			line = append(line, ',')
			line = AppendFloat(line, c.Raw)
			line = append(line, ',')
			line = AppendFloat(line, c.Value)
			line = append(line, ',')
			line = append(line, c.Status...)
			line = append(line, ',')
			line = AppendFloat(line, c.Weight)
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
