package csvdata_test

import (
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/csvdata"
)

func TestParseBlankRows(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		subjects string
		metrics  []csvdata.NamedData
		cells    []cell
		warnings []string
		want     string // errors; "" when Parse must succeed
	}{
		{
			name:     "Excel blank rows in subjects, wide and long files",
			subjects: "id,name,kind,parent,region\ns1,一,gov_department,,东\n,,,,\ns2,二,gov_department,,西\n ,\u3000,\t,,\n",
			metrics: []csvdata.NamedData{
				nd("wide.csv", "subject,period,a,b\n,,,\ns1,2024,1,2\n,,,\n,,,\n"),
				nd("long.csv", "subject,period,metric,value,note\ns2,2024,a,3,\n , , , , \n"),
			},
			cells: []cell{{"s1", "a", "2024", 1}, {"s1", "b", "2024", 2}, {"s2", "a", "2024", 3}, {"s2", "b", "2024", nan}},
			warnings: []string{
				"long.csv: 1 blank row skipped (line 3)",
				"subjects.csv: 2 blank rows skipped (lines 3, 5)",
				"wide.csv: 3 blank rows skipped (lines 2, 4, 5)",
			},
		},
		{
			name:     "blank rows of any width, white space only, quoted",
			subjects: "id,name,kind\ns1,一,gov_department\n,\n   \n\"\",\" \",\"\"\n",
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\n,,,,,,\n\"\n\"\ns1,2024,5\n")},
			cells:    []cell{{"s1", "a", "2024", 5}},
			warnings: []string{
				"m.csv: 2 blank rows skipped (lines 2, 3)",
				"subjects.csv: 3 blank rows skipped (lines 3, 4, 5)",
			},
		},
		{
			name:     "more blank rows than listed",
			subjects: "id,name,kind\ns1,一,gov_department\n",
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\ns1,2024,5\n"+strings.Repeat(",,\n", 7))},
			cells:    []cell{{"s1", "a", "2024", 5}},
			warnings: []string{"m.csv: 7 blank rows skipped (lines 3, 4, 5, 6, 7, …)"},
		},
		{
			name:     "a metrics file of blank rows has no data rows",
			subjects: "id,name,kind\ns1,一,gov_department\n",
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,metric,value\n,,,\n"), nd("n.csv", "subject,period,a\ns1,2024,1\n")},
			cells:    []cell{{"s1", "a", "2024", 1}},
			warnings: []string{
				"m.csv: 1 blank row skipped (line 2)",
				"m.csv: metrics file has no data rows",
			},
		},
		{
			name:     "a subjects file of blank rows has no subjects",
			subjects: "id,name,kind\n,,\n,,\n",
			want:     "subjects.csv:1:1: no subjects: add one row per subject below the header",
		},
		{
			name:     "a row with one cell filled is not blank",
			subjects: "id,name,kind\ns1,一,gov_department\n",
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\n,,7\n")},
			want: `m.csv:2:1: empty subject: give the id of a subject in subjects.csv
m.csv:2:2: empty period: write YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM`,
		},
		{
			name:     "errors after blank rows keep their lines",
			subjects: "id,name,kind\n,,\ns1,一,gov_department\n",
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a,b\n,,,\ns1,2024,1,x\ns1,2024,2\n")},
			want: `m.csv:3:11: metric "b": unparseable number "x": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
m.csv:4:1: row has 3 fields but the header has 4: quote cells that contain commas ("a,b") and check for missing or extra commas`,
		},
		{
			name:     "duplicates located past blank rows",
			subjects: "id,name,kind\ns1,一,gov_department\n",
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,metric,value\n,,,\ns1,2024,a,1\n,,,\ns1,2024,a,2\n")},
			want:     `m.csv:5:9: duplicate value for subject "s1", metric "a", period 2024 (first given at m.csv:3:9): give each subject, period and metric once across all metric files`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := csvdata.Parse(nd("subjects.csv", tt.subjects), tt.metrics, csvdata.Options{})
			if tt.want != "" {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("err = %v\nwant:\n%s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkCells(t, ds, tt.cells)
			var ws []string
			for _, w := range ds.Warnings {
				ws = append(ws, w.String())
			}
			if got, want := strings.Join(ws, "\n"), strings.Join(tt.warnings, "\n"); got != want {
				t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
