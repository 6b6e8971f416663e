package build

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want Args
	}{
		{[]string{"-o", "lib.so"}, Args{Wait: DefaultWait, Output: "lib.so", Packages: []string{"."}}},
		{[]string{"-o=lib.so", "./game"}, Args{Wait: DefaultWait, Output: "lib.so", Packages: []string{"./game"}}},
		{[]string{"-o", "lib.so", "a.go", "b.go"}, Args{Wait: DefaultWait, Output: "lib.so", Packages: []string{"a.go", "b.go"}}},
		{[]string{"-tags", "x hotpatch,y", "-o", "lib.so", "example.com/game/cmd/lib"},
			Args{Wait: DefaultWait, Output: "lib.so", Packages: []string{"example.com/game/cmd/lib"}, Tags: []string{"x", "y"}}},
		// Boolean flags never take the next argument.
		{[]string{"-trimpath", "-buildvcs", "-o", "lib.so", "-a", "."},
			Args{Wait: DefaultWait, Output: "lib.so", Packages: []string{"."}, Flags: []string{"-trimpath", "-buildvcs", "-a"}}},
		{[]string{"--ldflags", "-s -w", "-gcflags=all=-N -l", "-o", "lib.so"},
			Args{Wait: DefaultWait, Output: "lib.so", Packages: []string{"."}, Flags: []string{"-ldflags=-s -w", "-gcflags=all=-N -l"}}},
		{[]string{"-buildmode=c-shared", "-work", "-o", "lib.so"}, Args{Wait: DefaultWait, Output: "lib.so", Packages: []string{"."}, Flags: []string{"-work"}, Work: true}},
		{[]string{"-race=false", "-o", "lib.so"}, Args{Wait: DefaultWait, Output: "lib.so", Packages: []string{"."}, Flags: []string{"-race=false"}}},
	} {
		got, err := ParseArgs(c.args)
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("ParseArgs(%q) = %+v, want %+v", c.args, *got, c.want)
		}
	}
}

func TestParseArgsRefuses(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"."}, "-o is required"},
		{[]string{"-o"}, "flag -o needs a value"},
		{[]string{"-o", "out/"}, "names a folder"},
		{[]string{"-o", "lib.so", "./a", "./b"}, "a library is built from one main package"},
		{[]string{"-o", "lib.so", "a.go", "./b"}, "not both"},
		{[]string{"-o", "lib.so", "-buildmode=exe"}, "-buildmode=exe: hotpatch build makes c-shared libraries only"},
		{[]string{"-o", "lib.so", "-buildmode", "c-shared", "-buildmode", "pie"}, "-buildmode=pie"},
		{[]string{"-o", "lib.so", "-C", "dir"}, "run hotpatch build in dir instead"},
		{[]string{"-o", "lib.so", "-overlay", "o.json"}, "cannot combine it with another"},
		{[]string{"-o", "lib.so", "-n"}, "-n: hotpatch build must run go build"},
		{[]string{"-o", "lib.so", "-compiler=gccgo"}, "gc compiler only"},
	} {
		_, err := ParseArgs(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseArgs(%q) = %v, want an error with %q", c.args, err, c.want)
		}
	}
	for _, h := range []string{"-h", "-help", "--help"} {
		if _, err := ParseArgs([]string{h}); !errors.Is(err, ErrHelp) {
			t.Errorf("ParseArgs(%s) = %v, want ErrHelp", h, err)
		}
	}
}

func TestParseArgsWarns(t *testing.T) {
	for flag, want := range map[string]string{
		"-race":       "ThreadSanitizer failed to allocate",
		"-msan":       "MemorySanitizer",
		"-asan":       "AddressSanitizer",
		"-cover":      "never writes a coverage profile",
		"-linkshared": "build without it",
	} {
		a, err := ParseArgs([]string{flag, "-o", "lib.so"})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Warnings) != 1 || !strings.HasPrefix(a.Warnings[0], flag+": ") || !strings.Contains(a.Warnings[0], want) {
			t.Errorf("%s: warnings %q, want one with %q", flag, a.Warnings, want)
		}
		if !reflect.DeepEqual(a.Flags, []string{flag}) {
			t.Errorf("%s: flags %q: the flag must still reach go build", flag, a.Flags)
		}
	}
}
