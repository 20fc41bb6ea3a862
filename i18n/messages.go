package i18n

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// messages are the warnings of a batch (diag.Warning.Msg, written in
// English by the packages that find them and kept so in results.json) with
// their Chinese, as patterns: the terminal and the internal reports show
// them in the language asked for. A warning without a pattern is shown as
// written.
var messages = []struct {
	re *regexp.Regexp
	zh string
	// classes gives the submatches that are ids of a class, shown by their
	// display names.
	classes map[int]Class
}{
	{regexp.MustCompile(`^file not read: nothing names it \(the default files are data/subjects\.csv, data/metrics\*\.csv and data/assessments\*\.csv; name others in the indicator set's data: section, or move the file out of data/\)$`),
		"文件未被读取：没有任何配置指向它（默认读取 data/subjects.csv、data/metrics*.csv 和 data/assessments*.csv；其他文件请在指标体系的 data: 部分中写明，或移出 data/ 目录）", nil},
	{regexp.MustCompile(`^no subject of the group has a value \(is the metric in the data for this period\?\); the indicator is missing for every subject of the group$`),
		"本组没有任何评价对象有该指标的值（该期数据中有这个指标吗？）；该指标对本组所有评价对象缺失", nil},
	{regexp.MustCompile(`^(.*) normalisation is uninformative: (.*); the indicator is left out of the group's aggregation$`),
		"$1无区分度：$2；该指标不参与本组汇总", map[int]Class{1: Normalize}},
	{regexp.MustCompile(`^(.*) has no value for any subject in period (\S+): the expressions reading it are missing$`),
		"$1 在评价期 $2 没有任何评价对象的值：读取它的表达式均为缺失", nil},
	{regexp.MustCompile(`^metric ("[^"]*") in the data is read by no expression(.*)$`),
		"数据中的指标 $1 没有被任何表达式读取$2", nil},
	{regexp.MustCompile(`^no metric value at all in period (\S+) for (.*): are their rows missing from the metrics files\?$`),
		"评价期 $1 中 $2 没有任何指标值：指标数据文件中是否缺少它们的行？", nil},
	{regexp.MustCompile(`^geometric aggregate over ("[^"]*") = (\S+) ≤ 0; the node is missing$`),
		"$1 的几何平均汇总值 = $2 ≤ 0；该节点缺失", nil},
	{regexp.MustCompile(`^the final aggregate is missing \(no indicator took part\); the subject is unrated$`),
		"总分汇总缺失（没有指标参与）；该评价对象未评级", nil},
	{regexp.MustCompile(`^the condition is missing and counts as false$`), "条件缺失，视为不成立", nil},
	{regexp.MustCompile(`^the points value is missing and counts 0$`), "分值缺失，按 0 计", nil},
	{regexp.MustCompile(`^file is not UTF-8 \(byte 0x([0-9A-F]{2}) here is the first that is not\); read as GB18030: save it as "CSV UTF-8" to silence this warning$`),
		"文件不是 UTF-8 编码（此处字节 0x$1 是第一个非 UTF-8 字节）；已按 GB18030 读取：另存为“CSV UTF-8”即可消除此警告", nil},
	{regexp.MustCompile(`^file is not valid UTF-8; read as GB18030 \(save it as CSV UTF-8 to silence this warning\)$`),
		"文件不是有效的 UTF-8 编码；已按 GB18030 读取（另存为 CSV UTF-8 即可消除此警告）", nil},
	{regexp.MustCompile(`^metrics file has no data rows$`), "指标数据文件没有数据行", nil},
	{regexp.MustCompile(`^assessments file has no rows$`), "测评数据文件没有数据行", nil},
	{regexp.MustCompile(`^(\d+) row\(s\) without a score ignored \(the first is here\)$`), "忽略了 $1 行没有评分的记录（第一行在此）", nil},
	{regexp.MustCompile(`^1 blank row skipped \((.*)\)$`), "跳过 1 个空行（$1）", nil},
	{regexp.MustCompile(`^(\d+) blank rows skipped \((.*)\)$`), "跳过 $1 个空行（$2）", nil},
	{regexp.MustCompile(`^assessment item ("[^"]*"): role ("[^"]*") \(weight (\S+)\) is missing for (\d+) of the (\d+) rated subjects: it has fewer than its min_raters (\d+) ratings?, so its weight does not count for them; collect more ratings or lower min_raters for the role$`),
		"测评项目 $1：角色 $2（权重 $3）在 $5 个已评级对象中的 $4 个缺失：评分少于最少评价人数 $6，其权重对这些对象不计入；请补充评分或降低该角色的最少评价人数", nil},
	{regexp.MustCompile(`^assessment item ("[^"]*"): role ("[^"]*") \(weight (\S+)\) is missing for all (\d+) rated subjects: it has fewer than its min_raters (\d+) ratings?, so its weight does not count for them; collect more ratings or lower min_raters for the role$`),
		"测评项目 $1：角色 $2（权重 $3）在全部 $4 个已评级对象中缺失：评分少于最少评价人数 $5，其权重对这些对象不计入；请补充评分或降低该角色的最少评价人数", nil},
	// Warnings about expressions (engine) and the indicator set.
	{regexp.MustCompile(`^(.+): value treated as missing \(period (\S+)\)$`), "$1：该值按缺失处理（评价期 $2）", nil},
	{regexp.MustCompile(`^(.+): value treated as missing$`), "$1：该值按缺失处理", nil},
	{regexp.MustCompile(`^geometric aggregate over a scale starting at (\S+): geometric means need positive values, so a child at (\S+) makes the node missing; use a scale with lo > 0 or the arithmetic aggregate$`),
		"在从 $1 开始的标度上做几何平均汇总：几何平均需要正值，下级指标为 $2 时该节点缺失；请使用 lo > 0 的标度，或改用算术平均汇总", nil},
	{regexp.MustCompile(`^applies_to names kind ("[^"]*"), but ancestor ("[^"]*") excludes it: the node never applies to (.*) subjects$`),
		"applies_to 写了类别 $1，但上级节点 $2 不适用于它：该节点对 $3 类评价对象永远不适用", nil},
	{regexp.MustCompile(`^direction does not apply to normalize: target \(the best value is the target; distances below and above both lower the value\); remove it$`),
		"direction 不适用于 normalize: target（最优值就是目标值，低于或高于目标都会降低得分）；请删除它", nil},
	{regexp.MustCompile("^normalize: to on zscore changes only the value of `missing: zero` \\(a\\); zscore values are mean \\+ sd·z, so set mean and sd for their range$"),
		"normalize：zscore 上的 to 只改变 `missing: zero` 的取值（a）；zscore 的值为 mean + sd·z，其范围请用 mean 和 sd 设置", nil},
	// Errors in the data an office meets first (the checks' own messages,
	// diag.Error.Msg).
	{regexp.MustCompile(`^unknown subject ("[^"]*")(.*?): every subject must be listed in subjects\.csv(.*)$`),
		"没有评价对象 $1$2：每个评价对象都必须列在评价对象名单中$3", nil},
	{regexp.MustCompile(`^unknown subject ("[^"]*")(.*)$`), "没有评价对象 $1$2", nil},
	{regexp.MustCompile(`^unknown kind ("[^"]*"); the indicator set declares: (.*?)((?: \(did you mean "[^"]*"\?\))?)$`),
		"未知类别 $1；指标体系声明的类别为：$2$3", nil},
	{regexp.MustCompile(`^missing required column ("[^"]*"): subjects\.csv needs the columns id, name and kind \(optional: parent, then any attributes\)(.*)$`),
		"缺少必需的列 $1：评价对象名单需要 id、name 和 kind 列（可选 parent 列，以及任意属性列）$2", nil},
	{regexp.MustCompile(`^missing required column ("[^"]*"): a metrics file has the columns subject, period, metric, value\[, source\]\[, note\] \(long layout\) or subject, period and one column per metric \(wide layout\)(.*)$`),
		"缺少必需的列 $1：指标数据文件的列为 subject、period、metric、value[、source][、note]（长表）或 subject、period 加每个指标一列（宽表）$2", nil},
	{regexp.MustCompile(`^no subject is named ("[^"]*")(.*): the names must be written as in the subjects file$`),
		"没有名称为 $1 的评价对象$2：名称必须与评价对象名单中的写法完全一致", nil},
	{regexp.MustCompile(`^answer ("[^"]*") is neither a number nor a label: add it to labels \((.*)\) in the indicator set, or correct the answer$`),
		"答案 $1 既不是数字也不是已定义的选项：请把它加入指标体系的 labels（$2），或更正答案", nil},
	{regexp.MustCompile(`^metric ("[^"]*"): unparseable number ("[^"]*"): (.*)$`),
		"指标 $1：无法识别的数字 $2：$3", nil},
	{regexp.MustCompile(`^unparseable number ("[^"]*"): (.*)$`), "无法识别的数字 $1：$2", nil},
	{regexp.MustCompile(`^invalid period ("[^"]*"): want YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM$`), "评价期 $1 不合法：应为 YYYY、YYYY-Hn、YYYY-Qn 或 YYYY-MM", nil},
	// The scoring's invalid-input errors (scoring.MissingError,
	// scoring.WeightingError), after their position.
	{regexp.MustCompile(`^(.*: )?indicator ("[^"]*") has missing: fail and no value for (\d+) rated subject\(s\): (.*) and (\d+) more$`),
		"$1指标 $2 设置了 missing: fail，但 $3 个已评级对象没有值：$4 等（另有 $5 个）", nil},
	{regexp.MustCompile(`^(.*: )?indicator ("[^"]*") has missing: fail and no value for (\d+) rated subject\(s\): (.*)$`),
		"$1指标 $2 设置了 missing: fail，但 $3 个已评级对象没有值：$4", nil},
	{regexp.MustCompile(`^(.*: )?composite ("[^"]*"), peer group ("[^"]*"): (\S+) weights cannot be computed from (\d+) complete case\(s\): (.*); statistical weights need at least (\d+) subjects with every child present — use explicit weights or ahp for this composite$`),
		"$1上级指标 $2，同类组 $3：无法用 $5 个完整样本计算 $4 权重：$6；统计赋权至少需要 $7 个所有下级指标都有值的评价对象——请为该上级指标改用显式权重或 ahp", nil},
	// The messages of the YAML parser (goccy/go-yaml) an office meets.
	{regexp.MustCompile(`^found character '(.)' that cannot start any token$`), "字符 '$1' 不能出现在这里（不能作为任何记号的开头）", nil},
	{regexp.MustCompile(`^non-map value is specified$`), "此处应为“键: 值”", nil},
	{regexp.MustCompile(`^could not find end character of double-quoted text$`), "双引号字符串缺少结尾的 \"", nil},
	{regexp.MustCompile(`^could not find end character of single-quoted text$`), "单引号字符串缺少结尾的 '", nil},
	{regexp.MustCompile(`^mapping value is not allowed in this context$`), "此处不能有“键: 值”（冒号的位置或缩进有误？）", nil},
	{regexp.MustCompile(`^value is not allowed in this context$`), "此处不能有值（缩进有误？）", nil},
	{regexp.MustCompile(`^',' or '\]' must be specified$`), "此处应为 ',' 或 ']'", nil},
	{regexp.MustCompile(`^could not find flow mapping end token '\}'$`), "映射缺少结尾的 '}'", nil},
	{regexp.MustCompile(`^sequence end token '\]' not found$`), "列表缺少结尾的 ']'", nil},
	{regexp.MustCompile(`^unexpected key name$`), "此处不应有键名", nil},
	{regexp.MustCompile(`^found an invalid key for this map$`), "映射中有无效的键", nil},
	// The messages of expr-lang's parser (expression syntax errors).
	{regexp.MustCompile(`^unexpected token EOF$`), "表达式意外结束（缺少后半部分？）", nil},
	{regexp.MustCompile(`^unexpected token (.*)$`), "此处不应出现 $1", nil},
	{regexp.MustCompile(`^unexpected end of expression$`), "表达式不完整", nil},
	{regexp.MustCompile(`^literal not terminated$`), "字符串缺少结尾引号", nil},
	{regexp.MustCompile(`^invalid char escape$`), "无效的转义字符", nil},
	{regexp.MustCompile(`^unclosed comment$`), "注释没有结束", nil},
	{regexp.MustCompile(`^unrecognized character: (.*)$`), "无法识别的字符：$1", nil},
	{regexp.MustCompile(`^expected name$`), "此处应为名称", nil},
	{regexp.MustCompile(`^bad number syntax: (.*)$`), "数字格式有误：$1", nil},
	{regexp.MustCompile(`^invalid (integer|float|hex|octal|binary) literal: (.*)$`), "无效的数字：$2", nil},
	{regexp.MustCompile(`^(integer|float) literal is too large$`), "数字太大", nil},
	{regexp.MustCompile(`^Operator \((.*)\) and coalesce expressions \(\?\?\) cannot be mixed\. Wrap either by parentheses\.$`), "运算符 $1 不能与 ?? 混用，请用括号把其中一边括起来", nil},
	{regexp.MustCompile(`^not a workbook but a text file \(it starts with ("[^"]*")\): a CSV file renamed \.xlsx\? name it \.csv, or open it in Excel and save it as \.xlsx$`),
		"不是工作簿而是文本文件（开头为 $1）：是改了扩展名的 CSV 文件吗？请改名为 .csv，或在 Excel 中打开后另存为 .xlsx", nil},
}

