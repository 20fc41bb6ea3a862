package main

import (
	"strings"

	"github.com/govscore/govscore/batch"
)

// findSubject returns the index of the subject q names: by id, else by its
// exact name, else by the one name containing q. No match or several are
// usage errors listing the candidates.
func findSubject(b *batch.Batch, q, file string) (int, error) {
	if si, ok := b.SubjectIndex(q); ok {
		return si, nil
	}
	subjects := b.Project.Data.Subjects
	var exact, partial []int
	for i := range subjects {
		switch name := subjects[i].Name; {
		case name == q:
			exact = append(exact, i)
		case q != "" && strings.Contains(name, q):
			partial = append(partial, i)
		}
	}
	if len(exact) == 1 {
		return exact[0], nil
	}
	if len(exact) == 0 && len(partial) == 1 {
		return partial[0], nil
	}
	cands := exact
	if len(cands) == 0 {
		cands = partial
	}
	if len(cands) > 1 {
		list := make([]string, 0, len(cands))
		for i, si := range cands {
			if i == 10 {
				list = append(list, "…")
				break
			}
			list = append(list, subjects[si].ID+" "+subjects[si].Name)
		}
		return -1, usagef("%q names %d subjects; give the id: %s", q, len(cands), strings.Join(list, "; "))
	}
	return -1, usagef("no subject with id or name %q in %s", q, file)
}
