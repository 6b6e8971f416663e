package build

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// goBuildValueFlags are the go build flags that take a value. hotpatch build
// must know them to tell a flag's value from the package argument. The others
// are boolean (-a, -n, -race, -trimpath, -work, ...; -buildvcs takes a value
// only as -buildvcs=VALUE).
var goBuildValueFlags = map[string]bool{
	"C": true, "o": true, "p": true, "asmflags": true, "buildmode": true,
	"compiler": true, "covermode": true, "coverpkg": true, "gccgoflags": true, "gcflags": true,
	"installsuffix": true, "ldflags": true, "mod": true, "modfile": true, "overlay": true,
	"pgo": true, "pkgdir": true, "tags": true, "toolexec": true,
}

// ErrHelp means that the arguments ask for help (-h, -help or --help).
var ErrHelp = errors.New("help requested")

// Args are the parsed arguments of hotpatch build.
type Args struct {
	Dir      string   // where to run, the current folder if empty
	Output   string   // -o
	Packages []string // the main package: one directory, import path or pattern, or its .go files
	Tags     []string // -tags, without hotpatch
	Flags    []string // every other go build flag, as given
	Work     bool     // -work: keep the overlay and say where it is
	NoProbe  bool     // -probe=false: publish without loading the build in a probe first
	Rollback bool     // -rollback: a function whose new body panics goes back to its previous body
	// Wait bounds how long the command waits for running processes to
	// report what they did with the build (-wait); 0 does not wait.
	Wait time.Duration
	JSON bool // -json: print the results as JSON, for tools
	// Warnings are about flags that go build accepts but that make a
	// library hosts cannot load, or one that patching cannot serve.
	Warnings []string
}

// flagAdvice says what is wrong with a go build flag that hotpatch build
// passes on, and what to do.
var flagAdvice = map[string]string{
	"race": "a library built with the race detector loads only into a process that started with ThreadSanitizer's runtime: " +
		"a Python host fails with \"ThreadSanitizer failed to allocate\", as it does for go build -race -buildmode=c-shared; build without -race",
	"msan":       "a library built with -msan needs MemorySanitizer's runtime in the host from its start; build without -msan",
	"asan":       "a library built with -asan needs AddressSanitizer's runtime in the host from its start; build without -asan",
	"cover":      "a c-shared library never writes a coverage profile, so the counters of every copy are lost; build without -cover",
	"linkshared": "-linkshared is for programs that link Go shared libraries (-buildmode=shared); hotpatch does not support it in c-shared libraries: build without it",
}

// DefaultWait is how long hotpatch build waits for the processes' reports.
const DefaultWait = 3 * time.Second

// ParseArgs parses hotpatch build's arguments: go build's flags, -o OUT and
// the main package, as go build takes it: a directory, an import path, a
// pattern that matches one main package, or a list of .go files. The
// default is ".".
func ParseArgs(args []string) (*Args, error) {
	a := &Args{Wait: DefaultWait}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			a.Packages = append(a.Packages, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if name == "h" || name == "help" {
			return nil, ErrHelp
		}
		if (goBuildValueFlags[name] || name == "wait") && !hasValue {
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
				return nil, fmt.Errorf("-buildmode=%s: hotpatch build makes c-shared libraries only; drop the flag", value)
			}
		case "C":
			return nil, fmt.Errorf("-C %s: run hotpatch build in %s instead", value, value)
		case "overlay":
			return nil, fmt.Errorf("-overlay: hotpatch build uses an overlay of its own and cannot combine it with another")
		case "n":
			return nil, fmt.Errorf("-n: hotpatch build must run go build to have a library to publish; -x prints go build's commands as they run")
		case "compiler", "gccgoflags":
			return nil, fmt.Errorf("-%s: hotpatch build supports the gc compiler only", name)
		case "work":
			a.Work = true
			a.Flags = append(a.Flags, "-work")
		case "wait":
			d, err := time.ParseDuration(value)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("-wait %s: give a duration, such as 5s, or 0 not to wait for the processes' reports", value)
			}
			a.Wait = d
		case "json":
			// Ours, not go build's: the results, for tools.
			a.JSON = !hasValue || value == "true"
		case "rollback":
			a.Rollback = !hasValue || value == "true"
		case "probe":
			switch value {
			case "", "true":
				a.NoProbe = false
			case "false":
				a.NoProbe = true
			default:
				return nil, fmt.Errorf("-probe=%s: write -probe=false to publish without probing the build", value)
			}
		default:
			if advice, ok := flagAdvice[name]; ok && (!hasValue || value != "false") {
				a.Warnings = append(a.Warnings, "-"+name+": "+advice)
			}
			a.Flags = append(a.Flags, "-"+name)
			if hasValue {
				a.Flags[len(a.Flags)-1] += "=" + value
			}
		}
	}
	if err := a.checkPackages(); err != nil {
		return nil, err
	}
	if a.Output == "" {
		return nil, fmt.Errorf("-o is required: it names the library that processes load and that the running library watches")
	}
	if strings.HasSuffix(a.Output, "/") || strings.HasSuffix(a.Output, string(filepath.Separator)) {
		return nil, fmt.Errorf("-o %s names a folder: name the library file, such as %s", a.Output, filepath.Join(a.Output, "libgame.so"))
	}
	return a, nil
}

// checkPackages checks that the package arguments name one main package, in
// one of the forms go build takes.
func (a *Args) checkPackages() error {
	switch {
	case len(a.Packages) == 0:
		a.Packages = []string{"."}
	case slices.ContainsFunc(a.Packages, isGoFile):
		if !slices.ContainsFunc(a.Packages, func(p string) bool { return !isGoFile(p) }) {
			return nil
		}
		return fmt.Errorf("%s: name one main package, either by its .go files or as a directory, import path or pattern, not both", strings.Join(a.Packages, " "))
	case len(a.Packages) > 1:
		return fmt.Errorf("%s: a library is built from one main package; name one directory, import path or pattern, or list the .go files of one package", strings.Join(a.Packages, " "))
	}
	return nil
}

func isGoFile(arg string) bool { return strings.HasSuffix(arg, ".go") }

// Files reports whether the package is given as a list of .go files.
func (a *Args) Files() bool { return isGoFile(a.Packages[0]) }

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
