package version

import (
	"path/filepath"
	"testing"
)

// TestSource checks that source.go holds the fingerprint of this checkout's
// runtime source: hotpatch build refuses modules whose runtime differs.
func TestSource(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := Fingerprint(root)
	if err != nil {
		t.Fatal(err)
	}
	if fp != Source() {
		t.Fatalf("source.go holds %s, but the runtime source is %s: run go generate ./internal/version", Source(), fp)
	}
}
