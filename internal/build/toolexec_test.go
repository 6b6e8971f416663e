package build

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestMarkVersion(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"cgo version go1.26.8\n", "cgo version go1.26.8 " + cgoVersionMark + "\n"},
		{"cgo version go1.27.3 X:nocoverageredesign\n", "cgo version go1.27.3 X:nocoverageredesign " + cgoVersionMark + "\n"},
		// cmd/go reads a development toolchain's build ID from the end.
		{"cgo version devel go1.28-abcdef buildID=xyz\n", "cgo version devel go1.28-abcdef buildID=xyz\n"},
		{"something else\n", "something else\n"},
	} {
		if got := markVersion(c.in); got != c.want {
			t.Errorf("markVersion(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWriteMissingHeaders(t *testing.T) {
	dir := t.TempDir()
	missing, written, afterDashes := filepath.Join(dir, "a.h"), filepath.Join(dir, "b.h"), filepath.Join(dir, "c.h")
	if err := os.WriteFile(written, []byte("/* exports */"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-objdir", dir, "-exportheader=" + missing, "-exportheader=" + written, "--", "-exportheader=" + afterDashes, "x.go"}
	if err := writeMissingHeaders(args); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(missing); err != nil || len(data) != 0 {
		t.Errorf("the missing header: %q, %v; want an empty file", data, err)
	}
	if data, _ := os.ReadFile(written); string(data) != "/* exports */" {
		t.Errorf("the header cgo wrote became %q", data)
	}
	if _, err := os.Stat(afterDashes); err == nil {
		t.Errorf("a C compiler flag was taken for a header")
	}
}

func TestWithToolExec(t *testing.T) {
	defer func(old string) { toolExecSelf = old }(toolExecSelf)
	toolExecSelf = ""
	if got := withToolExec([]string{"-v"}, nil); !slices.Equal(got, []string{"-v"}) {
		t.Errorf("without ServeToolExec: %q", got)
	}
	toolExecSelf = "/usr/bin/hotpatch"
	want := []string{"-v", "-toolexec='/usr/bin/hotpatch' " + toolExecArg}
	if got := withToolExec([]string{"-v"}, nil); !slices.Equal(got, want) {
		t.Errorf("withToolExec = %q, want %q", got, want)
	}
	for _, c := range []struct {
		flags, env []string
	}{
		{[]string{"-toolexec=mywrapper"}, nil},
		{[]string{"-toolexec", "mywrapper"}, nil},
		{nil, []string{"GOFLAGS=-toolexec=mywrapper"}},
		{nil, []string{toolExecEnv + "=off"}},
	} {
		if got := withToolExec(c.flags, c.env); !slices.Equal(got, c.flags) {
			t.Errorf("flags %q, env %q: %q, want the flags unchanged", c.flags, c.env, got)
		}
	}
}
