package reports

import (
	"bufio"
	"io"

	"github.com/govscore/govscore/diag"
)

// WriteJSONWarnings writes ws as the value of results.json's "warnings"
// key, byte for byte as WriteJSON writes it: for a writer that assembles
// results.json from parts (a run by peer group, whose warnings are the
// whole batch's).
func WriteJSONWarnings(w io.Writer, ws []diag.Warning) error {
	bw := bufio.NewWriter(w)
	j := &jw{w: bw}
	j.warnings(ws)
	if j.err != nil {
		return j.err
	}
	return bw.Flush()
}
