package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The compile cache serves a C compile from the user's cache folder, under
// hotpatch/cc, when the compiler, its arguments, its environment, the source
// and every header the source included are the same as in a compile it kept.
// It is what ccache calls direct mode, for the compiles that go build and
// cgo run:
//   - A compile is one source file, or standard input, with -c or -E.
//     Anything that writes more than the output, or names the compiler's
//     own programs (-B, plugins, profiles, -save-temps, -M), is not kept.
//   - The first compile runs with -MD: its list of headers is kept, with a
//     digest of each, beside the compiler's output, exit code and messages.
//     A compile is served when the digest of its compiler, flags,
//     environment and source matches, and every header it read still reads
//     the same. A header that is added ahead of a listed
//     one on the search path is not seen: ccache has the same limit.
//   - go build's work folder (go-build1234), cgo's temporary source
//     (cgo-gcc-input-1234.c), the output's name and -frandom-seed, which go
//     build derives from the package's cache key, change between builds and
//     do not count. The seed names symbols only in C++ and in coverage data,
//     and both are left to the compiler: C++ sources and -fprofile are not
//     kept.
//   - cgo names the C functions it writes with a prefix that is a digest of
//     the package's Go files (_cgo_30c75e84802a_Cfunc_f), so every edit of a
//     file that imports "C" renames them. The prefix does not count either:
//     the kept object is served with the old prefix replaced by the new,
//     which has the same length. The compiler treats identifiers by their
//     spelling only, so that is an object it could have written: the same
//     code and data, under the new names. Objects
//     in which names may be compressed (-flto, -gz, flags for the
//     assembler) are not kept.
//   - A compile that failed is kept only when it ran in the C locale, as
//     cgo's do, and no file was missing: cgo learns what its C names are
//     from the errors of compiles meant to fail.
//     A source or header that uses __DATE__ or __TIME__ is not kept, nor one
//     that changed while it compiled.
//   - As in go build's cache, an entry that no compile used for a week is
//     removed, at most once a day.

// A compile is a C compiler's command line that the cache can serve.
type compile struct {
	args   []string
	input  string // the source, or "-" for standard input
	output string // the -o file, or "" for standard output
	work   string // go build's work folder, if an argument names it
}

// noCompileFlags are flags that make a command line one that the cache does
// not serve.
var noCompileFlags = []string{"-flto", "-gz", "-gsplit-dwarf", "-Wa,", "-M", "-Wp,", "-B", "-###", "-save-temps", "-fprofile", "--coverage", "-ftest-coverage", "-fdump", "-fplugin", "-specs", "-print", "-dump", "--help", "--version", "-xc++", "-xobjective-c++"}

// valueFlags are flags whose value is the next argument.
var valueFlags = map[string]bool{
	"-o": true, "-I": true, "-D": true, "-U": true, "-x": true, "-include": true, "-imacros": true,
	"-isystem": true, "-iquote": true, "-idirafter": true, "-isysroot": true, "-iprefix": true,
	"-iwithprefix": true, "-iwithprefixbefore": true, "-arch": true, "-target": true,
	"-Xpreprocessor": true, "-Xassembler": true, "-Xclang": true, "-aux-info": true,
}

// cSources are the endings of the sources the cache serves.
var cSources = map[string]bool{".c": true, ".s": true, ".S": true, ".sx": true, ".m": true}

var (
	workPattern      = regexp.MustCompile(`(?:[A-Za-z]:)?[\\/][^=\s]*go-build[0-9]+`)
	cgoInputPattern  = regexp.MustCompile(`cgo-gcc-input-[0-9]+\.c$`)
	cgoPrefixPattern = regexp.MustCompile(`_cgo(?:exp)?_([0-9a-f]{12})_`)
)

