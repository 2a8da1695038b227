package sbom

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/purl"
)

// maxProblems bounds Document.Problems; the rest are counted.
const maxProblems = 100

// builder assembles a Document from either format: it owns the checks
// both share (unique refs, resolvable edges, an acyclic graph) so that the
// format adapters only translate fields.
//
// Where things are ("components[3].components[0]") is only spelled out
// when a message needs it: a document of 10,000 components would
// otherwise format 10,000 strings that nobody reads.
type builder struct {
	doc     *Document
	refName string // what the format calls a ref: "bom-ref", "SPDXID"

	owner   map[string]int // ref → component index, Root for the subject, other(k) for others[k]
	others  []string       // where the refs of things that are not components are defined
	subject string         // where the subject is defined
	places  []place        // component index → where it is defined
	edges   map[Edge]bool
	dropped int // problems beyond maxProblems
}

// other encodes index k of builder.others as an owner.
func other(k int) int { return -2 - k }

// place is where a component is defined: list[pos] (list alone when pos
// is negative), inside the component parent when that is not Root; suffix
// narrows it to a field.
type place struct {
	b      *builder
	list   string
	pos    int
	parent int
	suffix string
}

func (p place) String() string {
	s := p.list + p.suffix
	if p.pos >= 0 {
		s = fmt.Sprintf("%s[%d]%s", p.list, p.pos, p.suffix)
	}
	if p.parent >= 0 && p.parent < len(p.b.places) {
		s = p.b.places[p.parent].String() + "." + s
	}
	return s
}

// at is where an edge is stated: list[i], and what kind of edge.
type at struct {
	list string
	i    int
	note string
}

func (a at) String() string {
	if a.list == "" {
		return a.note
	}
	if a.note != "" {
		return fmt.Sprintf("%s[%d] (%s)", a.list, a.i, a.note)
	}
	return fmt.Sprintf("%s[%d]", a.list, a.i)
}

func newBuilder(f Format, e Encoding, version, refName string, size int) *builder {
	return &builder{
		doc: &Document{Format: f, Encoding: e, SpecVersion: version,
			Components: make([]Component, 0, size), Dependencies: []Edge{}, Problems: []string{}},
		refName: refName,
		owner:   make(map[string]int, size),
		places:  make([]place, 0, size),
		edges:   make(map[Edge]bool, size),
	}
}

func (b *builder) problem(format string, args ...any) {
	if len(b.doc.Problems) >= maxProblems {
		b.dropped++
		return
	}
	b.doc.Problems = append(b.doc.Problems, fmt.Sprintf(format, args...))
}

func (b *builder) fail(format string, args ...any) *Error {
	return invalidf(b.doc.Format, b.doc.Encoding, format, args...)
}

// whereIs says where the owner of a ref is defined.
func (b *builder) whereIs(owner int) string {
	switch {
	case owner == Root:
		return b.subject
	case owner >= 0:
		return b.places[owner].String()
	}
	return b.others[-2-owner]
}

// claim records that ref belongs to owner; a ref defined twice is an
// error, since nothing that points at it could say which one it means.
func (b *builder) claim(ref string, owner int, where fmt.Stringer) *Error {
	if ref == "" {
		return nil
	}
	if first, ok := b.owner[ref]; ok {
		return b.fail("%s %q is used twice: %s and %s", b.refName, ref, b.whereIs(first), where)
	}
	b.owner[ref] = owner
	return nil
}

type literal string

func (l literal) String() string { return string(l) }

// setSubject records the component the document describes.
func (b *builder) setSubject(c Component, where string) *Error {
	c.Parent = Root
	if err := b.claim(c.Ref, Root, literal(where)); err != nil {
		return err
	}
	b.subject = where
	b.doc.Subject = &c
	return nil
}

// add appends a component defined at p and returns its index.
func (b *builder) add(c Component, p place) (int, *Error) {
	i := len(b.doc.Components)
	if err := b.claim(c.Ref, i, p); err != nil {
		return 0, err
	}
	b.doc.Components = append(b.doc.Components, c)
	b.places = append(b.places, p)
	return i, nil
}

// addOther records the ref of something that is not a component but that
// edges may name (a CycloneDX service, an SPDX file or snippet).
func (b *builder) addOther(ref, where string) *Error {
	if ref == "" {
		return nil
	}
	if err := b.claim(ref, other(len(b.others)), literal(where)); err != nil {
		return err
	}
	b.others = append(b.others, where)
	return nil
}

// setPURL normalises raw into c; an invalid purl is kept as written and
// becomes a problem.
func (b *builder) setPURL(c *Component, raw string, where place) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return
	}
	c.RawPURL = raw
	p, err := purl.Parse(raw)
	if err != nil {
		b.problem("%s: %s", where, bulwark.ErrorMessage(err))
		return
	}
	c.PURL = p.String()
}

