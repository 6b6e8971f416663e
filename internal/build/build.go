// Package build implements hotpatch build: it finds the marked functions,
// rewrites them through a go build overlay, builds the c-shared library, and
// publishes it so that running processes pick it up safely.
package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/loader"
	"github.com/hotpatch-go/hotpatch/internal/rewrite"
	"golang.org/x/tools/go/packages"
)

// Result says what a build produced.
type Result struct {
	Output string         // the library
	Build  string         // the build's identifier
	Funcs  []rewrite.Func // the marked functions

	// Where the time went: finding and rewriting the marked functions,
	// go build, and publishing (checksum, renames, stamp).
	Analysis, GoBuild, Publish time.Duration
}

// Run builds the library that a describes. Compiler output goes to stderr.
func Run(ctx context.Context, a *Args, stderr io.Writer) (*Result, error) {
	out := a.Output
	if !filepath.IsAbs(out) {
		out = filepath.Join(a.Dir, out)
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	env, err := buildEnv(os.Environ())
	if err != nil {
		return nil, err
	}
	id := time.Now().UTC().Format("20060102T150405.000000000")

	// go build writes its output in place: a process that loaded the file
	// at that path would crash, and a watcher could see half a file. So the
	// library is built beside the output and renamed over it.
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	ext := filepath.Ext(out)
	tmp := filepath.Join(filepath.Dir(out), fmt.Sprintf(".%s.tmp-%d%s", strings.TrimSuffix(filepath.Base(out), ext), os.Getpid(), ext))
	goBuild := func(overlayFile string) error {
		args := []string{"build", "-buildmode=c-shared", a.tagsFlag(), "-o", tmp}
		if overlayFile != "" {
			args = append(args, "-overlay="+overlayFile)
		}
		args = append(append(args, a.Flags...), a.Package)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = a.Dir, env, stderr, stderr
		err := cmd.Run()
		if err != nil {
			os.Remove(tmp)
			os.Remove(headerPath(tmp))
			return fmt.Errorf("go build failed; %s is unchanged, and running processes keep their code: %w", a.Output, err)
		}
		return nil
	}

	start := time.Now()
	overlay, funcs, mainDir, mainName, err := analyze(ctx, a, env)
	var notCompiling *loadError
	if errors.As(err, &notCompiling) {
		// Let the compiler report the errors, in its own words.
		if err := goBuild(""); err != nil {
			return nil, err
		}
		os.Remove(tmp)
		os.Remove(headerPath(tmp))
	}
	if err != nil {
		return nil, err
	}
	overlay[filepath.Join(mainDir, "zz_hotpatch_generated.go")] = rewrite.ConfigFile(mainName, out, id)

	work, err := os.MkdirTemp("", "hotpatch-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	overlayFile, err := writeOverlay(work, overlay)
	if err != nil {
		return nil, err
	}
	res := &Result{Output: out, Build: id, Funcs: funcs, Analysis: time.Since(start)}
	start = time.Now()
	if err := goBuild(overlayFile); err != nil {
		return nil, err
	}
	res.GoBuild = time.Since(start)
	start = time.Now()
	if err := publish(tmp, out, id); err != nil {
		return nil, err
	}
	res.Publish = time.Since(start)
	return res, nil
}

func headerPath(lib string) string { return strings.TrimSuffix(lib, filepath.Ext(lib)) + ".h" }

// publish renames the new library over the output, then writes its stamp.
// Processes that loaded the old file keep it: a rename replaces the name, not
// the file (on Windows, the loaded file is moved aside first; see
// loader.ReplaceLibrary). They load the new build only once the stamp names
// it.
func publish(tmp, out, id string) error {
	if err := os.Rename(headerPath(tmp), headerPath(out)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	stamp, err := loader.StampFile(tmp, id)
	if err != nil {
		return err
	}
	if err := loader.ReplaceLibrary(tmp, out); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("publishing the build: %w", err)
	}
	return loader.WriteStamp(out, stamp)
}

func writeOverlay(dir string, files map[string][]byte) (string, error) {
	replace := map[string]string{}
	i := 0
	for orig, data := range files {
		i++
		name := filepath.Join(dir, fmt.Sprintf("%d_%s", i, filepath.Base(orig)))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return "", err
		}
		replace[orig] = name
	}
	data, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", err
	}
	name := filepath.Join(dir, "overlay.json")
	return name, os.WriteFile(name, data, 0o644)
}

