// Package version says which hotpatch this is: the module path, the version
// this program was built at, and a fingerprint of the source of the runtime
// that the generated code calls. hotpatch build compares the fingerprint with
// the source that a user's module resolves, since code generated for one
// runtime may not build, or may speak another protocol, against another.
package version

//go:generate go run ./gen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// ModulePath is hotpatch's module path.
const ModulePath = "github.com/hotpatch-go/hotpatch"

// Devel is the version of a hotpatch built from a checkout rather than
// installed at a version.
const Devel = "(devel)"

// CLI returns the version that the running program was built at, as go
// install records it (v1.2.0, or a pseudo-version), or Devel.
func CLI() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Path != ModulePath || info.Main.Version == "" {
		return Devel
	}
	return info.Main.Version
}

// Go returns the Go version that the running program was built with.
func Go() string { return runtime.Version() }

// runtimeDirs are the folders of the packages that a library built by
// hotpatch build links from this module, relative to its root: the source
// that the fingerprint covers.
var runtimeDirs = []string{".", "rt", "internal/artifact", "internal/lifecycle", "internal/logging", "internal/watch"}

// Fingerprint returns the fingerprint of the runtime source in root, a
// folder that holds this module (a checkout, or the module cache's copy).
func Fingerprint(root string) (string, error) {
	h := sha256.New()
	for _, dir := range runtimeDirs {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			return "", err
		}
		var names []string
		for _, e := range entries {
			n := e.Name()
			if e.Type().IsRegular() && !strings.HasSuffix(n, "_test.go") && slices.Contains([]string{".go", ".c", ".h", ".s"}, filepath.Ext(n)) {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		for _, n := range names {
			data, err := os.ReadFile(filepath.Join(root, dir, n))
			if err != nil {
				return "", err
			}
			// Line endings do not count: a checkout on Windows may have CRLF.
			data = []byte(strings.ReplaceAll(string(data), "\r\n", "\n"))
			fmt.Fprintf(h, "%s/%s %d\n", dir, n, len(data))
			h.Write(data)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// Source is the fingerprint of the runtime source that this program
// generates code for (source.go, made by go generate).
func Source() string { return source }

// CheckoutDir returns the checkout of this module that the running program
// was built from, or "" if it was installed from the module cache, built
// with -trimpath, or its checkout is gone.
func CheckoutDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.Contains(string(data), "module "+ModulePath+"\n") || strings.Contains(root, "@") {
		return ""
	}
	return root
}
