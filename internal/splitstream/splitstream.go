// Package splitstream cuts a byte stream at markers, in order, as it is
// written: the bytes before the first marker go to the first sink, the
// bytes between the first and the second to the second, and so on. The
// `run --by-group` assembly cuts each group's results.json into its parts
// with it, and the batch store finds the cells of a stored results.json.
package splitstream

import (
	"bytes"
	"fmt"
	"io"
)

// Splitter is an io.Writer that cuts what is written at Markers, found in
// order: the part before Markers[i] goes to Sinks[i], the part after the
// last marker to Sinks[len(Markers)]. A marker itself is dropped, or
// written to Sinks[MarkerTo[i]] when MarkerTo is set. The last bytes
// written, which may begin the next marker, are held back until they are
// known not to (or until Finish).
type Splitter struct {
	Markers  [][]byte
	Sinks    []io.Writer // len(Markers)+1
	MarkerTo []int       // nil, or len(Markers): where each marker goes
	i        int         // the next marker to find
	pend     []byte      // the end of the stream that may start Markers[i]
}

// Write cuts p at the markers it completes. p is not copied, but for the
// few bytes at its end that may begin the next marker.
func (s *Splitter) Write(p []byte) (int, error) {
	n := len(p)
	for s.i < len(s.Markers) {
		m := s.Markers[s.i]
		if len(s.pend) > 0 {
			if len(p) < len(m) {
				// Too short to settle the bytes held back: one buffer.
				p = append(s.pend, p...)
				s.pend = nil
			} else {
				// A marker that begins in the bytes held back ends
				// within the first len(m)-1 bytes of p.
				w := append(s.pend, p[:len(m)-1]...)
				if k := bytes.Index(w, m); k >= 0 {
					if err := s.found(w[:k], m); err != nil {
						return 0, err
					}
					p = p[k+len(m)-len(s.pend):]
					s.pend = nil
					continue
				}
				if _, err := s.Sinks[s.i].Write(s.pend); err != nil {
					return 0, err
				}
				s.pend = nil
			}
		}
		k := bytes.Index(p, m)
		if k < 0 {
			keep := min(len(p), len(m)-1)
			if _, err := s.Sinks[s.i].Write(p[:len(p)-keep]); err != nil {
				return 0, err
			}
			s.pend = append([]byte(nil), p[len(p)-keep:]...)
			return n, nil
		}
		if err := s.found(p[:k], m); err != nil {
			return 0, err
		}
		p = p[k+len(m):]
	}
	if len(p) > 0 {
		if _, err := s.Sinks[s.i].Write(p); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// found writes before, the last bytes before marker m, to the current
// sink, and m where it goes, and moves on to the next marker.
func (s *Splitter) found(before, m []byte) error {
	if _, err := s.Sinks[s.i].Write(before); err != nil {
		return err
	}
	if s.MarkerTo != nil {
		if _, err := s.Sinks[s.MarkerTo[s.i]].Write(m); err != nil {
			return err
		}
	}
	s.i++
	return nil
}

// Found is how many markers were found so far.
func (s *Splitter) Found() int { return s.i }

// Flush writes the bytes held back to the current sink: the stream
// ends.
func (s *Splitter) Flush() error {
	if len(s.pend) == 0 {
		return nil
	}
	_, err := s.Sinks[s.i].Write(s.pend)
	s.pend = nil
	return err
}

// Finish is Flush, then an error naming the first marker not found.
func (s *Splitter) Finish() error {
	if err := s.Flush(); err != nil {
		return err
	}
	if s.i < len(s.Markers) {
		return fmt.Errorf("no %q", s.Markers[s.i])
	}
	return nil
}
