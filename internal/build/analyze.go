package build

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	gobuild "go/build"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/rewrite"
	"github.com/hotpatch-go/hotpatch/internal/version"
	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"
)

// An analysis is what hotpatch build learns about the library before it
// builds it.
type analysis struct {
	overlay  rewrite.Overlay
	funcs    []rewrite.Func
	kept     []rewrite.Kept
	exports  []string // marked exports with entry points of their own
	warnings []*rewrite.Error
	mainDir  string // the folder of the main package
	mainName string // the main package's name: main
	// searched names the packages of the main module that the library links,
	// where marked functions can be: where a build that finds none looked.
	searched []string
	// gomod is the main module's go.mod, and module its path; both are
	// empty outside a module.
	gomod, module string
	// hotpatch is the hotpatch module that go list resolved, if the
	// library imports a package of it.
	hotpatch *hotpatchModule
	// embeds are the //go:embed patterns of the main module's packages, by
	// package folder: hotpatch watch builds when a file they match changes.
	embeds map[string][]string
	// pkgs are every package the library links.
	pkgs []*packages.Package
	// warm says that the analysis came from a session's last build.
	warm bool
}

// analyze finds the packages of the main module that the library links and
// that mark functions, and rewrites them.
//
// Type-checking a package the usual way runs cgo on it, which costs as much as
// compiling it. The marked functions' signatures rarely need C types, so each
// marked package is first checked from its own files with cgo faked, C's
// numeric types known (rewrite.CTypes), against the export data of its
// imports; only a package whose marked signatures then hold other C types is
// loaded again with cgo. The imports of the main package
// are loaded while go list walks the dependencies (importPrefetch). With a
// session whose last analysis still holds, go list is not asked again.
func analyze(ctx context.Context, a *Args, env []string, s *Session) (*analysis, error) {
	// The prefetch is abandoned, and its go list stopped, when analyze
	// returns without it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := &packages.Config{
		Context:    ctx,
		Dir:        a.Dir,
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps | packages.NeedModule | packages.NeedEmbedPatterns | packages.NeedEmbedFiles,
		BuildFlags: a.loadFlags(),
		Env:        env,
	}
	start := time.Now()
	warm := s.lookup(a, env)
	var roots []*packages.Package
	var prefetch *importPrefetch
	if warm != nil {
		roots = warm.roots
	} else {
		prefetch = prefetchImports(ctx, cfg, targetContext(env, a), a)
		var err error
		if roots, err = packages.Load(cfg, a.Packages...); err != nil {
			return nil, fmt.Errorf("loading %s: %w", strings.Join(a.Packages, " "), err)
		}
		if err := packageErrors(roots); err != nil {
			if strings.Contains(err.Error(), "no required module provides package "+version.ModulePath) {
				gomod, module := mainModule(&packages.Package{}, a.Dir)
				if gomod != "" {
					return nil, notRequired(module, false)
				}
			}
			return nil, err
		}
	}
	root, err := mainPackage(a, roots)
	if err != nil {
		return nil, err
	}
	res := &analysis{overlay: rewrite.Overlay{}, mainDir: filepath.Dir(root.GoFiles[0]), mainName: root.Name}
	res.gomod, res.module = mainModule(root, res.mainDir)
	// Asking go list for the sizes would make it run cgo on every package.
	sizes := types.SizesFor("gc", targetArch(env))
	var marked []*packages.Package
	packages.Visit(roots, nil, func(p *packages.Package) {
		res.pkgs = append(res.pkgs, p)
		if p.Module != nil && p.Module.Path == version.ModulePath && res.hotpatch == nil {
			res.hotpatch = resolvedModule(p.Module)
			return
		}
		// A package given as files has no module: it is the main
		// module's, as go build sees it.
		if p == root || p.Module != nil && p.Module.Main {
			res.searched = append(res.searched, displayPath(p, res))
			if len(p.EmbedPatterns) > 0 && len(p.GoFiles) > 0 {
				if res.embeds == nil {
					res.embeds = map[string][]string{}
				}
				res.embeds[filepath.Dir(p.GoFiles[0])] = p.EmbedPatterns
			}
			if hasDirective(p.GoFiles) {
				marked = append(marked, p)
			}
		}
	})
	var errs []error
	byPackage := map[string]*imports{}
	for _, p := range marked {
		var im *imports
		if warm != nil {
			im = warm.imported[p.PkgPath]
		}
		if im == nil {
			var pf *importPrefetch
			if p == root {
				pf = prefetch
			}
			if im, err = importsOfPackage(ctx, cfg, p, pf); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		byPackage[p.PkgPath] = im
		r, err := rewritePackage(ctx, cfg, p, pkgPath(p, res), sizes, im.types)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for k, v := range r.Overlay {
			res.overlay[k] = v
		}
		res.funcs = append(res.funcs, r.Funcs...)
		res.kept = append(res.kept, r.Kept...)
		res.exports = append(res.exports, r.Exports...)
		res.warnings = append(res.warnings, r.Warnings...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if warm == nil {
		s.remember(a, env, start, roots, byPackage)
	}
	res.warm = warm != nil
	return res, nil
}

// mainPackage returns the one main package that roots must be.
func mainPackage(a *Args, roots []*packages.Package) (*packages.Package, error) {
	args := strings.Join(a.Packages, " ")
	if len(roots) != 1 {
		var names []string
		for _, r := range roots {
			names = append(names, r.PkgPath)
		}
		return nil, fmt.Errorf("%s matches %d packages (%s): a library is built from one main package; name that one", args, len(roots), strings.Join(names, ", "))
	}
	root := roots[0]
	if root.Name != "main" {
		return nil, fmt.Errorf("%s is package %s: a c-shared library is built from package main", displayArg(a, root), root.Name)
	}
	if len(root.GoFiles) == 0 {
		return nil, fmt.Errorf("%s has no Go files", displayArg(a, root))
	}
	return root, nil
}

func displayArg(a *Args, p *packages.Package) string {
	if a.Files() {
		return strings.Join(a.Packages, " ")
	}
	return p.PkgPath
}

// mainModule returns the go.mod file and the path of the module that the
// main package belongs to, or empty strings outside a module.
func mainModule(root *packages.Package, dir string) (gomod, path string) {
	if root.Module != nil {
		return root.Module.GoMod, root.Module.Path
	}
	// A package given as files: the module is the one around its folder.
	for d := dir; ; d = filepath.Dir(d) {
		name := filepath.Join(d, "go.mod")
		if data, err := os.ReadFile(name); err == nil {
			return name, modulePath(data)
		}
		if filepath.Dir(d) == d {
			return "", ""
		}
	}
}

// pkgPath is the path that a marked function's identity starts with. A
// package given as files is command-line-arguments to go list; its functions
// take the import path that its folder has in the module, so that they keep
// their identity whichever way the package is named.
func pkgPath(p *packages.Package, res *analysis) string {
	if p.PkgPath != "command-line-arguments" || res.gomod == "" {
		return p.PkgPath
	}
	rel, err := filepath.Rel(filepath.Dir(res.gomod), filepath.Dir(p.GoFiles[0]))
	if err != nil || strings.HasPrefix(rel, "..") {
		return p.PkgPath
	}
	if rel == "." {
		return res.module
	}
	return res.module + "/" + filepath.ToSlash(rel)
}

// displayPath names a package in messages: by import path, or by its files.
func displayPath(p *packages.Package, res *analysis) string {
	if p.PkgPath != "command-line-arguments" {
		return p.PkgPath
	}
	var names []string
	for _, f := range p.GoFiles {
		names = append(names, filepath.Base(f))
	}
	return strings.Join(names, " ")
}

// importsOfPackage returns the types of p's imports, from their export
// data: those prefetched, if they are all there.
func importsOfPackage(ctx context.Context, cfg *packages.Config, p *packages.Package, prefetched *importPrefetch) (*imports, error) {
	var paths []string
	for path := range p.Imports {
		if path != "C" && path != "unsafe" {
			paths = append(paths, path)
		}
	}
	if imported, ok := prefetched.result(paths); ok {
		return imported, nil
	}
	return loadImports(ctx, cfg, paths)
}

// rewritePackage type-checks p from its files, with cgo faked, against the
// types of its imports, and rewrites it. Errors of the check itself are left
// for go build to report. If the marked functions' signatures hold types
// that only cgo knows, their types come from loading p with cgo.
func rewritePackage(ctx context.Context, cfg *packages.Config, p *packages.Package, path string, sizes types.Sizes, imported map[string]*types.Package) (*rewrite.Result, error) {
	rp := &rewrite.Package{Fset: token.NewFileSet(), Sizes: sizes, Info: rewrite.NewInfo(), GOOS: targetOS(cfg.Env), GOARCH: targetArch(cfg.Env)}
	var syntax []*ast.File
	for _, name := range p.GoFiles {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(rp.Fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, &loadError{[]error{err}}
		}
		rp.Files = append(rp.Files, &rewrite.File{Name: name, Src: src, Syntax: f})
		syntax = append(syntax, f)
	}
	ctypes := rewrite.CTypes(rp.GOOS, rp.GOARCH)
	conf := types.Config{
		// C's numeric types are known without cgo where CTypes knows
		// them; elsewhere every C type is unknown.
		FakeImportC: ctypes == nil,
		Sizes:       sizes,
		Error:       func(error) {},
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if t := imported[path]; t != nil {
				return t, nil
			}
			if path == "C" && ctypes != nil {
				return ctypes, nil
			}
			return nil, fmt.Errorf("%s is not imported by %s", path, p.PkgPath)
		}),
	}
	rp.Types, _ = conf.Check(path, rp.Fset, syntax, rp.Info)
	res, err := rewrite.Rewrite(rp)
	if !errors.Is(err, rewrite.ErrUnknownTypes) {
		return res, err
	}
	if rp.Types, err = typesWithCgo(ctx, cfg, p); err != nil {
		return nil, err
	}
	return rewrite.Rewrite(rp)
}

