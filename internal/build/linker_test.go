package build

import (
	"context"
	"slices"
	"strings"
	"testing"
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
