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

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/vex"
)

// The findings worklist, one finding's page and the triage forms. A
// finding is made by matching, never here; triage records its VEX
// analysis through the store, which authorises it and carries it along the
// release's lineage.

var (
	// findingFilterFields are the worklist's query parameters, kept in its
	// links; "state" takes "open" besides the states.
	findingFilterFields = []string{"state", "rating", "component", "release", "vulnerability", "kev", "overdue", "all", "sort"}
	triageFields        = []string{"state", "justification", "response", "detail", "owner", "reason"}
	bulkFields          = []string{"id", "state", "justification", "response", "detail", "owner", "reason"}
)

// stateOpen is the worklist's pseudo-state for in_triage and affected.
const stateOpen = "open"

// sortLabels name the worklist orders of bulwark.FindingSorts.
var sortLabels = map[string]string{
	bulwark.SortSeverity: "Severity, highest first",
	bulwark.SortAge:      "Age, oldest first",
	bulwark.SortDue:      "SLA due date, soonest first",
	bulwark.SortEPSS:     "Exploit probability (EPSS), highest first",
}

// csafJustifications are the justifications that come from CSAF's flags;
// the others of bulwark.Justifications are CycloneDX's.
var csafJustifications = map[string]bool{
	"component_not_present": true, "vulnerable_code_not_present": true, "vulnerable_code_cannot_be_controlled_by_adversary": true,
	"vulnerable_code_not_in_execute_path": true, "inline_mitigations_already_exist": true,
}

type option struct{ Value, Label string }

type optGroup struct {
	Label   string
	Options []option
}

// triageChoices are the select options of a triage form.
type triageChoices struct {
	States         []bulwark.FindingState
	Justifications []optGroup
	Responses      []option
}

func newTriageChoices() triageChoices {
	c := triageChoices{States: bulwark.FindingStates}
	cdx, csaf := optGroup{Label: "CycloneDX"}, optGroup{Label: "CSAF"}
	for _, j := range bulwark.Justifications {
		o := option{Value: j, Label: words(j)}
		if csafJustifications[j] {
			csaf.Options = append(csaf.Options, o)
		} else {
			cdx.Options = append(cdx.Options, o)
		}
	}
	c.Justifications = []optGroup{cdx, csaf}
	for _, r := range bulwark.Responses {
		c.Responses = append(c.Responses, option{Value: r, Label: words(r)})
	}
	return c
}

// words shows an enumeration value as words: "code_not_reachable" is
// "code not reachable".
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// vulnRow is a finding with what the page works out about it.
type vulnRow struct {
	*bulwark.VulnFinding
	Overdue  bool
	DueSoon  bool // open and due within a week
	AgeDays  int
	Selected bool
}

func newVulnRow(f *bulwark.VulnFinding, now time.Time) vulnRow {
	row := vulnRow{VulnFinding: f, Overdue: f.Overdue(now), AgeDays: max(0, int(now.Sub(f.CreatedAt).Hours()/24))}
	row.DueSoon = !row.Overdue && f.State.Open() && f.SLADue != nil && f.SLADue.Sub(now) < 7*24*time.Hour
	return row
}

type findingsData struct {
	Filter   *form
	States   []string
	Ratings  []string
	Sorts    []option
	Release  *bulwark.Release // the release the list is narrowed to
	Filtered bool
	Rows     []vulnRow
	NextURL  string
	FirstURL string
	// Bulk triage.
	CanTriage bool
	Bulk      *form
	Back      string // the worklist's query, to come back to
	Max       int
	Choices   triageChoices
}

