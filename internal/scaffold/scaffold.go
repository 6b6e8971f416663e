// Package scaffold writes throwaway Go modules that use hotpatch from a
// checkout of this repository: the demo's example library and the libraries
// of the end-to-end tests.
package scaffold

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModulePath is this repository's module path.
const ModulePath = "github.com/hotpatch-go/hotpatch"

// Root returns the folder of the hotpatch module that dir is in.
func Root(dir string) (string, error) {
	cmd := exec.Command("go", "env", "GOMOD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	data, err := os.ReadFile(gomod)
	if gomod == "" || gomod == os.DevNull || err != nil || !bytes.Contains(data, []byte("module "+ModulePath+"\n")) {
		return "", fmt.Errorf("%s is not inside a checkout of %s: run this from the repository", dir, ModulePath)
	}
	return filepath.Dir(gomod), nil
}

// Module writes a module named path into dir, with files (by slash-separated
// name), that requires hotpatch from the checkout at root.
func Module(dir, path, root string, files map[string][]byte) error {
	gomod := fmt.Sprintf("module %s\n\ngo 1.26\n\nrequire %s v0.0.0\n\nreplace %s => %s\n", path, ModulePath, ModulePath, root)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return err
	}
	all := map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum}
	for k, v := range files {
		all[k] = v
	}
	for name, data := range all {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	// The requirements of hotpatch itself must be listed too.
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	if out, err := tidy.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod tidy in %s: %v\n%s", dir, err, out)
	}
	return nil
}
