// Command mkarchive packs files into a reproducible release archive: a .zip
// (for Windows) or a .tar.gz (elsewhere), chosen by the output name.
//
// Usage:
//
//	go run ./tools/mkarchive -o dist/govscore_1.0_linux_amd64.tar.gz -prefix govscore_1.0_linux_amd64 SRC[=NAME]...
//
// Each SRC is stored as PREFIX/NAME (NAME defaults to SRC as given, which must
// then be a relative path inside the current directory). A directory SRC is
// stored with everything under it, in lexical order, leaving out directories
// named "out" (generated outputs). Entries carry the modification time of SOURCE_DATE_EPOCH (or the Unix epoch when
// unset), owner 0 and mode 0755 for executables, 0644 otherwise, so the same
// inputs give a byte-identical archive. scripts/release uses it.
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	out := flag.String("o", "", "output archive (.zip or .tar.gz)")
	prefix := flag.String("prefix", "", "directory name inside the archive")
	flag.Parse()
	if *out == "" || *prefix == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mkarchive -o OUT.{zip,tar.gz} -prefix DIR FILE...")
		os.Exit(2)
	}
	mtime := time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mkarchive: SOURCE_DATE_EPOCH=%q is not a number of seconds\n", s)
			os.Exit(2)
		}
		mtime = time.Unix(n, 0).UTC()
	}
	files, err := expand(flag.Args())
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkarchive: %v\n", err)
		os.Exit(1)
	}
	if err := write(*out, *prefix, files, mtime); err != nil {
		fmt.Fprintf(os.Stderr, "mkarchive: %v\n", err)
		os.Exit(1)
	}
}

// member is one file of the archive: where it is read from and its name
// under the prefix.
type member struct {
	src, name string
}

// expand turns the SRC[=NAME] arguments into the archive's members.
func expand(args []string) ([]member, error) {
	var out []member
	for _, a := range args {
		src, name, renamed := strings.Cut(a, "=")
		if !renamed {
			name = filepath.ToSlash(filepath.Clean(src))
			if filepath.IsAbs(src) || name == ".." || strings.HasPrefix(name, "../") {
				return nil, fmt.Errorf("%s: give a relative path inside the current directory, or SRC=NAME", src)
			}
		}
		fi, err := os.Stat(src)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, member{src, name})
			continue
		}
		err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "out" {
					return filepath.SkipDir
				}
				return nil
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			out = append(out, member{p, name + "/" + filepath.ToSlash(rel)})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// write creates the archive at out through a temporary file renamed into
// place, so a failure leaves no partial archive.
func write(out, prefix string, files []member, mtime time.Time) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".mkarchive-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	switch {
	case strings.HasSuffix(out, ".zip"):
		err = writeZip(tmp, prefix, files, mtime)
	case strings.HasSuffix(out, ".tar.gz"):
		err = writeTarGz(tmp, prefix, files, mtime)
	default:
		err = errors.New("output name must end in .zip or .tar.gz")
	}
	if err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// mode is the archive mode of a file: executable or not.
func mode(fi os.FileInfo) int64 {
	if fi.Mode()&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

func writeZip(w io.Writer, prefix string, files []member, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		fi, err := os.Stat(f.src)
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: prefix + "/" + f.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(os.FileMode(mode(fi)))
		dst, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if err := copyFile(dst, f.src); err != nil {
			return err
		}
	}
	return zw.Close()
}

func writeTarGz(w io.Writer, prefix string, files []member, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	gz.ModTime = mtime
	tw := tar.NewWriter(gz)
	for _, f := range files {
		fi, err := os.Stat(f.src)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: prefix + "/" + f.name, Mode: mode(fi), Size: fi.Size(),
			ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if err := copyFile(tw, f.src); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func copyFile(dst io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(dst, f)
	return err
}