// analyze finds the packages of the main module that the library links and
// that mark functions, and rewrites them.
//
// Type-checking a package the usual way runs cgo on it, which costs as much as
// compiling it. The marked functions' signatures rarely need C types, so each
// marked package is first checked from its own files with cgo faked, against
// the export data of its imports; only a package whose marked signatures then
// hold unknown types is loaded again with cgo. The imports of the main package
// are loaded while go list walks the dependencies (importPrefetch).
func analyze(ctx context.Context, a *Args, env []string) (overlay map[string][]byte, funcs []rewrite.Func, mainDir, mainName string, err error) {
	cfg := &packages.Config{
		Context:    ctx,
		Dir:        a.Dir,
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps | packages.NeedModule,
		BuildFlags: a.loadFlags(),
		Env:        env,
	}
	// The prefetch is abandoned, and its go list stopped, when analyze
	// returns without it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg.Context = ctx
	prefetch := prefetchImports(ctx, cfg, targetContext(env, a), a.Dir, a.Package)
	roots, err := packages.Load(cfg, a.Package)
	if err != nil {
		return nil, nil, "", "", fmt.Errorf("loading %s: %w", a.Package, err)
	}
	if err := packageErrors(roots); err != nil {
		return nil, nil, "", "", err
	}
	if len(roots) != 1 {
		return nil, nil, "", "", fmt.Errorf("%s matches %d packages; name the one main package of the library", a.Package, len(roots))
	}
	root := roots[0]
	if root.Name != "main" {
		return nil, nil, "", "", fmt.Errorf("%s is package %s: a c-shared library is built from package main", root.PkgPath, root.Name)
	}
	if len(root.GoFiles) == 0 {
		return nil, nil, "", "", fmt.Errorf("%s has no Go files", root.PkgPath)
	}
	// Asking go list for the sizes would make it run cgo on every package.
	sizes := types.SizesFor("gc", targetArch(env))
	var marked []*packages.Package
	packages.Visit(roots, nil, func(p *packages.Package) {
		if p.Module != nil && p.Module.Main && hasDirective(p.GoFiles) {
			marked = append(marked, p)
		}
	})
	overlay = map[string][]byte{}
	var errs []error
	for _, p := range marked {
		var pf *importPrefetch
		if p == root {
			pf = prefetch
		}
		files, fs, err := rewriteFast(ctx, cfg, p, sizes, pf)
		if errors.Is(err, rewrite.ErrUnknownTypes) {
			files, fs, err = rewriteWithCgo(ctx, cfg, p, sizes)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for k, v := range files {
			overlay[k] = v
		}
		funcs = append(funcs, fs...)
	}
	if len(errs) > 0 {
		return nil, nil, "", "", errors.Join(errs...)
	}
	return overlay, funcs, filepath.Dir(root.GoFiles[0]), root.Name, nil
}

// rewriteFast type-checks p from its files, with cgo faked, against the
// export data of its imports. Errors of the check itself are left for go
// build to report.
func rewriteFast(ctx context.Context, cfg *packages.Config, p *packages.Package, sizes types.Sizes, prefetched *importPrefetch) (map[string][]byte, []rewrite.Func, error) {
	var paths []string
	for path := range p.Imports {
		if path != "C" && path != "unsafe" {
			paths = append(paths, path)
		}
	}
	imported, ok := prefetched.result(paths)
	if !ok {
		var err error
		if imported, err = loadImports(ctx, cfg, paths); err != nil {
			return nil, nil, err
		}
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, &loadError{[]error{err}}
		}
		files = append(files, f)
	}
	conf := types.Config{
		FakeImportC: true,
		Sizes:       sizes,
		Error:       func(error) {},
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if t := imported[path]; t != nil {
				return t, nil
			}
			return nil, fmt.Errorf("%s is not imported by %s", path, p.PkgPath)
		}),
	}
	t, _ := conf.Check(p.PkgPath, fset, files, nil)
	return rewrite.Package(t, p.GoFiles, sizes)
}

// rewriteWithCgo loads p with its types the usual way, cgo included.
func rewriteWithCgo(ctx context.Context, cfg *packages.Config, p *packages.Package, sizes types.Sizes) (map[string][]byte, []rewrite.Func, error) {
	c := *cfg
	c.Mode = packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo
	pkgs, err := packages.Load(&c, p.PkgPath)
	if err != nil {
		return nil, nil, err
	}
	if err := packageErrors(pkgs); err != nil {
		return nil, nil, err
	}
	return rewrite.Package(pkgs[0].Types, pkgs[0].GoFiles, sizes)
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// hasDirective reports whether any of the files holds a hotpatch directive,
// without parsing them.
func hasDirective(files []string) bool {
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err == nil && strings.Contains(string(data), "//hotpatch:") {
			return true
		}
	}
	return false
}

// A loadError means that the packages do not load or type-check.
type loadError struct{ errs []error }

func (e *loadError) Error() string { return errors.Join(e.errs...).Error() }

func packageErrors(pkgs []*packages.Package) error {
	var errs []error
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e)
		}
	})
	if len(errs) == 0 {
		return nil
	}
	return &loadError{errs}
}

// targetContext returns the build context that decides which files go build
// builds for env and a's tags.
func targetContext(env []string, a *Args) *build.Context {
	c := build.Default
	c.GOOS, c.GOARCH = targetOS(env), targetArch(env)
	c.CgoEnabled = true
	c.BuildTags = append([]string{"hotpatch"}, a.Tags...)
	return &c
}
