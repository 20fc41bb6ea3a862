package server

import (
	"maps"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestCellTexts: the cells of an uploaded CSV by (line, rune column), as
// csvdata's errors give them — after a BOM, in UTF-8 or GB18030, with
// Chinese text before a cell and a quoted field over two lines.
func TestCellTexts(t *testing.T) {
	utf := "\uFEFFitem,subject,score\n满意度,市甲,\"7,5\"\n\"多\n行\",乙,x\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(utf[3:]))
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]string{
		{1, 1}: "item", {1, 6}: "subject", {1, 14}: "score",
		{2, 1}: "满意度", {2, 5}: "市甲", {2, 8}: "7,5",
		{3, 1}: "多\n行", {4, 4}: "乙", {4, 6}: "x",
	}
	for name, data := range map[string][]byte{"utf-8": []byte(utf), "gb18030": gb} {
		if got := cellTexts(data); !maps.Equal(got, want) {
			t.Errorf("%s: cellTexts = %v, want %v", name, got, want)
		}
	}
}

// TestScanCells: the cells a metrics file gives, wide and long, with the
// position of their period field; the header is not among the texts.
func TestScanCells(t *testing.T) {
	cells, at := scanCells(csvText([]byte("\uFEFFsubject,period,人口,note\n市甲,2024,5,n\n")))
	if len(cells) != 1 || cells[0] != (givenCell{subject: "市甲", period: "2024", metric: "人口", line: 2, col: 4}) {
		t.Errorf("wide cells = %+v", cells)
	}
	if want := map[[2]int]string{{2, 1}: "市甲", {2, 4}: "2024", {2, 9}: "5", {2, 11}: "n"}; !maps.Equal(at, want) {
		t.Errorf("wide texts = %v, want %v", at, want)
	}
	cells, _ = scanCells([]byte("subject,period,metric,value\nb1,2024,gdp,1\n"))
	if len(cells) != 1 || cells[0] != (givenCell{subject: "b1", period: "2024", metric: "gdp", line: 2, col: 4}) {
		t.Errorf("long cells = %+v", cells)
	}
}
