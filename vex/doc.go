// Package vex writes the vulnerability findings of one release as VEX
// documents: CycloneDX 1.6 JSON (WriteCycloneDX) and OpenVEX 0.2.0 JSON
// (WriteOpenVEX).
//
// Output is deterministic: findings are sorted by vulnerability key, then
// component (purl, or name@version when there is none), then finding id;
// document identifiers come from the release and the timestamp the caller
// passes, never from the clock or a random source. The same input always
// writes the same bytes.
//
// Nothing is dropped. A finding without a purl is written under its
// name@version, and a value one format cannot hold (a justification from
// the other vocabulary, an unknown response) is written as text next to the
// nearest value it can hold.
//
// # Mapping
//
// States:
//
//	| Bulwark state  | CycloneDX analysis.state | CycloneDX affects status | OpenVEX status                                           |
//	|----------------|--------------------------|--------------------------|----------------------------------------------------------|
//	| in_triage      | in_triage                | unknown                  | under_investigation                                      |
//	| affected       | exploitable              | affected                 | affected, with action_statement                          |
//	| not_affected   | not_affected             | unaffected               | not_affected, with justification or impact_statement     |
//	| fixed          | resolved                 | unaffected               | fixed                                                    |
//	| false_positive | false_positive           | unaffected               | not_affected, impact_statement "false positive: <detail>" |
//
// Justifications (Bulwark accepts either vocabulary; each format gets its own):
//
//	| Bulwark justification                             | CycloneDX                       | OpenVEX                                           |
//	|---------------------------------------------------|---------------------------------|---------------------------------------------------|
//	| code_not_present                                  | code_not_present                | vulnerable_code_not_present                       |
//	| code_not_reachable                                | code_not_reachable              | vulnerable_code_not_in_execute_path               |
//	| requires_configuration                            | requires_configuration          | vulnerable_code_cannot_be_controlled_by_adversary |
//	| requires_dependency                               | requires_dependency             | vulnerable_code_cannot_be_controlled_by_adversary |
//	| requires_environment                              | requires_environment            | vulnerable_code_cannot_be_controlled_by_adversary |
//	| protected_by_compiler                             | protected_by_compiler           | inline_mitigations_already_exist                  |
//	| protected_at_runtime                              | protected_at_runtime            | inline_mitigations_already_exist                  |
//	| protected_at_perimeter                            | protected_at_perimeter          | inline_mitigations_already_exist                  |
//	| protected_by_mitigating_control                   | protected_by_mitigating_control | inline_mitigations_already_exist                  |
//	| component_not_present                             | code_not_present                | component_not_present                             |
//	| vulnerable_code_not_present                       | code_not_present                | vulnerable_code_not_present                       |
//	| vulnerable_code_not_in_execute_path               | code_not_reachable              | vulnerable_code_not_in_execute_path               |
//	| vulnerable_code_cannot_be_controlled_by_adversary | protected_by_mitigating_control | vulnerable_code_cannot_be_controlled_by_adversary |
//	| inline_mitigations_already_exist                  | protected_by_mitigating_control | inline_mitigations_already_exist                  |
//
// A value a format has no place for is kept as text: a mapped or unknown
// justification as "justification recorded as <value>", an unknown response
// as "response recorded as <value>", in CycloneDX analysis.detail and in
// OpenVEX status_notes (the impact statement when it stands in for a
// justification).
//
// Other fields:
//
//	| Bulwark                                    | CycloneDX                                                                                                       | OpenVEX                                                                                                                 |
//	|--------------------------------------------|-----------------------------------------------------------------------------------------------------------------|-------------------------------------------------------------------------------------------------------------------------|
//	| release                                    | metadata.component; bom-ref its purl, else urn:bulwark:release:<product>@<version>                              | products[].@id: its purl, else the same urn                                                                             |
//	| component version                          | components[], bom-ref its purl, else name@version; affects[].ref                                                | products[].subcomponents[].@id: its purl, else urn:bulwark:component:<name>@<version>                                   |
//	| response                                   | analysis.response                                                                                               | affected: action_statement "<response>: <detail>"; else status_notes                                                    |
//	| detail                                     | analysis.detail                                                                                                 | affected: action_statement; false_positive, and not_affected without justification: impact_statement; else status_notes |
//	| affected, nothing decided                  | analysis without response                                                                                       | action_statement "no remediation decided yet"                                                                           |
//	| inherited analysis                         | property bulwark:analysis:inherited_from, "finding <id> (<ref>)", one per component                             | status_notes "analysis inherited from an earlier release (finding <id>)"                                                |
//	| advisory summary, details                  | description, detail                                                                                             | vulnerability.description (summary only)                                                                                |
//	| advisory id, aliases, finding advisory ids | references[], source by prefix: CVE NVD, GHSA GitHub, else OSV                                                  | vulnerability.aliases                                                                                                   |
//	| score, rating, vector                      | ratings[]; method from the vector prefix (CVSSv2, CVSSv3, CVSSv31, CVSSv4); a severity word gives severity only | not written (OpenVEX has no field for it)                                                                               |
//
// A CycloneDX vulnerability holds one analysis, so findings of one key whose
// analyses differ (say, one component affected and another not) are written
// as one vulnerability entry per distinct analysis, each with the same id
// and its own affects; findings of a key that agree share one entry.
//
// An OpenVEX not_affected statement carries exactly one of justification
// and impact_statement: earlier versions of the OpenVEX JSON schema allow
// only one, later ones either. A release without findings gets an OpenVEX
// document with an empty statements list: go-vex reads it, but the spec
// says a document groups "one or more" statements and its JSON schema has
// minItems 1, so strict validators refuse it.
package vex
