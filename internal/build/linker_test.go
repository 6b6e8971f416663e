package build

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestChooseLinker checks when hotpatch build leaves the link to the C
// compiler: when the user, or HOTPATCH_LINKER, chose already.
func TestChooseLinker(t *testing.T) {
	for _, c := range []struct {
		flags []string
		env   []string
		why   string
	}{
		{env: []string{"HOTPATCH_LINKER=default"}, why: "HOTPATCH_LINKER=default"},
		{env: []string{"HOTPATCH_LINKER=gold"}, why: "is not default, mold or lld"},
		{flags: []string{"-ldflags=-s -extldflags=-static"}, why: "-ldflags chooses"},
		{flags: []string{"-ldflags=-linkmode=internal"}, why: "-ldflags chooses"},
		{env: []string{"GOFLAGS=-ldflags=-s"}, why: "GOFLAGS sets -ldflags"},
		{env: []string{"CGO_LDFLAGS=-fuse-ld=gold"}, why: "CGO_LDFLAGS chooses"},
		{env: []string{"CC=ccache gcc"}, why: "CC is a command with arguments"},
		{env: []string{"GOOS=darwin"}, why: "macOS"},
	} {
		got := chooseLinker(context.Background(), &Args{Flags: c.flags}, c.env)
		if got.name != "" || !strings.Contains(got.why, c.why) {
			t.Errorf("flags %q, env %q: %+v, want the default because %s", c.flags, c.env, got, c.why)
		}
	}
}

// TestWithLinker adds the linker to the user's last -ldflags, which is the
// one go build uses, or as -ldflags of its own.
func TestWithLinker(t *testing.T) {
	mold := linkerChoice{name: "mold"}
	for _, c := range []struct{ in, want []string }{
		{nil, []string{"-ldflags=-extldflags=-fuse-ld=mold"}},
		{[]string{"-trimpath"}, []string{"-trimpath", "-ldflags=-extldflags=-fuse-ld=mold"}},
		{[]string{"-ldflags=-s", "-ldflags=-w"}, []string{"-ldflags=-s", "-ldflags=-w -extldflags=-fuse-ld=mold"}},
	} {
		if got := withLinker(c.in, mold); !slices.Equal(got, c.want) {
			t.Errorf("withLinker(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := withLinker([]string{"-ldflags=-s"}, linkerChoice{why: "x"}); !slices.Equal(got, []string{"-ldflags=-s"}) {
		t.Errorf("the default linker changed the flags: %q", got)
	}
}

// TestWithDWARF leaves the debug information uncompressed, unless the
// user's flags or GOFLAGS say anything of -ldflags' compressdwarf.
func TestWithDWARF(t *testing.T) {
	for _, c := range []struct{ in, env, want []string }{
		{nil, nil, []string{"-ldflags=-compressdwarf=false"}},
		{[]string{"-ldflags=-X main.v=1"}, nil, []string{"-ldflags=-X main.v=1 -compressdwarf=false"}},
		{[]string{"-ldflags=-compressdwarf=true"}, nil, []string{"-ldflags=-compressdwarf=true"}},
		{[]string{"-trimpath"}, []string{"GOFLAGS=-ldflags=-s"}, []string{"-trimpath"}},
	} {
		if got := withDWARF(c.in, c.env); !slices.Equal(got, c.want) {
			t.Errorf("withDWARF(%q, %q) = %q, want %q", c.in, c.env, got, c.want)
		}
	}
	got := withLinker(withDWARF(nil, nil), linkerChoice{name: "mold"})
	if want := []string{"-ldflags=-compressdwarf=false -extldflags=-fuse-ld=mold"}; !slices.Equal(got, want) {
		t.Errorf("with both: %q, want %q", got, want)
	}
}

// TestLinkerTryOnDisk: a new process does not try the compiler with the
// linker again while both files are as they were, and does once either
// changes.
func TestLinkerTryOnDisk(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake compiler is a shell script")
	}
	bin, count := t.TempDir(), filepath.Join(t.TempDir(), "count")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("fakecc", "echo x >> "+count+"\n")
	write("ld.fake", "exit 0\n")
	tries := func() int {
		linkerTried.Clear() // as in a new process
		if err := tryLinkerOnce(context.Background(), "fakecc", "fake", nil); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}
	if n := tries(); n != 1 {
		t.Fatalf("the first try ran the compiler %d times", n)
	}
	if n := tries(); n != 1 {
		t.Errorf("a second process tried again: %d runs", n)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(bin, "ld.fake"), later, later); err != nil {
		t.Fatal(err)
	}
	if n := tries(); n != 2 {
		t.Errorf("a changed linker was not tried again: %d runs", n)
	}
}
