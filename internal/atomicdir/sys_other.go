//go:build !unix

package atomicdir

// lockDir does not lock where flock(2) is missing: concurrent writers of
// directories with the same parent are then not serialised.
func lockDir(d string) (func(), error) { return func() {}, nil }

// syncDir does nothing where directories cannot be fsynced (Windows: a
// rename is made durable by the file system's journal, NTFS).
func syncDir(d string) error { return nil }
