package build

import (
	"io"
	"os"
	"os/exec"
	"strings"
)

// After a one-line edit, go build runs the C compiler a dozen times for the
// library's own package, on C that the edit did not change: cgo asks it about
// the names the Go code uses from C (eight compiles on the bench library),
// and go build compiles what cgo wrote (_cgo_export.c and one file for each
// Go file that imports "C"). On the bench library that is about 0.3 s of a
// 1 s build, on its critical path (go build -debug-trace): go build caches
// whole packages, and the package changed.
//
// So go build runs this program as its C compiler, the stand-in, with the
// real one in HOTPATCH_CC. The stand-in
//   - answers the linker's questions about flags from a cache (extld.go);
//   - serves a compile whose source and headers it saw before from a cache
//     (compilecache.go);
//   - runs everything else, the links among them, as the real compiler.
//
// It is on when the -toolexec wrapper is (toolexec.go), and CC is one word,
// a program that is not this one.
// go build's cache keys its cgo packages by the C compiler's name, which is
// then this program's path: a hotpatch at a new path compiles them once
// more.

// ccEnv holds the C compiler that this program stands in for.
const ccEnv = "HOTPATCH_CC"

// withCC returns the environment env of go build with flags, with this
// program as its C compiler when the stand-in is on.
func withCC(flags, env []string) []string {
	self := toolExecSelf
	if !toolExecOn(flags, env) || strings.ContainsAny(self, " \t") {
		return env
	}
	cc := lookupEnvOr(env, "CC", defaultCC(targetOS(env)))
	if strings.ContainsAny(strings.TrimSpace(cc), " \t'\"") {
		return env // a command with arguments, such as ccache gcc
	}
	real, err := lookPath(cc)
	if err != nil {
		return env // go build says that there is no C compiler
	}
	if a, errA := os.Stat(real); errA == nil {
		if b, errB := os.Stat(self); errB == nil && os.SameFile(a, b) {
			return env // CC is this program already
		}
	}
	return append(env[:len(env):len(env)], "CC="+self, ccEnv+"="+cc)
}

// defaultCC is the C compiler that go build uses when CC is not set
// (cmd/go/internal/cfg, DefaultCC).
func defaultCC(goos string) string {
	switch goos {
	case "darwin", "ios", "freebsd", "openbsd":
		return "clang"
	}
	return "gcc"
}

// standIn runs the C compiler cc with args, as go build, cgo or cmd/link
// ran this program in its place, and returns the exit code.
func standIn(cc string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if path := trialCachePath(cc, args); path != "" {
		return answerTrial(cc, args, path, stdout, stderr)
	}
	if c, ok := parseCompile(args); ok {
		if code, ok := c.run(cc, stdin, stdout, stderr); ok {
			return code
		}
	}
	cmd := exec.Command(cc, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	return execTool(cmd, stderr)
}
