package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// The vulnerability dashboard, and the pieces the role dashboards of the
// home page share with it: tiles, charts drawn on the server as inline SVG
// (the CSP allows no script library and no inline style, so geometry goes
// in SVG attributes and colour in the stylesheet's classes), and tables
// sorted on the server. Every chart carries its numbers as text as well.

type dashboardData struct {
	D            *bulwark.VulnDashboard
	Empty        bool // no active finding the caller may see
	CriticalHigh int
	History      *columnChart
	Charts       []*barChart
	Top          []bulwark.ComponentExposure
	Scopes       []scopeRow
	Ratings      []string
	Search       *form
	CanImport    bool
}

type scopeRow struct {
	bulwark.ScopeRollup
	Counts []int // by rating, in the order of bulwark.Ratings
}

// barChart is a horizontal bar chart: one row per label, each row one or
// more stacked segments, with a legend and the numbers as a table.
type barChart struct {
	ID      string
	Title   string
	Note    string
	Width   int
	Height  int
	LabelW  int
	Rows    []chartRow
	Series  []chartSeries // the segments' names, for the legend and the table
	Label   string        // the numbers in words, for assistive technology
	Stacked bool
}

type chartSeries struct{ Name, Class string }

type chartRow struct {
	Label    string
	Href     string
	Y, TextY int
	Total    int
	TotalX   int
	Segments []chartSegment
	Values   []int // by series, for the table
}

type chartSegment struct {
	Class string
	Name  string
	Value int
	X, W  int
}

// Chart geometry, in the SVG's user units.
const (
	chartWidth  = 420
	chartLabelW = 96
	chartRowH   = 28
	chartBarH   = 18
	chartTop    = 4
	chartNumW   = 44 // room for the total after the longest bar
	// A label's room: about chartCharW per character and chartLabelPad
	// before the bar, at most chartLabelMax.
	chartCharW    = 7
	chartLabelPad = 12
	chartLabelMax = 180
)

// newBarChart lays out rows of values, one value per series. hrefs, when
// given, link each row's label.
func newBarChart(id, title string, series []chartSeries, labels []string, values [][]int, hrefs []string) *barChart {
	c := &barChart{ID: id, Title: title, Width: chartWidth, LabelW: chartLabelW, Series: series, Stacked: len(series) > 1}
	// Longer labels (suppliers, roles) push the bars right, up to a limit.
	for _, l := range labels {
		c.LabelW = max(c.LabelW, min(chartLabelMax, chartLabelPad+chartCharW*utf8.RuneCountInString(l)))
	}
	most := largestTotal(values)
	span := chartWidth - c.LabelW - chartNumW
	var words []string
	for i, label := range labels {
		row := chartRow{Label: label, Y: chartTop + i*chartRowH, Values: values[i]}
		row.TextY = row.Y + chartBarH/2 + 5
		if i < len(hrefs) {
			row.Href = hrefs[i]
		}
		x := c.LabelW
		var parts []string
		for j, v := range values[i] {
			row.Total += v
			if v == 0 {
				continue
			}
			w := 0
			if most > 0 {
				w = max(2, v*span/most)
			}
			row.Segments = append(row.Segments, chartSegment{Class: series[j].Class, Name: series[j].Name, Value: v, X: x, W: w})
			x += w
			parts = append(parts, fmt.Sprintf("%d %s", v, series[j].Name))
		}
		row.TotalX = x + 6
		desc := fmt.Sprintf("%s: %d", label, row.Total)
		if c.Stacked && len(parts) > 0 {
			desc += " (" + strings.Join(parts, ", ") + ")"
		}
		words = append(words, desc)
		c.Rows = append(c.Rows, row)
	}
	c.Height = chartTop*2 + len(labels)*chartRowH
	c.Label = title + ". " + strings.Join(words, "; ") + "."
	return c
}

// ratingSeries are the severity ratings as chart series.
func ratingSeries() []chartSeries {
	var out []chartSeries
	for _, r := range bulwark.Ratings {
		out = append(out, chartSeries{Name: r, Class: "seg-" + r})
	}
	return out
}

// ratingChart draws open findings by rating, each bar in its rating's colour.
func ratingChart(id string, byRating map[string]int) *barChart {
	var labels, hrefs []string
	var values [][]int
	for _, r := range bulwark.Ratings {
		labels = append(labels, r)
		values = append(values, []int{byRating[r]})
		hrefs = append(hrefs, "/findings?state=open&rating="+r)
	}
	c := newBarChart(id, "Open findings by rating", []chartSeries{{Name: "open findings", Class: "seg-open"}}, labels, values, hrefs)
	for i := range c.Rows {
		for j := range c.Rows[i].Segments {
			c.Rows[i].Segments[j].Class = "seg-" + bulwark.Ratings[i]
		}
	}
	return c
}

