// Package atomicdir replaces a set of files in a directory so that a crash
// (SIGKILL, power loss, a full disk) at any instant loses nothing and mixes
// nothing once the next writer has run.
//
// A writer stages every file in a hidden directory next to the
// destination, DIR's parent/.BASE.tmp-NNN (inside DIR, as
// DIR/.govscore.tmp-NNN, when the parent is not writable and DIR exists),
// then commits:
//
//   - DIR absent or an empty directory: one rename(2) of the staging
//     directory onto DIR. Before it DIR is the old state, after it the new
//     one; there is no instant in between.
//   - DIR holding files: a journal (the list of files to install and of
//     stale files to remove) is written into the staging directory and
//     made durable; then each old file is moved aside and each new one
//     renamed into place. A crash after the journal is durable is rolled
//     forward by the next Begin or Recover on DIR; a crash before it leaves
//     DIR as it was. An error while moving (not a crash) moves the old files
//     back before Commit returns.
//
// Every staged file and directory, the journal, DIR and its parent are
// fsynced before the step that depends on them, so the guarantee holds
// across power loss on file systems that honour fsync. Begin and Recover
// remove staging directories that a crash left behind without a durable
// journal (a run killed while rendering). Writers of the same DIR — and of
// any directory with the same parent — are serialised by an exclusive
// flock(2) on the parent directory (on Unix), held from Begin to Close, so
// that cleaning up never removes the staging directory of a live writer.
//
// What a reader sees, exactly: a file in DIR is always a complete old or a
// complete new file (each is replaced by one rename). Between a crash after
// the journal and the next Begin or Recover, DIR can hold some new and some
// old files (or lack a file being moved); any program that calls Recover
// before reading — every govscore command does — sees the old or the new
// set, never a mix.
//
// # Direct I/O on Linux
//
// On Linux, Tx.WriteFile writes a file larger than one buffer (4 MiB) with
// O_DIRECT, bypassing the page cache: the bytes the writer hands over are
// copied into page-aligned 4 MiB buffers, and a full buffer is written
// (pwrite(2)) by a goroutine of its own while the next one fills, with at
// most three buffers per file. The last buffer's aligned part goes with
// O_DIRECT too; its unaligned tail (under 4 KiB) is written after O_DIRECT
// is cleared (fcntl F_SETFL). This saves the kernel's copy into the page
// cache (about 1 s of system CPU per GB written) and the write-back that
// the fsync before the commit would wait for; the fsync still makes the
// file's size and extents durable, so the guarantees above do not change.
// A file that does not fill the first buffer is written normally, in one
// write when WriteFile's writer returns. Where O_DIRECT is refused (fcntl
// or a write fails with EINVAL: tmpfs on older kernels, some network and
// FUSE file systems) the file is written through the page cache instead.
// Because full buffers are written in the background, a failing disk write
// (ENOSPC, EIO, EFBIG) is returned by a later Write or by WriteFile itself;
// either way WriteFile returns it and removes the staged file. On other
// systems each Write goes to the file as it comes, through the page cache.
package atomicdir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Reserved names inside a staging directory.
const (
	journalName    = ".journal"
	journalNewName = ".journal-new"
	previousDir    = ".previous"
)

// Options say which existing files of the destination a commit removes.
type Options struct {
	// Stale reports whether an existing top-level file of the destination
	// that this commit does not write belongs to the writer and is to be
	// removed (an earlier run's output this run did not produce). Nil keeps
	// every file the commit does not write. Directories are never removed.
	Stale func(name string) bool
}

// Tx is one atomic replacement of files in a directory: stage the files
// (WriteFile, or write under Dir), then Commit, then Close. WriteFile is
// safe for concurrent use with distinct names; Commit and Close are not.
type Tx struct {
	dir, tmp  string
	opts      Options
	unlock    func()
	committed bool
}

// crashHook, when set by a test, is called after every durable step of a
// commit and of a recovery, with the step's name; the kill-at-every-step test
// makes it SIGKILL the process.
var crashHook func(step string)

func step(name string) {
	if crashHook != nil {
		crashHook(name)
	}
}