// fragments are the phrases appended to several messages (did-you-mean,
// counts): translated in a message a pattern has translated.
var fragments = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(` \(did you mean ("[^"]*")\?\)`), "（是否应为 $1？）"},
	{regexp.MustCompile(` \((\d+) more rows? names? it\)`), "（另有 $1 行也写了它）"},
	{regexp.MustCompile(`; the first line must be a header row`), "；第一行必须是表头"},
	{regexp.MustCompile(`no subject of the group has a value \(is the metric in the data for this period\?\)`), "本组没有任何评价对象有值（该期数据中有这个指标吗？）"},
	{regexp.MustCompile(`only one subject of the group has a value`), "本组只有一个评价对象有值"},
	{regexp.MustCompile(`remove the thousands separators: (\S+)`), "去掉千位分隔符：$1（或在 data: 中设置 thousands: true）"},
	{regexp.MustCompile(`use a dot as the decimal separator and no thousands separators`), "用英文句点作小数点，不要千位分隔符"},
	{regexp.MustCompile(`write a decimal number \(12, -3\.5, 1e3\) or a percentage \(95%\), or leave the cell empty or NA when the value is missing`), "请填写数字（12、-3.5、1e3）或百分数（95%），缺失时留空或填 NA"},
	{regexp.MustCompile(`full-width digits \((U\+[0-9A-F]{4})\); type the number with ASCII digits`), "全角数字（$1）；请用半角数字输入"},
	{regexp.MustCompile(`all (\d+) values are equal \(([^)]*)\)`), "全部 $1 个值都相等（$2）"},
	{regexp.MustCompile(`; full-width colon "：" \(U\+FF1A\) on this line: YAML needs an ASCII colon ":"`), "；此行有全角冒号“：”（U+FF1A）：YAML 需要半角冒号 \":\""},
	{regexp.MustCompile(`; full-width space \(U\+3000\) on this line: YAML needs ASCII spaces " " to indent and to separate`), "；此行有全角空格（U+3000）：YAML 的缩进和分隔需要半角空格 \" \""},
	{regexp.MustCompile(`; tab \(U\+0009\) in the indentation of this line: YAML indents with spaces only`), "；此行的缩进中有制表符（U+0009）：YAML 只能用空格缩进"},
	{regexp.MustCompile(`^division by zero`), "除数为零"},
	{regexp.MustCompile(`^modulo by zero`), "对零取模"},
	{regexp.MustCompile(`^overflow in addition`), "加法溢出"},
	{regexp.MustCompile(`^overflow in subtraction`), "减法溢出"},
	{regexp.MustCompile(`^overflow in multiplication`), "乘法溢出"},
	{regexp.MustCompile(`^overflow in division`), "除法溢出"},
	{regexp.MustCompile(`^overflow in ratio`), "ratio 溢出"},
	{regexp.MustCompile(`^overflow in exp`), "exp 溢出"},
	{regexp.MustCompile(`^overflow in power`), "乘方溢出"},
	{regexp.MustCompile(`^overflow：`), "溢出："},
	{regexp.MustCompile(`^logarithm of zero`), "零的对数"},
	{regexp.MustCompile(`^logarithm of a negative number`), "负数的对数"},
	{regexp.MustCompile(`^square root of a negative number`), "负数的平方根"},
	{regexp.MustCompile(`^zero raised to a negative power`), "零的负数次幂"},
	{regexp.MustCompile(`^negative number raised to a fractional power`), "负数的分数次幂"},
}