// typesWithCgo loads the types of p the usual way, cgo included.
func typesWithCgo(ctx context.Context, cfg *packages.Config, p *packages.Package) (*types.Package, error) {
	c := *cfg
	c.Context = ctx
	// From source: export data leaves out unexported functions it need not
	// inline.
	c.Mode = packages.NeedName | packages.NeedFiles | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo
	pattern := []string{p.PkgPath}
	if p.PkgPath == "command-line-arguments" {
		pattern = p.GoFiles
	}
	pkgs, err := packages.Load(&c, pattern...)
	if err != nil {
		return nil, err
	}
	if err := packageErrors(pkgs); err != nil {
		return nil, err
	}
	return pkgs[0].Types, nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// hasDirective reports whether any of the files holds a hotpatch directive,
// without parsing them.
func hasDirective(files []string) bool {
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err == nil && rewrite.HasDirective(data) {
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
func targetContext(env []string, a *Args) *gobuild.Context {
	c := gobuild.Default
	c.GOOS, c.GOARCH = targetOS(env), targetArch(env)
	c.CgoEnabled = true
	c.BuildTags = append([]string{"hotpatch"}, a.Tags...)
	return &c
}

// modulePath returns the module path that the go.mod file data declares.
func modulePath(data []byte) string { return modfile.ModulePath(data) }