// Begin starts a replacement of files in dir: it creates dir's parent if
// needed, locks it, completes or removes what an interrupted writer of dir
// left behind (Recover), and creates the staging directory.
func Begin(dir string, opts Options) (*Tx, error) {
	dir, err := resolve(dir)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockDir(parent)
	if err != nil {
		return nil, err
	}
	if err := recoverLocked(dir); err != nil {
		unlock()
		return nil, err
	}
	tmp, err := mkdirTemp(parent, stagingPrefix(dir))
	if errors.Is(err, fs.ErrPermission) {
		// A parent we may not write (-o . in a home directory whose
		// parent is the system's): stage inside dir, when it exists.
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() {
			tmp, err = mkdirTemp(dir, innerPrefix)
		}
	}
	if err != nil {
		unlock()
		return nil, err
	}
	return &Tx{dir: dir, tmp: tmp, opts: opts, unlock: unlock}, nil
}

// mkdirTemp is os.MkdirTemp; a test makes it fail.
var mkdirTemp = os.MkdirTemp

// innerPrefix names a staging directory inside the destination itself,
// used when its parent is not writable.
const innerPrefix = ".govscore.tmp-"

// Recover completes (rolls forward) a commit into dir that a crash
// interrupted after its journal was durable, and removes staging
// directories of dir that hold no journal. It is what Begin does first; a
// reader calls it before reading dir. A dir nobody wrote is left alone.
func Recover(dir string) error {
	dir, err := resolve(dir)
	if err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if _, err := os.Stat(parent); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	unlock, err := lockDir(parent)
	if err != nil {
		return err
	}
	defer unlock()
	return recoverLocked(dir)
}

// resolve makes dir absolute and follows a symbolic link at dir, so that
// the staging directory is on the destination's file system.
func resolve(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if dir, err = filepath.EvalSymlinks(dir); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func stagingPrefix(dir string) string { return "." + filepath.Base(dir) + ".tmp-" }

// stagingDirs lists the staging directories of dir in its parent: names
// ".BASE.tmp-" followed by digits only (os.MkdirTemp's suffix), so that the
// staging directory of "a.tmp-1" is not taken for one of "a".
// Staging directories inside dir (".govscore.tmp-NNN") are listed too.
func stagingDirs(dir string) ([]string, error) {
	parent := filepath.Dir(dir)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil, err
	}
	out := matching(parent, entries, stagingPrefix(dir))
	inner, _ := os.ReadDir(dir) // none when dir is missing or not a directory
	return append(out, matching(dir, inner, innerPrefix)...), nil
}

// matching returns the directories among entries of d named prefix and
// digits only (os.MkdirTemp's suffix), so that the staging directory of
// "a.tmp-1" is not taken for one of "a".
func matching(d string, entries []os.DirEntry, prefix string) []string {
	var out []string
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || rest == "" || !e.IsDir() || strings.Trim(rest, "0123456789") != "" {
			continue
		}
		out = append(out, filepath.Join(d, e.Name()))
	}
	return out
}