// Message returns a warning message of a batch in lang: its Chinese when a
// pattern of the catalogue matches it, else msg itself.
func Message(lang Lang, msg string) string {
	if lang == En {
		return msg
	}
	for _, m := range messages {
		sub := m.re.FindStringSubmatchIndex(msg)
		if sub == nil {
			continue
		}
		if len(m.classes) == 0 {
			return translateFragments(string(m.re.ExpandString(nil, m.zh, msg, sub)))
		}
		// Replace the id submatches by their names, then expand.
		groups := m.re.FindStringSubmatch(msg)
		tmpl := m.zh
		for i, c := range m.classes {
			tmpl = strings.ReplaceAll(tmpl, "$"+strconv.Itoa(i), Name(lang, c, groups[i]))
		}
		return translateFragments(string(m.re.ExpandString(nil, tmpl, msg, sub)))
	}
	return msg
}

// translateFragments translates the appended phrases of a message.
func translateFragments(s string) string {
	for _, f := range fragments {
		s = f.re.ReplaceAllString(s, f.zh)
	}
	return s
}

// Error returns in lang an error message that was made by formatting the
// English format with args (diag.List.Add keeps both in diag.Error): the
// Chinese of format, from the catalogue, formatted with the arguments in
// Chinese, its appended phrases (did-you-mean, counts) translated. An
// argument is translated when it is itself a format with its arguments (a
// diag.Text), an error or a phrase the catalogue knows; ids, keys and
// values stay as written. A format without words ("%s: %s") needs no
// entry. msg, the English as made, is the fallback, shown through the
// patterns of Message when format is "" or has no Chinese entry.
func Error(lang Lang, format string, args []any, msg string) string {
	if lang == En {
		return msg
	}
	if s, ok := formatZh(format, args); ok {
		return translateFragments(s)
	}
	return Message(lang, msg)
}

