package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// Data is the data of a project read from its files for a store of record
// (`govscore db import`): the dataset, which cells the metric files gave
// and with which source (dataset.Given), the ratings, and the digests of
// the files read.
type Data struct {
	Dataset *dataset.Dataset
	Given   *dataset.Given
	// Ratings of every period (empty without assessments files).
	Ratings *csvdata.Assessments
	// Files are the files read, in the order subjects, metrics,
	// assessments.
	Files []FileDigest
}

// FileDigest identifies the content of one file read.
type FileDigest struct {
	Name   string
	SHA256 string // hex
	Bytes  int64
}

// LoadData reads and validates the data files of files as Load does (the
// same errors at file:line:col, in one diag.List) without scoring them.
// The set, when not nil, gives the allowed kinds, the metric bounds and the
// assessment items; without it the files are checked on their own and
// assessments files cannot be read. The warnings of the ratings files join
// the dataset's.
func LoadData(files Files, set *indicators.Set) (*Data, error) {
	in, err := files.Resolve(set)
	if err != nil {
		return nil, err
	}
	ds, given, err := csvdata.LoadInputsGiven(in.Subjects, in.Metrics, LoadOptions(set))
	if err != nil {
		return nil, err
	}
	ratings := &csvdata.Assessments{}
	if len(in.Assessments) > 0 {
		if set == nil || len(set.Assessments) == 0 {
			var errs diag.List
			errs.Add(diag.Pos{File: in.Assessments[0].Name}, "assessments file given but no indicator set declaring `assessments:` items: give --indicators (or DIR/indicators.yaml) so the ratings can be validated")
			return nil, errs.Err()
		}
		if ratings, err = csvdata.LoadAssessmentInputs(in.Assessments, AssessItems(set), ds); err != nil {
			return nil, err
		}
	}
	ds.Warnings = diag.SortWarnings(append(append(ds.Warnings, ratings.Warnings...), in.Warnings...))
	d := &Data{Dataset: ds, Given: given, Ratings: ratings}
	for _, f := range in.Paths() {
		fd, err := digest(f)
		if err != nil {
			return nil, err
		}
		d.Files = append(d.Files, fd)
	}
	return d, nil
}

// digest hashes the file at path.
func digest(path string) (FileDigest, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileDigest{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileDigest{}, err
	}
	return FileDigest{Name: path, SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
}
