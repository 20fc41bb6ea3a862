package dataset

import (
	"slices"
	"strings"
)

// PeerGroups partitions subjects into peer groups by the attributes attrs
// (SPEC §4.10): a subject's label is its values of attrs joined by "/", or
// "all" when attrs is empty. It returns the distinct labels sorted and, for
// each subject, the index of its label. Scoring ranks within these groups;
// the expression engine computes its group statistics over them.
func PeerGroups(subjects []Subject, attrs []string) (labels []string, groupOf []int) {
	labelOf := make([]string, len(subjects))
	byLabel := map[string]int{}
	parts := make([]string, len(attrs))
	for i := range subjects {
		label := "all"
		if len(attrs) > 0 {
			for j, a := range attrs {
				parts[j], _ = subjects[i].Attr(a)
			}
			label = strings.Join(parts, "/")
		}
		labelOf[i] = label
		if _, ok := byLabel[label]; !ok {
			byLabel[label] = 0
			labels = append(labels, label)
		}
	}
	slices.Sort(labels)
	for g, l := range labels {
		byLabel[l] = g
	}
	groupOf = make([]int, len(subjects))
	for i, l := range labelOf {
		groupOf[i] = byLabel[l]
	}
	return labels, groupOf
}
