package build

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

// crossCompilers are the C compilers that build for another system when CC
// is not set: the mingw-w64 compilers that Debian and Ubuntu package.
var crossCompilers = map[string]struct{ cc, pkg string }{
	"windows/amd64": {"x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64"},
	"windows/386":   {"i686-w64-mingw32-gcc", "gcc-mingw-w64-i686"},
}

// buildEnv returns the environment of go build and of the analysis. A
// c-shared library needs cgo, which go build turns off when it cross-compiles,
// and cgo needs a C compiler for the target: for Windows from Linux, mingw-w64,
// found on PATH when CC does not name one.
func buildEnv(environ []string) ([]string, error) {
	env := append(environ[:len(environ):len(environ)], "CGO_ENABLED=1")
	goos, goarch := targetOS(env), targetArch(env)
	if goos == runtime.GOOS && goarch == runtime.GOARCH || lookupEnv(env, "CC") != "" {
		return env, nil
	}
	target := goos + "/" + goarch
	cross, ok := crossCompilers[target]
	if !ok {
		return nil, fmt.Errorf("building for %s on %s/%s needs a C compiler for %s: set CC", target, runtime.GOOS, runtime.GOARCH, target)
	}
	if _, err := exec.LookPath(cross.cc); err != nil {
		return nil, fmt.Errorf("building for %s needs a C compiler for it, and %s is not on PATH: install it (Debian, Ubuntu: apt install %s), or set CC", target, cross.cc, cross.pkg)
	}
	return append(env, "CC="+cross.cc), nil
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
// in os/exec.
func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
