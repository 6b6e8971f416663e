package rt

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// releaseMappings drops from this process's memory the pages of the
// read-only, unmodified mappings of the file path: the code and read-only
// data of a retired copy, about 3 MB of the 4 to 6 MB a copy costs. The
// kernel reads them again from the file when they are touched: the retired
// runtime's own sysmon and garbage collector touch part of them again, so
// what stays released is about 0.6 MB a copy (BENCHMARKS.md, figure 13).
// Mappings that hold modified pages, such as the dynamic linker's
// relocations, keep them: dropping those would undo the relocations.
func releaseMappings(path string) (released int, err error) {
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	type mapping struct {
		start, end uintptr
		ok         bool
	}
	var cur *mapping
	var todo []mapping
	flush := func() {
		if cur != nil && cur.ok {
			todo = append(todo, *cur)
		}
		cur = nil
	}
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		line := s.Text()
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			flush()
			if len(f) < 6 || strings.Join(f[5:], " ") != path || strings.Contains(f[1], "w") {
				continue
			}
			lo, hi, _ := strings.Cut(f[0], "-")
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			cur = &mapping{start: uintptr(start), end: uintptr(end), ok: true}
			continue
		}
		if cur != nil && len(f) >= 2 && (f[0] == "Anonymous:" || f[0] == "Swap:") && f[1] != "0" {
			cur.ok = false // modified pages: keep the mapping whole
		}
	}
	flush()
	for _, m := range todo {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED); errno != 0 {
			return released, errno
		}
		released += int(m.end - m.start)
	}
	return released, nil
}
