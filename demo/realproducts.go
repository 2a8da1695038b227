package demo

import (
	"github.com/bulwark-sec/bulwark"
)

// The products built from the real SBOMs of the shared data, and the
// triage their findings got. The first release of each stores the shared
// file as it is; later releases upgrade a few components of it (derive),
// as the teams' next builds would.

// sharedSBOM is one of the picked files, or a derived version of it.
func (s *seeder) sharedSBOM(path string, bumps ...bump) []byte {
	if s.err != nil {
		return nil
	}
	doc := s.data.sbom[path]
	if len(bumps) == 0 {
		return doc
	}
	out, err := derive(doc, bumps...)
	s.failed(err)
	return out
}

// Element Manager: the Networks OAM application on an old Dropwizard stack,
// full of jackson-databind advisories.

var (
	jacksonTo2910_8 = bump{"pkg:maven/com.fasterxml.jackson.core/jackson-databind", "2.9.10", "2.9.10.8"}
	emNext          = []bump{
		{"pkg:maven/com.fasterxml.jackson.core/jackson-databind", "2.9.10.8", "2.13.4.2"},
		{"pkg:maven/ch.qos.logback/logback-core", "1.2.3", "1.2.13"},
		{"pkg:maven/ch.qos.logback/logback-classic", "1.2.3", "1.2.13"},
		{"pkg:maven/org.yaml/snakeyaml", "1.23", "1.33"},
	}
	// jacksonGadgets are the polymorphic-typing gadget advisories: they
	// need default typing, which the product never turns on.
	jacksonGadgets = []string{"GHSA-mx7p-6679-8g3q", "GHSA-gjmw-vf9h-g25v", "GHSA-gww7-p5w4-wrfv", "GHSA-95cm-88f5-f2c7",
		"GHSA-rf6r-2c4q-2vwg", "GHSA-9vvp-fxw6-jcxr", "GHSA-c265-37vj-cwcc", "GHSA-mc6h-4qgp-37qh", "GHSA-h3cw-g4mq-c5x2",
		"GHSA-5r5r-6hpj-8gg9", "GHSA-9gph-22xh-8x98", "GHSA-8c4j-34r4-xr8g", "GHSA-9m6f-7xcq-8vf8", "GHSA-8w26-6f25-cm9x",
		"GHSA-v585-23hc-c647", "GHSA-r695-7vr9-jgc2", "GHSA-f9xh-2qgp-cq57", "GHSA-vfqx-33qm-g869", "GHSA-p43x-xfjf-5jhr",
		"GHSA-5949-rw7g-wx7w"}
	// jacksonDoS are its resource-exhaustion advisories: reachable through
	// the REST API.
	jacksonDoS = []string{"GHSA-57j2-w4cx-62h2", "GHSA-jjjh-jjxp-wpff", "GHSA-rgv9-q543-rqg4"}
)

func (s *seeder) elementManager24() {
	s.product("bu-security", s.org.Networks, "Element Manager", "OAM application for the radio and core network elements (Dropwizard)")
	s.release("Element Manager", "2.4", "", "dropwizard-1.3.15.bom.json", s.sharedSBOM(dropwizardSBOM))
}

func (s *seeder) releaseElementManager24() {
	s.move("bu-security", bulwark.ReleaseReleased, "release board", "Element Manager 2.4")
}

// triageJacksonGadgets: one review of the code bases clears the gadget
// chains in both products that ship jackson-databind 2.9.10.
func (s *seeder) triageJacksonGadgets() {
	for _, r := range []string{"Element Manager 2.4", "Acme Platform 3.0"} {
		s.triage("bu-security", r, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "requires_configuration",
			Detail: "Default typing is never enabled and no endpoint binds polymorphic types from request bodies; every gadget chain needs both.",
			Owner:  "OAM team", Reason: "review of every ObjectMapper in the code base"}, jacksonGadgets...)
	}
}

func (s *seeder) triageElementManagerRest() {
	const em = "Element Manager 2.4"
	s.triage("bu-security", em, bulwark.Triage{State: bulwark.FindingAffected, Response: "update",
		Detail: "The northbound REST API parses untrusted JSON. The ingress caps bodies at 64 KiB until jackson-databind 2.13 ships.",
		Owner:  "OAM team", Reason: "reachable from the northbound API"}, jacksonDoS...)
	s.triage("bu-security", em, bulwark.Triage{State: bulwark.FindingFalsePositive,
		Detail: "junit is a test dependency of the build; it is not in the delivered artefact.", Owner: "OAM team", Reason: "checked the shipped jar list"},
		"GHSA-269g-pwp5-87pp")
	s.triage("bu-security", em, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "vulnerable_code_cannot_be_controlled_by_adversary",
		Detail: "XmlParser reads only the jetty.xml bundled in the image, at start-up.", Owner: "OAM team", Reason: "configuration review"},
		"GHSA-58qw-p7qm-5rvh")
	s.triage("bu-security", em, bulwark.Triage{State: bulwark.FindingAffected, Response: "workaround_available",
		Detail: "Gzip request inflation is switched off on every connector until jetty is upgraded.", Owner: "OAM team", Reason: "connector settings changed in operations"},
		"GHSA-86wm-rrjm-8wh8")
}

