package rt

import (
	"fmt"
	"strconv"
	"strings"
)

// removedGODEBUG lists the GODEBUG settings that Go releases removed, with
// their old values. From Go 1.27 on, a runtime that finds one of them set to
// an old value in the environment ends the process as it starts: "removed
// GODEBUG ... set to old value" (proc.go). A patch copy's runtime starts
// inside the host, so the patcher checks first. From internal/godebugs
// (table.go, Removed) of go1.27.3; newestGODEBUG is the release it covers.
var removedGODEBUG = []struct {
	name    string
	removed int // the Go 1.x release that removed it
	old     []string
}{
	{"x509sha1", 24, []string{"1"}},
	{"tlskyber", 24, []string{"0"}},
	{"gotypesalias", 27, []string{"0"}},
	{"tlsunsafeekm", 27, []string{"1"}},
	{"tlsrsakex", 27, []string{"1"}},
	{"tls3des", 27, []string{"1"}},
	{"tls10server", 27, []string{"1"}},
	{"x509keypairleaf", 27, []string{"0"}},
	{"asynctimerchan", 27, []string{"1", "2"}},
}

const (
	// firstFatalGODEBUG is the first release whose runtime ends the process
	// for a removed setting.
	firstFatalGODEBUG = 27
	newestGODEBUG     = 27
)

// goMinor returns the minor version of a Go version such as go1.27.3, or -1.
func goMinor(v string) int {
	rest, ok := strings.CutPrefix(v, "go1.")
	if !ok {
		return -1
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		rest = rest[:end]
	}
	n, err := strconv.Atoi(rest)
	if err != nil {
		return -1
	}
	return n
}

// checkGODEBUG returns why a runtime of Go version goVersion would end the
// process as it starts, given the process's GODEBUG, or nil. unknown reports
// that goVersion is newer than the releases whose removals this table lists.
func checkGODEBUG(goVersion, godebug string) (err error, unknown bool) {
	minor := goMinor(goVersion)
	if minor < firstFatalGODEBUG {
		return nil, false
	}
	for _, field := range strings.Split(godebug, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			continue
		}
		for _, r := range removedGODEBUG {
			if r.name == key && r.removed <= minor && contains(r.old, value) {
				return fmt.Errorf("the process's environment has GODEBUG=%s=%s, a setting that Go 1.%d removed, and a %s runtime ends the process as it starts when it finds it "+
					"(https://go.dev/doc/godebug#go-1%d): start the process without it, or build with an older Go", key, value, r.removed, goVersion, r.removed), false
			}
		}
	}
	return nil, minor > newestGODEBUG
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
