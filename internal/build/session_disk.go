package build

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// A warm analysis is also kept on disk, in the user's cache folder, so that
// one hotpatch build after another finds it too: what go list said about the
// packages, and where the export data of the marked packages' imports is.
// It is used under the same digest as in a session, and only if every export
// file still reads: go clean -cache, or the cache's own trimming, makes the
// next build ask go list again.

// diskAnalysis is a warm analysis as a file.
type diskAnalysis struct {
	Digest   string                       `json:"digest"`
	Roots    []string                     `json:"roots"` // package IDs
	Packages []diskPackage                `json:"packages"`
	Exports  map[string]map[string]string `json:"exports"` // by marked package: import path → export file
}

type diskPackage struct {
	Package *packages.Package `json:"package"`
	Module  *packages.Module  `json:"module,omitempty"`
}

// diskPath returns the file that holds the warm analysis of a's library, or
// "" if there is no cache folder.
func diskPath(a *Args, env []string) string {
	abs, err := filepath.Abs(a.Dir)
	if err != nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%q\x00%q\x00%q\x00%s/%s\n", abs, a.Packages, a.Tags, a.Flags, targetOS(env), targetArch(env))
	return cachePath("analysis", hex.EncodeToString(h.Sum(nil)[:12])+".json")
}

// loadDisk reads the warm analysis of a's library from disk, if its digest
// still holds and its export data reads.
func loadDisk(a *Args, env []string) *warmAnalysis {
	path := diskPath(a, env)
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var d diskAnalysis
	if err := json.Unmarshal(data, &d); err != nil {
		return nil
	}
	byID := map[string]*packages.Package{}
	for _, p := range d.Packages {
		if p.Package == nil {
			return nil
		}
		p.Package.Module = p.Module
		byID[p.Package.ID] = p.Package
	}
	for _, p := range byID {
		for path, stub := range p.Imports {
			if p.Imports[path] = byID[stub.ID]; p.Imports[path] == nil {
				return nil
			}
		}
	}
	var roots []*packages.Package
	for _, id := range d.Roots {
		if byID[id] == nil {
			return nil
		}
		roots = append(roots, byID[id])
	}
	if digest, _, err := shapeDigest(a, env, roots, time.Time{}); err != nil || digest != d.Digest {
		return nil
	}
	w := &warmAnalysis{digest: d.Digest, roots: roots, imported: map[string]*imports{}}
	fset := token.NewFileSet()
	shared := map[string]*types.Package{}
	for marked, files := range d.Exports {
		im := &imports{types: map[string]*types.Package{"unsafe": types.Unsafe}, exports: files}
		for path, file := range files {
			t, err := readExportData(fset, shared, path, file)
			if err != nil {
				return nil
			}
			im.types[path] = t
		}
		w.imported[marked] = im
	}
	return w
}

// readExportData reads the types of the package path from its export data
// in file, which go list named.
func readExportData(fset *token.FileSet, shared map[string]*types.Package, path, file string) (*types.Package, error) {
	if t := shared[path]; t != nil && t.Complete() {
		return t, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, err
	}
	return gcexportdata.Read(r, fset, shared, path)
}

// saveDisk writes w to disk for the next build of a's library; a failure
// only costs that build a go list run.
func saveDisk(a *Args, env []string, w *warmAnalysis) {
	path := diskPath(a, env)
	if path == "" {
		return
	}
	d := diskAnalysis{Digest: w.digest, Exports: map[string]map[string]string{}}
	for marked, im := range w.imported {
		for _, file := range im.exports {
			if file == "" {
				return // types that no file holds: not kept
			}
		}
		d.Exports[marked] = im.exports
	}
	packages.Visit(w.roots, nil, func(p *packages.Package) {
		d.Packages = append(d.Packages, diskPackage{Package: p, Module: p.Module})
	})
	for _, r := range w.roots {
		d.Roots = append(d.Roots, r.ID)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return
	}
	writeCacheFile(path, data)
}