// parseCompile returns the compile that args ask for, if the cache can
// serve it.
func parseCompile(args []string) (*compile, bool) {
	c := &compile{args: args}
	mode, inputs := "", 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-c" || a == "-E":
			if mode != "" && mode != a {
				return nil, false
			}
			mode = a
		case a == "-":
			c.input, inputs = a, inputs+1
		case a == "-v" || a == "-###":
			return nil, false
		case strings.HasPrefix(a, "-"):
			for _, f := range noCompileFlags {
				if strings.HasPrefix(a, f) {
					return nil, false
				}
			}
			if valueFlags[a] {
				if i+1 == len(args) {
					return nil, false
				}
				i++
				switch {
				case a == "-o":
					c.output = args[i]
				case a == "-x" && strings.HasSuffix(args[i], "++"):
					return nil, false
				}
			} else if out, ok := strings.CutPrefix(a, "-o"); ok {
				c.output = out // cgo writes -o/tmp/go-build1/b001/_cgo_1.o
			}
		case strings.HasPrefix(a, "@"):
			return nil, false
		default:
			c.input, inputs = a, inputs+1
		}
	}
	if mode == "" || inputs != 1 || mode == "-c" && c.output == "" {
		return nil, false
	}
	if c.input != "-" && !cSources[filepath.Ext(c.input)] {
		return nil, false
	}
	wd, _ := os.Getwd()
	for _, s := range append([]string{wd, c.output}, args...) {
		if m := workPattern.FindString(s); m != "" {
			c.work = m
			break
		}
	}
	return c, true
}

// norm returns s with go build's work folder, which changes between builds,
// named the same in every build.
func (c *compile) norm(s string) string {
	if c.work == "" {
		return s
	}
	return strings.ReplaceAll(s, c.work, "$WORK")
}

// denorm is the inverse of norm.
func (c *compile) denorm(s string) string {
	if c.work == "" {
		return s
	}
	return strings.ReplaceAll(s, "$WORK", c.work)
}

// ccCacheEnv are the environment variables that change what the C
// compiler finds, or what it says.
var ccCacheEnv = []string{
	"CPATH", "C_INCLUDE_PATH", "OBJC_INCLUDE_PATH", "GCC_EXEC_PREFIX", "COMPILER_PATH", "SOURCE_DATE_EPOCH",
	"LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TERM", "GCC_COLORS", "SDKROOT", "MACOSX_DEPLOYMENT_TARGET", "PATH",
}

// key returns the digest of what the compile reads besides its headers,
// with src the source's bytes, or "" if the compiler cc is not found.
func (c *compile) key(cc string, src []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "hotpatch compile 1\n")
	if !writeProgram(h, cc) {
		return ""
	}
	for _, v := range ccCacheEnv {
		fmt.Fprintf(h, "%s=%s\n", v, c.norm(os.Getenv(v)))
	}
	wd, _ := os.Getwd()
	fmt.Fprintf(h, "dir %s\n", c.norm(wd))
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		switch {
		case strings.HasPrefix(a, "-frandom-seed="):
			continue
		case a == "-o":
			i++
			a = "-o OUT"
		case strings.HasPrefix(a, "-o") && a != "-o":
			a = "-o OUT"
		case a == c.input && cgoInputPattern.MatchString(a):
			a = "cgo-gcc-input.c"
		}
		fmt.Fprintf(h, "%q\n", c.norm(a))
	}
	fmt.Fprintf(h, "source %d\n", len(src))
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// run runs the compile with the C compiler cc, from the cache when it
// can, and returns the exit code. It reports false, having read nothing,
// if it cannot read the source.
func (c *compile) run(cc string, stdin io.Reader, stdout, stderr io.Writer) (int, bool) {
	var src []byte
	var err error
	if c.input == "-" {
		src, err = io.ReadAll(stdin)
	} else {
		src, err = os.ReadFile(c.input)
	}
	if err != nil {
		if c.input == "-" {
			fmt.Fprintf(stderr, "hotpatch: reading the C source: %v\n", err)
			return 1, true
		}
		return 0, false // the compiler says what is wrong
	}
	prefix, ok := cgoPrefix(src)
	if !ok {
		return c.compileOnly(cc, src, stdout, stderr), true
	}
	named := src
	if prefix != "" {
		named = bytes.ReplaceAll(src, []byte(prefix), []byte("PREFIX"))
	}
	key := c.key(cc, named)
	manifest := cachePath("cc", key+".h")
	if key == "" || manifest == "" {
		return c.compileOnly(cc, src, stdout, stderr), true
	}
	if code, ok := c.replay(manifest, prefix, stdout, stderr); ok {
		return code, true
	}
	return c.compileAndKeep(cc, src, prefix, manifest, stdout, stderr), true
}

// cgoPrefix returns the prefix of cgo's names in src, or "" if it has
// none. It reports false if src has more than one.
func cgoPrefix(src []byte) (string, bool) {
	prefix := ""
	for _, m := range cgoPrefixPattern.FindAllSubmatch(src, -1) {
		if prefix != "" && string(m[1]) != prefix {
			return "", false
		}
		prefix = string(m[1])
	}
	return prefix, true
}

