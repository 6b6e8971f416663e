package rt

import (
	"os"
	"strconv"
	"strings"
)

// copyBudget is about how many patch copies the process can hold: glibc's
// static TLS holds about 214 Go runtimes (errStaticTLS), of which the
// original copy is one. Other Go libraries in the process take their share.
func copyBudget() int { return 213 }

// residentMemory returns the process's resident memory, in bytes.
func residentMemory() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
