package build

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// go build -buildmode=c-shared runs cgo and the C compiler again, on every
// build, for each cgo package that the main package imports and that exports
// nothing: runtime/cgo's 15 C files always, and a cgo binding such as
// go-sqlite3 if the main package imports it. On the bench library that is
// about 0.4 s of a 1 s build, on its critical path (go build -debug-trace).
//
// The cause is in cmd/go (work/exec.go, Go 1.26 and 1.27): a c-shared build
// needs the cgo export header of every cgo package the main package imports,
// and finds it in the build cache, stored when the package was compiled. cgo
// writes no header for a package without exports, so none is ever stored,
// and the package's cgo step runs again on every build, header or not.
//
// hotpatch build fixes that through go build's -toolexec: the wrapper, which
// is this program run again, writes an empty header wherever cgo was asked
// for one and wrote none, so that cmd/go stores it. cmd/go stores it only
// when it compiles the package, so the wrapper also adds a word to cgo's
// version: the packages that use cgo are built once more under a new cache
// key, and from then on their headers are in the cache. The wrapper also
// runs the linker with this program as its C compiler (cc.go), unless go
// build already names it so. Every other tool runs as it would without the
// wrapper.
//
// It is on when the program called ServeToolExec, and the build chooses no
// -toolexec of its own. HOTPATCH_TOOLEXEC=off turns it off.

// toolExecArg is the first argument of this program when go build runs it
// as its -toolexec wrapper.
const toolExecArg = "hotpatch-toolexec"

// toolExecEnv is the environment variable that turns the wrapper off.
const toolExecEnv = "HOTPATCH_TOOLEXEC"

// cgoVersionMark is what the wrapper adds to cgo's version, and so to the
// cache key of every package that uses cgo.
const cgoVersionMark = "hotpatch-cgo-headers"

// toolExecSelf is the path of this program once it serves as the wrapper.
var toolExecSelf string

// ServeToolExec makes this program the wrapper that makes go build keep cgo
// headers in its cache (see the package's toolexec.go), and go build's C
// compiler (cc.go). When go build runs the program as either, ServeToolExec
// runs the tool or the compiler and exits; otherwise it returns at once, and
// Run uses the program so from then on. A program that builds libraries
// with Run calls it first thing in main.
func ServeToolExec() {
	if len(os.Args) >= 3 && os.Args[1] == toolExecArg {
		os.Exit(toolExec(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	if cc := os.Getenv(ccEnv); cc != "" {
		os.Unsetenv(ccEnv)
		os.Exit(standIn(cc, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) // cc.go
	}
	toolExecSelf = self()
}

// self returns the path that runs this program again. That is the path it
// was started by, when that names this program: a program that tells its
// commands apart by the name it runs as (testscript's commands do) is one
// file under several names.
func self() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	started := os.Args[0]
	if !strings.ContainsRune(started, filepath.Separator) && !strings.ContainsRune(started, '/') {
		if started, err = exec.LookPath(started); err != nil {
			return exe
		}
	}
	started, err = filepath.Abs(started)
	if err != nil {
		return exe
	}
	a, errA := os.Stat(started)
	b, errB := os.Stat(exe)
	if errA != nil || errB != nil || !os.SameFile(a, b) {
		return exe
	}
	return started
}

// withToolExec returns go build's flags with the wrapper, when it is on.
func withToolExec(flags, env []string) []string {
	if !toolExecOn(flags, env) {
		return flags
	}
	return append(append([]string(nil), flags...), "-toolexec='"+toolExecSelf+"' "+toolExecArg)
}

// toolExecOn reports whether go build, with flags and env, runs this
// program as its wrapper.
func toolExecOn(flags, env []string) bool {
	if toolExecSelf == "" || lookupEnv(env, toolExecEnv) == "off" || strings.ContainsAny(toolExecSelf, `'"`) {
		return false
	}
	if strings.Contains(lookupEnv(env, "GOFLAGS"), "-toolexec") {
		return false
	}
	for _, f := range flags {
		if f == "-toolexec" || strings.HasPrefix(f, "-toolexec=") {
			return false
		}
	}
	return true
}

// toolExec runs the tool that args name with its arguments, as go build's
// -toolexec wrapper, and returns the exit code. Where nothing is left to do
// after the tool, the tool replaces this process (execTool).
func toolExec(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	tool := strings.TrimSuffix(filepath.Base(args[0]), ".exe")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	switch {
	case tool == "cgo" && len(args) == 2 && args[1] == "-V=full":
		var version bytes.Buffer
		cmd.Stdout = &version
		if code := runTool(cmd, stderr); code != 0 {
			return code
		}
		fmt.Fprint(stdout, markVersion(version.String()))
		return 0
	case tool == "cgo":
		// cgo writes over the header when the package exports.
		if err := writeMissingHeaders(args[1:]); err != nil {
			fmt.Fprintf(stderr, "hotpatch: %v\n", err)
			return 1
		}
	case tool == "link":
		linkArgs, env := withExtld(args[1:], self())
		if env != "" {
			cmd.Args, cmd.Env = append(cmd.Args[:1], linkArgs...), append(os.Environ(), env)
		}
	}
	return execTool(cmd, stderr)
}

// runTool runs cmd and returns its exit code.
func runTool(cmd *exec.Cmd, stderr io.Writer) int {
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintf(stderr, "hotpatch: running %s for go build: %v\n", cmd.Path, err)
		return 1
	}
	return 0
}

// markVersion adds cgoVersionMark to the version line of a released cgo
// ("cgo version go1.26.8"). A development toolchain's line ends in a build
// ID, which cmd/go reads: it is left as it is, and the headers stay uncached.
func markVersion(line string) string {
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != "cgo" || f[1] != "version" || f[2] == "devel" {
		return line
	}
	return strings.TrimRight(line, "\r\n") + " " + cgoVersionMark + "\n"
}

// writeMissingHeaders writes an empty header wherever cgo's arguments ask
// for an export header and there is none yet. cgo writes over it when the
// package exports anything; otherwise it stays empty.
func writeMissingHeaders(cgoArgs []string) error {
	for _, a := range cgoArgs {
		if a == "--" {
			break // the C compiler's flags follow
		}
		h, ok := strings.CutPrefix(a, "-exportheader=")
		if !ok {
			continue
		}
		if _, err := os.Stat(h); err == nil || !errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.WriteFile(h, nil, 0o644); err != nil {
			return fmt.Errorf("writing an empty cgo export header: %w", err)
		}
	}
	return nil
}
