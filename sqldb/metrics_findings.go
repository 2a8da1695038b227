package sqldb

import (
	"cmp"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// The findings snapshot: open findings counted per scope by state, rating,
// age band, SLA status and KEV, the weekly history, each scope's vulnerable
// packages, the waived findings and the advisories. Per-caller views are
// sums over the scopes the caller sees.

// findingKinds are the ledger events that move the findings figures:
// matching ("findings.matched", "findings.rematched") and triage
// ("finding.triaged") write findings; an import changes the advisories;
// exploit signals change KEV; waivers change what is suppressed.
var findingKinds = []string{"findings.", "finding.", "advisories.imported", "signals.imported", "waiver.approved", "waiver.revoked"}

var findingSnapshot = snapshotKind[*findingFigures]{kinds: findingKinds, compute: computeFindingFigures}

// SLA classes of open findings.
const (
	slaNone = iota
	slaBreached
	slaDueSoon
	slaOnTrack
	slaClasses
)

// maxViews bounds the per-caller views kept with one snapshot.
const maxViews = 512

// findingFigures is one snapshot of the findings.
type findingFigures struct {
	weeks, points []time.Time // each history week's Monday, and the instant counted
	scopes        []*scopeFigures
	packages      map[int64]packageRef
	advisories    int
	recent        []bulwark.AdvisoryBrief

	mu    sync.Mutex
	views map[string]*findingView // by the caller's visible scope paths
}

// scopeFigures are one scope's own findings (its products', not its
// sub-scopes').
type scopeFigures struct {
	id         int64
	name, path string
	groups     []findingGroup // active findings
	history    [][]int        // by week, by rating
	suppressed int
	exposure   []*exposure // packages with open findings
}

// findingGroup counts active findings alike in what the dashboards show.
type findingGroup struct {
	state     bulwark.FindingState
	rating    int // index in bulwark.Ratings
	age, sla  int // for open findings only
	kev       bool
	n         int
	openState bool
}

// exposure is one package's open findings in one scope.
type exposure struct {
	pkg      int64
	releases int     // releases with an open finding on it (each release is in one scope, so these add up)
	worst    int     // highest severity order
	keys     []int32 // distinct vulnerabilities, interned, sorted
	rels     []int64 // while counting: the release of each open finding
}

type packageRef struct{ name, version, purl string }

// historyWeeks returns the Mondays (UTC) of the last bulwark.HistoryWeeks
// weeks and the instant counted for each: the week's last microsecond, or
// now for the current week.
func historyWeeks(now time.Time) (weeks, points []time.Time) {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	for i := range bulwark.HistoryWeeks {
		w := monday.AddDate(0, 0, -7*(bulwark.HistoryWeeks-1-i))
		p := w.AddDate(0, 0, 7).Add(-time.Microsecond)
		if i == bulwark.HistoryWeeks-1 {
			p = now
		}
		weeks, points = append(weeks, w), append(points, p)
	}
	return weeks, points
}

func newCounts(n int) [][]int {
	out := make([][]int, n)
	for i := range out {
		out[i] = make([]int, len(bulwark.Ratings))
	}
	return out
}

// computeFindingFigures takes the findings snapshot. The findings are read
// once, in table order, and counted in Go: a GROUP BY would sort every row
// (SQLite has no hash aggregation), which costs several times the read.
func computeFindingFigures(t *Tx) (*findingFigures, error) {
	f := &findingFigures{packages: map[int64]packageRef{}, views: map[string]*findingView{}}
	f.weeks, f.points = historyWeeks(t.now)
	byID := map[int64]*scopeFigures{}
	if err := t.queryEach("SELECT id, name, path FROM scopes ORDER BY path", nil, func(rows *sql.Rows) error {
		s := &scopeFigures{history: newCounts(bulwark.HistoryWeeks)}
		err := rows.Scan(&s.id, &s.name, &s.path)
		f.scopes = append(f.scopes, s)
		byID[s.id] = s
		return err
	}); err != nil {
		return nil, err
	}
	if err := t.scanFindings(f, byID); err != nil {
		return nil, err
	}
	if err := t.queryRow("SELECT COUNT(*) FROM advisories").Scan(&f.advisories); err != nil {
		return nil, err
	}
	err := t.queryEach(`SELECT id, vuln_key, summary, rating, score, withdrawn IS NOT NULL, imported_at FROM advisories
		ORDER BY imported_at DESC, id LIMIT 10`, nil, func(rows *sql.Rows) error {
		var a bulwark.AdvisoryBrief
		var at int64
		err := rows.Scan(&a.ID, &a.Key, &a.Summary, &a.Rating, &a.Score, &a.Withdrawn, &at)
		a.ImportedAt = fromMicros(at)
		f.recent = append(f.recent, a)
		return err
	})
	return f, err
}

// cellKey places a count by state, rating, age band, SLA class and KEV in
// a scope's flat table of counts.
func cellKey(state, rating, age, sla int, kev bool) int {
	k := (((state*len(bulwark.Ratings)+rating)*len(ageBands)+age)*slaClasses + sla) * 2
	if kev {
		k++
	}
	return k
}

var cellCount = cellKey(len(bulwark.FindingStates)-1, len(bulwark.Ratings)-1, len(ageBands)-1, slaClasses-1, true) + 1

// scanFindings counts every active finding, and every closed one still
// open at the history's first instant, into the scopes' figures.
func (t *Tx) scanFindings(f *findingFigures, byID map[int64]*scopeFigures) error {
	scopeOf := map[int64]*scopeFigures{} // by release
	if err := t.queryEach("SELECT r.id, pr.scope_id FROM releases r JOIN products pr ON pr.id = r.product_id", nil, func(rows *sql.Rows) error {
		var release, scope int64
		if err := rows.Scan(&release, &scope); err != nil {
			return err
		}
		if byID[scope] == nil { // a scope made after the scopes were read
			byID[scope] = &scopeFigures{id: scope, history: newCounts(bulwark.HistoryWeeks)}
		}
		scopeOf[release] = byID[scope]
		return nil
	}); err != nil {
		return err
	}
	kev := map[string]bool{}
	if err := t.queryEach("SELECT cve FROM exploit_signals WHERE kev_added IS NOT NULL", nil, func(rows *sql.Rows) error {
		var cve string
		err := rows.Scan(&cve)
		kev[cve] = true
		return err
	}); err != nil {
		return err
	}
	waived, err := t.waivedPackages()
	if err != nil {
		return err
	}

	now := micros(t.now)
	day := int64(24 * time.Hour / time.Microsecond)
	var bandFrom []int64 // created after bandFrom[i]: band i
	for _, b := range ageBands[:len(ageBands)-1] {
		bandFrom = append(bandFrom, now-int64(b.ToDays)*day)
	}
	points := make([]int64, len(f.points))
	for i, p := range f.points {
		points[i] = micros(p)
	}
	// openFrom is the first instant a finding created at c is counted at;
	// openUntil the first it no longer is, once closed at z.
	openFrom := func(c int64) int {
		i, _ := slices.BinarySearch(points, c)
		return i
	}
	openUntil := func(z sql.NullInt64) int {
		if !z.Valid {
			return len(points)
		}
		i, _ := slices.BinarySearch(points, z.Int64)
		return i
	}
	cells := map[*scopeFigures][]int{}
	type pkgKey struct {
		scope *scopeFigures
		pkg   int64
	}
	exposures := map[pkgKey]*exposure{}
	interned := map[string]int32{}

	rows, err := t.query(`SELECT f.release_id, f.package_id, f.vuln_key, f.state, f.rating, f.active, f.created_at, f.closed_at, f.sla_due, f.severity
		FROM findings f WHERE f.active = TRUE OR f.closed_at > ?`, points[0])
	if err != nil {
		return err
	}
	defer rows.Close()
	var release, pkg, created, severity int64
	var key, stateRaw, ratingRaw sql.RawBytes
	var active bool
	var closed, due sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&release, &pkg, &key, &stateRaw, &ratingRaw, &active, &created, &closed, &due, &severity); err != nil {
			return err
		}
		s := scopeOf[release]
		if s == nil {
			continue // a release made after the releases were read
		}
		rating := ratingOfBytes(ratingRaw)
		for i, until := openFrom(created), openUntil(closed); i < until; i++ {
			s.history[i][rating]++
		}
		if !active {
			continue
		}
		si := stateOfBytes(stateRaw)
		if si < 0 {
			continue
		}
		state := bulwark.FindingStates[si]
		c := cells[s]
		if c == nil {
			c = make([]int, cellCount)
			cells[s] = c
		}
		if !state.Open() {
			c[cellKey(si, rating, 0, 0, false)]++
			continue
		}
		age := len(bandFrom)
		for i, from := range bandFrom {
			if created > from {
				age = i
				break
			}
		}
		sla := slaOnTrack
		switch {
		case !due.Valid:
			sla = slaNone
		case due.Int64 <= now:
			sla = slaBreached
		case due.Int64 <= now+7*day:
			sla = slaDueSoon
		}
		c[cellKey(si, rating, age, sla, kev[string(key)])]++

		e := exposures[pkgKey{s, pkg}]
		if e == nil {
			e = &exposure{pkg: pkg}
			exposures[pkgKey{s, pkg}] = e
			s.exposure = append(s.exposure, e)
		}
		e.rels = append(e.rels, release)
		e.worst = max(e.worst, int(severity))
		k, ok := interned[string(key)]
		if !ok {
			k = int32(len(interned))
			interned[string(key)] = k
		}
		if !slices.Contains(e.keys, k) {
			e.keys = append(e.keys, k)
		}
		if w := waived[pkg]; w != nil && w.set.findFor(w.component, w.purlType, w.version, s.path, string(key)) != nil {
			s.suppressed++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for s, c := range cells {
		for k, n := range c {
			if n == 0 {
				continue
			}
			// Unpack the cell: the inverse of cellKey.
			g := findingGroup{n: n, kev: k%2 == 1}
			k /= 2
			g.sla, k = k%slaClasses, k/slaClasses
			g.age, k = k%len(ageBands), k/len(ageBands)
			g.rating, k = k%len(bulwark.Ratings), k/len(bulwark.Ratings)
			g.state = bulwark.FindingStates[k]
			g.openState = g.state.Open()
			s.groups = append(s.groups, g)
		}
	}
	for _, s := range f.scopes {
		for _, e := range s.exposure {
			slices.Sort(e.keys)
			// A finding is one (release, package, vulnerability): with one
			// vulnerability each row is another release.
			if len(e.keys) > 1 {
				slices.Sort(e.rels)
				e.rels = slices.Compact(e.rels)
			}
			e.releases, e.rels = len(e.rels), nil
		}
	}
	return t.packageNames(f)
}

// ratingOfBytes and stateOfBytes read a rating or state column without
// making a string of it (the scan reads every finding).
func ratingOfBytes(b []byte) int {
	for i, r := range bulwark.Ratings {
		if string(b) == r {
			return i
		}
	}
	return len(bulwark.Ratings) - 1 // "" and anything unexpected: unknown
}

func stateOfBytes(b []byte) int {
	for i, s := range bulwark.FindingStates {
		if string(b) == string(s) {
			return i
		}
	}
	return -1
}

// waivedPackage is a package of a component some active waiver names.
type waivedPackage struct {
	component, purlType, version string
	set                          waiverSet
}

// waivedPackages reads the packages of the components that active waivers
// name; the scan checks their findings against the waivers.
func (t *Tx) waivedPackages() (map[int64]*waivedPackage, error) {
	out := map[int64]*waivedPackage{}
	ws, err := t.activeWaivers("")
	if err != nil || len(ws) == 0 {
		return out, err
	}
	components := make([]any, 0, len(ws))
	for c := range ws {
		components = append(components, c)
	}
	slices.SortFunc(components, func(a, b any) int { return cmp.Compare(a.(string), b.(string)) })
	err = t.queryIn("SELECT id, component, version FROM packages WHERE component IN ", components, func(rows *sql.Rows) error {
		var id int64
		w := &waivedPackage{set: ws}
		err := rows.Scan(&id, &w.component, &w.version)
		w.purlType = purlType(w.component)
		out[id] = w
		return err
	})
	return out, err
}

// packageNames reads the names of the packages with open findings.
func (t *Tx) packageNames(f *findingFigures) error {
	seen := map[int64]bool{}
	var ids []any
	for _, s := range f.scopes {
		for _, e := range s.exposure {
			if !seen[e.pkg] {
				seen[e.pkg] = true
				ids = append(ids, e.pkg)
			}
		}
	}
	return t.queryIn("SELECT id, name, version, purl FROM packages WHERE id IN ", ids, func(rows *sql.Rows) error {
		var id int64
		var p packageRef
		err := rows.Scan(&id, &p.name, &p.version, &p.purl)
		f.packages[id] = p
		return err
	})
}

// findingView is the sum of the scopes one caller sees.
type findingView struct {
	byState    []int   // by bulwark.FindingStates, active findings
	open       []int   // by rating
	age        [][]int // by band, by rating
	sla        []int   // by SLA class
	kev        int
	suppressed int
	history    [][]int // by week, by rating
	scopes     []scopeRoll
	top        []bulwark.ComponentExposure
}

type scopeRoll struct {
	name, path string
	open       []int // by rating
	total      int
	breached   int
}

// visible reports whether the scope at path is in or below one of paths.
func visible(paths []string, path string) bool {
	for _, p := range paths {
		if bulwark.ScopeContains(p, path) {
			return true
		}
	}
	return false
}

// view returns the sums for a caller who sees the scopes at paths (their
// subtrees), computing them once per snapshot and set of paths.
func (f *findingFigures) view(paths []string) *findingView {
	key := strings.Join(paths, "\x00")
	f.mu.Lock()
	v := f.views[key]
	f.mu.Unlock()
	if v != nil {
		return v
	}
	v = f.sum(paths)
	f.mu.Lock()
	if len(f.views) >= maxViews {
		clear(f.views)
	}
	f.views[key] = v
	f.mu.Unlock()
	return v
}

// sum adds up the scopes at or below paths.
func (f *findingFigures) sum(paths []string) *findingView {
	nr := len(bulwark.Ratings)
	v := &findingView{byState: make([]int, len(bulwark.FindingStates)), open: make([]int, nr), age: newCounts(len(ageBands)),
		sla: make([]int, slaClasses), history: newCounts(len(f.points))}
	type merged struct {
		releases, worst int
		keys            []int32
		shared          bool // keys still belong to the snapshot
	}
	pkgs := map[int64]*merged{}
	for _, s := range f.scopes {
		if !visible(paths, s.path) {
			continue
		}
		roll := scopeRoll{name: s.name, path: s.path, open: make([]int, nr)}
		for _, g := range s.groups {
			if i := slices.Index(bulwark.FindingStates, g.state); i >= 0 {
				v.byState[i] += g.n
			}
			if !g.openState {
				continue
			}
			v.open[g.rating] += g.n
			v.age[g.age][g.rating] += g.n
			v.sla[g.sla] += g.n
			if g.kev {
				v.kev += g.n
			}
			roll.open[g.rating] += g.n
			roll.total += g.n
			if g.sla == slaBreached {
				roll.breached += g.n
			}
		}
		for w, byRating := range s.history {
			for r, n := range byRating {
				v.history[w][r] += n
			}
		}
		v.suppressed += s.suppressed
		if roll.total > 0 {
			v.scopes = append(v.scopes, roll)
		}
		for _, e := range s.exposure {
			m := pkgs[e.pkg]
			if m == nil {
				pkgs[e.pkg] = &merged{releases: e.releases, worst: e.worst, keys: e.keys, shared: true}
				continue
			}
			// The same package in another visible scope: its
			// vulnerabilities are counted once.
			m.releases, m.worst = m.releases+e.releases, max(m.worst, e.worst)
			m.keys = append(slices.Clip(m.keys), e.keys...)
			m.shared = false
		}
	}
	slices.SortStableFunc(v.scopes, func(a, b scopeRoll) int { return b.total - a.total })
	type ranked struct {
		id int64
		*merged
	}
	// As the dashboard always ranked them: most releases, then most
	// vulnerabilities, then the most severe, then by name.
	better := func(a, b ranked) bool {
		if c := cmp.Or(b.releases-a.releases, len(b.keys)-len(a.keys), b.worst-a.worst); c != 0 {
			return c < 0
		}
		pa, pb := f.packages[a.id], f.packages[b.id]
		return cmp.Or(strings.Compare(pa.name, pb.name), strings.Compare(pa.version, pb.version), cmp.Compare(a.id, b.id)) < 0
	}
	// Only ten are shown: keep the best ten seen, in order, rather than
	// sort every package.
	var order []ranked
	for id, m := range pkgs {
		if !m.shared {
			slices.Sort(m.keys)
			m.keys = slices.Compact(m.keys)
		}
		r := ranked{id, m}
		if len(order) == 10 && !better(r, order[9]) {
			continue
		}
		i := len(order)
		for i > 0 && better(r, order[i-1]) {
			i--
		}
		order = slices.Insert(order, i, r)
		order = order[:min(len(order), 10)]
	}
	for _, r := range order {
		p := f.packages[r.id]
		c := bulwark.ComponentExposure{Component: p.name, Version: p.version, PURL: p.purl, Releases: r.releases, Vulnerabilities: len(r.keys), Worst: ratingOf(r.worst)}
		if strings.HasPrefix(c.PURL, "name:") {
			c.PURL = ""
		}
		v.top = append(v.top, c)
	}
	return v
}

// byRating turns counts by rating index into a map over every rating.
func byRating(counts []int) map[string]int {
	out := make(map[string]int, len(bulwark.Ratings))
	for i, r := range bulwark.Ratings {
		out[r] = counts[i]
	}
	return out
}

func total(counts []int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// summary is the view as the role dashboards show it; every map is new,
// as callers may keep it.
func (v *findingView) summary(f *findingFigures, at time.Time) *bulwark.FindingSummary {
	s := &bulwark.FindingSummary{AsOf: at, Open: total(v.open), ByRating: byRating(v.open), ByState: map[bulwark.FindingState]int{},
		SLA: bulwark.SLAStatus{Breached: v.sla[slaBreached], DueSoon: v.sla[slaDueSoon], OnTrack: v.sla[slaOnTrack], NoSLA: v.sla[slaNone]},
		KEV: v.kev, Suppressed: v.suppressed, History: v.weeks(f)}
	for i, st := range bulwark.FindingStates {
		s.ByState[st] = v.byState[i]
	}
	for i, b := range ageBands {
		b.ByRating = byRating(v.age[i])
		s.ByAge = append(s.ByAge, b)
	}
	return s
}

// weeks is the view's history.
func (v *findingView) weeks(f *findingFigures) []bulwark.WeekCount {
	out := make([]bulwark.WeekCount, len(f.weeks))
	for i := range f.weeks {
		out[i] = bulwark.WeekCount{Week: f.weeks[i], At: f.points[i], Open: total(v.history[i]), ByRating: byRating(v.history[i])}
	}
	return out
}

// dashboard is the view as the vulnerability dashboard shows it.
func (v *findingView) dashboard(f *findingFigures, at time.Time) *bulwark.VulnDashboard {
	s := v.summary(f, at)
	d := &bulwark.VulnDashboard{At: at, Open: s.Open, ByRating: s.ByRating, ByState: s.ByState, ByAge: s.ByAge, SLA: s.SLA,
		Suppressed: s.Suppressed, KEV: s.KEV, Top: slices.Clone(v.top), Scopes: []bulwark.ScopeRollup{}, Advisories: f.advisories}
	if d.Top == nil {
		d.Top = []bulwark.ComponentExposure{}
	}
	for _, r := range v.scopes {
		d.Scopes = append(d.Scopes, bulwark.ScopeRollup{Scope: r.name, Path: r.path, Open: r.total, ByRating: byRating(r.open), Breached: r.breached})
	}
	return d
}
