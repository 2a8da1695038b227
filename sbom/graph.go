package sbom

import "slices"

// Level places a component in the dependency tree storage keeps: its depth
// below the subject (1 for a direct dependency) and the component it hangs
// under (Root for depth 1).
type Level struct {
	Depth  int `json:"depth"`
	Parent int `json:"parent"`
}

// adjacency lists, per component, the components it points to, in the
// order of d.Dependencies; roots are the targets of edges from Root.
func (d *Document) adjacency() (out [][]int, roots []int) {
	out = make([][]int, len(d.Components))
	for _, e := range d.Dependencies {
		if e.To < 0 || e.To >= len(d.Components) {
			continue
		}
		switch {
		case e.From == Root:
			roots = append(roots, e.To)
		case e.From >= 0 && e.From < len(d.Components):
			out[e.From] = append(out[e.From], e.To)
		}
	}
	return out, roots
}

// Levels places every component in a tree under the subject, breadth-first
// from Root over Dependencies, so that each component sits at its shortest
// distance from the subject:
//
//   - the first level is what the subject depends on; when the subject has
//     no edges (or there is no subject), it is every top-level component
//     that nothing depends on;
//   - a component still unplaced then hangs under its enclosing component
//     (nested CycloneDX) when that is placed, else at depth 1, and what it
//     depends on is placed from there.
//
// The result is indexed like Components and is the same for the same
// document.
func (d *Document) Levels() []Level {
	n := len(d.Components)
	levels := make([]Level, n)
	out, roots := d.adjacency()
	placed := make([]bool, n)
	queue := make([]int, 0, n)
	place := func(i int, lv Level) {
		placed[i] = true
		levels[i] = lv
		queue = append(queue, i)
	}
	// bfs places what the queue reaches, from position head on.
	bfs := func(head int) {
		for ; head < len(queue); head++ {
			from := queue[head]
			for _, to := range out[from] {
				if !placed[to] {
					place(to, Level{Depth: levels[from].Depth + 1, Parent: from})
				}
			}
		}
	}
	if len(roots) == 0 {
		incoming := make([]bool, n)
		for _, next := range out {
			for _, to := range next {
				incoming[to] = true
			}
		}
		for i := range n {
			if !incoming[i] && d.Components[i].Parent == Root {
				roots = append(roots, i)
			}
		}
	}
	for _, i := range roots {
		if !placed[i] {
			place(i, Level{Depth: 1, Parent: Root})
		}
	}
	bfs(0)
	for i := range n {
		if placed[i] {
			continue
		}
		head := len(queue)
		if p := d.Components[i].Parent; p >= 0 && p < n && placed[p] {
			place(i, Level{Depth: levels[p].Depth + 1, Parent: p})
		} else {
			place(i, Level{Depth: 1, Parent: Root})
		}
		bfs(head)
	}
	return levels
}

// Path returns the indexes from the top-level component down to i along
// levels (as returned by Levels), i included; nil when i is out of range.
func (d *Document) Path(i int, levels []Level) []int {
	if i < 0 || i >= len(levels) {
		return nil
	}
	var path []int
	for k := i; k >= 0 && k < len(levels) && len(path) <= len(levels); k = levels[k].Parent {
		path = append(path, k)
	}
	slices.Reverse(path)
	return path
}

// cycle is a closed walk a → b → … → a, found by a depth-first search
// that reached its last edge while a was still on the path.
type cycle []int

// backEdge is the edge that closes the cycle.
func (c cycle) backEdge() Edge { return Edge{From: c[len(c)-2], To: c[len(c)-1]} }

// findCycles searches the graph depth-first, components in index order and
// edges in document order, and returns one cycle per back edge. Removing
// every back edge of a depth-first search leaves a graph without cycles.
// Root cannot be on a cycle: no edge points at it.
func (d *Document) findCycles() []cycle {
	out, _ := d.adjacency()
	const (
		white = iota
		grey  // on the current path
		black // done
	)
	color := make([]uint8, len(out))
	type frame struct{ node, next int }
	var cycles []cycle
	var stack []frame
	for start := range out {
		if color[start] != white {
			continue
		}
		stack = append(stack[:0], frame{start, 0})
		color[start] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(out[top.node]) {
				color[top.node] = black
				stack = stack[:len(stack)-1]
				continue
			}
			to := out[top.node][top.next]
			top.next++
			switch color[to] {
			case white:
				color[to] = grey
				stack = append(stack, frame{to, 0})
			case grey:
				var c cycle
				for k := len(stack) - 1; k >= 0; k-- {
					c = append(c, stack[k].node)
					if stack[k].node == to {
						break
					}
				}
				slices.Reverse(c)
				cycles = append(cycles, append(c, to))
			}
		}
	}
	return cycles
}
