package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReadXLSXPositions: a workbook's cells that need CSV quoting (commas,
// quotes, spaces, line breaks) keep the positions of the cells after
// them, blank trailing cells are padded, and blank rows below the header
// are skipped but keep the row numbers of the rows after them.
func TestReadXLSXPositions(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"subject", "period", "note", "cases"},
		{"a1", "2024", `东城县, "老城"`, 1},
		{},
		{"a2", "2024", " 西城县\n二区 ", "x"},
		{"a3", "2024"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	text, x, errs := readXLSX("t.xlsx", b.Bytes())
	if errs != nil {
		t.Fatal(errs)
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(lines) != 4 || lines[3] != "a3,2024,," {
		t.Fatalf("CSV text %q", text)
	}
	for _, c := range []struct {
		line  int
		field string
		want  string
	}{
		{2, "1", "Sheet1!D2"},
		{3, "x", "Sheet1!D4"},
		{3, "2024", "Sheet1!B4"},
		{2, "a1", "Sheet1!A2"},
	} {
		col := strings.Index(lines[c.line-1], ","+c.field)
		if c.field == "a1" {
			col = -1
		}
		runeCol := len([]rune(lines[c.line-1][:col+1])) + 1
		if _, _, ref := x.cell(c.line, runeCol); ref != c.want {
			t.Errorf("line %d field %q (col %d): %s, want %s", c.line, c.field, runeCol, ref, c.want)
		}
	}
	// A file that is no workbook is a problem of the file.
	if _, _, errs := readXLSX("t.xlsx", []byte("PK\x03\x04 not a zip")); len(errs) != 1 || errs[0].File != "t.xlsx" {
		t.Errorf("not a workbook: %+v", errs)
	}
}
