package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"hash"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hotpatch-go/hotpatch/internal/version"
	"golang.org/x/tools/go/packages"
)

// A build that changes nothing a running process would run, such as a
// comment edit, is not built or published: every copy a process loads
// spends part of a budget of about a hundred, with memory and threads that
// never come back.
//
// The library's binary cannot tell: a comment edit moves lines, the line
// tables change length, and on Windows, where they sit in .rdata before the
// C code's data, everything after them moves, and the code that refers to
// it changes. So the digest is of what go build reads:
//   - the Go tokens of every package of the library that is not in the
//     module cache or the standard library, without comments other than
//     directives and cgo preambles;
//   - their other files (C, assembly, embedded files), and the C headers of
//     their modules, byte for byte;
//   - the versions of the modules from the cache, and the go.mod files of
//     the others;
//   - go build's flags and environment, the go command, and this program.
//
// It is conservative: a change to code that no marked function reaches is
// still a change. A function that prints its own line (runtime.Caller) does
// not print the new line after a comment edit above it.

// sourceDigest returns the digest of what the build of the library that
// pkgs make up, at out, reads.
func sourceDigest(a *Args, out string, env []string, pkgs []*packages.Package) (string, error) {
	h := sha256.New()
	var flags []string
	for _, f := range a.Flags {
		switch f {
		case "-work", "-x", "-v", "-a": // they change what go build says or redoes, not what it builds
		default:
			flags = append(flags, f)
		}
	}
	fmt.Fprintf(h, "flags %q tags %q rollback %v output %s\n", flags, a.Tags, a.Rollback, a.Output)
	digestTools(h, env)

	roots := map[string]bool{} // the folders of the modules whose files count
	for _, p := range pkgs {
		switch {
		case p.Module == nil && isStd(p.PkgPath):
			continue // the toolchain's
		case immutable(p):
			m := p.Module
			if m.Replace != nil {
				m = m.Replace
			}
			fmt.Fprintf(h, "module %s %s %s\n", p.PkgPath, m.Path, m.Version)
			continue
		}
		fmt.Fprintf(h, "package %s\n", p.PkgPath)
		for _, f := range p.GoFiles {
			if err := digestGo(h, f); err != nil {
				return "", err
			}
		}
		for _, f := range append(slices.Clone(p.OtherFiles), p.EmbedFiles...) {
			if f == headerPath(out) {
				continue
			}
			if err := digestFile(h, f); err != nil {
				return "", err
			}
		}
		if p.Module != nil && p.Module.Dir != "" {
			roots[p.Module.Dir] = true
			// Its go version and godebug lines count; go.sum, which
			// only checks what the versions above name, does not.
			if err := digestFile(h, p.Module.GoMod); err != nil {
				return "", err
			}
		} else if len(p.GoFiles) > 0 {
			roots[filepath.Dir(p.GoFiles[0])] = true
		}
	}
	// A cgo file can include a header from anywhere in its module; the
	// library's own header, which go build writes, does not count.
	for _, root := range slices.Sorted(maps.Keys(roots)) {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			name := d.Name()
			if d.IsDir() {
				if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if headerExt[filepath.Ext(name)] && path != headerPath(out) {
				return digestFile(h, path)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// digestTools hashes what builds the library besides its sources: the
// environment that go build reads, the go command, and this program.
func digestTools(h hash.Hash, env []string) {
	for _, k := range digestEnv {
		fmt.Fprintf(h, "env %s=%s\n", k, lookupEnv(env, k))
	}
	self, _ := os.Executable()
	for _, name := range []string{"go", self} {
		fmt.Fprintf(h, "tool %s\n", fileIdentity(name))
	}
	fmt.Fprintf(h, "hotpatch %s %s\n", version.CLI(), version.Source())
}

// digestEnv are the environment variables that change what go build
// builds.
var digestEnv = []string{
	"GOOS", "GOARCH", "GOAMD64", "GOARM64", "GO386", "GOARM", "GOEXPERIMENT", "GOFLAGS", "GOTOOLCHAIN", "GOROOT", "GOWORK",
	"CGO_ENABLED", "CC", "CXX", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS", "CGO_FFLAGS", "PKG_CONFIG",
}

// headerExt are the endings of C and C++ headers.
var headerExt = map[string]bool{".h": true, ".hh": true, ".hpp": true, ".hxx": true, ".inc": true}

// digestGo hashes the Go tokens of the file name: what formatting and
// comments change does not count, except the comments that mean something
// to the tools (//go:, //export, //line, //hotpatch:, build constraints)
// and the cgo preamble.
func digestGo(h hash.Hash, name string) error {
	src, fset, f, err := parseImports(h, name)
	if f == nil {
		return err
	}
	var preambles []*ast.CommentGroup
	for _, imp := range f.Imports {
		if imp.Path.Value == `"C"` {
			if imp.Doc != nil {
				preambles = append(preambles, imp.Doc)
			}
			for _, d := range f.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT && g.Doc != nil && g.Pos() <= imp.Pos() && imp.End() <= g.End() {
					preambles = append(preambles, g.Doc)
				}
			}
		}
	}
	inPreamble := func(pos token.Pos) bool {
		for _, g := range preambles {
			if g.Pos() <= pos && pos < g.End() {
				return true
			}
		}
		return false
	}
	fmt.Fprintf(h, "go %s\n", filepath.Base(name))
	var s scanner.Scanner
	s.Init(fset.File(f.Pos()), src, nil, scanner.ScanComments)
	for {
		pos, tok, lit := s.Scan()
		switch {
		case tok == token.EOF:
			return nil
		case tok == token.COMMENT && !directive(lit) && !inPreamble(pos):
			continue
		case tok == token.SEMICOLON:
			lit = "" // written or inserted at a line end
		}
		fmt.Fprintf(h, "%d %s\n", tok, lit)
	}
}

// parseImports reads the Go file name and parses it up to its imports. If it
// does not parse, its bytes go into h, and f is nil: go build will say what
// is wrong.
func parseImports(h hash.Hash, name string) (src []byte, fset *token.FileSet, f *ast.File, err error) {
	if src, err = os.ReadFile(name); err != nil {
		return nil, nil, nil, err
	}
	fset = token.NewFileSet()
	if f, err = parser.ParseFile(fset, name, src, parser.ImportsOnly|parser.ParseComments); err != nil {
		h.Write(src)
		return src, fset, nil, nil
	}
	return src, fset, f, nil
}

// directive reports whether a comment means something to go build, cgo or
// hotpatch.
func directive(c string) bool {
	for _, p := range []string{"//go:", "//export ", "//line ", "/*line ", "//hotpatch:", "// +build"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// digestFile hashes the file name's bytes.
func digestFile(h hash.Hash, name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "file %s %d\n", name, len(data))
	h.Write(data)
	return nil
}

// fileIdentity names a program by its path, size and time: a new go
// command, or a new hotpatch, builds anew. (A toolchain that the go command
// switches to is named by GOTOOLCHAIN and go.mod.)
func fileIdentity(name string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		return "?"
	}
	fi, err := os.Stat(path)
	if err != nil {
		return path
	}
	return fmt.Sprintf("%s %d %d", path, fi.Size(), fi.ModTime().UnixNano())
}

// isStd reports whether path is a standard library package's: its first
// element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && path != "command-line-arguments"
}

// immutable reports whether p comes from the module cache, whose files
// never change: its module has a version, after any replacement, and p is
// not vendored, which a user can edit.
func immutable(p *packages.Package) bool {
	m := p.Module
	if m == nil || m.Main {
		return false
	}
	if m.Replace != nil {
		m = m.Replace
	}
	return m.Version != "" && (len(p.GoFiles) == 0 || !strings.Contains(filepath.ToSlash(p.GoFiles[0]), "/vendor/"))
}
