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
		// JSON API.
		{"POST", "/api/v1/tokens", adminOnly, false, "open a rating round (or add to one) and issue rater tokens, shown this once", s.apiTokens},
		{"GET", "/api/v1/rounds", adminOnly, false, "the rating rounds and their numbers of submissions", s.apiRounds},
		{"POST", "/api/v1/rounds/{id}/close", adminOnly, false, "close a rating round: its answers become ratings, in one submission", s.apiCloseRound},
		{"POST", "/api/v1/questionnaires/{token}", public, false, "submit a rater token's questionnaire, once", s.apiQuestionnaire},

		// Pages.
		{"GET", "/provider/template", adminProvider, false, "", s.pageTemplate},
		{"POST", "/provider/upload", adminProvider, true, "", s.pageUpload},
		{"POST", "/provider/confirm", adminProvider, false, "", s.pageConfirm},
		{"GET", "/admin/rounds", adminOnly, false, "", s.pageRounds},
		{"POST", "/admin/rounds", adminOnly, false, "", s.pageAddRound},
		{"POST", "/admin/rounds/{id}/tokens", adminOnly, false, "", s.pageIssueTokens},
		{"POST", "/admin/rounds/{id}/tokens.csv", adminOnly, false, "", s.pageTokensCSV},
		{"POST", "/admin/rounds/{id}/close", adminOnly, false, "", s.pageCloseRound},
		{"GET", "/q/{token}", public, false, "", s.pageQuestionnaire},
		{"POST", "/q/{token}", public, false, "", s.pageQuestionnairePost},
		{"GET", "/rounds", subjectOnly, false, "", s.pageMyRounds},
		{"GET", "/rounds/{id}", subjectOnly, false, "", s.pageMyRound},
		{"POST", "/rounds/{id}", subjectOnly, false, "", s.pageMyRoundPost},
		{"GET", "/assessor", assessorOnly, false, "", s.pageAssessor},
		{"POST", "/assessor", assessorOnly, true, "", s.pageAssessorPost},
	}
}

// subjectOnly and assessorOnly: the subject accounts, the assessors.
var (
	subjectOnly  = access{roles: []string{"subject"}}
	assessorOnly = access{roles: []string{"assessor"}}
)

// collectPages are the page templates of collection, added to pages.
var collectPages = []string{"preview", "rounds", "tokens", "questionnaire", "myrounds", "assessor"}

// collectMessages are the page labels of collection: key → {zh, en}.
var collectMessages = map[string][2]string{
	"preview":           {"核对后确认", "Check, then confirm"},
	"confirm":           {"确认保存为新版本", "Confirm: store as a new version"},
	"upload":            {"上传并预览", "Upload and preview"},
	"xlsx_file":         {"文件（CSV 或 XLSX）", "File (CSV or XLSX)"},
	"template_dl":       {"下载本单位填报模板（XLSX）", "Download your fill-in workbook (XLSX)"},
	"choose_file":       {"请选择 CSV 或 XLSX 文件", "choose a CSV or XLSX file"},
	"draft_used":        {"这份上传已经确认过了。", "This upload was confirmed already."},
	"period_locked":     {"期间 %s 已锁定，不再接受报送。", "Period %s is locked: no submission is taken."},
	"old_new":           {"原值 → 新值", "old → new"},
	"problems":          {"文件中的问题（未保存任何数据）", "Problems in the file (nothing was stored)"},
	"cell":              {"单元格", "Cell"},
	"message":           {"说明", "Message"},
	"rounds":            {"评议轮次", "Rating rounds"},
	"tokens":            {"评议码（仅显示这一次）", "Rater tokens (shown this once)"},
	"questionnaire":     {"评议问卷", "Questionnaire"},
	"rate_peers":        {"互评", "Rate your peers"},
	"subjects":          {"被评议单位", "Subjects to rate"},
	"peers_opt":         {"被评议单位的账号互评（双向测评）", "The subjects' own accounts rate each other (two-way)"},
	"self_opt":          {"并自评（self）", "and rate themselves (self)"},
	"new_round":         {"新建评议轮次", "Open a round"},
	"issue":             {"生成评议码", "Issue tokens"},
	"count":             {"数量", "Number"},
	"close_round":       {"结束并计入评分", "Close: store the answers as ratings"},
	"submitted_n":       {"已提交", "Submitted"},
	"closed":            {"已结束", "closed"},
	"download_csv":      {"下载这些评议码（CSV）", "Download these tokens (CSV)"},
	"print":             {"打印本页：每张卡片一个评议码。评议码不会再次显示。", "Print this page: one token per card. The tokens are not shown again."},
	"save":              {"暂存", "Save for later"},
	"submit_answers":    {"提交（提交后不能修改）", "Submit (final)"},
	"saved":             {"已暂存。用同一链接可以继续填写。", "Saved. Open the same link to go on."},
	"thanks":            {"已提交，谢谢！评分将在评议结束后匿名计入。", "Submitted, thank you. The ratings are stored anonymously when the round closes."},
	"already_submitted": {"这份问卷已经提交过了。", "This questionnaire was submitted already."},
	"round_closed":      {"本轮评议已结束。", "This rating round is closed."},
	"no_questionnaire":  {"没有这份问卷：请检查链接。", "No such questionnaire: check the link."},
	"fix_answers":       {"有答案需要修改，见标出的题目。", "Some answers need fixing: see the marked questions."},
	"no_answer":         {"请至少填写一项评分。", "Give at least one rating."},
	"scale":             {"评分范围", "Scale"},
	"blank_ok":          {"不了解的单位可以留空。", "Leave a subject blank if you cannot judge it."},
	"self_role":         {"（自评）", "(self)"},
	"assessor":          {"第三方评估结果报送", "Third-party results"},
	"your_items":        {"本机构评估的项目", "The items you assess"},
	"assessor_layout":   {"CSV 文件，列为 period,item,subject,rater,role,score（role 为 third_party）。", "A CSV file with the columns period,item,subject,rater,role,score (role third_party)."},
	"preview_only":      {"仅预览", "Preview only"},
	"submit_ratings":    {"报送", "Submit"},
	"none_rounds":       {"目前没有需要您评议的轮次。", "No round asks for your ratings now."},
	"anon_note":         {"匿名：评分不与评议码或提交时间关联。", "Anonymous: no rating is linked to the token or the time it was given."},
}

func init() {
	base := template.Must(template.New("").Funcs(pageFuncs).ParseFS(templateFS, "templates/layout.html"))
	for _, n := range collectPages {
		pages[n] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html"))
	}
	addMessages("collect", collectMessages)
}

// addMessages adds the page labels m of part to messages; a key that is
// there already is a programming error (one part's label would silently
// replace another's, whichever init runs last).
func addMessages(part string, m map[string][2]string) {
	for k, v := range m {
		if _, dup := messages[k]; dup {
			panic(part + ": duplicate page label " + k)
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

// logPath is a request path as the log may hold it: a rater token in the
// path (/q/{token}, /api/v1/questionnaires/{token}) is replaced by "…",
// so that no log line names the token a request used.
func logPath(p string) string {
	for _, pre := range []string{"/q/", "/api/v1/questionnaires/"} {
		if strings.HasPrefix(p, pre) {
			return pre + "…"
		}
	}
	return p
}
