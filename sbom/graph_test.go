package sbom

import (
	"slices"
	"testing"
)

// doc builds a document of n components (parents as given, Root when
// parents is short) and the given edges.
func doc(n int, parents []int, edges ...Edge) *Document {
	d := &Document{Subject: &Component{Ref: "root"}, Dependencies: edges}
	for i := range n {
		p := Root
		if i < len(parents) {
			p = parents[i]
		}
		d.Components = append(d.Components, Component{Ref: string(rune('a' + i)), Parent: p})
	}
	return d
}

func TestLevels(t *testing.T) {
	cases := []struct {
		name string
		d    *Document
		want []Level
	}{
		{
			// root → a → b → c, and root → c: c sits at its shortest distance.
			name: "shortest distance",
			d:    doc(3, nil, Edge{Root, 0}, Edge{0, 1}, Edge{1, 2}, Edge{Root, 2}),
			want: []Level{{1, Root}, {2, 0}, {1, Root}},
		},
		{
			// A diamond: d hangs under b, which the breadth-first queue
			// visits before c, whatever the order of the edges into d.
			name: "diamond",
			d:    doc(4, nil, Edge{Root, 0}, Edge{0, 1}, Edge{0, 2}, Edge{2, 3}, Edge{1, 3}),
			want: []Level{{1, Root}, {2, 0}, {2, 0}, {3, 1}},
		},
		{
			// The subject has no edges: every component nothing depends on
			// is a root child.
			name: "no edges from the subject",
			d:    doc(4, nil, Edge{1, 0}, Edge{1, 2}, Edge{3, 2}),
			want: []Level{{2, 1}, {1, Root}, {2, 1}, {1, Root}},
		},
		{
			name: "no edges at all",
			d:    doc(3, nil),
			want: []Level{{1, Root}, {1, Root}, {1, Root}},
		},
		{
			// Nested CycloneDX components without dependency entries hang
			// under their parent; what they depend on follows them.
			name: "nested without edges",
			d:    doc(5, []int{Root, 0, 1, Root, Root}, Edge{Root, 0}, Edge{2, 4}),
			want: []Level{{1, Root}, {2, 0}, {3, 1}, {1, Root}, {4, 2}},
		},
		{
			// Unreachable, and its parent unreachable too: both at depth 1
			// … the parent first, then the child below it.
			name: "unreachable parent",
			d:    doc(3, []int{Root, Root, 1}, Edge{Root, 0}),
			want: []Level{{1, Root}, {1, Root}, {2, 1}},
		},
		{
			// A cycle that nothing leads into (Levels must not loop).
			name: "cycle",
			d:    doc(3, nil, Edge{Root, 0}, Edge{1, 2}, Edge{2, 1}),
			want: []Level{{1, Root}, {1, Root}, {2, 1}},
		},
		{
			name: "edges out of range are ignored",
			d:    doc(2, nil, Edge{Root, 5}, Edge{7, 1}, Edge{0, -3}, Edge{Root, 1}),
			want: []Level{{1, Root}, {1, Root}},
		},
		{
			name: "empty",
			d:    doc(0, nil),
			want: []Level{},
		},
	}
	for _, c := range cases {
		got := c.d.Levels()
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: Levels = %v, want %v", c.name, got, c.want)
		}
		if again := c.d.Levels(); !slices.Equal(got, again) {
			t.Errorf("%s: not deterministic: %v, then %v", c.name, got, again)
		}
	}
}

func TestPath(t *testing.T) {
	d := doc(5, []int{Root, 0, 1, Root, Root}, Edge{Root, 0}, Edge{2, 4})
	levels := d.Levels()
	cases := []struct {
		i    int
		want []int
	}{
		{0, []int{0}},
		{2, []int{0, 1, 2}},
		{4, []int{0, 1, 2, 4}},
		{3, []int{3}},
		{5, nil},
		{-1, nil},
	}
	for _, c := range cases {
		if got := d.Path(c.i, levels); !slices.Equal(got, c.want) {
			t.Errorf("Path(%d) = %v, want %v", c.i, got, c.want)
		}
	}
	// A malformed levels slice (a parent loop) must not hang.
	if got := d.Path(0, []Level{{1, 1}, {1, 0}}); len(got) > 3 {
		t.Errorf("Path over a loop = %v", got)
	}
}

func TestFindCycles(t *testing.T) {
	d := doc(4, nil, Edge{0, 1}, Edge{1, 2}, Edge{2, 0}, Edge{3, 3}, Edge{2, 3})
	got := d.findCycles()
	want := []cycle{{0, 1, 2, 0}, {3, 3}}
	if len(got) != len(want) || !slices.Equal(got[0], want[0]) || !slices.Equal(got[1], want[1]) {
		t.Errorf("findCycles = %v, want %v", got, want)
	}
	if doc(3, nil, Edge{0, 1}, Edge{0, 2}, Edge{1, 2}).findCycles() != nil {
		t.Error("a diamond is no cycle")
	}
}