// findingQuery reads the worklist's filters from q into a form and a
// filter; an invalid value is an error naming its field.
func findingQuery(q url.Values) (*form, bulwark.FindingFilter, error) {
	f := newForm(findingFilterFields...)
	for _, k := range findingFilterFields {
		f.Values[k] = strings.TrimSpace(q.Get(k))
	}
	ff := bulwark.FindingFilter{Rating: f.Get("rating"), Component: f.Get("component"), Key: f.Get("vulnerability"), Sort: f.Get("sort"),
		KEV: f.Get("kev") != "", Overdue: f.Get("overdue") != "", All: f.Get("all") != ""}
	if s := f.Get("state"); s == stateOpen {
		ff.Open = true
	} else {
		ff.State = bulwark.FindingState(s)
	}
	if s := f.Get("release"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return f, ff, bulwark.FieldError("release", "there is no release %q", s)
		}
		ff.ReleaseID = id
	}
	return f, ff, ff.Validate()
}

// worklistQuery keeps the filters, page size and cursor of q, dropping
// anything else (a notice, its counts).
func worklistQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range append(slices.Clone(findingFilterFields), "limit", "cursor") {
		if s := strings.TrimSpace(q.Get(k)); s != "" {
			out.Set(k, s)
		}
	}
	return out
}

// findings is the worklist.
func (p *Pages) findings(w http.ResponseWriter, r *http.Request) error {
	return p.renderFindings(w, r, http.StatusOK, r.URL.Query(), nil, nil)
}

// renderFindings shows the worklist for the query q; bulk carries a failed
// bulk triage back with the findings that were selected.
func (p *Pages) renderFindings(w http.ResponseWriter, r *http.Request, status int, q url.Values, bulk *form, selected []int64) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	q = worklistQuery(q)
	f, ff, ferr := findingQuery(q)
	d := &findingsData{Filter: f, Ratings: bulwark.Ratings, Bulk: bulk, Max: bulwark.MaxBulkTriage, Choices: newTriageChoices(),
		CanTriage: canAnywhere(pr, bulwark.ActionFindingTriage)}
	d.States = []string{stateOpen}
	for _, s := range bulwark.FindingStates {
		d.States = append(d.States, string(s))
	}
	for _, s := range bulwark.FindingSorts {
		d.Sorts = append(d.Sorts, option{Value: s, Label: sortLabels[s]})
	}
	d.Filtered = f.Get("state") != "" || f.Get("rating") != "" || f.Get("component") != "" || f.Get("release") != "" || f.Get("vulnerability") != "" ||
		f.Get("kev") != "" || f.Get("overdue") != "" || f.Get("all") != ""
	if d.Bulk == nil {
		d.Bulk = newForm(bulkFields...)
		d.Bulk.Values["state"] = string(bulwark.FindingAffected)
	}
	back := url.Values{}
	for k, v := range q {
		if k != "cursor" {
			back[k] = v
		}
	}
	d.Back = back.Encode()

	if ferr == nil && ff.ReleaseID != 0 {
		rel, err := p.svc.FindRelease(ctx, ff.ReleaseID)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
				return err
			}
			ferr = bulwark.FieldError("release", "%s", bulwark.ErrorMessage(err))
		}
		d.Release = rel
	}
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if ferr == nil {
		ferr = err
	}
	var list []*bulwark.VulnFinding
	next := ""
	if ferr == nil {
		list, next, ferr = p.svc.Findings(ctx, ff, page)
	}
	if ferr != nil {
		st, show := formStatus(ferr)
		if !show {
			return ferr
		}
		f.fail(ferr)
		status = max(status, st)
	}
	now := time.Now()
	for _, fd := range list {
		row := newVulnRow(fd, now)
		row.Selected = slices.Contains(selected, fd.ID)
		d.Rows = append(d.Rows, row)
	}
	d.FirstURL, d.NextURL = pageURLs("/findings", worklistQuery(q), page.Cursor, next, "")
	v := &view{Title: "Findings", Section: "findings", Data: d}
	if r.URL.Query().Get("done") == "bulk-triaged" {
		v.Notice = fmt.Sprintf("%s updated and recorded in the ledger.", plural(queryCount(r.URL.Query(), "n"), "finding", "findings"))
	}
	if bulk != nil && !d.CanTriage {
		v.Error = bulk.Message()
	}
	p.render(w, r, status, "findings", v)
	return nil
}

