package build

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// crossCompilers are the C compilers that build for another system when CC
// is not set: the mingw-w64 compilers that Debian and Ubuntu package.
var crossCompilers = map[string]struct{ cc, pkg string }{
	"windows/amd64": {"x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64"},
	"windows/386":   {"i686-w64-mingw32-gcc", "gcc-mingw-w64-i686"},
}

// lookPath finds a program on PATH; tests replace it.
var lookPath = exec.LookPath

// supportedOS are the systems a hot-patchable library can be built for.
// darwin builds, but is untested (README.md).
var supportedOS = []string{"linux", "windows", "darwin"}

// buildEnv returns the environment of go build and of the analysis. A
// c-shared library needs cgo, which go build turns off when it cross-compiles,
// and cgo needs a C compiler for the target: for Windows from Linux, mingw-w64,
// found on PATH when CC does not name one. Settings made with go env -w count
// as the go command counts them.
func buildEnv(environ []string) ([]string, error) {
	env := append(goEnvFile(environ), environ...)
	env = append(env, "CGO_ENABLED=1")
	goos, goarch := targetOS(env), targetArch(env)
	if !slices.Contains(supportedOS, goos) {
		return nil, fmt.Errorf("hotpatch builds libraries for %s, not for %s", strings.Join(supportedOS, ", "), goos)
	}
	if goos == runtime.GOOS && goarch == runtime.GOARCH || lookupEnv(env, "CC") != "" {
		return env, nil
	}
	target := goos + "/" + goarch
	cross, ok := crossCompilers[target]
	if !ok {
		return nil, fmt.Errorf("building for %s on %s/%s needs a C compiler for %s: set CC", target, runtime.GOOS, runtime.GOARCH, target)
	}
	if _, err := lookPath(cross.cc); err != nil {
		return nil, fmt.Errorf("building for %s needs a C compiler for it, and %s is not on PATH: install it (Debian, Ubuntu: apt install %s), or set CC", target, cross.cc, cross.pkg)
	}
	return append(env, "CC="+cross.cc), nil
}

// goEnvFile returns the settings made with go env -w, which the environment
// overrides: the file that GOENV names, or go/env in the user's config
// folder. Reading it costs less than running go env on every build.
func goEnvFile(environ []string) []string {
	name := lookupEnv(environ, "GOENV")
	if name == "off" {
		return nil
	}
	if name == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return nil
		}
		name = filepath.Join(dir, "go", "env")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	var env []string
	for _, line := range strings.Split(string(data), "\n") {
		if k, _, ok := strings.Cut(strings.TrimSpace(line), "="); ok && k != "" && !strings.HasPrefix(k, "#") {
			env = append(env, strings.TrimSpace(line))
		}
	}
	return env
}

// targetOS and targetArch return the system that go build builds for: GOOS
// and GOARCH from the environment, or this program's own.
func targetOS(env []string) string   { return lookupEnvOr(env, "GOOS", runtime.GOOS) }
func targetArch(env []string) string { return lookupEnvOr(env, "GOARCH", runtime.GOARCH) }

func lookupEnvOr(env []string, key, def string) string {
	if v := lookupEnv(env, key); v != "" {
		return v
	}
	return def
}

// lookupEnv returns the value of key in env, where the last setting wins, as
// in os/exec, and an empty one counts as unset, as in the go command (which
// then takes the go env -w setting).
func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok && v != "" {
			return v
		}
	}
	return ""
}
