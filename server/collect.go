package server

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
)

// collectRoutes are the routes of collection on the server (issue 15):
// providers' uploads through the browser, rating rounds, rater tokens and
// their questionnaires, and third-party assessors' ratings.
func (s *Server) collectRoutes() []route {
	return []route{
		// Pages.
		{"GET", "/provider/template", adminProvider, false, "", s.pageTemplate},
		{"POST", "/provider/upload", adminProvider, true, "", s.pageUpload},
		{"POST", "/provider/confirm", adminProvider, false, "", s.pageConfirm},
	}
}

// collectPages are the page templates of collection, added to pages.
var collectPages = []string{"preview"}

// collectMessages are the page labels of collection: key → {zh, en}.
var collectMessages = map[string][2]string{
	"preview":       {"核对后确认", "Check, then confirm"},
	"confirm":       {"确认保存为新版本", "Confirm: store as a new version"},
	"upload":        {"上传并预览", "Upload and preview"},
	"xlsx_file":     {"文件（CSV 或 XLSX）", "File (CSV or XLSX)"},
	"template_dl":   {"下载本单位填报模板（XLSX）", "Download your fill-in workbook (XLSX)"},
	"choose_file":   {"请选择 CSV 或 XLSX 文件", "choose a CSV or XLSX file"},
	"draft_used":    {"这份上传已经确认过了。", "This upload was confirmed already."},
	"period_locked": {"期间 %s 已锁定，不再接受报送。", "Period %s is locked: no submission is taken."},
	"old_new":       {"原值 → 新值", "old → new"},
	"problems":      {"文件中的问题（未保存任何数据）", "Problems in the file (nothing was stored)"},
	"cell":          {"单元格", "Cell"},
	"message":       {"说明", "Message"},
}

func init() {
	base := template.Must(template.New("").Funcs(pageFuncs).ParseFS(templateFS, "templates/layout.html"))
	for _, n := range collectPages {
		pages[n] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html"))
	}
	for k, v := range collectMessages {
		if _, dup := messages[k]; dup {
			panic("collect: duplicate page label " + k)
		}
		messages[k] = v
	}
}

// urlPathEscape escapes s for a URL path segment.
func urlPathEscape(s string) string { return url.PathEscape(s) }

// Where is the position of a problem as a person reads it: file:Sheet!C12
// in a workbook, file:line:column in a CSV file.
func (e cellError) Where() string {
	if e.Line == 0 {
		return e.File
	}
	if strings.Contains(e.Cell, "!") {
		return e.File + ":" + e.Cell
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Column)
}