// queryCount reads a whole number a redirect carries for its notice.
func queryCount(q url.Values, k string) int {
	n, err := strconv.Atoi(q.Get(k))
	if err != nil || n < 0 {
		return 0
	}
	return min(n, 1<<30)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// triageFrom reads a triage decision from a posted form.
func triageFrom(f *form) bulwark.Triage {
	return bulwark.Triage{State: bulwark.FindingState(f.Get("state")), Justification: f.Get("justification"), Response: f.Get("response"),
		Detail: f.Get("detail"), Owner: strings.TrimSpace(f.Get("owner")), Reason: strings.TrimSpace(f.Get("reason"))}
}

// triageFindings records one decision on the findings ticked on the
// worklist, all or none.
func (p *Pages) triageFindings(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, bulkFields...)
	back, _ := url.ParseQuery(r.PostForm.Get("back"))
	var ids []int64
	var err error
	for _, s := range r.PostForm["id"] {
		id, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if perr != nil || id <= 0 {
			err = bulwark.FieldError("id", "%q is not a finding", s)
			break
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case err != nil:
	case len(ids) == 0:
		err = bulwark.FieldError("id", "tick the findings to triage first")
	case len(ids) > bulwark.MaxBulkTriage:
		err = bulwark.FieldError("id", "at most %d findings at once; you ticked %d", bulwark.MaxBulkTriage, len(ids))
	default:
		var done []*bulwark.VulnFinding
		if done, err = p.svc.TriageFindings(r.Context(), ids, triageFrom(f)); err == nil {
			q := worklistQuery(back)
			q.Set("done", "bulk-triaged")
			q.Set("n", strconv.Itoa(len(done)))
			http.Redirect(w, r, "/findings?"+q.Encode(), http.StatusSeeOther)
			return nil
		}
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderFindings(w, r, status, back, f, ids)
}

type findingData struct {
	F          vulnRow
	Advisory   *bulwark.Advisory // the record whose summary is shown
	Advisories []*bulwark.Advisory
	Crumbs     []crumb
	CanTriage  bool
	Form       *form
	Choices    triageChoices
	Events     []eventRow
	CanLedger  bool
	LedgerErr  string
}

func findingID(r *http.Request) (int64, error) { return parseID(r.PathValue("id"), "finding") }

// finding shows one finding with its advisory, its history in the ledger
// and the triage form.
func (p *Pages) finding(w http.ResponseWriter, r *http.Request) error {
	id, err := findingID(r)
	if err != nil {
		return err
	}
	return p.renderFinding(w, r, http.StatusOK, id, nil)
}

func (p *Pages) renderFinding(w http.ResponseWriter, r *http.Request, status int, id int64, tf *form) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	fd, err := p.svc.FindFinding(ctx, id)
	if err != nil {
		return err
	}
	d := &findingData{F: newVulnRow(fd, time.Now()), Form: tf, Choices: newTriageChoices(), CanLedger: canAnywhere(pr, bulwark.ActionLedgerRead)}
	if d.Form == nil {
		d.Form = newForm(triageFields...)
		for k, v := range map[string]string{"state": string(fd.State), "justification": fd.Justification, "response": fd.Response,
			"detail": fd.Detail, "owner": fd.Owner} {
			d.Form.Values[k] = v
		}
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	if rel, err := p.svc.FindRelease(ctx, fd.Release.ID); err == nil {
		if s, ok := idx.byID[rel.ScopeID]; ok {
			d.Crumbs = idx.breadcrumb(s.Path, s.Name)
			d.CanTriage = pr.Can(bulwark.ActionFindingTriage, s.Path)
		}
	} else if bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
		return err
	}
	// The advisory is context; a vulnerability whose records have gone
	// still shows its finding.
	if advs, err := p.svc.FindAdvisories(ctx, fd.Key); err == nil && len(advs) > 0 {
		d.Advisories = advs
		d.Advisory = advs[0]
		for _, a := range advs {
			if a.Summary != "" && a.Withdrawn == nil {
				d.Advisory = a
				break
			}
		}
	} else if err != nil && bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
		return err
	}
	if d.CanLedger {
		evs, _, err := p.svc.FindEvents(ctx, bulwark.EventFilter{Subject: fmt.Sprintf("finding:%d", id)}, bulwark.Page{Limit: bulwark.DefaultPageLimit})
		if err != nil {
			if _, show := formStatus(err); !show {
				return err
			}
			d.LedgerErr = bulwark.ErrorMessage(err)
		}
		for _, e := range evs {
			d.Events = append(d.Events, eventRow{Event: e, ScopeName: idx.scopeLabel(e.Scope)})
		}
	}
	v := &view{Title: fd.Key + " in " + fd.Component + " " + fd.Version, Section: "findings", Data: d}
	if r.URL.Query().Get("done") == "triaged" {
		v.Notice = "Triage recorded in the ledger."
		if n := queryCount(r.URL.Query(), "carried"); n > 0 {
			v.Notice += fmt.Sprintf(" %s took it over.", plural(n, "later release", "later releases"))
		} else {
			v.Notice += " No later release took it over."
		}
	}
	if tf != nil && !d.CanTriage {
		v.Error = tf.Message()
	}
	p.render(w, r, status, "finding", v)
	return nil
}

