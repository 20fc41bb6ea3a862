package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The charts of report.html are inline SVG written here: no script, no
// network. Every chart has role="img", a <title> and a <desc> referenced by
// aria-labelledby, with ids unique in the page (svgWriter numbers them in
// writing order, so the markup is deterministic).

type svgWriter struct {
	n  int
	sb strings.Builder
}

// open starts an SVG of the given size with its title and description.
func (w *svgWriter) open(width, height float64, class, title, desc string) {
	w.n++
	id := "c" + strconv.Itoa(w.n)
	w.sb.Reset()
	fmt.Fprintf(&w.sb, `<svg class="%s" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-labelledby="%s-t %s-d">`,
		class, f1(width), f1(height), f1(width), f1(height), id, id)
	fmt.Fprintf(&w.sb, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
}

func (w *svgWriter) close() template.HTML {
	w.sb.WriteString("</svg>")
	return template.HTML(w.sb.String())
}

func (w *svgWriter) printf(format string, args ...any) { fmt.Fprintf(&w.sb, format, args...) }

// text writes an escaped text element.
func (w *svgWriter) text(x, y float64, anchor, class, s string) {
	fmt.Fprintf(&w.sb, `<text x="%s" y="%s" text-anchor="%s" class="%s">%s</text>`, f1(x), f1(y), anchor, class, html.EscapeString(s))
}

// f1 formats a coordinate with at most one decimal.
func f1(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

// shorten cuts s to at most n runes, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// frac maps x in [lo, hi] to [0, 1], clamped; NaN stays NaN.
func frac(x, lo, hi float64) float64 {
	if math.IsNaN(x) {
		return x
	}
	return math.Max(0, math.Min(1, (x-lo)/(hi-lo)))
}

// heatColor is a sequential blue scale for t in [0, 1]; grey for NaN.
func heatColor(t float64) string {
	if math.IsNaN(t) {
		return "#e0e0e0"
	}
	// From #eff3ff (t = 0) to #08306b (t = 1).
	lerp := func(a, b float64) int { return int(math.Round(a + (b-a)*t)) }
	return fmt.Sprintf("#%02x%02x%02x", lerp(0xef, 0x08), lerp(0xf3, 0x30), lerp(0xff, 0x6b))
}

// barItem is one bar: a label, a value and the text shown at its end.
type barItem struct {
	Label, Text string
	Value       float64
	Alert       bool // drawn in the alert colour (vetoed)
}

// barChart draws horizontal bars on the scale [lo, hi].
func (w *svgWriter) barChart(items []barItem, lo, hi float64, title, desc string) template.HTML {
	const labelW, plotW, rowH, top = 190.0, 420.0, 18.0, 8.0
	height := top*2 + rowH*float64(len(items)) + 14
	w.open(labelW+plotW+60, height, "chart bars", title, desc)
	for _, t := range []float64{0, 0.25, 0.5, 0.75, 1} {
		x := labelW + plotW*t
		w.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="grid"/>`, f1(x), f1(top), f1(x), f1(height-14))
		w.text(x, height-2, "middle", "tick", FormatFloat(lo+(hi-lo)*t))
	}
	for i, it := range items {
		y := top + rowH*float64(i)
		w.text(labelW-6, y+rowH-5, "end", "lbl", shorten(it.Label, 14))
		f := frac(it.Value, lo, hi)
		if math.IsNaN(f) {
			f = 0
		}
		class := "bar"
		if it.Alert {
			class = "bar alert"
		}
		w.printf(`<rect x="%s" y="%s" width="%s" height="%s" class="%s"/>`, f1(labelW), f1(y+2), f1(plotW*f), f1(rowH-4), class)
		w.text(labelW+plotW*f+4, y+rowH-5, "start", "val", it.Text)
	}
	return w.close()
}

// histogram draws the distribution of xs on [lo, hi] in bins bins.
func (w *svgWriter) histogram(xs []float64, lo, hi float64, bins int, title, desc string) template.HTML {
	const left, plotW, plotH, top = 40.0, 560.0, 160.0, 10.0
	counts := make([]int, bins)
	maxC := 0
	for _, x := range xs {
		b := int(frac(x, lo, hi) * float64(bins))
		if b >= bins {
			b = bins - 1
		}
		if b < 0 {
			b = 0
		}
		counts[b]++
		maxC = max(maxC, counts[b])
	}
	w.open(left+plotW+20, top+plotH+30, "chart hist", title, desc)
	bw := plotW / float64(bins)
	for b, c := range counts {
		h := 0.0
		if maxC > 0 {
			h = plotH * float64(c) / float64(maxC)
		}
		x := left + bw*float64(b)
		w.printf(`<rect x="%s" y="%s" width="%s" height="%s" class="bar"><title>%s–%s: %d</title></rect>`,
			f1(x+1), f1(top+plotH-h), f1(bw-2), f1(h), FormatFloat(lo+(hi-lo)*float64(b)/float64(bins)), FormatFloat(lo+(hi-lo)*float64(b+1)/float64(bins)), c)
	}
	for _, t := range []float64{0, 0.25, 0.5, 0.75, 1} {
		w.text(left+plotW*t, top+plotH+16, "middle", "tick", FormatFloat(lo+(hi-lo)*t))
	}
	w.text(left-4, top+10, "end", "tick", strconv.Itoa(maxC))
	w.text(left-4, top+plotH, "end", "tick", "0")
	return w.close()
}

// heatmap draws rows × cols cells coloured by value on [lo, hi].
func (w *svgWriter) heatmap(rows, cols []string, vals [][]float64, lo, hi float64, title, desc string) template.HTML {
	const labelW, cellW, rowH, headH = 190.0, 80.0, 18.0, 34.0
	width := labelW + cellW*float64(len(cols)) + 4
	height := headH + rowH*float64(len(rows)) + 4
	w.open(width, height, "chart heat", title, desc)
	for c, name := range cols {
		w.text(labelW+cellW*(float64(c)+0.5), headH-8, "middle", "lbl", shorten(name, 6))
	}
	for r, name := range rows {
		y := headH + rowH*float64(r)
		w.text(labelW-6, y+rowH-5, "end", "lbl", shorten(name, 14))
		for c := range cols {
			x := labelW + cellW*float64(c)
			v := vals[r][c]
			t := frac(v, lo, hi)
			w.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, f1(x+1), f1(y+1), f1(cellW-2), f1(rowH-2), heatColor(t))
			cls := "cell"
			if t > 0.55 {
				cls = "cell inv"
			}
			s := "–"
			if !math.IsNaN(v) {
				s = strconv.FormatFloat(v, 'f', 1, 64)
			}
			w.text(x+cellW/2, y+rowH-5, "middle", cls, s)
		}
	}
	return w.close()
}

// radar draws one subject's dimension values (solid) against the group
// means (dashed) on [lo, hi]. With fewer than 3 dimensions a radar has no
// area, so bars are drawn instead.
func (w *svgWriter) radar(names []string, own, mean []float64, lo, hi float64, title, desc string) template.HTML {
	n := len(names)
	if n < 3 {
		items := make([]barItem, n)
		for i := range names {
			items[i] = barItem{Label: names[i], Value: own[i], Text: fmtNum(own[i], 2)}
		}
		return w.barChart(items, lo, hi, title, desc)
	}
	const size, r = 300.0, 95.0
	cx, cy := size/2, size/2
	w.open(size, size, "chart radar", title, desc)
	point := func(i int, t float64) (float64, float64) {
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
		return cx + r*t*math.Cos(a), cy + r*t*math.Sin(a)
	}
	for _, t := range []float64{0.25, 0.5, 0.75, 1} {
		var pts []string
		for i := 0; i < n; i++ {
			x, y := point(i, t)
			pts = append(pts, f1(x)+","+f1(y))
		}
		w.printf(`<polygon points="%s" class="ring"/>`, strings.Join(pts, " "))
	}
	for i := 0; i < n; i++ {
		x, y := point(i, 1)
		w.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="grid"/>`, f1(cx), f1(cy), f1(x), f1(y))
		lx, ly := point(i, 1.18)
		anchor := "middle"
		switch {
		case lx < cx-5:
			anchor = "end"
		case lx > cx+5:
			anchor = "start"
		}
		w.text(lx, ly+4, anchor, "lbl", shorten(names[i], 6))
	}
	poly := func(vals []float64, class string) {
		var pts []string
		for i := 0; i < n; i++ {
			t := frac(vals[i], lo, hi)
			if math.IsNaN(t) {
				t = 0
			}
			x, y := point(i, t)
			pts = append(pts, f1(x)+","+f1(y))
		}
		w.printf(`<polygon points="%s" class="%s"/>`, strings.Join(pts, " "), class)
	}
	poly(mean, "mean")
	poly(own, "own")
	return w.close()
}
