//go:build !linux

package atomicdir

import "os"

// osFile is a staged file written directly (no direct I/O off Linux).
type osFile struct{ *os.File }

// createStaged creates (truncates) the file p to be staged.
func createStaged(p string) (stagedWriter, error) {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (f osFile) finish(abort bool) error { return f.Close() }
