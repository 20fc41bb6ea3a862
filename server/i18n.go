package server

import (
	"net/http"
	"time"

	"github.com/govscore/govscore/i18n"
)

// Languages are the page languages, i18n's; the first is the default.
var Languages = i18n.Codes()

// messages holds the page labels: key → {zh, en}.
var messages = map[string][2]string{
	"site":          {"治理效能评价", "Governance evaluation"},
	"skip":          {"跳到正文", "Skip to content"},
	"published":     {"已发布的评价", "Published evaluations"},
	"none":          {"尚无已发布的评价。", "Nothing is published yet."},
	"period":        {"期间", "Period"},
	"batch":         {"批次", "Batch"},
	"published_at":  {"发布时间", "Published"},
	"supersedes":    {"本批次取代了批次", "This batch supersedes batch"},
	"see_diff":      {"查看变化", "see what changed"},
	"ranking":       {"排名", "Ranking"},
	"group":         {"分组", "Peer group"},
	"rank":          {"名次", "Rank"},
	"subject":       {"被考核单位", "Subject"},
	"score":         {"得分", "Score"},
	"grade":         {"等次", "Grade"},
	"coverage":      {"数据覆盖率", "Coverage"},
	"unrated":       {"未评级", "unrated"},
	"vetoed":        {"一票否决", "vetoed"},
	"explanation":   {"得分说明", "How the score was built"},
	"node":          {"指标", "Indicator"},
	"value":         {"数值", "Value"},
	"raw":           {"原始值", "Raw value"},
	"weight":        {"权重", "Weight"},
	"status":        {"状态", "Status"},
	"methodology":   {"评价方法", "Methodology"},
	"downloads":     {"下载", "Downloads"},
	"diff":          {"与上一版的变化", "Changes since the superseded batch"},
	"inputs":        {"变化的数据", "Inputs that changed"},
	"results":       {"变化的结果", "Results that changed"},
	"metric":        {"数据项", "Metric"},
	"old":           {"原值", "Old"},
	"new":           {"新值", "New"},
	"login":         {"登录", "Log in"},
	"logout":        {"退出", "Log out"},
	"name":          {"名称", "Name"},
	"account":       {"账号", "Account"},
	"password":      {"密码", "Password"},
	"admin":         {"考核办工作台", "Office dashboard"},
	"periods":       {"期间", "Periods"},
	"open":          {"开放报送", "open"},
	"locked":        {"已锁定", "locked"},
	"open_period":   {"开放期间", "Open period"},
	"lock":          {"锁定", "Lock"},
	"reopen":        {"重新开放", "Reopen"},
	"runs":          {"评价批次", "Batches"},
	"run":           {"运行评价", "Run a batch"},
	"approve":       {"审核通过", "Approve"},
	"publish":       {"发布", "Publish"},
	"cancel":        {"取消", "Cancel"},
	"progress":      {"进度", "Progress"},
	"audit":         {"审计日志", "Audit log"},
	"actor":         {"操作人", "Actor"},
	"action":        {"操作", "Action"},
	"object":        {"对象", "Object"},
	"at":            {"时间", "Time"},
	"submit":        {"报送数据", "Submit data"},
	"file":          {"文件（CSV）", "File (CSV)"},
	"dry_run":       {"仅预览，不保存", "Preview only, store nothing"},
	"your_metrics":  {"本单位负责报送的数据项", "The metrics you submit"},
	"my_result":     {"本单位的评价结果", "My result"},
	"not_published": {"尚未发布。", "Not published yet."},
	"error":         {"出错了", "Something went wrong"},
	"home":          {"首页", "Home"},
	"refresh":       {"刷新", "Refresh"},
	"history":       {"数据版本", "Value history"},
	"by":            {"报送人", "By"},
	"done":          {"已完成", "done"},
	"lang_other":    {"English", "中文"},
	"added":         {"新增", "added"},
	"changed":       {"修改", "changed"},
	"unchanged":     {"未变", "unchanged"},
	"version":       {"版本", "version"},
	"direction":     {"方向", "Direction"},
	"normalize":     {"标准化", "Normalisation"},
	"expr":          {"计算公式", "Expression"},
}

// langOf is the page language: the lang cookie, else Chinese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh"
}

// tr translates a label key into lang.
func tr(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

// pageLang is GET /lang/{lang}?back=/path: switches the language (a
// cookie) and goes back to a page of this site.
func (s *Server) pageLang(w http.ResponseWriter, r *http.Request) {
	l := r.PathValue("lang")
	if l != "zh" && l != "en" {
		s.fail(w, r, http.StatusNotFound, "not_found", "unknown language "+l)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		SameSite: http.SameSiteLaxMode, HttpOnly: true, Secure: r.TLS != nil || s.cfg.SecureCookies})
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// localPath returns p when it is a path of this site ("/…", not "//…"
// nor "/\…"), else "/": redirects never leave the site.
func localPath(p string) string {
	if len(p) == 0 || p[0] != '/' || (len(p) > 1 && (p[1] == '/' || p[1] == '\\')) {
		return "/"
	}
	return p
}