func (s *seeder) elementManager25() {
	s.release("Element Manager", "2.5", "2.4", "element-manager-2.5.cdx.json", s.sharedSBOM(dropwizardSBOM, jacksonTo2910_8))
}

func (s *seeder) releaseElementManager25() {
	s.move("bu-security", bulwark.ReleaseReleased, "release board", "Element Manager 2.5")
	s.move("bu-security", bulwark.ReleaseMaintained, "2.5 is out; 2.4 gets fixes only", "Element Manager 2.4")
}

func (s *seeder) triageElementManager25() {
	s.triage("bu-security", "Element Manager 2.5", bulwark.Triage{State: bulwark.FindingAffected, Response: "update",
		Detail: "2.9.10.8 closes the gadget chains but not the nesting and deserialisation DoS; 2.6 moves to 2.13.4.2.",
		Owner:  "OAM team", Reason: "same exposure as 2.4"}, jacksonDoS...)
}

func (s *seeder) elementManager26() {
	s.release("Element Manager", "2.6", "2.5", "element-manager-2.6.cdx.json",
		s.sharedSBOM(dropwizardSBOM, append([]bump{jacksonTo2910_8}, emNext...)...))
}

// Network Inventory: the Networks inventory service, on the
// Dependency-Track API server's stack.

var inventoryNext = []bump{
	{"pkg:maven/org.json/json", "20220320", "20231013"},
	{"pkg:maven/org.yaml/snakeyaml", "1.30", "2.0"},
	{"pkg:maven/com.fasterxml.jackson.core/jackson-databind", "2.13.2.2", "2.13.4.2"},
}

func (s *seeder) inventory45() {
	s.product("bu-security", s.org.Networks, "Network Inventory", "Inventory of network elements and their software, with a REST API")
	s.release("Network Inventory", "4.5", "", "dtrack-apiserver-4.5.0.bom.json", s.sharedSBOM(dtrackSBOM))
}

func (s *seeder) triageInventory45() {
	const ni = "Network Inventory 4.5"
	s.triage("bu-security", ni, bulwark.Triage{State: bulwark.FindingAffected, Response: "update",
		Detail: "Bulk import endpoints accept JSON from any tenant; 4.6 moves to jackson-databind 2.13.4.2.", Owner: "inventory team",
		Reason: "reachable through the import API"}, "GHSA-jjjh-jjxp-wpff", "GHSA-rgv9-q543-rqg4")
	s.triage("bu-security", ni, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "vulnerable_code_cannot_be_controlled_by_adversary",
		Detail: "org.json parses only the bundled data-source definitions, never request input.", Owner: "inventory team", Reason: "call sites reviewed"},
		"GHSA-3vqj-43w4-2q58")
	s.triage("bu-security", ni, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "vulnerable_code_cannot_be_controlled_by_adversary",
		Detail: "YAML is read from the operator's own configuration file only.", Owner: "inventory team", Reason: "call sites reviewed"},
		"GHSA-9w3m-gqgf-c4p9", "GHSA-w37g-rhq8-7m4j")
}

func (s *seeder) releaseInventory45() {
	s.move("bu-security", bulwark.ReleaseReleased, "release board", "Network Inventory 4.5")
}

// inventory46 is the next build: the pipeline's gate fails on the upgraded
// components the catalog does not know yet.
func (s *seeder) inventory46() {
	s.release("Network Inventory", "4.6", "4.5", "", nil)
	s.inventoryGate = s.gate(s.pipeline, "Network Inventory", "4.6", "network-inventory-4.6.cdx.json", "pipeline build 2291",
		s.sharedSBOM(dtrackSBOM, inventoryNext...))
}

// Device Bridge: the Devices companion bridge, a Go program.

var bridgeNext = []bump{
	{"pkg:golang/golang.org/x/net", "v0.0.0-20200707034311-ab3426394381", "v0.17.0"},
	{"pkg:golang/github.com/labstack/echo/v4", "v4.1.11", "v4.9.0"},
	{"pkg:golang/github.com/microcosm-cc/bluemonday", "v1.0.2", "v1.0.5"},
}

