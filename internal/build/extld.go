package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Before every external link, cmd/link asks the C compiler whether it knows
// some flags (cmd/link/internal/ld/lib.go, linkerFlagSupported): for a
// c-shared library on Linux, -Wl,--build-id and -Qunused-arguments, and
// with compressed DWARF -Wl,--compress-debug-sections too. Each question is
// a compile and a link of a one-line C file, one after the other, about
// 20 ms each of a 0.3 s link. The answers change only with the compiler, the
// linker and the flags, and cmd/link forgets them when it exits.
//
// So the linker runs this program as its -extld, the stand-in for the C
// compiler (cc.go): go build names it as the C compiler, or else the
// -toolexec wrapper (toolexec.go) gives it to the link. The stand-in answers
// those questions from the user's cache folder, under names that cover the
// compiler's and the linker's files.

// trivialC is the C file that cmd/link's questions compile.
const trivialC = "int main() { return 0; }"

// withExtld returns the linker's arguments with this program, at self, as
// its -extld, and the environment variable that names the real one. It
// changes nothing when the linker is given no -extld, one with arguments,
// or the stand-in already.
func withExtld(linkArgs []string, self string) (args []string, env string) {
	for i, a := range linkArgs {
		real, ok := strings.CutPrefix(a, "-extld=")
		if !ok || real == "" || strings.ContainsAny(real, " \t") || self == "" || real == self {
			continue
		}
		args = append([]string(nil), linkArgs...)
		args[i] = "-extld=" + self
		return args, ccEnv + "=" + real
	}
	return linkArgs, ""
}

// answerTrial answers cmd/link's question in args, whose cache file is
// path, from the cache when it was asked before, and else from the C
// compiler cc. It returns the exit code.
func answerTrial(cc string, args []string, path string, stdout, stderr io.Writer) int {
	if code, out, ok := readTrial(path); ok {
		stdout.Write(out)
		return code
	}
	cmd := exec.Command(cc, args...)
	cmd.Stdin = os.Stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // cmd/link reads both as one
	code := runTool(cmd, stderr)
	stdout.Write(out.Bytes())
	if cmd.ProcessState != nil { // it ran: its answer is the compiler's
		writeCacheFile(path, append([]byte(strconv.Itoa(code)+"\n"), out.Bytes()...))
	}
	return code
}

// trialCachePath returns the cache file for cmd/link's question in args,
// or "" if args are not one: "... -o DIR/a.out FLAG DIR/trivial.c". The
// name covers the question, the files of the compiler and of the linker it
// runs, and the environment the compiler finds its programs by.
func trialCachePath(cc string, args []string) string {
	n := len(args)
	if n < 4 || args[n-4] != "-o" || filepath.Base(args[n-1]) != "trivial.c" {
		return ""
	}
	dir := filepath.Dir(args[n-1])
	if args[n-3] != filepath.Join(dir, "a.out") {
		return ""
	}
	if src, err := os.ReadFile(args[n-1]); err != nil || string(src) != trivialC {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%q\n", append(args[:n-4:n-4], args[n-2]))
	ld := "ld"
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "-fuse-ld="); ok {
			ld = "ld." + name
		}
	}
	// The compiler's driver finds the linker in its own folders first.
	prog, err := exec.Command(cc, "-print-prog-name="+ld).Output()
	if err != nil {
		return ""
	}
	if !writeProgram(h, cc) || !writeProgram(h, strings.TrimSpace(string(prog))) {
		return ""
	}
	for _, v := range []string{"PATH", "COMPILER_PATH", "GCC_EXEC_PREFIX", "LIBRARY_PATH"} {
		fmt.Fprintf(h, "%s=%s\n", v, os.Getenv(v))
	}
	return cachePath("linkflags", hex.EncodeToString(h.Sum(nil)[:12]))
}

// readTrial reads an answer that extld kept: the exit code, then what the
// compiler printed.
func readTrial(path string) (code int, out []byte, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, false
	}
	line, out, found := bytes.Cut(data, []byte("\n"))
	code, err = strconv.Atoi(string(line))
	return code, out, found && err == nil
}