// replay writes what the compile kept under the list of headers in the
// file manifest, if every header still reads the same, with cgo's prefix
// now prefix.
func (c *compile) replay(manifest, prefix string, stdout, stderr io.Writer) (int, bool) {
	list, err := os.ReadFile(manifest)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(list), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, " ")
		if !ok {
			return 0, false
		}
		if name == "-" {
			continue
		}
		data, err := os.ReadFile(c.denorm(name))
		if err != nil || fileSum(data) != sum {
			return 0, false
		}
	}
	name := cachePath("cc", resultName(manifest, list))
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, false
	}
	markUsed(manifest)
	markUsed(name)
	r, ok := decodeResult(data)
	if !ok || len(r.prefix) != len(prefix) {
		return 0, false
	}
	if r.prefix != prefix && prefix != "" {
		for _, b := range []*[]byte{&r.stdout, &r.stderr, &r.output} {
			*b = bytes.ReplaceAll(*b, []byte(r.prefix), []byte(prefix))
		}
	}
	if r.hasOutput && c.output != "" {
		if err := os.WriteFile(c.output, r.output, 0o644); err != nil {
			return 0, false
		}
	}
	if !r.hasOutput && c.output != "" {
		os.Remove(c.output)
	}
	stdout.Write(r.stdout)
	stderr.Write(r.stderr)
	return r.code, true
}

// compileAndKeep runs the compile with the C compiler cc and src as its
// source, whose cgo prefix is prefix, and keeps what it wrote, with the
// headers it read, under the file manifest. It returns the exit code.
func (c *compile) compileAndKeep(cc string, src []byte, prefix, manifest string, stdout, stderr io.Writer) int {
	deps, err := os.CreateTemp("", "hotpatch-cc-*.d")
	if err != nil {
		return c.compileOnly(cc, src, stdout, stderr)
	}
	deps.Close()
	defer os.Remove(deps.Name())
	start := time.Now()
	cmd := exec.Command(cc, append(c.args[:len(c.args):len(c.args)], "-MD", "-MF", deps.Name())...)
	var out, errs bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(src), &out, &errs
	if c.input != "-" {
		cmd.Stdin = nil
	}
	code := runTool(cmd, stderr)
	stdout.Write(out.Bytes())
	stderr.Write(errs.Bytes())
	if cmd.ProcessState == nil || code != 0 && !keepFailure(errs.Bytes()) || usesClock(src) {
		return code
	}
	list, ok := c.headerList(deps.Name(), start)
	if !ok {
		return code
	}
	r := result{code: code, prefix: prefix, stdout: out.Bytes(), stderr: errs.Bytes()}
	if c.output != "" {
		if r.output, err = os.ReadFile(c.output); err == nil {
			r.hasOutput = true
		} else if !errors.Is(err, os.ErrNotExist) {
			return code
		}
	}
	writeCacheFile(cachePath("cc", resultName(manifest, list)), r.encode())
	writeCacheFile(manifest, list)
	trimCompileCache(filepath.Dir(manifest), time.Now())
	return code
}

// Entries unused for compileCacheAge are removed, every compileTrimEvery.
const (
	compileCacheAge  = 7 * 24 * time.Hour
	compileTrimEvery = 24 * time.Hour
)

// markUsed moves the time of the cache entry name to now, once an hour at
// most, so that it is not trimmed while compiles use it.
func markUsed(name string) {
	if fi, err := os.Stat(name); err == nil && time.Since(fi.ModTime()) > time.Hour {
		now := time.Now()
		os.Chtimes(name, now, now)
	}
}