// resolve finds the component a ref names. ok is false for refs that name
// no component; those that name nothing at all are reported.
func (b *builder) resolve(ref string, where at) (int, bool) {
	owner, ok := b.owner[ref]
	switch {
	case !ok:
		b.problem("%s: %q names no component of the document", where, ref)
		return 0, false
	case owner < Root:
		return 0, false
	}
	return owner, true
}

// edge records that from depends on (or contains) to.
func (b *builder) edge(from, to string, where at) {
	f, ok := b.resolve(from, where)
	if !ok {
		return
	}
	t, ok := b.resolve(to, where)
	if !ok {
		return
	}
	if t == Root {
		b.problem("%s: %s depends on the document's subject; edge ignored", where, b.label(f))
		return
	}
	e := Edge{From: f, To: t}
	if !b.edges[e] {
		b.edges[e] = true
		b.doc.Dependencies = append(b.doc.Dependencies, e)
	}
}

// label names a component for messages.
func (b *builder) label(i int) string { return b.doc.label(i) }

// finish gives components without a ref one, breaks cycles and closes
// the problem list.
func (b *builder) finish() *Document {
	d := b.doc
	if d.Subject != nil && d.Subject.Ref == "" {
		d.Subject.Ref = b.freshRef("subject", Root)
	}
	for i := range d.Components {
		if d.Components[i].Ref == "" {
			d.Components[i].Ref = b.freshRef(fmt.Sprintf("component-%d", i), i)
		}
	}
	b.breakCycles()
	if b.dropped > 0 {
		d.Problems = append(d.Problems, fmt.Sprintf("and %d more problems", b.dropped))
	}
	return d
}

// breakCycles drops the edge that closes each cycle of the graph, so that
// Dependencies is acyclic for everything downstream, and reports the
// cycle. Real SBOMs have cycles (npm packages that require each other, Go
// modules split in two), so a cycle is a problem, not an error.
func (b *builder) breakCycles() {
	d := b.doc
	cycles := d.findCycles()
	if len(cycles) == 0 {
		return
	}
	drop := map[Edge]bool{}
	for _, c := range cycles {
		e := c.backEdge()
		drop[e] = true
		names := make([]string, len(c))
		for k, i := range c {
			names[k] = d.label(i)
		}
		if len(names) > 21 {
			names = append(append(names[:10:10], "…"), names[len(names)-10:]...)
		}
		if e.From == e.To {
			// CycloneDX's own valid examples have these: noise, not a loop.
			b.problem("%s depends on itself; edge ignored", d.label(e.From))
			continue
		}
		d.cycles = append(d.cycles, "cyclic dependency: "+strings.Join(names, " → "))
		b.problem("cyclic dependency: %s; the edge %s → %s is ignored", strings.Join(names, " → "), d.label(e.From), d.label(e.To))
	}
	d.Dependencies = slices.DeleteFunc(d.Dependencies, func(e Edge) bool { return drop[e] })
}

// freshRef returns base, or base with a suffix when the document already
// uses it, and gives it to owner.
func (b *builder) freshRef(base string, owner int) string {
	ref := base
	for n := 2; ; n++ {
		if _, taken := b.owner[ref]; !taken {
			b.owner[ref] = owner
			return ref
		}
		ref = fmt.Sprintf("%s-%d", base, n)
	}
}

// label names component i (or the subject, for Root) for messages: by its
// ref, unless the ref is opaque (a UUID, a hash, one we made up), then by
// purl or name@version.
func (d *Document) label(i int) string {
	var c *Component
	switch {
	case i == Root && d.Subject != nil:
		c = d.Subject
	case i >= 0 && i < len(d.Components):
		c = &d.Components[i]
	default:
		return fmt.Sprint(i)
	}
	if c.Ref != "" && !opaqueRef(c.Ref) {
		return c.Ref
	}
	switch {
	case c.PURL != "":
		return c.PURL
	case c.RawPURL != "":
		return c.RawPURL
	case c.Version != "":
		return c.Name + "@" + c.Version
	case c.Name != "":
		return c.Name
	}
	return c.Ref
}

// opaqueRef says whether a ref tells a reader nothing: a UUID or other run
// of hex digits, or a ref generated by this package.
func opaqueRef(ref string) bool {
	s := strings.TrimPrefix(strings.TrimPrefix(ref, "urn:uuid:"), "SPDXRef-")
	if strings.HasPrefix(s, "component-") || s == "subject" {
		return true
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f', r >= 'A' && r <= 'F':
			digits++
		case r == '-':
		default:
			return false
		}
	}
	return digits >= 8
}