// ageChart draws open findings by age band, stacked by rating.
func ageChart(id string, byAge []bulwark.AgeBucket) *barChart {
	var labels []string
	var values [][]int
	for _, b := range byAge {
		labels = append(labels, b.Label)
		var vs []int
		for _, r := range bulwark.Ratings {
			vs = append(vs, b.ByRating[r])
		}
		values = append(values, vs)
	}
	c := newBarChart(id, "Open findings by age", ratingSeries(), labels, values, nil)
	c.Note = "Days since each finding was found, by rating."
	return c
}

// slaChart draws open findings against their due dates.
func slaChart(id string, sla bulwark.SLAStatus) *barChart {
	series := []chartSeries{{"breached", "seg-breached"}, {"due within 7 days", "seg-due-soon"}, {"on track", "seg-on-track"}, {"no SLA (unrated)", "seg-no-sla"}}
	return newBarChart(id, "SLA status of open findings", series, []string{"open findings"},
		[][]int{{sla.Breached, sla.DueSoon, sla.OnTrack, sla.NoSLA}}, nil)
}

// stateChart draws every active finding by its VEX state.
func stateChart(id string, byState map[bulwark.FindingState]int) *barChart {
	var labels, hrefs []string
	var values [][]int
	for _, s := range bulwark.FindingStates {
		labels = append(labels, words(string(s)))
		values = append(values, []int{byState[s]})
		hrefs = append(hrefs, "/findings?state="+string(s))
	}
	c := newBarChart(id, "Findings by state", []chartSeries{{Name: "findings", Class: "seg-state"}}, labels, values, hrefs)
	for i := range c.Rows {
		for j := range c.Rows[i].Segments {
			c.Rows[i].Segments[j].Class = "seg-state-" + cssToken(string(bulwark.FindingStates[i]))
		}
	}
	c.Note = "Every finding still matched, open or not."
	return c
}

// dashboardCharts draws the dashboard's four bar charts.
func dashboardCharts(d *bulwark.VulnDashboard) []*barChart {
	return []*barChart{ratingChart("chart-rating", d.ByRating), ageChart("chart-age", d.ByAge), slaChart("chart-sla", d.SLA), stateChart("chart-state", d.ByState)}
}

// vulnerabilities is the dashboard.
func (p *Pages) vulnerabilities(w http.ResponseWriter, r *http.Request) error {
	return p.renderDashboard(w, r, http.StatusOK, nil)
}

// renderDashboard shows the dashboard; search carries a search that found
// nothing.
func (p *Pages) renderDashboard(w http.ResponseWriter, r *http.Request, status int, search *form) error {
	ctx := r.Context()
	dash, err := p.svc.Dashboard(ctx)
	if err != nil {
		return err
	}
	d := &dashboardData{D: dash, Search: search, Ratings: bulwark.Ratings, Top: dash.Top,
		CanImport: canAtRoot(bulwark.PrincipalFrom(ctx), bulwark.ActionAdvisoryImport)}
	if d.Search == nil {
		d.Search = newForm("id")
	}
	total := 0
	for _, n := range dash.ByState {
		total += n
	}
	d.Empty = total == 0
	d.CriticalHigh = dash.ByRating["critical"] + dash.ByRating["high"]
	d.Charts = dashboardCharts(dash)
	// The history is a convenience: without it the dashboard still serves.
	if weeks, err := p.svc.FindingHistory(ctx); err != nil {
		p.log.WarnContext(ctx, "web: dashboard: finding history", "err", err)
	} else {
		d.History = historyChart("chart-history", weeks)
	}
	for _, s := range dash.Scopes {
		row := scopeRow{ScopeRollup: s}
		for _, r := range bulwark.Ratings {
			row.Counts = append(row.Counts, s.ByRating[r])
		}
		d.Scopes = append(d.Scopes, row)
	}
	p.render(w, r, status, "vulnerabilities", &view{Title: "Vulnerabilities", Section: "vulnerabilities", Data: d})
	return nil
}

// columnChart is a vertical bar chart over time: one column per period,
// each one or more stacked segments, with a value axis, a legend and the
// numbers as a table.
type columnChart struct {
	ID, Title, Note string
	Width, Height   int
	Left, Right     int // the plot's x extent
	Base            int // the baseline's y
	LabelY          int
	Columns         []chartColumn
	Ticks           []chartTick
	Series          []chartSeries
	Label           string // the numbers in words, for assistive technology
	Stacked         bool
	Totals          bool // few enough columns to print each total
	Head            string
}

