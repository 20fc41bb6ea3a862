package batch

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"slices"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// dataFingerprint is the data SHA-256 of a batch of set over ds for
// period per whose ratings are ratings (Meta.DataSHA256): it covers every
// input that changes a number. Without assessment items in the set it is
// the dataset's fingerprint (dataset.Fingerprint); with them,
// DataFingerprint of it and the period's ratings, the only ratings a batch
// reads. A file run and a database run (which reads the period's ratings
// only) agree.
func dataFingerprint(set *indicators.Set, ds *dataset.Dataset, per dataset.Period, ratings []assess.Rating) string {
	fp := ds.Fingerprint()
	if len(set.Assessments) == 0 {
		return fp
	}
	return DataFingerprint(fp, per, ratings)
}

// DataFingerprint is the hex SHA-256 of a dataset fingerprint (hex,
// dataset.Fingerprint) together with the ratings of period per, in a
// canonical order: sorted by item, subject, rater, role and score, so that
// the order of the rows (in files, or in the database) does not matter.
// Every field is hashed with its length (strings) or its IEEE-754 bits
// (scores), so no two different rating sets share an encoding.
func DataFingerprint(datasetFP string, per dataset.Period, ratings []assess.Rating) string {
	rs := slices.Clone(ratings)
	slices.SortFunc(rs, func(a, b assess.Rating) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Rater, b.Rater),
			cmp.Compare(a.Role, b.Role), cmp.Compare(math.Float64bits(a.Score), math.Float64bits(b.Score)))
	})
	h := sha256.New()
	var n [8]byte
	num := func(x uint64) {
		binary.LittleEndian.PutUint64(n[:], x)
		h.Write(n[:])
	}
	str := func(s string) {
		num(uint64(len(s)))
		h.Write([]byte(s))
	}
	str("govscore data and ratings v1")
	str(datasetFP)
	str(per.String())
	num(uint64(len(rs)))
	for _, r := range rs {
		str(r.Item)
		str(r.Subject)
		str(r.Rater)
		str(r.Role)
		num(math.Float64bits(r.Score))
	}
	return hex.EncodeToString(h.Sum(nil))
}
