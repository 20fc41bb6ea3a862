package i18n

// zhOther is the Chinese of the errors of the other packages that check
// inputs (assess: the ratings; batch: a project's files and attributes;
// workbook: the cells of an .xlsx), keyed by their English format; init
// merges it into zh.
var zhOther = map[string]string{
	"meta.previous_period %q is not a period (YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM); the file was altered: restore it, or name the previous results with --previous FILE": "meta.previous_period %q 不是评价期（YYYY、YYYY-Hn、YYYY-Qn 或 YYYY-MM）；该文件被改动过：请恢复它，或用 --previous FILE 指定上期结果",
	// The gaming checks' flags (package gaming).
	"rater %s gave every one of the %d subjects it rated on %s the same score %s":                                           "评分人 %s 对其在 %[3]s 上评的全部 %[2]d 个对象都给了同一分数 %[4]s",
	"%d raters of %s gave identical answers to the same %d subjects: %s":                                                    "%[2]s 的 %[1]d 位评分人对相同的 %[3]d 个对象给出了完全相同的答案：%[4]s",
	"%s and %s rate each other on %s far above their own habit (%s and %s points above their means, each more than 1.5 sd)": "%s 与 %s 在 %s 上互评远高于各自的评分习惯（分别比各自均值高 %s 和 %s 分，均超过 1.5 个标准差）",
	"%s scores %s, %s above the min %s of grade %s":                                                                         "%s 得分 %s，仅比等次 %[5]s 的下限 %[4]s 高 %[3]s",
	"%s's %s = %s escapes the veto %s (%s %s %s) by %s":                                                                     "%s 的 %s = %s，以 %[8]s 之差避开了否决项 %[4]s（%[5]s %[6]s %[7]s）",
	"%s's %s went from %s to %s (%+.0f%%; the median change of %s is %+.0f%%)":                                              "%s 的 %s 从 %s 变为 %s（%+.0f%%；%s 的变化中位数为 %+.0f%%）",
	// batch.MissingFilesError, as the command line prints it.
	"missing input:": "缺少输入：",
	"the indicator set (indicators.yaml or --indicators)":                                 "指标体系（indicators.yaml 或 --indicators）",
	"the subjects (data/subjects.csv or --subjects)":                                      "评价对象名单（data/subjects.csv 或 --subjects）",
	"the metrics (data/metrics*.csv or --metrics)":                                        "指标数据（data/metrics*.csv 或 --metrics）",
	"the metrics (data/metrics*.csv, data.metrics in the indicator set, or --metrics)":    "指标数据（data/metrics*.csv、指标体系中的 data.metrics 或 --metrics）",
	"the subjects (data/subjects.csv, data.subjects in the indicator set, or --subjects)": "评价对象名单（data/subjects.csv、指标体系中的 data.subjects 或 --subjects）",
	// expect: tests.yaml.
	"test %q: no expectations (add an `expect:` list)":                              "测试用例 %q：没有预期结果（请添加 `expect:` 列表）",
	"test %q: expectation without `subject`":                                        "测试用例 %q：预期结果缺少 `subject`",
	"test %q: status must be rated or unrated, got %q":                              "测试用例 %q：status 必须是 rated 或 unrated，实际为 %q",
	"no tests (add a `tests:` list)":                                                "没有测试用例（请添加 `tests:` 列表）",
	"assessment item %q defined twice":                                              "测评项目 %q 定义了两次",
	"subject %d has an empty id":                                                    "第 %d 个评价对象的编号为空",
	"subject %q listed twice":                                                       "评价对象 %q 列出了两次",
	"assessment item %q: too many subjects × roles":                                 "测评项目 %q：评价对象数 × 角色数过多",
	"too many ratings (%d)":                                                         "评分条数过多（%d）",
	"assessment item %q, subject %q, rater %q: score %v outside the scale [%v, %v]": "测评项目 %q，评价对象 %q，评价人 %q：评分 %v 超出分值范围 [%v, %v]",
	"assessment item %q, subject %q: empty rater":                                   "测评项目 %q，评价对象 %q：评价人为空",
	"assessment item %q: subject %q rates itself with role %q (only %q allowed)":    "测评项目 %q：评价对象 %q 以角色 %q 给自己评分（只允许 %q）",
	"unknown assessment item %q (%s)":                                               "测评项目 %q 不存在（%s）",
	"assessment of unknown subject %q (%s)":                                         "对不存在的评价对象 %q 的测评（%s）",
	"assessment item %q has no role %q (%s)":                                        "测评项目 %q 没有角色 %q（%s）",
	"assessment item %q: subject %q rated more than once by rater %q":               "测评项目 %q：评价人 %[3]q 对评价对象 %[2]q 评分超过一次",
	"assessment item %q: duplicate role %q":                                         "测评项目 %q：角色 %q 重复",
	"assessment item %q: role %q: weight %v must be a number ≥ 0":                   "测评项目 %q：角色 %q：权重 %v 必须是 ≥ 0 的数",
	"assessment item %q: role weights sum to 0":                                     "测评项目 %q：各角色权重之和为 0",
	"assessment item %q: trim %d must be ≥ 0":                                       "测评项目 %q：trim %d 必须 ≥ 0",
	"assessment item %q: min_raters %d must be ≥ 0":                                 "测评项目 %q：min_raters %d 必须 ≥ 0",
	"assessment item %q: min_raters names role %q, which is not in its roles":       "测评项目 %q：min_raters 中的角色 %q 不在它的角色中",
	"assessment item %q: role %q: min_raters %d must be ≥ 0":                        "测评项目 %q：角色 %q：min_raters %d 必须 ≥ 0",
	"assessment item %q: missing_role %q must be %q or %q":                          "测评项目 %q：missing_role %q 必须是 %q 或 %q",
	"assessment item: empty id":                                                     "测评项目：编号为空",
	"assessment item %q: scale [%v, %v] must have lo < hi":                          "测评项目 %q：分值范围 [%v, %v] 必须满足 lo < hi",
	"assessment item %q: no roles":                                                  "测评项目 %q：没有角色",
	"assessment item %q: empty role name":                                           "测评项目 %q：角色名称为空",
	"assessments file given but the indicator set declares no `assessments:` items; declare the items (SPEC §5) or remove the file":                                             "给出了测评数据文件，但指标体系没有声明 `assessments:` 测评项目；请声明测评项目（SPEC §5）或移除该文件",
	"assessments file given but no indicator set declaring `assessments:` items: give --indicators (or DIR/indicators.yaml) so the ratings can be validated":                    "给出了测评数据文件，但没有声明 `assessments:` 测评项目的指标体系：请用 --indicators 给出（或提供 DIR/indicators.yaml），以便校验评分",
	"data: no file %s (the path is relative to the directory of the indicator set)":                                                                                             "data：没有文件 %s（路径相对于指标体系所在目录）",
	"peer_groups: subjects have no attribute %q (columns: %s); add the column to subjects.csv or change peer_groups":                                                            "peer_groups：评价对象没有属性 %q（现有列：%s）；请在评价对象名单中加上该列，或修改 peer_groups",
	"node %q: missing.by: subjects have no attribute %q (columns: %s)":                                                                                                          "节点 %q：missing.by：评价对象没有属性 %q（现有列：%s）",
	"merged cells %s over data: only %s holds a value, the others read empty; unmerge them and fill every cell":                                                                 "数据区域有合并单元格 %s：只有 %s 有值，其余单元格读作空；请取消合并并填写每个单元格",
	"formula without a computed value (the file was saved by a program that did not calculate it): open the workbook in Excel, let it calculate and save it, or type the value": "公式没有计算结果（保存该文件的程序没有计算公式）：请在 Excel 中打开工作簿，计算后保存，或直接填写数值",
}
