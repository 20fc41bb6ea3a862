package workbook

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Template is a fill-in workbook for a data provider (SPEC §3.1, `govscore
// template`): one row per subject, one column per metric.
type Template struct {
	// Provider is the department the workbook is for ("" for all).
	Provider string
	// Period is the period the values are for, written in every row.
	Period string
	// Subjects are the rows.
	Subjects []TemplateSubject
	// Metrics are the columns, in order.
	Metrics []TemplateMetric
}

// TemplateSubject is one row of a Template.
type TemplateSubject struct{ ID, Name string }

// TemplateMetric is one column of a Template: the metric's identifier
// (the header), its title and unit (shown in the prompt and the
// instructions) and its declared bounds (nil for none), which become the
// column's Excel data validation.
type TemplateMetric struct {
	Name, Title, Unit string
	Min, Max          *float64
}

// The sheets of a template.
const (
	TemplateDataSheet = "填报"
	TemplateHelpSheet = "说明"
)

// WriteTemplate writes t as an .xlsx workbook to w. The first sheet holds
// the data in the metrics file layout govscore reads without any mapping
// (wide: subject, period, one column per metric; the subject's name in the
// note column, which is not read); the second the instructions. Each metric
// column accepts only numbers within the metric's min and max (a blank cell
// is a missing value).
func WriteTemplate(w io.Writer, t Template) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", TemplateDataSheet); err != nil {
		return err
	}
	if _, err := f.NewSheet(TemplateHelpSheet); err != nil {
		return err
	}
	const fixed = 3 // subject, period, note
	header := []any{"subject", "period", "note"}
	for _, m := range t.Metrics {
		header = append(header, m.Name)
	}
	if err := f.SetSheetRow(TemplateDataSheet, "A1", &header); err != nil {
		return err
	}
	for i, s := range t.Subjects {
		row := []any{s.ID, t.Period, s.Name}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(TemplateDataSheet, cell, &row); err != nil {
			return err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(header), 1)
	if err := f.SetCellStyle(TemplateDataSheet, "A1", last, bold); err != nil {
		return err
	}
	if err := f.SetPanes(TemplateDataSheet, &excelize.Panes{Freeze: true, XSplit: fixed, YSplit: 1, TopLeftCell: "D2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := f.SetColWidth(TemplateDataSheet, "A", "B", 12); err != nil {
		return err
	}
	if err := f.SetColWidth(TemplateDataSheet, "C", "C", 24); err != nil {
		return err
	}
	rows := max(len(t.Subjects), 1) + 1
	for k, m := range t.Metrics {
		col, _ := excelize.ColumnNumberToName(fixed + 1 + k)
		if err := f.SetColWidth(TemplateDataSheet, col, col, float64(max(12, len(m.Name)+2))); err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, rows)
		if err := validation(dv, m); err != nil {
			return fmt.Errorf("metric %s: %w", m.Name, err)
		}
		dv.SetInput(clipRunes(m.Name, 32), clipRunes(describe(m), 255))
		dv.SetError(excelize.DataValidationErrorStyleStop, "govscore", clipRunes("请输入数字 / enter a number: "+bounds(m), 225))
		if err := f.AddDataValidation(TemplateDataSheet, dv); err != nil {
			return err
		}
	}
	help := [][]any{
		{"govscore 填报说明 / instructions"},
		{"报送单位 / provider", t.Provider},
		{"期间 / period", t.Period},
		{},
		{"在“" + TemplateDataSheet + "”表中每个单位一行、每个指标一列填写数字；空白表示缺失。不要改动第一行、subject 列和 period 列。"},
		{"Fill in one number per subject (row) and metric (column) on the sheet " + TemplateDataSheet + "; leave a cell blank when the value is missing. Do not change row 1 or the subject and period columns."},
		{"95% 可写作 95% 或 0.95；不要写千分位逗号。 / Write 95% or 0.95; no thousands separators."},
		{},
		{"指标 / metric", "名称 / name", "单位 / unit", "最小值 / min", "最大值 / max"},
	}
	for _, m := range t.Metrics {
		help = append(help, []any{m.Name, m.Title, m.Unit, num(m.Min), num(m.Max)})
	}
	for i, row := range help {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(TemplateHelpSheet, cell, &row); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(TemplateHelpSheet, "A", "A", 24); err != nil {
		return err
	}
	if err := f.SetColWidth(TemplateHelpSheet, "B", "E", 16); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// validation sets dv to accept the numbers within m's bounds.
func validation(dv *excelize.DataValidation, m TemplateMetric) error {
	lim := func(p *float64) float64 { return math.Max(-math.MaxFloat32, math.Min(math.MaxFloat32, *p)) }
	switch {
	case m.Min != nil && m.Max != nil:
		return dv.SetRange(lim(m.Min), lim(m.Max), excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween)
	case m.Min != nil:
		return dv.SetRange(lim(m.Min), "", excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorGreaterThanOrEqual)
	case m.Max != nil:
		return dv.SetRange(lim(m.Max), "", excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorLessThanOrEqual)
	}
	return dv.SetRange(-math.MaxFloat32, math.MaxFloat32, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween)
}

func describe(m TemplateMetric) string {
	s := m.Title
	if s == "" {
		s = m.Name
	}
	if m.Unit != "" {
		s += "（" + m.Unit + "）"
	}
	if b := bounds(m); b != "" {
		s += " " + b
	}
	return s
}

func bounds(m TemplateMetric) string {
	switch {
	case m.Min != nil && m.Max != nil:
		return fmt.Sprintf("%s ≤ x ≤ %s", num(m.Min), num(m.Max))
	case m.Min != nil:
		return fmt.Sprintf("x ≥ %s", num(m.Min))
	case m.Max != nil:
		return fmt.Sprintf("x ≤ %s", num(m.Max))
	}
	return ""
}

func num(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func clipRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		return string(r[:n])
	}
	return string(r)
}
