package build

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestLookupEnv(t *testing.T) {
	env := []string{"A=1", "B=", "A=2", "C=x=y"}
	for key, want := range map[string]string{"A": "2", "B": "", "C": "x=y", "D": ""} {
		if got := lookupEnv(env, key); got != want {
			t.Errorf("lookupEnv(%s) = %q, want %q", key, got, want)
		}
	}
}

func TestGoEnvFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "env")
	os.WriteFile(name, []byte("GOOS=windows\n# a comment\n\nGOFLAGS=-trimpath\n"), 0o644)
	if got := goEnvFile([]string{"GOENV=" + name}); !slices.Equal(got, []string{"GOOS=windows", "GOFLAGS=-trimpath"}) {
		t.Errorf("goEnvFile = %q", got)
	}
	if got := goEnvFile([]string{"GOENV=off"}); got != nil {
		t.Errorf("goEnvFile with GOENV=off = %q", got)
	}
}

func TestBuildEnv(t *testing.T) {
	defer func(old func(string) (string, error)) { lookPath = old }(lookPath)
	installed := map[string]bool{}
	lookPath = func(name string) (string, error) {
		if installed[name] {
			return "/usr/bin/" + name, nil
		}
		return "", exec.ErrNotFound
	}
	base := []string{"GOENV=off"}

	env, err := buildEnv(base)
	if err != nil || lookupEnv(env, "CGO_ENABLED") != "1" {
		t.Errorf("native: CGO_ENABLED=%q, %v; want 1", lookupEnv(env, "CGO_ENABLED"), err)
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the cross builds below are from linux/amd64")
	}
	_, err = buildEnv(append(base, "GOOS=windows"))
	if err == nil || !strings.Contains(err.Error(), "x86_64-w64-mingw32-gcc is not on PATH: install it (Debian, Ubuntu: apt install gcc-mingw-w64-x86-64), or set CC") {
		t.Errorf("windows without mingw: %v", err)
	}
	installed["x86_64-w64-mingw32-gcc"] = true
	if env, err := buildEnv(append(base, "GOOS=windows")); err != nil || lookupEnv(env, "CC") != "x86_64-w64-mingw32-gcc" {
		t.Errorf("windows with mingw: CC=%q, %v", lookupEnv(env, "CC"), err)
	}
	if env, err := buildEnv(append(base, "GOOS=windows", "CC=my-cc")); err != nil || lookupEnv(env, "CC") != "my-cc" {
		t.Errorf("windows with CC set: CC=%q, %v", lookupEnv(env, "CC"), err)
	}
	if _, err := buildEnv(append(base, "GOOS=darwin")); err == nil || !strings.Contains(err.Error(), "needs a C compiler for darwin/amd64: set CC") {
		t.Errorf("darwin: %v", err)
	}
	if _, err := buildEnv(append(base, "GOOS=freebsd")); err == nil || !strings.Contains(err.Error(), "not for freebsd") {
		t.Errorf("freebsd: %v", err)
	}
	// A go env -w setting counts as the go command counts it, under the
	// environment.
	name := filepath.Join(t.TempDir(), "env")
	os.WriteFile(name, []byte("GOOS=windows\n"), 0o644)
	if env, err := buildEnv([]string{"GOENV=" + name}); err != nil || targetOS(env) != "windows" {
		t.Errorf("GOOS from the env file: %q, %v", targetOS(env), err)
	}
	if env, err := buildEnv([]string{"GOENV=" + name, "GOOS=linux"}); err != nil || targetOS(env) != "linux" {
		t.Errorf("the environment over the env file: %q, %v", targetOS(env), err)
	}
}