// parted is a message kept as its format and arguments (diag.Text).
type parted interface{ Parts() (string, []any) }

// formatZh formats the Chinese of format with args in Chinese; ok is
// false when format has no Chinese entry.
func formatZh(format string, args []any) (string, bool) {
	z, ok := zh[format]
	if !ok {
		if format == "" || hasWords(format) {
			return "", false
		}
		z = format
	}
	tr := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case parted:
			f, as := v.Parts()
			if s, ok := formatZh(f, as); ok {
				a = s
			} else {
				a = Message(Zh, fmt.Sprint(v))
			}
		case error:
			a = Message(Zh, v.Error())
		case string:
			if s := argument(v); s != v {
				a = s
			} else {
				a = Message(Zh, v)
			}
		case fmt.Stringer:
			if s := v.String(); argument(s) != s {
				a = argument(s)
			}
		}
		tr[i] = a
	}
	return fmt.Sprintf(z, tr...), true
}

// hasWords tells whether a format has words to translate (a bare "%s: %s"
// has not).
func hasWords(format string) bool {
	f := verbRe.ReplaceAllString(format, "")
	return strings.IndexFunc(f, unicode.IsLetter) >= 0
}

// verbRe matches a formatting verb.
var verbRe = regexp.MustCompile(`%(\[\d+\])?[-+# 0-9.]*[a-zA-Z%]`)

