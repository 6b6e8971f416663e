//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// TestBadArtifacts publishes files that must not be loaded: a library that
// does not match its stamp (half written, or replaced by something else), and
// a library that hotpatch build did not make. The process keeps its code, the
// log names the file, and the next good build is patched in.
func TestBadArtifacts(t *testing.T) { testBadArtifacts(t, linux) }

// TestWindowsBadArtifacts is TestBadArtifacts for a Windows DLL under Wine.
func TestWindowsBadArtifacts(t *testing.T) { testBadArtifacts(t, windows(t)) }

func testBadArtifacts(t *testing.T, p *platform) {
	l := newLibOn(t, p, "testdata/lib")
	l.mustBuild()
	h := l.startHost(nil, "host", l.out)
	h.expect("compute 4", "4001")

	t.Run("mismatch", func(t *testing.T) {
		h.t = t
		stamp, err := artifact.StampFile(l.out, "corrupt-build")
		if err != nil {
			t.Fatal(err)
		}
		stamp.CRC32C++
		if err := artifact.WriteStamp(l.out, stamp); err != nil {
			t.Fatal(err)
		}
		h.awaitLog("cannot load the new build", "build=corrupt-build", "does not match its stamp", filepath.Base(l.out))
		h.expect("compute 4", "4001")
	})

	t.Run("plain build", func(t *testing.T) {
		h.t = t
		plain := filepath.Join(t.TempDir(), "plain"+p.ext)
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", plain, ".")
		cmd.Dir, cmd.Env = l.dir, append(os.Environ(), append(p.buildEnv, "CGO_ENABLED=1", "CC="+p.cc[0])...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		// Published as hotpatch build would, but without the runtime.
		data, err := os.ReadFile(plain)
		if err != nil {
			t.Fatal(err)
		}
		tmp := l.out + ".new"
		if err := os.WriteFile(tmp, data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, l.out); err != nil {
			t.Fatal(err)
		}
		stamp, err := artifact.StampFile(l.out, "plain-build")
		if err != nil {
			t.Fatal(err)
		}
		if err := artifact.WriteStamp(l.out, stamp); err != nil {
			t.Fatal(err)
		}
		h.awaitLog("build=plain-build", "has no symbol hotpatch_v1_attach: it was not built by hotpatch build")
		h.expect("compute 4", "4001")
	})

	t.Run("good build", func(t *testing.T) {
		h.t = t
		l.setVersion(1, 2)
		l.mustBuild()
		h.await("compute 4", "4002")
	})
}