func recoverLocked(dir string) error {
	tmps, err := stagingDirs(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, tmp := range tmps {
		j, err := readJournal(tmp)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Killed before its journal was durable: DIR is untouched.
		case err != nil:
			errs = append(errs, err)
			continue
		default:
			if _, err := apply(dir, tmp, j); err != nil {
				errs = append(errs, fmt.Errorf("completing the interrupted write of %s (journal %s): %w", dir, filepath.Join(tmp, journalName), err))
				continue
			}
			if err := finish(dir, tmp); err != nil {
				errs = append(errs, err)
				continue
			}
			step("recovered")
		}
		if err := os.RemoveAll(tmp); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Dir is the staging directory: files written under it (keeping their
// relative paths) are what Commit installs.
func (tx *Tx) Dir() string { return tx.tmp }

// Path is where the staged file name (slash-separated, relative) is.
func (tx *Tx) Path(name string) string { return filepath.Join(tx.tmp, filepath.FromSlash(name)) }

// WriteFile stages the file name with the bytes write produces, creating
// its parent directories in the staging directory. On an error (from write
// or from the file system) the staged file is removed and the error
// returned. On Linux a file larger than a few megabytes is written with
// direct I/O (see the package comment); write's Write calls then copy into
// memory and a later one, or WriteFile itself, reports a failed disk write.
func (tx *Tx) WriteFile(name string, write func(io.Writer) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	p := tx.Path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := createStaged(p)
	if err != nil {
		return err
	}
	err = write(f)
	if ferr := f.finish(err != nil); err == nil {
		err = ferr
	}
	if err != nil {
		os.Remove(p) // a partial file is never committed; free its space now
		return err
	}
	return nil
}

// stagedWriter is a staged file being written (createStaged): finish
// writes what is buffered (unless abort), closes the file and returns the
// first error.
type stagedWriter interface {
	io.Writer
	finish(abort bool) error
}

// errAborted stops the writes of a staged file whose writer failed.
var errAborted = errors.New("atomicdir: write abandoned")

func checkName(name string) error {
	if !fs.ValidPath(name) || name == "." {
		return fmt.Errorf("atomicdir: invalid file name %q", name)
	}
	first, _, _ := strings.Cut(name, "/")
	if first == journalName || first == journalNewName || first == previousDir {
		return fmt.Errorf("atomicdir: reserved file name %q", name)
	}
	return nil
}

// journal is what a commit into an existing directory will do, made durable
// before it starts.
type journal struct {
	Install []string `json:"install"` // staged files, slash-separated
	Remove  []string `json:"remove"`  // stale top-level files of DIR
}

// Commit installs the staged files into the destination (see the package
// comment for how, and what a crash at any point leaves). On an error the
// destination holds its old files.
func (tx *Tx) Commit() error {
	if tx.committed {
		return errors.New("atomicdir: Commit called twice")
	}
	files, err := syncTree(tx.tmp)
	if err != nil {
		return err
	}
	step("staged")
	entries, err := os.ReadDir(tx.dir)
	inner := filepath.Dir(tx.tmp) == tx.dir // staged inside dir (parent not writable)
	if inner {
		entries = slices.DeleteFunc(entries, func(e os.DirEntry) bool { return e.Name() == filepath.Base(tx.tmp) })
	}
	missing := errors.Is(err, fs.ErrNotExist)
	if !inner && (missing || err == nil && len(entries) == 0) {
		// One rename: onto a missing or an empty directory.
		if err := os.Chmod(tx.tmp, 0o755); err != nil {
			return err
		}
		rerr := os.Rename(tx.tmp, tx.dir)
		if rerr == nil {
			tx.committed = true
			step("renamed")
			return syncDir(filepath.Dir(tx.dir))
		}
		if missing {
			return rerr
		}
		// Windows does not rename onto an empty directory: fill it
		// through the journal instead.
	} else if err != nil {
		return err
	}
	j := journal{Install: files}
	top := map[string]bool{}
	for _, f := range files {
		first, _, _ := strings.Cut(f, "/")
		top[first] = true
		if err := checkTarget(tx.dir, f); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if !top[e.Name()] && !e.IsDir() && tx.opts.Stale != nil && tx.opts.Stale(e.Name()) {
			j.Remove = append(j.Remove, e.Name())
		}
	}
	if err := writeJournal(tx.tmp, j); err != nil {
		return err
	}
	step("journal")
	undo, err := apply(tx.dir, tx.tmp, j)
	if err != nil {
		if uerr := undo(); uerr != nil {
			return fmt.Errorf("%w; putting the old files back failed too (%v): the next run completes the write", err, uerr)
		}
		return errors.Join(err, os.Remove(filepath.Join(tx.tmp, journalName)))
	}
	tx.committed = true
	return finish(tx.dir, tx.tmp)
}

// checkTarget refuses, before anything moves, a staged file whose place in
// dir is taken by a directory (or whose parent there is a file).
func checkTarget(dir, name string) error {
	p := dir
	parts := strings.Split(name, "/")
	for i, part := range parts {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		last := i == len(parts)-1
		if last && fi.IsDir() {
			return fmt.Errorf("cannot write %s: it is a directory; remove or rename it", p)
		}
		if !last && !fi.IsDir() {
			return fmt.Errorf("cannot write %s: %s is not a directory", filepath.Join(dir, filepath.FromSlash(name)), p)
		}
	}
	return nil
}

// apply moves the journal's files: each old file into tmp/.previous, each
// staged file into dir, each stale file into tmp/.previous. It is
// idempotent (a staged file no longer in tmp was installed), so a recovery
// can run it again after a crash at any point. undo puts the old files
// back (for an error in this process; a crash is rolled forward instead).
func apply(dir, tmp string, j journal) (undo func() error, err error) {
	type move struct{ from, to string }
	var done []move
	var made []string
	undo = func() error {
		var errs []error
		for i := len(done) - 1; i >= 0; i-- {
			errs = append(errs, os.Rename(done[i].to, done[i].from))
		}
		for i := len(made) - 1; i >= 0; i-- {
			os.Remove(made[i]) // only if still empty
		}
		return errors.Join(errs...)
	}
	mv := func(from, to string) error {
		if err := mkdirs(filepath.Dir(to), &made); err != nil {
			return err
		}
		if err := os.Rename(from, to); err != nil {
			return err
		}
		done = append(done, move{from, to})
		step("rename " + strings.TrimPrefix(to, filepath.Dir(dir)+string(filepath.Separator)))
		return nil
	}
	prev := filepath.Join(tmp, previousDir)
	for _, name := range j.Install {
		if err := checkName(name); err != nil {
			return undo, err
		}
		src := filepath.Join(tmp, filepath.FromSlash(name))
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
			continue // installed before a crash
		}
		if _, err := os.Lstat(dst); err == nil {
			if err := mv(dst, filepath.Join(prev, filepath.FromSlash(name))); err != nil {
				return undo, err
			}
		}
		if err := mv(src, dst); err != nil {
			return undo, err
		}
	}
	for _, name := range j.Remove {
		if err := checkName(name); err != nil || strings.Contains(name, "/") {
			return undo, fmt.Errorf("atomicdir: journal: bad stale name %q", name)
		}
		dst := filepath.Join(dir, name)
		if _, err := os.Lstat(dst); err == nil {
			if err := mv(dst, filepath.Join(prev, name)); err != nil {
				return undo, err
			}
		}
	}
	// Make the renames durable: every directory of dir that received a file.
	dirs := map[string]bool{dir: true}
	for _, name := range j.Install {
		dirs[filepath.Dir(filepath.Join(dir, filepath.FromSlash(name)))] = true
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := syncDir(d); err != nil {
			return undo, err
		}
	}
	return undo, nil
}

// mkdirs creates d and its missing parents, recording the ones it made.
func mkdirs(d string, made *[]string) error {
	if _, err := os.Stat(d); err == nil {
		return nil
	}
	if err := mkdirs(filepath.Dir(d), made); err != nil {
		return err
	}
	if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	*made = append(*made, d)
	return nil
}

// finish ends a rolled-forward commit: the journal goes first (durably),
// then the staging directory with the old files.
func finish(dir, tmp string) error {
	if err := os.Remove(filepath.Join(tmp, journalName)); err != nil {
		return err
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	step("journal removed")
	return os.RemoveAll(tmp)
}

func writeJournal(tmp string, j journal) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	p := filepath.Join(tmp, journalNewName)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(p, filepath.Join(tmp, journalName)); err != nil {
		return err
	}
	return syncDir(tmp)
}

func readJournal(tmp string) (journal, error) {
	var j journal
	b, err := os.ReadFile(filepath.Join(tmp, journalName))
	if err != nil {
		return j, err
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return j, fmt.Errorf("%s: %w", filepath.Join(tmp, journalName), err)
	}
	return j, nil
}

// syncTree fsyncs every file and directory under root and returns the files
// (slash-separated, relative, sorted), skipping the reserved names.
func syncTree(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel != "." && checkName(rel) != nil {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return syncDir(p)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("atomicdir: %s is not a regular file", p)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		files = append(files, rel)
		return err
	})
	slices.Sort(files)
	return files, err
}

// Close removes the staging directory unless Commit moved it into place,
// and releases the lock. It is safe to call after Commit and more than once.
func (tx *Tx) Close() error {
	if tx.unlock == nil {
		return nil
	}
	defer func() { tx.unlock(); tx.unlock = nil }()
	if tx.committed {
		return nil // moved into place, or removed by finish
	}
	if _, err := os.Lstat(filepath.Join(tx.tmp, journalName)); err == nil {
		return nil // an undo failed: leave the journal for the next writer to complete
	}
	if err := os.RemoveAll(tx.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
