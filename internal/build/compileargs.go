package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

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