// arguments are the English phrases that messages take as arguments (what
// a YAML value is, which node or mapping is concerned), with their
// Chinese: an argument is translated when a pattern matches it whole.
var arguments = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`^node ("[^"]*")$`), "节点 $1"},
	{regexp.MustCompile(`^tree node( \d+)?$`), "指标树节点$1"},
	{regexp.MustCompile(`^metric ("[^"]*")$`), "指标 $1"},
	{regexp.MustCompile(`^grade ("[^"]*"|\d+)$`), "等次 $1"},
	{regexp.MustCompile(`^adjustment ("[^"]*"|\d+)$`), "加减分项 $1"},
	{regexp.MustCompile(`^assessment item ("[^"]*"|\d+)$`), "测评项目 $1"},
	{regexp.MustCompile(`^indicator set$`), "指标体系"},
	{regexp.MustCompile(`^string (".*")$`), "字符串 $1"},
	{regexp.MustCompile(`^null \(an empty value\)$`), "null（空值）"},
	{regexp.MustCompile(`^a block string$`), "块字符串"},
	{regexp.MustCompile(`^number (\S+)$`), "数字 $1"},
	{regexp.MustCompile(`^boolean (\S+)$`), "布尔值 $1"},
	{regexp.MustCompile(`^a mapping$`), "映射"},
	{regexp.MustCompile(`^a list$`), "列表"},
	{regexp.MustCompile(`^a (alias|anchor|tag|directive|comment|document)$`), "YAML $1"},
	{regexp.MustCompile(`^leaf$`), "末级指标"},
	{regexp.MustCompile(`^leaf ("[^"]*")$`), "末级指标 $1"},
	{regexp.MustCompile(`^adjustment ("[^"]*"): (points|when)$`), "加减分项 $1：$2"},
	{regexp.MustCompile(`^node ("[^"]*"): applies_when$`), "节点 $1：applies_when"},
	{regexp.MustCompile(`^number$`), "数值"},
	{regexp.MustCompile(`^1 rating$`), "1 条评分"},
	{regexp.MustCompile(`^(\d+) ratings$`), "$1 条评分"},
	{regexp.MustCompile(`^metric ("[^"]*"): $`), "指标 $1："},
	{regexp.MustCompile(`^below the declared min$`), "低于声明的最小值"},
	{regexp.MustCompile(`^above the declared max$`), "高于声明的最大值"},
	{regexp.MustCompile(`^operator (\S+) is$`), "运算符 $1"},
	{regexp.MustCompile(`^(\*ast\.\w+) is$`), "$1"},
	{regexp.MustCompile(`^(\d+) arguments$`), "$1 个参数"},
	{regexp.MustCompile(`^at least (\d+) arguments$`), "至少 $1 个参数"},
	{regexp.MustCompile(`^bool$`), "布尔值"},
	{regexp.MustCompile(`^string$`), "字符串"},
	{regexp.MustCompile(`^composite$`), "上级指标"},
	{regexp.MustCompile(`^leaf \(it has expr\)$`), "末级指标（它有 expr）"},
	{regexp.MustCompile(`^composite \(it has children\)$`), "上级指标（它有 children）"},
	{regexp.MustCompile(`^control character (U\+[0-9A-F]{4}) \((\w+)\) at character (\d+)$`), "第 $3 个字符是控制字符 $1（$2）"},
	{regexp.MustCompile(`^control character (U\+[0-9A-F]{4}) at character (\d+)$`), "第 $2 个字符是控制字符 $1"},
}

// argument returns the Chinese of an argument of a message, or s itself.
func argument(s string) string {
	if z, ok := zhArgs[s]; ok {
		return z
	}
	for _, a := range arguments {
		if a.re.MatchString(s) {
			return a.re.ReplaceAllString(s, a.zh)
		}
	}
	return s
}
