package csvdata

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/govscore/govscore/diag"
)

// failingSource is a source whose open fails from the nth call on, or whose
// reads fail after some bytes.
func failingSource(name, data string, opens *int, failAt int, readErr bool, cut int) *source {
	return &source{name: name, open: func() (io.ReadCloser, error) {
		*opens++
		if *opens == failAt {
			if readErr {
				return io.NopCloser(io.MultiReader(bytes.NewReader([]byte(data)[:cut]), errReader{})), nil
			}
			return nil, errBroken
		}
		return io.NopCloser(bytes.NewReader([]byte(data))), nil
	}}
}

var errBroken = errors.New("disk on fire")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

// TestIOErrorsPropagate fails each file open (and each read) in turn: every
// pass over the files (encoding detection, parsing, locating duplicates,
// rune columns) must return the I/O error itself, not a diag.List.
func TestIOErrorsPropagate(t *testing.T) {
	subjects := "id,name,kind\ns1,\xd6\xd0,party_org\ns2,er,party_org\n" // GB18030
	metrics := "subject,period,a\ns1,2024,1\ns1,2024,2\ns2,2024,x\n"
	for _, c := range []struct {
		readErr bool
		cut     float64 // share of the file read before the read error
	}{{false, 0}, {true, 0}, {true, 0.5}} {
		readErr := c.readErr
		for failAt := 1; ; failAt++ {
			opens := 0
			srcs := []*source{
				failingSource("subjects.csv", subjects, &opens, failAt, readErr, int(c.cut*float64(len(subjects)))),
				failingSource("m.csv", metrics, &opens, failAt, readErr, int(c.cut*float64(len(metrics)))),
			}
			_, err := load(srcs, Options{})
			var list diag.List
			if errors.As(err, &list) {
				if failAt <= opens {
					t.Fatalf("failAt %d (read error %v): got diag.List %v, want the I/O error", failAt, readErr, err)
				}
				if failAt < 8 {
					t.Fatalf("%+v: only %d opens: the error passes were not exercised: %v", c, opens, err)
				}
				break
			}
			if !errors.Is(err, errBroken) {
				t.Fatalf("failAt %d (read error %v): err = %v, want %v", failAt, readErr, err, errBroken)
			}
		}
	}
}

func TestLoadDirectoryIsIOError(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir, nil, Options{})
	var list diag.List
	if err == nil || errors.As(err, &list) {
		t.Fatalf("err = %v, want an I/O error", err)
	}
	var pe *os.PathError
	if !errors.As(err, &pe) {
		t.Errorf("err = %T, want *os.PathError", err)
	}
}

func TestCSVErrorOther(t *testing.T) {
	l := &loader{srcs: []*source{{name: "x.csv"}}}
	if err := l.csvError(0, &csv.ParseError{StartLine: 3, Line: 3, Column: 1, Err: csv.ErrFieldCount}); err != nil {
		t.Fatal(err)
	}
	if len(l.errs) != 1 || l.errs[0].msg.String() != "malformed CSV: wrong number of fields" || l.errs[0].pos.line != 3 {
		t.Errorf("errs = %+v", l.errs)
	}
	if err := l.csvError(0, errBroken); err != errBroken {
		t.Errorf("csvError(I/O error) = %v, want it returned", err)
	}
}
