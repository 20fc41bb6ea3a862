package workbook

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/govscore/govscore/diag"
)

// smallBook returns a valid workbook with a merged range and a formula.
func smallBook(t testing.TB) []byte {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"subject", "period", "x"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"s1", "2024", 1.5})
	f.SetCellFormula("Sheet1", "C3", "=C2*2")
	f.MergeCell("Sheet1", "A4", "B4")
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzOpen: any file is a workbook whose rows read to the end, or invalid
// input (a *diag.Error naming the file); nothing panics.
func FuzzOpen(f *testing.F) {
	f.Add(smallBook(f))
	f.Add([]byte("id,name,kind\n"))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.xlsx")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := Open(p, "f.xlsx")
		if err != nil {
			if e, ok := err.(*diag.Error); !ok || e.Pos.File != "f.xlsx" || e.Msg == "" {
				t.Fatalf("Open error %T %v", err, err)
			}
			return
		}
		defer b.Close()
		for _, s := range b.Sheets() {
			errs, err := b.Check(s, 1, 0)
			if err == nil {
				for _, e := range errs {
					if e.Pos.File != "f.xlsx" || e.Pos.Sheet != s {
						t.Fatalf("Check error at %v", e.Pos)
					}
				}
			}
			r, err := b.Rows(s)
			if err != nil {
				continue
			}
			for r.Next() {
				if _, err := r.Cells(); err != nil {
					break
				}
			}
			r.Close()
		}
	})
}
