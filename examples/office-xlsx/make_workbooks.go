//go:build ignore

// make_workbooks.go writes the workbooks of the office-xlsx example: what
// the departments of a district evaluation office send it, as they send
// it (their own sheets, title rows, headers, names instead of ids,
// thousands separators) and a raw 问卷星 satisfaction export. Run it from
// the repository root:
//
//	go run ./examples/office-xlsx/make_workbooks.go [DIR]
//
// (DIR defaults to examples/office-xlsx/data). The data are invented.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/xuri/excelize/v2"
)

type sheet struct {
	name string
	rows [][]any
}

func write(dir, file string, sheets ...sheet) {
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			must(f.SetSheetName("Sheet1", s.name))
		} else {
			_, err := f.NewSheet(s.name)
			must(err)
		}
		for r, row := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			must(f.SetSheetRow(s.name, cell, &row))
		}
	}
	must(f.SaveAs(filepath.Join(dir, file)))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	dir := filepath.Join("examples", "office-xlsx", "data")
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	must(os.MkdirAll(dir, 0o755))

	// The office's list of evaluated bodies: a title row, then the header.
	write(dir, "单位名单.xlsx", sheet{"名单", [][]any{
		{"2024年度青山区基层治理绩效考核单位名单"},
		{"序号", "单位编码", "单位名称", "单位类别", "联系人"},
		{1, "gd-police", "青山区公安分局", "政府部门", "王"},
		{2, "gd-justice", "青山区司法局", "政府部门", "李"},
		{3, "gd-civil", "青山区民政局", "政府部门", "张"},
		{4, "gd-petition", "青山区信访局", "政府部门", "赵"},
		{5, "ao-qingshan", "青山社区居委会", "村居委会", "刘"},
		{6, "ao-hexi", "河西社区居委会", "村居委会", "陈"},
		{7, "ao-dongcun", "东村村委会", "村居委会", "杨"},
		{8, "ao-beicun", "北村村委会", "村居委会", "黄"},
	}})

	// 统计局: population by name, no period column, thousands separators
	// typed as text.
	write(dir, "统计局_常住人口.xlsx", sheet{"2024", [][]any{
		{"单位名称", "常住人口（人）", "备注"},
		{"青山社区居委会", "12,380"},
		{"河西社区居委会", "9,865"},
		{"东村村委会", "3,120"},
		{"北村村委会", "2,745"},
	}})

	// 公安分局: cases (for the communities and villages only: "-" for the
	// departments) and disputes received, by name.
	write(dir, "公安分局_治安数据.xlsx", sheet{"报送表", [][]any{
		{"青山区公安分局2024年治安数据报送表"},
		{"序号", "单位名称", "刑事案件数", "受理矛盾纠纷数"},
		{1, "青山区公安分局", "-", "2,465"},
		{2, "青山区司法局", "-", "1,210"},
		{3, "青山区民政局", "-", 436},
		{4, "青山区信访局", "-", 905},
		{5, "青山社区居委会", 61, 212},
		{6, "河西社区居委会", 88, 175},
		{7, "东村村委会", 9, 48},
		{8, "北村村委会", 14, 39},
	}})

	// 司法局: disputes resolved, by id, with its own headers and a year
	// column.
	write(dir, "司法局_调解数据.xlsx", sheet{"调解", [][]any{
		{"单位编码", "年度", "化解矛盾纠纷数", "备注"},
		{"gd-police", "2024", 2290},
		{"gd-justice", "2024", 1176},
		{"gd-civil", "2024", 401},
		{"gd-petition", "2024", 781, "含积案"},
		{"ao-qingshan", "2024", 205},
		{"ao-hexi", "2024", 151},
		{"ao-dongcun", "2024", 47},
		{"ao-beicun", "2024", 33},
	}})

	// 第三方评估机构: one score per body, by name.
	write(dir, "第三方评估结果.xlsx", sheet{"结果", [][]any{
		{"被评估单位", "综合得分", "评估等次"},
		{"青山区公安分局", 86.5, "良好"},
		{"青山区司法局", 91, "优秀"},
		{"青山区民政局", 78.5, "合格"},
		{"青山区信访局", 72, "合格"},
		{"青山社区居委会", 88, "良好"},
		{"河西社区居委会", 81.5, "良好"},
		{"东村村委会", 93, "优秀"},
		{"北村村委会", 76, "合格"},
	}})

	// 问卷星: one row per respondent, one column per question.
	q := []string{"序号", "提交答卷时间", "所用时间", "来源IP",
		"1、您对青山区公安分局的工作是否满意", "2、您对青山区司法局的工作是否满意",
		"3、您对青山区民政局的工作是否满意", "4、您对青山区信访局的工作是否满意",
		"5、您对所在社区（村）居（村）委会的工作是否满意（青山社区）", "6、（河西社区）", "7、（东村）", "8、（北村）"}
	header := make([]any, len(q))
	for i, s := range q {
		header[i] = s
	}
	answers := [][]string{
		{"非常满意", "满意", "一般", "不满意", "非常满意", "满意", "非常满意", ""},
		{"满意", "非常满意", "满意", "一般", "满意", "", "满意", "一般"},
		{"满意", "满意", "一般", "一般", "非常满意", "满意", "非常满意", "满意"},
		{"一般", "满意", "满意", "不满意", "满意", "一般", "满意", "一般"},
		{"非常满意", "非常满意", "一般", "一般", "", "满意", "非常满意", "不满意"},
		{"满意", "满意", "不满意", "非常不满意", "满意", "满意", "满意", "一般"},
		{"满意", "一般", "满意", "一般", "非常满意", "一般", "", "满意"},
		{"非常满意", "满意", "满意", "满意", "满意", "满意", "非常满意", "一般"},
	}
	rows := [][]any{header}
	for i, a := range answers {
		row := []any{i + 1, fmt.Sprintf("2024/12/%d 10:%02d:00", 2+i%5, 7*i%60), fmt.Sprintf("%d秒", 60+13*i), fmt.Sprintf("10.0.0.%d", i+1)}
		for _, x := range a {
			row = append(row, x)
		}
		rows = append(rows, row)
	}
	write(dir, "问卷星_群众满意度调查.xlsx", sheet{"Sheet1", rows})
}
