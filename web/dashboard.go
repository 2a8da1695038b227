package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// The vulnerability dashboard: tiles, charts drawn on the server as inline
// SVG (the CSP allows no script library and no inline style, so geometry
// goes in SVG attributes and colour in the stylesheet's classes), and the
// tables behind them. Every chart carries its numbers as text as well.

type dashboardData struct {
	D            *bulwark.VulnDashboard
	Empty        bool // no active finding the caller may see
	CriticalHigh int
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
)

// newBarChart lays out rows of values, one value per series. hrefs, when
// given, link each row's label.
func newBarChart(id, title string, series []chartSeries, labels []string, values [][]int, hrefs []string) *barChart {
	c := &barChart{ID: id, Title: title, Width: chartWidth, LabelW: chartLabelW, Series: series, Stacked: len(series) > 1}
	most := 0
	for _, vs := range values {
		t := 0
		for _, v := range vs {
			t += v
		}
		most = max(most, t)
	}
	span := chartWidth - chartLabelW - chartNumW
	var words []string
	for i, label := range labels {
		row := chartRow{Label: label, Y: chartTop + i*chartRowH, Values: values[i]}
		row.TextY = row.Y + chartBarH/2 + 5
		if i < len(hrefs) {
			row.Href = hrefs[i]
		}
		x := chartLabelW
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

// dashboardCharts draws the dashboard's four charts.
func dashboardCharts(d *bulwark.VulnDashboard) []*barChart {
	var out []*barChart

	var labels, hrefs []string
	var values [][]int
	for _, r := range bulwark.Ratings {
		labels = append(labels, r)
		values = append(values, []int{d.ByRating[r]})
		hrefs = append(hrefs, "/findings?state=open&rating="+r)
	}
	c := newBarChart("chart-rating", "Open findings by rating", []chartSeries{{Name: "open findings", Class: "seg-open"}}, labels, values, hrefs)
	for i := range c.Rows {
		for j := range c.Rows[i].Segments {
			c.Rows[i].Segments[j].Class = "seg-" + bulwark.Ratings[i]
		}
	}
	out = append(out, c)

	labels, values = nil, nil
	for _, b := range d.ByAge {
		labels = append(labels, b.Label)
		var vs []int
		for _, r := range bulwark.Ratings {
			vs = append(vs, b.ByRating[r])
		}
		values = append(values, vs)
	}
	c = newBarChart("chart-age", "Open findings by age", ratingSeries(), labels, values, nil)
	c.Note = "Days since each finding was found, by rating."
	out = append(out, c)

	sla := []chartSeries{{"breached", "seg-breached"}, {"due within 7 days", "seg-due-soon"}, {"on track", "seg-on-track"}, {"no SLA (unrated)", "seg-no-sla"}}
	c = newBarChart("chart-sla", "SLA status of open findings", sla, []string{"open findings"},
		[][]int{{d.SLA.Breached, d.SLA.DueSoon, d.SLA.OnTrack, d.SLA.NoSLA}}, nil)
	out = append(out, c)

	labels, values, hrefs = nil, nil, nil
	for _, s := range bulwark.FindingStates {
		labels = append(labels, words(string(s)))
		values = append(values, []int{d.ByState[s]})
		hrefs = append(hrefs, "/findings?state="+string(s))
	}
	c = newBarChart("chart-state", "Findings by state", []chartSeries{{Name: "findings", Class: "seg-state"}}, labels, values, hrefs)
	for i := range c.Rows {
		for j := range c.Rows[i].Segments {
			c.Rows[i].Segments[j].Class = "seg-state-" + cssToken(string(bulwark.FindingStates[i]))
		}
	}
	c.Note = "Every finding still matched, open or not."
	out = append(out, c)
	return out
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