type chartColumn struct {
	Label     string // in the table
	Short     string // under the column; "" to leave it out
	Href      string
	X, W, Mid int
	Total     int
	TotalY    int
	Segments  []columnSegment
	Values    []int // by series, for the table
}

type columnSegment struct {
	Class, Name string
	Value, Y, H int
}

type chartTick struct {
	Value, Y int
}

// Column chart geometry, in the SVG's user units.
const (
	colWidth  = chartWidth // as wide as the bar charts beside it
	colHeight = 200
	colLeft   = 32 // room for the axis' numbers
	colTop    = 16 // room for a total above the tallest column
	colBase   = 170
	colTicks  = 4
)

// niceStep is the smallest of 1, 2 or 5 times a power of ten that is at
// least x, so the axis reads in round numbers.
func niceStep(x float64) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if float64(m*p) >= x {
				return m * p
			}
		}
	}
}

// largestTotal is the largest sum of one row of values: the bar or column
// the scale must fit.
func largestTotal(values [][]int) int {
	most := 0
	for _, vs := range values {
		t := 0
		for _, v := range vs {
			t += v
		}
		most = max(most, t)
	}
	return most
}

// newColumnChart lays out columns of values, one value per series; short
// labels go under the columns, every one of them when there is room.
func newColumnChart(id, title, head string, series []chartSeries, labels, short []string, values [][]int, hrefs []string) *columnChart {
	c := &columnChart{ID: id, Title: title, Head: head, Width: colWidth, Height: colHeight, Left: colLeft, Right: colWidth - 4, Base: colBase,
		LabelY: colBase + 18, Series: series, Stacked: len(series) > 1, Totals: len(labels) <= 16}
	most := largestTotal(values)
	step := niceStep(max(1, float64(most)/colTicks))
	top := step * colTicks
	span := colBase - colTop
	for i := 0; i <= colTicks; i++ {
		c.Ticks = append(c.Ticks, chartTick{Value: i * step, Y: colBase - i*step*span/top})
	}
	slot := (c.Right - c.Left) / max(1, len(labels))
	every := (len(labels) + 5) / 6 // at most six labels fit under the axis
	var words []string
	for i, label := range labels {
		col := chartColumn{Label: label, Values: values[i], X: c.Left + i*slot + slot/6, W: max(3, slot*2/3)}
		col.Mid = col.X + col.W/2
		if (len(labels)-1-i)%every == 0 { // the latest column is always labelled
			col.Short = short[i]
		}
		if i < len(hrefs) {
			col.Href = hrefs[i]
		}
		y := colBase
		var parts []string
		for j, v := range values[i] {
			col.Total += v
			if v == 0 {
				continue
			}
			h := max(1, v*span/top)
			y -= h
			col.Segments = append(col.Segments, columnSegment{Class: series[j].Class, Name: series[j].Name, Value: v, Y: y, H: h})
			parts = append(parts, fmt.Sprintf("%d %s", v, series[j].Name))
		}
		col.TotalY = y - 4
		desc := fmt.Sprintf("%s: %d", label, col.Total)
		if c.Stacked && len(parts) > 0 {
			desc += " (" + strings.Join(parts, ", ") + ")"
		}
		words = append(words, desc)
		c.Columns = append(c.Columns, col)
	}
	c.Label = title + ". " + strings.Join(words, "; ") + "."
	return c
}

// historyChart draws open findings per week, stacked by rating.
func historyChart(id string, weeks []bulwark.WeekCount) *columnChart {
	var labels, short []string
	var values [][]int
	for i, w := range weeks {
		label := "week of " + w.Week.Format("2 Jan 2006")
		if i == len(weeks)-1 {
			label = "this week (now)"
		}
		labels = append(labels, label)
		short = append(short, w.Week.Format("2 Jan"))
		var vs []int
		for _, r := range bulwark.Ratings {
			vs = append(vs, w.ByRating[r])
		}
		values = append(values, vs)
	}
	c := newColumnChart(id, "Open findings by week", "Week", ratingSeries(), labels, short, values, nil)
	c.Note = "Findings open at the end of each of the last 12 weeks (the current week: now), by rating."
	return c
}

// tableSort is a table's server-side order: the "sort" query parameter
// names a table and a column, "releases.when" or "releases.-when" for
// descending.
type tableSort struct {
	Table, Column string
	Desc          bool
}