// triage records the VEX analysis of one finding.
func (p *Pages) triage(w http.ResponseWriter, r *http.Request) error {
	id, err := findingID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, triageFields...)
	done, err := p.svc.TriageFinding(r.Context(), id, triageFrom(f))
	if err != nil {
		status, show := formStatus(err)
		if !show {
			return err
		}
		f.fail(err)
		return p.renderFinding(w, r, status, id, f)
	}
	http.Redirect(w, r, fmt.Sprintf("/findings/%d?done=triaged&carried=%d", id, done.Carried), http.StatusSeeOther)
	return nil
}

// percent shows a probability (0–1) as a percentage with one decimal.
func percent(f float64) string {
	if f <= 0 || math.IsNaN(f) {
		return "0 %"
	}
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + " %"
}

// releaseVulns counts a release's open findings by rating for its page.
type releaseVulns struct {
	Open    int
	More    bool // there were more than the page counts
	Ratings []ratingCount
	Href    string
}

type ratingCount struct {
	Rating string
	Count  int
	Href   string
}

// maxReleaseFindingPages bounds how many pages of findings the release
// page counts.
const maxReleaseFindingPages = 10

func (p *Pages) releaseVulns(r *http.Request, id int64) (*releaseVulns, error) {
	v := &releaseVulns{Href: fmt.Sprintf("/findings?release=%d", id)}
	by := map[string]int{}
	page := bulwark.Page{Limit: bulwark.MaxPageLimit}
	for i := range maxReleaseFindingPages {
		list, next, err := p.svc.Findings(r.Context(), bulwark.FindingFilter{ReleaseID: id, Open: true}, page)
		if err != nil {
			return nil, err
		}
		for _, f := range list {
			rating := f.Rating
			if rating == "" {
				rating = "unknown"
			}
			by[rating]++
			v.Open++
		}
		if next == "" {
			break
		}
		v.More = i == maxReleaseFindingPages-1
		page.Cursor = next
	}
	for _, rt := range bulwark.Ratings {
		v.Ratings = append(v.Ratings, ratingCount{Rating: rt, Count: by[rt], Href: fmt.Sprintf("/findings?release=%d&state=open&rating=%s", id, rt)})
	}
	return v, nil
}

// exportVEX downloads a release's findings as CycloneDX VEX or OpenVEX.
func (p *Pages) exportVEX(w http.ResponseWriter, r *http.Request) error {
	id, err := releaseID(r)
	if err != nil {
		return err
	}
	data, name, err := vex.Export(r.Context(), p.svc, id, r.URL.Query().Get("format"), bulwark.PrincipalFrom(r.Context()).Actor(), time.Now().UTC().Truncate(time.Second))
	if err != nil {
		return err
	}
	download(w, "application/json", fileName(name), data)
	return nil
}
