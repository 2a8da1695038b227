package vex

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulwark-sec/bulwark"
)

// WriteCycloneDX writes a CycloneDX 1.6 JSON VEX: one vulnerability per
// finding key (one per distinct analysis when the key's findings disagree),
// each affected component version a components entry its affects point to,
// with the analysis, ratings, aliases as references, and a property
// marking an analysis inherited from an earlier release.
func WriteCycloneDX(w io.Writer, r Release) error {
	if err := r.check(); err != nil {
		return err
	}
	findings := r.sorted()

	bom := cdx.BOM{
		JSONSchema:   "http://cyclonedx.org/schema/bom-1.6.schema.json",
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		SerialNumber: serialNumber(&r),
		Version:      1,
	}

	// Component refs are purls or name@version; the release takes its purl
	// unless a component already has it.
	components := []cdx.Component{}
	seen := map[string]bool{}
	for _, f := range findings {
		ref := componentRef(f)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		components = append(components, cdx.Component{
			BOMRef:     ref,
			Type:       cdx.ComponentTypeLibrary,
			Name:       cmp.Or(f.Component, ref),
			Version:    f.Version,
			PackageURL: f.PURL,
		})
	}
	slices.SortFunc(components, func(a, b cdx.Component) int { return strings.Compare(a.BOMRef, b.BOMRef) })
	releaseRef := r.PURL
	if releaseRef == "" || seen[releaseRef] {
		releaseRef = releaseURN(r.Ref)
	}
	tools := []cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "bulwark"}}
	bom.Metadata = &cdx.Metadata{
		Timestamp: r.Timestamp.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &tools},
		Authors:   &[]cdx.OrganizationalContact{{Name: r.Author}},
		Component: &cdx.Component{
			BOMRef:     releaseRef,
			Type:       cdx.ComponentTypeApplication,
			Name:       r.Ref.Product,
			Version:    r.Ref.Version,
			PackageURL: r.PURL,
		},
	}
	if len(components) > 0 {
		bom.Components = &components
	}

	refs := map[string]bool{releaseRef: true}
	for ref := range seen {
		refs[ref] = true
	}
	vulns := []cdx.Vulnerability{}
	for key, fs := range byKey(findings) {
		adv := r.Advisories[key]
		base := cdx.Vulnerability{
			ID:     key,
			Source: source(key),
		}
		if as := aliases(key, adv, fs); len(as) > 0 {
			list := make([]cdx.VulnerabilityReference, len(as))
			for i, a := range as {
				list[i] = cdx.VulnerabilityReference{ID: a, Source: source(a)}
			}
			base.References = &list
		}
		if rating, ok := cycloneDXRating(adv, fs); ok {
			base.Ratings = &[]cdx.VulnerabilityRating{rating}
		}
		if adv != nil {
			base.Description = adv.Summary
			base.Detail = adv.Details
		}

		groups := groupByAnalysis(fs)
		for i, g := range groups {
			v := base
			v.BOMRef = uniqueRef(refs, key, i)
			a := g.analysis
			v.Analysis = &cdx.VulnerabilityAnalysis{
				State:         a.state,
				Justification: a.justification,
				Detail:        a.detail,
			}
			if a.response != "" {
				v.Analysis.Response = &[]cdx.ImpactAnalysisResponse{a.response}
			}
			affects := make([]cdx.Affects, 0, len(g.findings))
			var props []cdx.Property
			for _, f := range g.findings {
				ref := componentRef(f)
				if n := len(affects); n > 0 && affects[n-1].Ref == ref {
					continue // the same component version twice: one affects entry
				}
				af := cdx.Affects{Ref: ref}
				if f.Version != "" {
					af.Range = &[]cdx.AffectedVersions{{Version: f.Version, Status: affectedStatus[f.State]}}
				}
				affects = append(affects, af)
				if f.InheritedFrom != 0 {
					props = append(props, cdx.Property{
						Name:  "bulwark:analysis:inherited_from",
						Value: fmt.Sprintf("finding %d (%s)", f.InheritedFrom, ref),
					})
				}
			}
			v.Affects = &affects
			if len(props) > 0 {
				v.Properties = &props
			}
			vulns = append(vulns, v)
		}
	}
	bom.Vulnerabilities = &vulns

	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&bom); err != nil {
		return fmt.Errorf("vex: WriteCycloneDX(%s): %w", r.Ref, err)
	}
	return nil
}

var cycloneDXState = map[bulwark.FindingState]cdx.ImpactAnalysisState{
	bulwark.FindingInTriage:      cdx.IASInTriage,
	bulwark.FindingAffected:      cdx.IASExploitable,
	bulwark.FindingNotAffected:   cdx.IASNotAffected,
	bulwark.FindingFixed:         cdx.IASResolved,
	bulwark.FindingFalsePositive: cdx.IASFalsePositive,
}

