package rewrite

import (
	"fmt"
	"sort"
)

// An edit inserts text before the byte at offset off of a file. The rewriter
// only ever inserts: the user's bytes stay as they are, in order.
type edit struct {
	off  int
	text string
}

// apply returns src with edits applied. Edits at the same offset keep the
// order in which they were made. An offset outside src is an error: it would
// mean a position from another file.
func apply(src []byte, edits []edit) ([]byte, error) {
	sorted := append([]edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].off < sorted[j].off })
	size := len(src)
	for _, e := range sorted {
		if e.off < 0 || e.off > len(src) {
			return nil, fmt.Errorf("edit at offset %d is outside the file (%d bytes)", e.off, len(src))
		}
		size += len(e.text)
	}
	out := make([]byte, 0, size)
	last := 0
	for _, e := range sorted {
		out = append(out, src[last:e.off]...)
		out = append(out, e.text...)
		last = e.off
	}
	return append(out, src[last:]...), nil
}