// trimCompileCache removes the entries in the folder dir that no compile
// used for compileCacheAge, if it was not trimmed for compileTrimEvery.
func trimCompileCache(dir string, now time.Time) {
	mark := filepath.Join(dir, "trimmed")
	if fi, err := os.Stat(mark); err == nil && now.Sub(fi.ModTime()) < compileTrimEvery {
		return
	}
	writeCacheFile(mark, nil)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && e.Name() != "trimmed" && now.Sub(fi.ModTime()) > compileCacheAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// keepFailure reports whether a compile that failed with the messages
// errs is one to keep: one of cgo's, which run in the C locale
// (cmd/cgo/main.go), whose English messages say that no file was missing.
func keepFailure(errs []byte) bool {
	return os.Getenv("LC_ALL") == "C" && !bytes.Contains(errs, []byte("fatal error"))
}

// compileOnly runs the compile, keeping nothing.
func (c *compile) compileOnly(cc string, src []byte, stdout, stderr io.Writer) int {
	cmd := exec.Command(cc, c.args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if c.input == "-" {
		cmd.Stdin = bytes.NewReader(src)
	}
	return runTool(cmd, stderr)
}

// headerList reads the compiler's list of the files it read, in the file
// deps, and returns it as the cache keeps it: a line for each header, its
// digest and its name. It reports false if a file changed since start, or
// uses the clock.
func (c *compile) headerList(deps string, start time.Time) ([]byte, bool) {
	data, err := os.ReadFile(deps)
	if err != nil {
		return nil, false
	}
	names, ok := parseDeps(data)
	if !ok {
		return nil, false
	}
	var list bytes.Buffer
	for _, name := range names {
		if name == c.input {
			continue // in the key
		}
		fi, err := os.Stat(name)
		if err != nil || !fi.ModTime().Before(start) {
			return nil, false
		}
		data, err := os.ReadFile(name)
		if err != nil || usesClock(data) {
			return nil, false
		}
		abs := name
		if !filepath.IsAbs(abs) {
			if abs, err = filepath.Abs(name); err != nil {
				return nil, false
			}
		}
		fmt.Fprintf(&list, "%s %s\n", fileSum(data), c.norm(abs))
	}
	if list.Len() == 0 {
		list.WriteString(fileSum(nil) + " -\n")
	}
	return list.Bytes(), true
}

// parseDeps parses a make rule as the compiler's -MD writes it, and
// returns its prerequisites.
func parseDeps(data []byte) ([]string, bool) {
	s := strings.ReplaceAll(string(data), "\\\r\n", " ")
	s = strings.ReplaceAll(s, "\\\n", " ")
	_, rest, ok := strings.Cut(s, ": ")
	if !ok {
		return nil, false
	}
	if i := strings.IndexAny(rest, "\n"); i >= 0 {
		rest = rest[:i] // -MD writes one rule
	}
	var names []string
	var name strings.Builder
	for i := 0; i < len(rest); i++ {
		switch ch := rest[i]; {
		case ch == '\\' && i+1 < len(rest) && (rest[i+1] == ' ' || rest[i+1] == '#'):
			name.WriteByte(rest[i+1])
			i++
		case ch == '$' && i+1 < len(rest) && rest[i+1] == '$':
			name.WriteByte('$')
			i++
		case ch == ' ' || ch == '\t' || ch == '\r':
			if name.Len() > 0 {
				names = append(names, name.String())
				name.Reset()
			}
		default:
			name.WriteByte(ch)
		}
	}
	if name.Len() > 0 {
		names = append(names, name.String())
	}
	return names, true
}

// usesClock reports whether C source uses the time it is compiled at.
func usesClock(src []byte) bool {
	return bytes.Contains(src, []byte("__DATE__")) || bytes.Contains(src, []byte("__TIME__"))
}

func fileSum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// resultName is the name of the result kept under the manifest with the
// header list list.
func resultName(manifest string, list []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", filepath.Base(manifest))
	h.Write(list)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// A result is what a compile wrote.
type result struct {
	code           int
	prefix         string // cgo's, in the source
	stdout, stderr []byte
	hasOutput      bool
	output         []byte
}

// encode writes r as one line of the exit code and lengths, then the
// bytes.
func (r result) encode() []byte {
	outLen := -1
	if r.hasOutput {
		outLen = len(r.output)
	}
	b := fmt.Appendf(nil, "%d %d %d %d %q\n", r.code, len(r.stdout), len(r.stderr), outLen, r.prefix)
	b = append(append(b, r.stdout...), r.stderr...)
	return append(b, r.output...)
}

func decodeResult(data []byte) (result, bool) {
	line, rest, ok := bytes.Cut(data, []byte("\n"))
	f := strings.Fields(string(line))
	if !ok || len(f) != 5 {
		return result{}, false
	}
	prefix, err := strconv.Unquote(f[4])
	if err != nil {
		return result{}, false
	}
	var n [4]int
	for i, s := range f[:4] {
		v, err := strconv.Atoi(s)
		if err != nil || i > 0 && i < 3 && v < 0 {
			return result{}, false
		}
		n[i] = v
	}
	total := n[1] + n[2] + max(n[3], 0)
	if len(rest) != total {
		return result{}, false
	}
	r := result{code: n[0], prefix: prefix, stdout: rest[:n[1]], stderr: rest[n[1] : n[1]+n[2]]}
	if n[3] >= 0 {
		r.hasOutput, r.output = true, rest[n[1]+n[2]:]
	}
	return r, true
}