// affectedStatus is what a state says about the component version itself.
var affectedStatus = map[bulwark.FindingState]cdx.VulnerabilityStatus{
	bulwark.FindingInTriage:      cdx.VulnerabilityStatusUnknown,
	bulwark.FindingAffected:      cdx.VulnerabilityStatusAffected,
	bulwark.FindingNotAffected:   cdx.VulnerabilityStatusNotAffected,
	bulwark.FindingFixed:         cdx.VulnerabilityStatusNotAffected,
	bulwark.FindingFalsePositive: cdx.VulnerabilityStatusNotAffected,
}

// cdxAnalysis is one finding's analysis as CycloneDX holds it; findings of
// a key with equal ones share a vulnerability entry.
type cdxAnalysis struct {
	state         cdx.ImpactAnalysisState
	justification cdx.ImpactAnalysisJustification
	response      cdx.ImpactAnalysisResponse
	detail        string
	inherited     bool
}

func cycloneDXAnalysis(f *bulwark.VulnFinding) cdxAnalysis {
	j, kept := justification(cycloneDXJustification, f.Justification)
	a := cdxAnalysis{
		state:         cycloneDXState[f.State],
		justification: cdx.ImpactAnalysisJustification(j),
		inherited:     f.InheritedFrom != 0,
	}
	var unknownResponse string
	if slices.Contains(bulwark.Responses, f.Response) {
		a.response = cdx.ImpactAnalysisResponse(f.Response)
	} else if f.Response != "" {
		unknownResponse = "response recorded as " + f.Response
	}
	a.detail = note(f.Detail, kept, unknownResponse)
	return a
}

type analysisGroup struct {
	analysis cdxAnalysis
	findings []*bulwark.VulnFinding
}

// groupByAnalysis splits one key's findings (sorted) by analysis, in the
// order each analysis first appears.
func groupByAnalysis(fs []*bulwark.VulnFinding) []analysisGroup {
	var groups []analysisGroup
	for _, f := range fs {
		a := cycloneDXAnalysis(f)
		i := slices.IndexFunc(groups, func(g analysisGroup) bool { return g.analysis == a })
		if i < 0 {
			groups = append(groups, analysisGroup{analysis: a})
			i = len(groups) - 1
		}
		groups[i].findings = append(groups[i].findings, f)
	}
	return groups
}

// byKey yields runs of sorted findings that share a key.
func byKey(fs []*bulwark.VulnFinding) func(yield func(string, []*bulwark.VulnFinding) bool) {
	return func(yield func(string, []*bulwark.VulnFinding) bool) {
		for start := 0; start < len(fs); {
			end := start + 1
			for end < len(fs) && fs[end].Key == fs[start].Key {
				end++
			}
			if !yield(fs[start].Key, fs[start:end]) {
				return
			}
			start = end
		}
	}
}

// uniqueRef is a vulnerability's bom-ref: the key for the first entry of
// a key, key#2, key#3… for further ones, never one already taken.
func uniqueRef(taken map[string]bool, key string, i int) string {
	ref := key
	if i > 0 {
		ref = fmt.Sprintf("%s#%d", key, i+1)
	}
	for n := i + 2; taken[ref]; n++ {
		ref = fmt.Sprintf("%s#%d", key, n)
	}
	taken[ref] = true
	return ref
}

// source names where an id is documented, by its prefix.
func source(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// cycloneDXRating is the key's severity: from its advisory when that has
// one, else from its findings. Only a CVSS vector is written as a vector; a
// severity word (a database's "MODERATE", an erratum's "Important") gives a
// severity without score, vector or method.
func cycloneDXRating(adv *bulwark.Advisory, fs []*bulwark.VulnFinding) (cdx.VulnerabilityRating, bool) {
	var score float64
	var rating, vector, src string
	if adv != nil && (adv.Rating != "" || adv.Score != 0) {
		score, rating, vector, src = adv.Score, adv.Rating, adv.Vector, adv.SeveritySource
	} else {
		for _, f := range fs {
			if f.Rating != "" || f.Score != 0 {
				score, rating = f.Score, f.Rating
				break
			}
		}
	}
	if rating == "" && score == 0 {
		return cdx.VulnerabilityRating{}, false
	}
	out := cdx.VulnerabilityRating{Severity: severity(rating)}
	if m := scoringMethod(vector, src); m != "" {
		out.Method, out.Vector = m, vector
	}
	if score != 0 || out.Method != "" {
		out.Score = &score
	}
	return out, true
}

func severity(rating string) cdx.Severity {
	switch s := cdx.Severity(strings.ToLower(rating)); s {
	case cdx.SeverityCritical, cdx.SeverityHigh, cdx.SeverityMedium, cdx.SeverityLow, cdx.SeverityNone, cdx.SeverityInfo:
		return s
	}
	return cdx.SeverityUnknown
}

// scoringMethod reads the CVSS version from the vector's prefix; v2
// vectors have none, so the advisory's severity source says it.
func scoringMethod(vector, src string) cdx.ScoringMethod {
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return cdx.ScoringMethodCVSSv4
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return cdx.ScoringMethodCVSSv31
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		return cdx.ScoringMethodCVSSv3
	case strings.HasPrefix(vector, "CVSS:2.0/"), vector != "" && src == "CVSS:2.0":
		return cdx.ScoringMethodCVSSv2
	}
	return ""
}
