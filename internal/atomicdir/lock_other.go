//go:build !unix

package atomicdir

// lockDir does not lock where flock(2) is missing: concurrent writers of
// directories with the same parent are then not serialised.
func lockDir(d string) (func(), error) { return func() {}, nil }
