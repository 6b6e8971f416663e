package artifact

import (
	"bufio"
	"os"
	"reflect"
	"strconv"
	"strings"
)

// selfPath finds the file mapped at this function's code in
// /proc/self/maps: the library (or executable) this copy was loaded from.
// Reading the maps, rather than calling dladdr, keeps this package free of
// cgo, and every cgo package costs each c-shared build a rebuild.
func selfPath() string {
	pc := uint64(reflect.ValueOf(selfPath).Pointer())
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(s.Text())
		if len(fields) < 6 {
			continue
		}
		start, end, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		lo, err1 := strconv.ParseUint(start, 16, 64)
		hi, err2 := strconv.ParseUint(end, 16, 64)
		if err1 == nil && err2 == nil && lo <= pc && pc < hi {
			return strings.Join(fields[5:], " ")
		}
	}
	return ""
}
