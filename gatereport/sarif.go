package gatereport

import (
	"encoding/json"
	"io"
	"path/filepath"

	"github.com/bulwark-sec/bulwark"
)

// The subset of SARIF 2.1.0 the gate fills in.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool          `json:"tool"`
		Results    []sarifResult      `json:"results"`
		Properties sarifRunProperties `json:"properties"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		ShortDescription sarifMessage `json:"shortDescription"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifMessage      `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
		LogicalLocations []sarifLogicalLoc     `json:"logicalLocations"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogicalLoc struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	// sarifRunProperties is the gate's decision on the whole SBOM.
	sarifRunProperties struct {
		Outcome    bulwark.GateOutcome `json:"outcome"`
		Product    string              `json:"product"`
		Release    string              `json:"release"`
		GateRunID  int64               `json:"gateRunId"`
		SBOMDigest string              `json:"sbomDigest"`
		Failed     int                 `json:"failed"`
		Warnings   int                 `json:"warnings"`
		Passed     int                 `json:"passed"`
	}
)

// ruleDescriptions says in one line what each gate rule means.
var ruleDescriptions = map[string]string{
	bulwark.RuleCertified:    "Component version is certified",
	bulwark.RuleDeprecated:   "Component version is deprecated and should be replaced",
	bulwark.RuleBanned:       "Component version is banned and must not ship",
	bulwark.RuleEndOfLife:    "Component version is end of life and must not ship",
	bulwark.RuleUncertified:  "Component version is not certified",
	bulwark.RuleWaived:       "Uncertified component version or a vulnerability in it is covered by a waiver",
	bulwark.RuleVulnerable:   "Component version has an open vulnerability finding",
	bulwark.RuleLicense:      "Declared licence is outside the licence policy",
	bulwark.RuleUnidentified: "Component has no package URL and cannot be matched to the catalog",
}

// fingerprintKey names Bulwark's partial fingerprint; the version suffix
// lets the scheme change without matching old results wrongly.
const fingerprintKey = "bulwarkComponent/v1"

// SARIF writes g as a SARIF 2.1.0 log for code scanning: one result per
// failure (level error) or warning (level warning), located in the SBOM
// file artifactURI (a path as the pipeline gave it; empty means the file
// name the SBOM was uploaded under). Passes are not results.
func SARIF(w io.Writer, g *bulwark.GateResult, artifactURI string) (err error) {
	defer bulwark.Wrap(&err, "gatereport.SARIF(gate run %d)", g.ID)
	if artifactURI == "" {
		artifactURI = g.SBOM.Name
	}
	uri := filepath.ToSlash(artifactURI)
	t := count(g)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "bulwark-gate",
			InformationURI: "https://github.com/bulwark-sec/bulwark",
			Rules:          []sarifRule{},
		}},
		Results: []sarifResult{},
		Properties: sarifRunProperties{Outcome: g.Outcome, Product: g.Release.Product, Release: g.Release.Version,
			GateRunID: g.ID, SBOMDigest: g.SBOM.Digest, Failed: t.failed, Warnings: t.warned, Passed: t.passed},
	}
	ruleIndex := map[string]int{}
	for _, c := range g.Checks {
		level := outcomes[c.Outcome].level
		if level == "" {
			continue
		}
		i, ok := ruleIndex[c.Rule]
		if !ok {
			desc, known := ruleDescriptions[c.Rule]
			if !known {
				desc = c.Rule
			}
			i = len(run.Tool.Driver.Rules)
			ruleIndex[c.Rule] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: c.Rule, ShortDescription: sarifMessage{desc}})
		}
		id := identity(&c)
		run.Results = append(run.Results, sarifResult{
			RuleID:    c.Rule,
			RuleIndex: i,
			Level:     level,
			Message:   sarifMessage{component(&c) + ": " + c.Message},
			Locations: []sarifLocation{{
				// An SBOM finding has no line of its own; code scanning
				// needs one, and line 1 stands for the whole file.
				PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifact{uri}, Region: sarifRegion{StartLine: 1}},
				LogicalLocations: []sarifLogicalLoc{{Name: id, Kind: "package"}},
			}},
			PartialFingerprints: map[string]string{fingerprintKey: id + "/" + c.Rule},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}
