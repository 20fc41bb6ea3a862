package workbook

import (
	"archive/zip"
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
)

// minimal parts of a workbook with one sheet whose XML body is written by
// sheet.
func writeBook(t testing.TB, path string, sheet func(w *bufio.Writer)) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z := zip.NewWriter(f)
	part := func(name, body string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	part("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	part("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	part("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	part("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	sheet(bw)
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestHugeSheetStreams reads a sheet of 1,048,576 rows (Excel's maximum)
// with a heap that stays far below the sheet's expanded size.
func TestHugeSheetStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("a 1,048,576-row sheet")
	}
	const rows = 1 << 20
	path := filepath.Join(t.TempDir(), "huge.xlsx")
	writeBook(t, path, func(w *bufio.Writer) {
		for r := 1; r <= rows; r++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d"><v>%d.5</v></c></row>`, r, r, r)
		}
		w.WriteString(`</sheetData></worksheet>`)
	})
	b, err := Open(path, "huge.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sh, err := b.Sheet("")
	if err != nil {
		t.Fatal(err)
	}
	if errs, err := b.Check(sh, 1, 0); err != nil || errs.Len() != 0 {
		t.Fatalf("Check = %v, %v", errs, err)
	}
	r, err := b.Rows(sh)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var peak uint64
	var ms runtime.MemStats
	n := 0
	for r.Next() {
		cells, err := r.Cells()
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n%(1<<17) == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		if n == rows && (len(cells) != 1 || cells[0] != fmt.Sprintf("%d.5", rows)) {
			t.Errorf("last row %q", cells)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if n != rows || r.Row() != rows {
		t.Errorf("read %d rows (last %d), want %d", n, r.Row(), rows)
	}
	// The sheet expands to about 45 MB (more than excelize's 16 MB limit
	// for parts held in memory); a streaming read keeps a fraction of it.
	if peak > 64<<20 {
		t.Errorf("heap in use reached %d MB while streaming", peak>>20)
	}
}

// TestZipBombRefused: a workbook whose central directory declares more
// than MaxExpanded bytes is refused before anything is expanded.
func TestZipBombRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for i := 0; i < 3; i++ {
		w, err := z.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), Method: zip.Deflate,
			CompressedSize64: 4, UncompressedSize64: 600 << 20})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte{1, 2, 3, 4})
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = Open(path, "bomb.xlsx")
	var e *diag.Error
	if !asDiag(err, &e) || !strings.Contains(e.Error(), "bomb.xlsx: the workbook expands to 1.8 GB, more than the 1.0 GB allowed") {
		t.Errorf("Open = %v", err)
	}
}

func asDiag(err error, e **diag.Error) bool {
	x, ok := err.(*diag.Error)
	*e = x
	return ok
}

func TestNotAWorkbook(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"":                                   "the file is empty",
		"id,name\n1,a\n":                     `not a workbook but a text file (it starts with "id,name")`,
		"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1xx": "Excel 97-2003 (.xls)",
		"\x00\x01\x02\xff":                   "not a workbook (an .xlsx file is a zip archive",
		"PK\x03\x04broken":                   "corrupt workbook",
	}
	for content, want := range cases {
		p := filepath.Join(dir, "x.xlsx")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p, "x.xlsx")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: Open = %v, want %q", content, err, want)
		}
	}
}

func TestCheckMergedAndFormula(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.xlsx")
	writeBook(t, path, func(w *bufio.Writer) {
		w.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>标题</t></is></c></row>`)
		w.WriteString(`<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f>A2*2</f></c><c r="C2"><f>A2*3</f><v>3</v></c></row>`)
		w.WriteString(`</sheetData><mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="A3:A5"/></mergeCells></worksheet>`)
	})
	b, err := Open(path, "m.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	errs, err := b.Check("数据", 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := errs.Error()
	for _, w := range []string{"m.xlsx:数据!B2: formula without a computed value", "m.xlsx:数据!A3: merged cells A3:A5 over data"} {
		if !strings.Contains(got, w) {
			t.Errorf("Check:\n%s\nwant %q", got, w)
		}
	}
	if strings.Contains(got, "A1:C1") || strings.Contains(got, "C2") || errs.Len() != 2 {
		t.Errorf("Check reports a title merge or a computed formula:\n%s", got)
	}
}
