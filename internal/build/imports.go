package build

import (
	"context"
	gobuild "go/build"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// imports are the types of a package's imports, from their export data,
// and the files that data is in.
type imports struct {
	types   map[string]*types.Package
	exports map[string]string
}

// loadImports loads the types of the packages paths from their export data,
// with one go list run.
func loadImports(ctx context.Context, cfg *packages.Config, paths []string) (*imports, error) {
	im := &imports{types: map[string]*types.Package{"unsafe": types.Unsafe}, exports: map[string]string{}}
	if len(paths) == 0 {
		return im, nil
	}
	c := *cfg
	c.Context = ctx
	c.Mode = packages.NeedName | packages.NeedTypes | packages.NeedExportFile
	deps, err := packages.Load(&c, paths...)
	if err != nil {
		return nil, err
	}
	if err := packageErrors(deps); err != nil {
		return nil, err
	}
	for _, d := range deps {
		im.types[d.PkgPath] = d.Types
		im.exports[d.PkgPath] = d.ExportFile
	}
	return im, nil
}

// An importPrefetch loads the types of the imports of the main package's
// files while go list walks the library's dependencies. In most libraries the
// main package is the only one that marks functions, and these are the
// imports its check needs: the two go list runs of a build then overlap
// instead of following each other.
type importPrefetch struct {
	done     chan struct{}
	imported *imports
	err      error
}

// prefetchImports starts loading the imports of the main package's Go files
// that go build would build with target: the files a lists, or those of the
// directory it names. It returns nil if a names the package otherwise.
func prefetchImports(ctx context.Context, cfg *packages.Config, target *gobuild.Context, a *Args) *importPrefetch {
	var files []string
	if a.Files() {
		for _, f := range a.Packages {
			if !filepath.IsAbs(f) {
				f = filepath.Join(a.Dir, f)
			}
			files = append(files, f)
		}
	} else {
		pkg := a.Packages[0]
		if !(filepath.IsAbs(pkg) || pkg == "." || pkg == ".." || strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../")) || strings.Contains(pkg, "...") {
			return nil
		}
		if !filepath.IsAbs(pkg) {
			pkg = filepath.Join(a.Dir, pkg)
		}
		var err error
		if files, err = filepath.Glob(filepath.Join(pkg, "*.go")); err != nil {
			return nil
		}
	}
	paths, err := importsOf(target, files)
	if err != nil {
		return nil
	}
	p := &importPrefetch{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.imported, p.err = loadImports(ctx, cfg, paths)
	}()
	return p
}

// result returns the prefetched types if they hold every one of paths.
func (p *importPrefetch) result(paths []string) (*imports, bool) {
	if p == nil {
		return nil, false
	}
	<-p.done
	if p.err != nil {
		return nil, false
	}
	for _, path := range paths {
		if p.imported.types[path] == nil {
			return nil, false
		}
	}
	return p.imported, true
}

// importsOf returns what the Go files among names that target builds
// import, except C and unsafe.
func importsOf(target *gobuild.Context, names []string) ([]string, error) {
	var paths []string
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := target.MatchFile(filepath.Dir(name), filepath.Base(name)); err != nil || !ok {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			return nil, err
		}
		for _, imp := range f.Imports {
			if path, err := strconv.Unquote(imp.Path.Value); err == nil && path != "C" && path != "unsafe" && !slices.Contains(paths, path) {
				paths = append(paths, path)
			}
		}
	}
	return paths, nil
}
