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
//     the same. A header that is added ahead of a listed one on the search
//     path is not seen: ccache has the same limit.
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
//     code and data, under the new names. Objects in which names may be
//     compressed (-flto, -gz, flags for the assembler) are not kept.
//   - A compile that failed is kept only when it ran in the C locale, as
//     cgo's do, and no file was missing: cgo learns what its C names are
//     from the errors of compiles meant to fail. A source or header that
//     uses __DATE__ or __TIME__ is not kept, nor one that changed while it
//     compiled.
//   - As in go build's cache, an entry that no compile used for a week is
//     removed, at most once a day.
//
// compileargs.go reads a command line and makes its key; compileentry.go
// keeps and reads the entries.

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
		named = bytes.ReplaceAll(src, []byte(prefix), []byte(prefixMark))
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

// prefixMark stands for cgo's prefix in a source's key. It holds a NUL
// byte, which no source that the cache serves holds (cgoPrefix): two sources
// have the same key only if one is the other with the prefix renamed.
const prefixMark = "\x00prefix\x00"

// cgoPrefix returns the prefix of cgo's names in src, or "" if it has
// none. It reports false if src has more than one, or a NUL byte.
func cgoPrefix(src []byte) (string, bool) {
	if bytes.IndexByte(src, 0) >= 0 {
		return "", false
	}
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
