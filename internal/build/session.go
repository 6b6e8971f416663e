package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/rewrite"
	"golang.org/x/tools/go/packages"
)

// A Session builds one library again and again, as hotpatch watch does, and
// keeps its analysis warm between builds: what go list said about the
// library's packages, and the types of the marked packages' imports. A build
// whose edit leaves them as they were asks go list nothing. The analysis is
// kept on disk too (session_disk.go), where a new session, such as the one
// Run makes for each build, finds it.
//
// What go list said stays true while these stay as they were, and the
// session compares all of them before every build: go build's flags and
// environment, the go command, this program, the go.mod, go.sum and go.work
// files, the names of the files in every folder of a package that is not in
// the module cache or the standard library, the Go tokens of each such
// package but the main one, and of the main package's files, everything up
// to their imports, their //go:embed lines, and whether they mark
// functions. Anything else the main package's files hold is read again in
// every build, as without a session.
//
// The zero Session is ready to use. A Session runs one build at a time.
type Session struct {
	mu   sync.Mutex
	warm *warmAnalysis
}

// warmAnalysis is what a cold analysis learned, and the digest of what it
// read.
type warmAnalysis struct {
	digest   string
	roots    []*packages.Package
	imported map[string]*imports // by marked package
}

// Run builds the library that a describes, as the package's Run does, with
// the analysis of the session's last build when nothing it rests on
// changed.
func (s *Session) Run(ctx context.Context, a *Args, stderr io.Writer) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return run(ctx, a, stderr, s)
}

// lookup returns the warm analysis if what it rests on is as it was: the
// session's own, or else, in a session that has none, the one on disk. (A
// session's own is what it last wrote to disk.)
func (s *Session) lookup(a *Args, env []string) *warmAnalysis {
	if s == nil {
		return nil
	}
	if s.warm == nil {
		s.warm = loadDisk(a, env)
		return s.warm
	}
	digest, _, err := shapeDigest(a, env, s.warm.roots, time.Time{})
	if err != nil || digest != s.warm.digest {
		s.warm = nil
	}
	return s.warm
}

// remember keeps a cold analysis that began at start, unless a file it
// rests on changed since then: go list may have read it before the change.
func (s *Session) remember(a *Args, env []string, start time.Time, roots []*packages.Package, imported map[string]*imports) {
	if s == nil {
		return
	}
	s.warm = nil
	digest, stable, err := shapeDigest(a, env, roots, start)
	if err != nil || !stable {
		return
	}
	s.warm = &warmAnalysis{digest: digest, roots: roots, imported: imported}
	saveDisk(a, env, s.warm)
}

// shapeDigest returns the digest of what the analysis of the library whose
// packages roots are rests on (see Session), and whether no file it read
// changed at or after since.
func shapeDigest(a *Args, env []string, roots []*packages.Package, since time.Time) (string, bool, error) {
	h := sha256.New()
	stable := true
	fmt.Fprintf(h, "dir %s packages %q flags %q tags %q\n", a.Dir, a.Packages, a.Flags, a.Tags)
	digestTools(h, env)
	file := func(name string, mustExist bool) error {
		fi, err := os.Stat(name)
		if err != nil {
			if !mustExist && os.IsNotExist(err) {
				fmt.Fprintf(h, "no %s\n", name)
				return nil
			}
			return err
		}
		if !fi.ModTime().Before(since) {
			stable = false
		}
		return digestFile(h, name)
	}
	// The workspace, if any, and every local module's go.mod and go.sum.
	if work := workFile(a.Dir, env); work != "" {
		if err := file(work, true); err != nil {
			return "", false, err
		}
		if err := file(work+".sum", false); err != nil {
			return "", false, err
		}
	}
	seen := map[string]bool{}
	var pkgs []*packages.Package
	packages.Visit(roots, nil, func(p *packages.Package) { pkgs = append(pkgs, p) })
	for _, p := range pkgs {
		if p.Module == nil || p.Module.GoMod == "" || immutable(p) || seen[p.Module.GoMod] {
			continue
		}
		seen[p.Module.GoMod] = true
		if err := file(p.Module.GoMod, true); err != nil {
			return "", false, err
		}
		if err := file(strings.TrimSuffix(p.Module.GoMod, ".mod")+".sum", false); err != nil {
			return "", false, err
		}
	}
	for _, p := range pkgs {
		if p.Module == nil && isStd(p.PkgPath) || immutable(p) || len(p.GoFiles) == 0 {
			continue
		}
		dir := filepath.Dir(p.GoFiles[0])
		names, err := folderNames(dir, len(p.EmbedPatterns) > 0)
		if err != nil {
			return "", false, err
		}
		fmt.Fprintf(h, "package %s in %s: %q\n", p.PkgPath, dir, names)
		for _, f := range p.GoFiles {
			fi, err := os.Stat(f)
			if err != nil {
				return "", false, err
			}
			if !fi.ModTime().Before(since) {
				stable = false
			}
			if slices.Contains(roots, p) {
				err = digestHeader(h, f)
			} else {
				err = digestGo(h, f)
			}
			if err != nil {
				return "", false, err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), stable, nil
}

// workFile returns the go.work file that go would use in dir, or "".
func workFile(dir string, env []string) string {
	switch w := lookupEnv(env, "GOWORK"); w {
	case "off":
		return ""
	case "":
	default:
		return w
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return filepath.Join(d, "go.work")
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// folderNames returns the names of the files in dir, and in its subfolders
// too if deep: a file added or removed there changes what go list says.
func folderNames(dir string, deep bool) ([]string, error) {
	if !deep {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names, nil
	}
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	return names, err
}

// digestHeader hashes what go list reads of a file of the main package:
// everything up to the end of its imports (build constraints, the package
// clause, the imports, the cgo preamble), its //go:embed lines, and whether
// it marks functions.
func digestHeader(h hash.Hash, name string) error {
	src, fset, f, err := parseImports(h, name)
	if f == nil {
		return err
	}
	end := fset.Position(f.Name.End()).Offset
	for _, d := range f.Decls {
		end = max(end, fset.Position(d.End()).Offset)
	}
	fmt.Fprintf(h, "header %s %d\n", filepath.Base(name), end)
	h.Write(src[:end])
	for _, line := range strings.Split(string(src[end:]), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "//go:embed") {
			fmt.Fprintf(h, "embed %s\n", strings.TrimSpace(line))
		}
	}
	fmt.Fprintf(h, "marks %v\n", rewrite.HasDirective(src))
	return nil
}