func parseSort(q url.Values) tableSort {
	table, col, _ := strings.Cut(q.Get("sort"), ".")
	s := tableSort{Table: table, Column: col}
	if strings.HasPrefix(col, "-") {
		s.Column, s.Desc = col[1:], true
	}
	return s
}

// sortColumn is one sortable column of a dashboard table.
type sortColumn[T any] struct {
	Key, Label string
	Num        bool
	Cmp        func(a, b T) int
}

// sortHead is a column heading: a link that sorts by it, and the order it
// is sorted in now for assistive technology.
type sortHead struct {
	Label, Href string
	Word        string // the label within a sentence
	Num         bool
	Sort        string // "ascending", "descending" or "" (unsorted)
}

// sortRows orders rows by the column the request asks for (or def, "-key"
// for descending) and returns the headings, each linking to its order.
// base is the page's query without the sort, so links keep the rest.
func sortRows[T any](rows []T, table string, cols []sortColumn[T], def string, req tableSort, base url.Values) []sortHead {
	key, desc := strings.TrimPrefix(def, "-"), strings.HasPrefix(def, "-")
	if req.Table == table && slices.ContainsFunc(cols, func(c sortColumn[T]) bool { return c.Key == req.Column }) {
		key, desc = req.Column, req.Desc
	}
	var heads []sortHead
	for _, c := range cols {
		h := sortHead{Label: c.Label, Word: strings.ToLower(c.Label), Num: c.Num}
		next := c.Key
		if c.Key == key {
			h.Sort = "ascending"
			if desc {
				h.Sort = "descending"
			} else {
				next = "-" + c.Key
			}
			cmp := c.Cmp
			slices.SortStableFunc(rows, func(a, b T) int {
				if desc {
					return cmp(b, a)
				}
				return cmp(a, b)
			})
		}
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set("sort", table+"."+next)
		h.Href = "?" + q.Encode() + "#" + table
		heads = append(heads, h)
	}
	return heads
}

// The pieces the role dashboards are drawn from (home.go builds them).

// roleView is one role's dashboard as the page draws it.
type roleView struct {
	Role   bulwark.Role
	Title  string
	Lede   string
	AsOf   string // when the findings snapshot was taken
	Tiles  tileSet
	Empty  *emptyState // nothing to count yet, and what to do about it
	Charts []chartBox
	Tables []*dashTable
	Links  []navItem
}

type roleTab struct {
	Role    bulwark.Role
	Href    string
	Current bool
}

type tile struct{ Num, Label, Href, Class string }

type tileSet struct {
	Label string
	Tiles []tile
}

// chartBox holds one chart of either kind.
type chartBox struct {
	Bar  *barChart
	Cols *columnChart
}

type emptyState struct {
	Title, Text string
	Links       []navItem
}

// dashTable is a list on a dashboard; its ID names it in the sort
// parameter and anchors the page there.
type dashTable struct {
	ID, Title, Note, Count string
	Heads                  []sortHead
	Rows                   [][]dashCell
	Empty                  string
	EmptyLinks             []navItem
	Links                  []navItem
}

// dashCell is one cell: text, linked or not, maybe as a badge (Badge is
// its classes); Head labels it on a phone, where rows become cards.
type dashCell struct {
	Text, Href, Title, Badge, Head string
	Mono, Num, Strong              bool
}

func count(n int) string { return strconv.Itoa(n) }

// shown says how many of a list's items a table holds.
func shown(rows, total int, what string) string {
	if rows < total {
		return fmt.Sprintf("the first %d of %d %s", rows, total, what)
	}
	return plural(total, strings.TrimSuffix(what, "s"), what)
}

// versionStateOrder sorts version states in lifecycle order.
func versionStateOrder(s bulwark.VersionState) int { return slices.Index(bulwark.VersionStates, s) }

// clip shortens s to n characters, marking the cut.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func orNone(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return "—"
}

// daysLeft says how long until something, in whole days.
func daysLeft(d time.Duration) string {
	n := int(math.Ceil(d.Hours() / 24)) // "in 10 days" until the tenth day has begun
	switch {
	case d < 0:
		return "ended"
	case n <= 1:
		return "within a day"
	}
	return "in " + plural(n, "day", "days")
}

// ratingOrder sorts ratings from the most severe.
func ratingOrder(r string) int {
	if i := slices.Index(bulwark.Ratings, r); i >= 0 {
		return i
	}
	return len(bulwark.Ratings)
}
