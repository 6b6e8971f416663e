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
// So the -toolexec wrapper (toolexec.go) runs the link with this program as
// its -extld, and the real one in HOTPATCH_EXTLD. As the linker's -extld,
// the program answers those questions from the user's cache folder, under
// names that cover the compiler's and the linker's files, and runs every
// other command, the link itself among them, with the real compiler.

// extldEnv holds the C compiler that this program stands for when cmd/link
// runs it as its -extld.
const extldEnv = "HOTPATCH_EXTLD"

// trivialC is the C file that cmd/link's questions compile.
const trivialC = "int main() { return 0; }"

// withExtld returns the linker's arguments with this program, at self, as
// its -extld, and the environment variable that names the real one. It
// changes nothing when the linker is given no -extld, or one with
// arguments.
func withExtld(linkArgs []string, self string) (args []string, env string) {
	for i, a := range linkArgs {
		real, ok := strings.CutPrefix(a, "-extld=")
		if !ok || real == "" || strings.ContainsAny(real, " \t") || self == "" {
			continue
		}
		args = append([]string(nil), linkArgs...)
		args[i] = "-extld=" + self
		return args, extldEnv + "=" + real
	}
	return linkArgs, ""
}

// extld runs the C compiler cc with args as cmd/link's -extld, and returns
// the exit code. A question about a flag is answered from the cache when it
// was asked before.
func extld(cc string, args []string, stdout, stderr io.Writer) int {
	os.Unsetenv(extldEnv)
	path := trialCachePath(cc, args)
	if path != "" {
		if code, out, ok := readTrial(path); ok {
			stdout.Write(out)
			return code
		}
	}
	cmd := exec.Command(cc, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if path == "" {
		return execTool(cmd, stderr) // the link, or another question
	}
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
