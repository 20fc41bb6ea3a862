package i18n

// zhEngine is the Chinese of the errors in expressions (package engine),
// keyed by their English format; init merges it into zh.
var zhEngine = map[string]string{
	// The frame of an expression error: its label, the message, the
	// source line with a caret.
	"%s: %s%s": "%s：%s%s",
	"%s must be followed by a name, as in %s.%s": "%s 后面必须跟一个名称，如 %s.%s",
	"%s needs number arguments, got %s":          "%s 的参数必须是数值，实际为%s",
	"%s not supported (%s)":                      "不支持%s（%s）",
	"%s takes %s, got %d":                        "%s 需要 %s，实际为 %d 个",
	"%s takes 1 argument, a metric name, got %d": "%s 需要 1 个参数，即一个指标名，实际为 %d 个",
	"%s takes a metric or derived-metric name (or prev.<metric>), not an expression; declare the expression as a derived metric under metrics: and pass its name": "%s 的参数必须是指标名或派生指标名（或 prev.<指标>），不能是表达式；请在 metrics: 下把该表达式声明为派生指标，再传入它的名称",
	"%s: unknown metric %q in prev.%s%s": "%s：prev.%[3]s 中的指标 %[2]q 不存在%[4]s",
	"%s: unknown metric %q%s":            "%s：指标 %q 不存在%s",
	"a comparison with nil is always missing: test a missing value with has(x), x ?? default or n_present(…)": "与 nil 比较的结果总是缺失：判断缺失值请用 has(x)、x ?? 默认值 或 n_present(…)",
	"a list after in must hold constants":                                                                 "in 后面的列表只能包含常量",
	"both branches of ?: must be numbers or both bools, got %s and %s":                                    "?: 的两个分支必须都是数值或都是布尔值，实际为%s和%s",
	"brackets nested more than %d deep: simplify the expression or split it into named metrics":           "括号嵌套超过 %d 层：请简化表达式，或拆分为命名的派生指标",
	"condition must be bool, got %s":                                                                      "条件必须是布尔值，实际为%s",
	"derived metrics form a cycle: %s":                                                                    "派生指标之间循环引用：%s",
	"expression is %d bytes long, more than %d: split it into named metrics (metrics: {name: {expr: …}})": "表达式长 %d 字节，超过 %d：请拆分为命名的派生指标（metrics: {name: {expr: …}}）",
	"expression must produce a %s, got %s":                                                                "表达式的结果必须是%s，实际为%s",
	"function %q not supported (functions: %s)":                                                           "不支持函数 %q（可用函数：%s）",
	"function %s must be called, as in %s(…)":                                                             "函数 %s 必须调用，如 %s(…)",
	"group.%s must be called on a metric, as in group.median(<metric>)":                                   "group.%s 必须作用于一个指标，如 group.median(<指标>)",
	"it may read only subject.<attribute> and period, not %s: %s is decided before any data is scored; put a condition on data in a leaf expression or an adjustment": "这里只能读取 subject.<属性> 和 period，不能读取 %s：%s 在计分之前就已确定；依赖数据的条件请写在末级指标表达式或加减分项中",
	"list after in holds a %s, want numbers like its left operand":                                                                            "in 后面的列表中有%s，应与左边一样是数值",
	"list after in holds a %s, want strings like its left operand":                                                                            "in 后面的列表中有%s，应与左边一样是字符串",
	"metric name %q is reserved (it names a function or one of prev, subject, assess, period, group)":                                         "指标名 %q 是保留字（它是函数名，或是 prev、subject、assess、period、group 之一）",
	"nil in [...] is always missing: test a missing value with has(x)":                                                                        "[...] 中的 nil 总是缺失：判断缺失值请用 has(x)",
	"nil is the missing number and cannot stand where a bool is needed; a condition that may be missing is written with has(x) or x ?? false": "nil 表示缺失的数值，不能用在需要布尔值的地方；可能缺失的条件请写成 has(x) 或 x ?? false",
	"operator %s needs a bool, got %s":                                                                                                        "运算符 %s 需要布尔值，实际为%s",
	"operator %s needs a number, got %s":                                                                                                      "运算符 %s 需要数值，实际为%s",
	"operator %s needs bools, got %s and %s":                                                                                                  "运算符 %s 需要布尔值，实际为%s和%s",
	"operator %s needs numbers, got %s and %s (or two strings)":                                                                               "运算符 %s 需要数值（或两个字符串），实际为%s和%s",
	"operator %s needs numbers, got %s and %s":                                                                                                "运算符 %s 需要数值，实际为%s和%s",
	"operator %s needs operands of one type, got %s and %s":                                                                                   "运算符 %s 两边的类型必须相同，实际为%s和%s",
	"operator ?? needs two numbers or two bools, got %s and %s":                                                                               "运算符 ?? 需要两个数值或两个布尔值，实际为%s和%s",
	"operator in needs a number or a string on its left, got %s":                                                                              "运算符 in 左边必须是数值或字符串，实际为%s",
	"syntax error: %s":             "语法错误：%s",
	"unknown assessment item %q%s": "测评项目 %q 不存在%s",
	"unknown function %q%s":        "函数 %q 不存在%s",
	"unknown group statistic %q%s; group statistics are mean, median, min, max, sd, count": "同类组统计量 %q 不存在%s；可用的统计量为 mean、median、min、max、sd、count",
	"unknown metric %q in prev.%s%s": "prev.%[2]s 中的指标 %[1]q 不存在%[3]s",
	"unknown metric %q%s":            "指标 %q 不存在%s",
	"unknown subject attribute %q%s": "评价对象属性 %q 不存在%s",
}

// zhArgs is the Chinese of the constant phrases that messages take as
// arguments, matched whole.
var zhArgs = map[string]string{
	"optional chaining (?.) is":      "可选链（?.）",
	"a list outside `x in [...]` is": "在 `x in [...]` 以外使用列表",
	"a map is":                       "映射",
	"slicing is":                     "切片",
	"a closure is":                   "闭包",
	"let is":                         "let",
	"a sequence (;) is":              "语句序列（;）",
	"this member access is":          "这种成员访问",
	"calling a method is":            "方法调用",
	"in over anything but a literal list [...] is":                                     "in 后面不是字面列表 [...]",
	"member access other than prev.<metric>, subject.<attribute> and assess.<item> is": "prev.<指标>、subject.<属性>、assess.<项目> 以外的成员访问",
	"1 argument": "1 个参数",
	"supported: numbers, strings, true/false, metrics, prev.<metric>, subject.<attribute>, " +
		"assess.<item>, period, arithmetic, comparisons, and/or/not, ?:, ??, in [list] and the functions " +
		"abs, ceil, clamp, coalesce, exp, floor, has, log, log10, max, min, n_present, pow, ratio, round, sqrt, " +
		"group.mean|median|min|max|sd|count(<metric>), and nil (the missing number)": "支持：数字、字符串、true/false、指标、prev.<指标>、subject.<属性>、" +
		"assess.<项目>、period、算术运算、比较、and/or/not、?:、??、in [列表] 以及函数 " +
		"abs, ceil, clamp, coalesce, exp, floor, has, log, log10, max, min, n_present, pow, ratio, round, sqrt, " +
		"group.mean|median|min|max|sd|count(<指标>)，以及 nil（缺失的数值）",
}
