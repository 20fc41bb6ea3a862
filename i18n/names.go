package i18n

import (
	"regexp"
	"strings"
)

// Class is a family of identifiers with display names.
type Class string

// The classes of identifiers with display names.
const (
	Kind      Class = "kind"      // subject kinds (SPEC §1)
	Role      Class = "role"      // rater roles (SPEC §5)
	Normalize Class = "normalize" // normalisation methods (SPEC §4.4)
	Aggregate Class = "aggregate" // aggregation methods (SPEC §4.5, §6)
	Weighting Class = "weighting" // statistical weighting methods (SPEC §6)
	Missing   Class = "missing"   // missing-data policies (SPEC §4.7)
	Status    Class = "status"    // cell and subject statuses (SPEC §8)
	Direction Class = "direction" // leaf directions (SPEC §4.4)
	Transform Class = "transform" // leaf transforms (SPEC §4.4)
)

// pair is a text in both languages.
type pair struct{ zh, en string }

// names holds the built-in display names. Kinds and roles are the SPEC's
// own examples; an indicator set names its own with `kinds: {id: 名称}` and
// `roles: {id: 名称}`, which take precedence (see Namer).
var names = map[Class]map[string]pair{
	Kind: {
		"party_org":      {"党组织", "party organisation"},
		"gov_department": {"政府部门", "government department"},
		"autonomous_org": {"村（居）民自治组织", "autonomous organisation"},
		"social_org":     {"社会组织", "social organisation"},
	},
	Role: {
		"superior":    {"上级评价", "superior"},
		"subordinate": {"下级评价", "subordinate"},
		"peer":        {"同级互评", "peer"},
		"public":      {"群众评价", "public"},
		"self":        {"自评", "self"},
		"third_party": {"第三方评估", "third party"},
	},
	Normalize: {
		"minmax":   {"极差标准化", "min-max"},
		"zscore":   {"Z分数标准化", "z-score"},
		"goalpost": {"阈值法", "goalpost"},
		"rank":     {"排序法", "rank"},
		"none":     {"不标准化", "none"},
		"target":   {"目标值法", "target"},
		"clip":     {"截断", "clip"},
		"median":   {"中位数", "median"},
	},
	Aggregate: {
		"arithmetic": {"加权算术平均", "weighted arithmetic mean"},
		"geometric":  {"加权几何平均", "weighted geometric mean"},
		"topsis":     {"TOPSIS 逼近理想解法", "TOPSIS"},
		"gra":        {"灰色关联分析", "grey relational analysis"},
	},
	Weighting: {
		"ahp":     {"层次分析法", "AHP"},
		"entropy": {"熵权法", "entropy"},
		"critic":  {"CRITIC 法", "CRITIC"},
		"pca":     {"主成分分析法", "PCA"},
		"combine": {"组合赋权", "combined"},
	},
	Missing: {
		"exclude": {"不计入（权重重新分配）", "exclude"},
		"zero":    {"按零计", "zero"},
		"mean":    {"同类均值补齐", "group mean"},
		"median":  {"同类中位数补齐", "group median"},
		"min":     {"同类最小值补齐", "group minimum"},
		"fail":    {"缺失即不评", "fail"},
	},
	Status: {
		"ok":                 {"正常", "ok"},
		"imputed":            {"已补齐", "imputed"},
		"missing":            {"缺失", "missing"},
		"uninformative":      {"无区分度", "uninformative"},
		"unrated":            {"未评级", "unrated"},
		"rated":              {"已评级", "rated"},
		"rated_when":         {"不满足参评条件", "rated_when"},
		"no applicable leaf": {"无适用指标", "no applicable leaf"},
		"coverage":           {"数据完整率不足", "coverage"},
		"missing aggregate":  {"总分缺失", "missing aggregate"},
	},
	Direction: {
		"higher": {"越高越好", "higher is better"},
		"lower":  {"越低越好", "lower is better"},
	},
	Transform: {
		"log":       {"对数变换", "log"},
		"log1p":     {"对数变换（原值加 1）", "log1p"},
		"sqrt":      {"平方根变换", "sqrt"},
		"winsorize": {"缩尾", "winsorize"},
	},
}

// Name returns the built-in display name of id in class c, or id itself
// when there is none.
func Name(lang Lang, c Class, id string) string {
	if p, ok := names[c][id]; ok {
		if lang == En {
			return p.en
		}
		return p.zh
	}
	return id
}

// Namer gives display names: the indicator set's own (`kinds: {id: 名称}`,
// `roles: {id: 名称}`) first, then the built-in ones of the language. The
// zero Namer is the built-in names in Chinese.
type Namer struct {
	Lang  Lang
	Kinds map[string]string // the set's kind names; nil for none
	Roles map[string]string // the set's role names; nil for none
}

// Kind returns the display name of kind id.
func (n Namer) Kind(id string) string { return n.Name(Kind, id) }

// Role returns the display name of role id.
func (n Namer) Role(id string) string { return n.Name(Role, id) }

// Group returns the display name of a peer-group label: the labels are the
// values of the set's `peer_groups` attributes joined by "/", and each
// part that is a kind shows as the kind's name.
func (n Namer) Group(label string) string {
	parts := strings.Split(label, "/")
	for i, p := range parts {
		parts[i] = n.Kind(p)
	}
	return strings.Join(parts, "/")
}

// Name returns the display name of id in class c (kinds and roles through
// the set's names).
func (n Namer) Name(c Class, id string) string {
	var own map[string]string
	switch c {
	case Kind:
		own = n.Kinds
	case Role:
		own = n.Roles
	}
	if s := own[id]; s != "" {
		return s
	}
	return Name(n.lang(), c, id)
}

func (n Namer) lang() Lang {
	if n.Lang == "" {
		return Default
	}
	return n.Lang
}

// gradeReasons are the patterns of the grade reasons scoring writes (the
// English is what results.json and results.csv keep) with their Chinese.
var gradeReasons = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`^score (\S+) < (\S+) but (.+) is the lowest grade$`), "得分 $1 < $2，但 $3 已是最低等级"},
	{regexp.MustCompile(`^veto (.+) caps at (.+)$`), "一票否决项 $1：等级最高为 $2"},
	{regexp.MustCompile(`^quota (\S+)% of (\d+) = (\d+) exceeded → (.+)$`), "超出名额（$2 个的 $1% = $3 个）→ $4"},
	{regexp.MustCompile(`^score (\S+) ≥ (\S+) → (.+)$`), "得分 $1 ≥ $2 → $3"},
	{regexp.MustCompile(`^score (\S+) < (\S+) → (.+)$`), "得分 $1 < $2 → $3"},
	{regexp.MustCompile(`^score (\S+) → (.+)$`), "得分 $1 → $2"},
}

// GradeReason returns a grade reason of the scoring ("score 60.31 ≥ 60 →
// 合格; veto v1 caps at 不合格") in lang. A part it does not know is left
// as it is.
func GradeReason(lang Lang, reason string) string {
	if lang == En || reason == "" {
		return reason
	}
	parts := strings.Split(reason, "; ")
	for i, p := range parts {
		for _, g := range gradeReasons {
			if g.re.MatchString(p) {
				parts[i] = g.re.ReplaceAllString(p, g.zh)
				break
			}
		}
	}
	return strings.Join(parts, "；")
}
