package build

import (
	"fmt"
	"strings"
)

// goBuildValueFlags are the go build flags that take a value. hotpatch build
// must know them to tell a flag's value from the package argument.
var goBuildValueFlags = map[string]bool{
	"C": true, "o": true, "p": true, "asmflags": true, "buildmode": true, "buildvcs": true,
	"compiler": true, "covermode": true, "coverpkg": true, "gccgoflags": true, "gcflags": true,
	"installsuffix": true, "ldflags": true, "mod": true, "modfile": true, "overlay": true,
	"pgo": true, "pkgdir": true, "tags": true, "toolexec": true,
}

// Args are the parsed arguments of hotpatch build.
type Args struct {
	Dir     string   // where to run, the current folder if empty
	Output  string   // -o
	Package string   // the package to build, "." by default
	Tags    []string // -tags, without hotpatch
	Flags   []string // every other go build flag, as given
}

// ParseArgs parses hotpatch build's arguments: go build's flags, -o OUT and
// one package.
func ParseArgs(args []string) (*Args, error) {
	a := &Args{}
	var pkgs []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			pkgs = append(pkgs, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if goBuildValueFlags[name] && !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag -%s needs a value", name)
			}
			i++
			value, hasValue = args[i], true
		}
		switch name {
		case "o":
			a.Output = value
		case "tags":
			for _, t := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' }) {
				if t != "hotpatch" {
					a.Tags = append(a.Tags, t)
				}
			}
		case "buildmode":
			if value != "c-shared" {
				return nil, fmt.Errorf("-buildmode=%s: hotpatch build makes c-shared libraries only", value)
			}
		case "C":
			return nil, fmt.Errorf("-C: run hotpatch build in %s instead", value)
		case "overlay":
			return nil, fmt.Errorf("-overlay: hotpatch build uses its own overlay and cannot combine it with another")
		default:
			a.Flags = append(a.Flags, "-"+name)
			if hasValue {
				a.Flags[len(a.Flags)-1] += "=" + value
			}
		}
	}
	switch len(pkgs) {
	case 0:
		a.Package = "."
	case 1:
		a.Package = pkgs[0]
	default:
		return nil, fmt.Errorf("one package only, got %s", strings.Join(pkgs, " "))
	}
	if a.Output == "" {
		return nil, fmt.Errorf("-o is required: it names the library that processes load and that the running library watches")
	}
	return a, nil
}

// tagsFlag returns the -tags flag for builds and analysis: the user's tags
// and hotpatch.
func (a *Args) tagsFlag() string {
	return "-tags=" + strings.Join(append([]string{"hotpatch"}, a.Tags...), ",")
}

// loadFlags are the flags that change which files and types go/packages
// sees.
func (a *Args) loadFlags() []string {
	flags := []string{a.tagsFlag()}
	for _, f := range a.Flags {
		for _, p := range []string{"-mod=", "-modfile="} {
			if strings.HasPrefix(f, p) {
				flags = append(flags, f)
			}
		}
	}
	return flags
}
