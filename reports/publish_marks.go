package reports

import (
	"strconv"
	"strings"

	"github.com/govscore/govscore/scoring"
)

// What the reading formats (report.html, results.md, the terminal summary)
// add to the ranking: the node ranks of `rank: true` (SPEC §4.10), the mark
// of a composite value filled by its missing policy (SPEC §4.7) and the rule
// that left a subject unrated.

// pubLabels are the labels of these additions, merged into labelsByLang.
var pubLabels = map[string]labels{
	"zh": {
		"nodeRank":          "%s名次",
		"imputedMark":       "插补",
		"imputedList":       "插补值（由缺失值规则填补）",
		"unratedBecause":    "未评级：%s。",
		"reasonRatedWhen":   "不符合参评条件（rated_when）",
		"reasonNoLeaf":      "无适用指标",
		"reasonCoverage":    "数据完整率低于最低要求",
		"reasonNoAggregate": "无法计算得分",
		"unratedReason":     "未评级原因",
	},
	"en": {
		"nodeRank":          "%s rank",
		"imputedMark":       "imputed",
		"imputedList":       "Imputed values (filled by the missing-data policy)",
		"unratedBecause":    "Unrated: %s.",
		"reasonRatedWhen":   "excluded by rated_when",
		"reasonNoLeaf":      "no applicable indicator",
		"reasonCoverage":    "coverage below the minimum",
		"reasonNoAggregate": "no score could be computed",
		"unratedReason":     "Unrated reason",
	},
}

func init() {
	for lang, ls := range pubLabels {
		for k, v := range ls {
			if _, ok := labelsByLang[lang][k]; !ok {
				labelsByLang[lang][k] = v
			}
		}
	}
}

// reasonText is the label of an unrated reason, "" when unknown (a
// results.json written before reasons were recorded).
func reasonText(L labels, reason string) string {
	switch scoring.UnratedReason(reason) {
	case scoring.UnratedRatedWhen:
		return L["reasonRatedWhen"]
	case scoring.UnratedNoLeaf:
		return L["reasonNoLeaf"]
	case scoring.UnratedCoverage:
		return L["reasonCoverage"]
	case scoring.UnratedMissingAggregate:
		return L["reasonNoAggregate"]
	}
	return reason
}

// rankHeads returns the column titles of the ranked nodes, in tree order.
func rankHeads(v *View, L labels) []string {
	var out []string
	for _, i := range v.RankedNodes() {
		out = append(out, L.f("nodeRank", v.Nodes[i].Name))
	}
	return out
}

// nodeRanks returns subject k's rank on each ranked node, "—" where it has
// none.
func nodeRanks(v *View, k int) []string {
	ranked := v.RankedNodes()
	if len(ranked) == 0 {
		return nil
	}
	out := make([]string, len(ranked))
	for c, i := range ranked {
		out[c] = "—"
		if r := v.NodeRank(k, i); r > 0 {
			out[c] = strconv.Itoa(r)
		}
	}
	return out
}

// imputedNodes returns the names of the composites whose value for subject
// k was filled by their missing policy, in tree order.
func imputedNodes(v *View, k int) []string {
	var out []string
	for i := range v.Nodes {
		if v.NodeState(k, i) == NodeStateImputed {
			out = append(out, v.Nodes[i].Name)
		}
	}
	return out
}

// mdImputed returns results.md's line listing the group's subjects with
// imputed composite values, "" when there are none.
func mdImputed(v *View, L labels, members []int) string {
	var parts []string
	for _, k := range members {
		if names := imputedNodes(v, k); len(names) > 0 {
			s := v.Subject(k)
			for i := range names {
				names[i] = mdEscape(names[i])
			}
			parts = append(parts, mdEscape(s.Name)+" (`"+mdCode(s.ID)+"`): "+strings.Join(names, ", "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "\n" + L["imputedList"] + ": " + strings.Join(parts, "; ") + "\n"
}
