package reports

import (
	"bufio"
	"io"
	"strconv"
)

// WriteViewResultsCSV writes results.csv from a View (e.g. one read back from
// results.json by ReadView), in the same layout and byte for byte the same as
// WriteResultsCSV writes it from the batch: `govscore report OUT --format csv`
// re-creates the CSV files of a published batch from its results.json.
func WriteViewResultsCSV(w io.Writer, v *View) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var comps []int
	for i, n := range v.Nodes {
		if !n.Leaf {
			comps = append(comps, i)
		}
	}
	var line []byte
	for i, h := range ResultsHeader {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, h...)
	}
	for _, i := range comps {
		line = append(line, ',')
		line = appendCSVField(line, v.Nodes[i].ID)
	}
	line = append(line, '\n')
	if _, err := bw.Write(line); err != nil {
		return err
	}
	for k := range v.Subjects {
		s := &v.Subjects[k]
		line = line[:0]
		line = appendCSVField(line, s.Group)
		line = append(line, ',')
		line = appendCSVField(line, s.ID)
		line = append(line, ',')
		line = appendCSVField(line, s.Name)
		line = append(line, ',')
		line = appendCSVField(line, s.Kind)
		line = append(line, ',')
		if s.Rated {
			line = append(line, "rated,"...)
			line = strconv.AppendInt(line, int64(s.Rank), 10)
			line = append(line, ',')
			line = AppendFloat(line, s.Score)
			line = append(line, ',')
			line = appendCSVField(line, s.Grade)
			line = append(line, ',')
			line = AppendFloat(line, s.Coverage)
			line = append(line, ',')
			line = strconv.AppendBool(line, s.Vetoed)
		} else {
			line = append(line, "unrated,,,,"...)
			line = AppendFloat(line, s.Coverage)
			line = append(line, ',')
		}
		for _, i := range comps {
			line = append(line, ',')
			line = AppendFloat(line, s.Nodes[i])
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
	var line []byte
	for i, h := range IndicatorsHeader {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, h...)
	}
	line = append(line, '\n')
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