func (s *seeder) bridge163() {
	s.product("bu-security-devices", s.org.HomeRouter, "Device Bridge", "Desktop bridge that pairs the home router with the customer's mail and cloud accounts")
	s.release("Device Bridge", "1.6.3", "", "proton-bridge-v1.6.3.bom.json", s.sharedSBOM(bridgeSBOM))
}

func (s *seeder) releaseBridge163() {
	s.move("bu-security-devices", bulwark.ReleaseReleased, "release board", "Device Bridge 1.6.3")
}

func (s *seeder) triageBridge163() {
	const b = "Device Bridge 1.6.3"
	who := "bu-security-devices"
	s.triage(who, b, bulwark.Triage{State: bulwark.FindingFixed,
		Detail: "The build replaces golang.org/x/net with our fork that carries the upstream HTTP/2 header fix.", Owner: "bridge team",
		Reason: "replace directive in go.mod verified"}, "GO-2022-0288")
	s.triage(who, b, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "vulnerable_code_not_in_execute_path",
		Detail: "The bridge serves no static files through echo's Static handlers.", Owner: "bridge team", Reason: "govulncheck: symbol not called"},
		"GO-2022-1031")
	s.triage(who, b, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "vulnerable_code_not_in_execute_path",
		Detail: "html.Render is never called; the bridge only parses.", Owner: "bridge team", Reason: "govulncheck: symbol not called"},
		"GO-2023-1988")
	s.triage(who, b, bulwark.Triage{State: bulwark.FindingAffected, Response: "update",
		Detail: "Mail bodies shown in the bridge's status page go through the sanitiser; 1.7 moves to bluemonday 1.0.5.", Owner: "bridge team",
		Reason: "reachable"}, "GO-2022-0762")
	s.triage(who, b, bulwark.Triage{State: bulwark.FindingAffected, Response: "update",
		Detail: "Account tokens are validated with the affected functions; replacing nats-io/jwt with v2 is planned.", Owner: "bridge team",
		Reason: "reachable"}, "GO-2022-0380", "GO-2022-0386")
}

// bridge17 is the next build: the gate fails on the banned nats-io/jwt
// and on upgrades the catalog does not know yet.
func (s *seeder) bridge17() {
	s.move("bu-security-devices", bulwark.ReleaseMaintained, "1.7 under way; 1.6.3 gets fixes only", "Device Bridge 1.6.3")
	s.release("Device Bridge", "1.7.0", "1.6.3", "", nil)
	s.gate(s.pipeline, "Device Bridge", "1.7.0", "device-bridge-1.7.0.cdx.json", "pipeline build 877", s.sharedSBOM(bridgeSBOM, bridgeNext...))
}

// Fleet Controller: the Devices fleet tooling shipped as a kubectl image,
// the demo's SPDX product.

var fleetNext = []bump{{"pkg:golang/golang.org/x/net", "v0.13.0", "v0.55.0"}}

func (s *seeder) fleet20() {
	s.product("bu-security-devices", s.org.Devices, "Fleet Controller", "Container image that rolls firmware out to router fleets (kubectl based)")
	s.release("Fleet Controller", "2.0", "", "oci-kubectl-linux-amd64.spdx.json", s.sharedSBOM(kubectlSBOM))
}

func (s *seeder) releaseFleet20() {
	s.move("bu-security-devices", bulwark.ReleaseReleased, "release board", "Fleet Controller 2.0")
}

func (s *seeder) triageFleet20() {
	const f = "Fleet Controller 2.0"
	s.triage("psirt", f, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "requires_environment",
		Detail: "The controller and its nodes run Linux only; both flaws need Windows nodes.", Owner: "fleet team", Reason: "deployment review"},
		"GO-2023-2341", "GO-2024-2994")
	s.triage("psirt", f, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "vulnerable_code_not_present",
		Detail: "The image carries kubectl only; the kubelet's checkpoint handler is not built into it.", Owner: "fleet team", Reason: "binary inspected"},
		"GO-2025-3465")
}

func (s *seeder) fleet21() {
	s.release("Fleet Controller", "2.1", "2.0", "fleet-controller-2.1.spdx.json", s.sharedSBOM(kubectlSBOM, fleetNext...))
}

func (s *seeder) releaseFleet21() {
	s.move("bu-security-devices", bulwark.ReleaseReleased, "release board", "Fleet Controller 2.1")
	s.move("bu-security-devices", bulwark.ReleaseMaintained, "2.1 is out; 2.0 gets fixes only", "Fleet Controller 2.0")
}
