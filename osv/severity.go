package osv

import (
	"slices"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Scored is a record's severity as one number and one word.
//
// Score is the CVSS base score (v2, v3.0, v3.1) or the CVSS v4.0 score, 0
// when the severity comes from a database's own word. Rating is the CVSS
// qualitative rating, lower case: "none", "low", "medium", "high",
// "critical" (CVSS v2 has only low, medium and high); "" when nothing is
// known. Vector is the vector scored, or the database's word as written.
// Source is "CVSS:4.0", "CVSS:3.1", "CVSS:3.0", "CVSS:2.0", "database",
// or "" when nothing is known.
type Scored struct {
	Score  float64
	Rating string
	Vector string
	Source string
}

// Score picks the vector that counts and scores it: CVSS_V4 before
// CVSS_V3 before CVSS_V2, from the record's severity list, else from the
// first affected[] entry whose list holds a vector that can be scored. A
// vector that cannot be parsed is passed over. Without a vector, the
// database's own severity word is used: an "Ubuntu" severity, then
// database_specific.severity (GHSA's LOW/MODERATE/HIGH/CRITICAL, Bitnami's
// Low…Critical), then affected[].ecosystem_specific.severity and
// affected[].database_specific.severity.
func Score(r *Record) Scored {
	if s, ok := scoreVectors(r.Severity); ok {
		return s
	}
	for _, a := range r.Affected {
		if s, ok := scoreVectors(a.Severity); ok {
			return s
		}
	}
	for _, sev := range r.Severity {
		if sev.Type == "Ubuntu" {
			if s, ok := databaseWord(sev.Score); ok {
				return s
			}
		}
	}
	if s, ok := databaseWord(r.DatabaseSpecific["severity"]); ok {
		return s
	}
	for _, a := range r.Affected {
		if s, ok := databaseWord(a.EcosystemSpecific["severity"]); ok {
			return s
		}
		if s, ok := databaseWord(a.DatabaseSpecific["severity"]); ok {
			return s
		}
	}
	// Red Hat–style errata (AlmaLinux, Rocky, Red Hat) carry their impact
	// only as the summary's first word: "Important: openssl security update".
	if errata(r.ID) {
		if word, _, ok := strings.Cut(r.Summary, ":"); ok {
			if s, ok := databaseWord(word); ok {
				s.Source = "summary"
				return s
			}
		}
	}
	return Scored{}
}

// errata reports whether an id is a Red Hat–style erratum, whose summary
// starts with its impact.
func errata(id string) bool {
	for _, p := range []string{"ALSA-", "ALBA-", "ALEA-", "RLSA-", "RHSA-", "RHBA-", "RHEA-"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func scoreVectors(list []Severity) (Scored, bool) {
	for _, typ := range []string{"CVSS_V4", "CVSS_V3", "CVSS_V2"} {
		for _, sev := range list {
			if sev.Type != typ {
				continue
			}
			if s, ok := scoreVector(typ, strings.TrimSpace(sev.Score)); ok {
				return s, true
			}
		}
	}
	return Scored{}, false
}

// scoreVector scores one vector of a severity type; false when it does not
// parse or does not belong to the type.
func scoreVector(typ, vec string) (Scored, bool) {
	var score float64
	var source string
	switch {
	case typ == "CVSS_V4" && strings.HasPrefix(vec, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(vec)
		if err != nil {
			return Scored{}, false
		}
		score, source = c.Score(), "CVSS:4.0"
	case typ == "CVSS_V3" && strings.HasPrefix(vec, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(vec)
		if err != nil {
			return Scored{}, false
		}
		score, source = c.BaseScore(), "CVSS:3.1"
	case typ == "CVSS_V3" && strings.HasPrefix(vec, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(vec)
		if err != nil {
			return Scored{}, false
		}
		score, source = c.BaseScore(), "CVSS:3.0"
	case typ == "CVSS_V2":
		// v2 vectors carry no version prefix; some writers add one anyway,
		// or parentheses (as NVD once did).
		v2 := strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(vec, "("), ")"), "CVSS:2.0/")
		c, err := gocvss20.ParseVector(v2)
		if err != nil {
			full, ok := completeV2(v2)
			if !ok {
				return Scored{}, false
			}
			if c, err = gocvss20.ParseVector(full); err != nil {
				return Scored{}, false
			}
		}
		score, source = c.BaseScore(), "CVSS:2.0"
	default:
		return Scored{}, false
	}
	return Scored{Score: score, Rating: rating(source, score), Vector: vec, Source: source}, true
}

// v2Groups are CVSS v2's metric groups in vector order.
var v2Groups = [][]string{
	{"AV", "AC", "Au", "C", "I", "A"},
	{"E", "RL", "RC"},
	{"CDP", "TD", "CR", "IR", "AR"},
}

// completeV2 fills a v2 vector's partly given temporal or environmental
// group with ND ("not defined"), and puts the metrics in order: some
// writers (cvsslib) leave out metrics they do not define, which go-cvss
// refuses. The base group must be whole, no metric repeated or unknown.
func completeV2(vec string) (string, bool) {
	given := map[string]string{}
	for _, part := range strings.Split(vec, "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok || v == "" || given[k] != "" || !slices.ContainsFunc(v2Groups, func(g []string) bool { return slices.Contains(g, k) }) {
			return "", false
		}
		given[k] = v
	}
	var parts []string
	for i, g := range v2Groups {
		if i > 0 && !slices.ContainsFunc(g, func(k string) bool { return given[k] != "" }) {
			continue
		}
		for _, k := range g {
			v := given[k]
			if v == "" {
				if i == 0 {
					return "", false
				}
				v = "ND"
			}
			parts = append(parts, k+":"+v)
		}
	}
	return strings.Join(parts, "/"), true
}

// rating is the CVSS qualitative severity scale: v3.x and v4.0 share
// none 0.0, low 0.1–3.9, medium 4.0–6.9, high 7.0–8.9, critical 9.0–10.0;
// v2 (as NVD publishes it) has low 0.0–3.9, medium 4.0–6.9, high 7.0–10.0.
func rating(source string, score float64) string {
	if source == "CVSS:2.0" {
		switch {
		case score >= 7:
			return "high"
		case score >= 4:
			return "medium"
		}
		return "low"
	}
	switch {
	case score >= 9:
		return "critical"
	case score >= 7:
		return "high"
	case score >= 4:
		return "medium"
	case score > 0:
		return "low"
	}
	return "none"
}

// databaseWord maps a database's severity word to the CVSS rating words.
// GHSA writes MODERATE for medium, Red Hat "important" for high; Ubuntu's
// "negligible" is taken as low. Words with no rating ("untriaged",
// "unknown") and non-strings give false.
func databaseWord(v any) (Scored, bool) {
	w, ok := v.(string)
	if !ok {
		return Scored{}, false
	}
	var r string
	switch strings.ToLower(strings.TrimSpace(w)) {
	case "critical":
		r = "critical"
	case "high", "important":
		r = "high"
	case "medium", "moderate":
		r = "medium"
	case "low", "negligible":
		r = "low"
	case "none":
		r = "none"
	default:
		return Scored{}, false
	}
	return Scored{Rating: r, Vector: w, Source: "database"}, true
}
