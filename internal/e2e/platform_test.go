//go:build linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// A platform is a system that the end-to-end tests build the library for and
// run the C hosts on: Linux natively, or Windows under Wine.
type platform struct {
	name     string
	ext      string   // the library's file name extension
	buildEnv []string // added to hotpatch build's environment
	cc       []string // compiles a C host: compiler and flags before the sources
	ccLibs   []string // libraries, after the sources
	exe      string   // an executable's file name extension
	run      []string // runs a host binary: nothing, or wine
	hostEnv  []string // added to a host's environment

	mu    sync.Mutex
	hosts map[string]string // compiled hosts, by name
}

var linux = &platform{
	name:   "linux",
	ext:    ".so",
	cc:     []string{"cc", "-O1"},
	ccLibs: []string{"-ldl", "-lpthread"},
}

// compile returns the C host testdata/hosts/name.c built for p, compiling it
// on first use.
func (p *platform) compile(t *testing.T, name string) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if bin, ok := p.hosts[name]; ok {
		return bin
	}
	bin := filepath.Join(binDir, p.name, name+p.exe)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	args := append(append(p.cc[1:len(p.cc):len(p.cc)], "-o", bin, filepath.Join("testdata", "hosts", name+".c")), p.ccLibs...)
	if out, err := exec.Command(p.cc[0], args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", p.cc[0], err, out)
	}
	if p.hosts == nil {
		p.hosts = map[string]string{}
	}
	p.hosts[name] = bin
	return bin
}

// windowsPlatform builds Windows DLLs with mingw-w64 and runs the hosts
// under Wine, in the prefix that .ci/wine/setup prepares.
var windowsPlatform = &platform{
	name:     "windows",
	ext:      ".dll",
	buildEnv: []string{"GOOS=windows", "GOARCH=amd64"},
	cc:       []string{"x86_64-w64-mingw32-gcc", "-O1"},
	exe:      ".exe",
	run:      []string{"wine"},
	hostEnv:  []string{"WINEDEBUG=-all"},
}

var (
	wineOnce    sync.Once
	wineMissing string
)

// windows returns the Windows platform, or skips the test, with what is
// missing, where Wine, mingw-w64 or the prepared Wine prefix is. In CI
// (HOTPATCH_REQUIRE_HOSTS=1) a missing part fails the test instead.
func windows(t *testing.T) *platform {
	t.Helper()
	wineOnce.Do(func() {
		for _, tool := range []string{"wine", "wineserver", "x86_64-w64-mingw32-gcc"} {
			if _, err := exec.LookPath(tool); err != nil {
				wineMissing = fmt.Sprintf("%s is not installed (Debian: apt install wine wine64 gcc-mingw-w64-x86-64)", tool)
				return
			}
		}
		prefix := os.Getenv("WINEPREFIX")
		if prefix == "" {
			home, _ := os.UserHomeDir()
			prefix = filepath.Join(home, ".wine")
		}
		shim := filepath.Join(prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
		if _, err := os.Stat(shim); err != nil {
			wineMissing = fmt.Sprintf("the Wine prefix %s has no ProcessPrng shim, which Go runtimes need under Wine 8 (run bash .ci/wine/setup)", prefix)
		}
	})
	if wineMissing != "" {
		if os.Getenv("HOTPATCH_REQUIRE_HOSTS") == "1" {
			t.Fatalf("the Windows tests must run here, but %s", wineMissing)
		}
		t.Skipf("skipping the Windows test: %s", wineMissing)
	}
	return windowsPlatform
}
