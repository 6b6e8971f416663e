package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// The external link is the biggest single step of a rebuild, and mold, or
// lld, links a c-shared library in a fraction of the time of GNU ld
// (BENCHMARKS.md). hotpatch build uses the fastest one installed, unless the
// user chose the link already, or HOTPATCH_LINKER says otherwise:
//
//	HOTPATCH_LINKER=default   the C compiler's own choice
//	HOTPATCH_LINKER=mold      mold, if the compiler can use it
//	HOTPATCH_LINKER=lld       lld, if the compiler can use it
//
// For Windows, mingw-w64's GCC links with lld, which knows PE; mold does
// not.

// linkerEnv is the environment variable that chooses the linker.
const linkerEnv = "HOTPATCH_LINKER"

// A linkerChoice is the linker a build uses: name is "" for the C
// compiler's default, and why says why when a faster one was not used.
type linkerChoice struct {
	name, why string
}

// String says which linker the build used, for its line.
func (c linkerChoice) String() string {
	if c.name != "" {
		return "linked with " + c.name
	}
	return "linked with the C compiler's default linker (" + c.why + ")"
}

// chooseLinker picks the linker for a build of a in env. It tries the
// compiler with the linker once, on an empty C file, so that a compiler too
// old to know it (GCC before 12 for mold) keeps its default.
func chooseLinker(ctx context.Context, a *Args, env []string) linkerChoice {
	want := lookupEnv(env, linkerEnv)
	switch want {
	case "", "mold", "lld":
	case "default":
		return linkerChoice{why: linkerEnv + "=default"}
	default:
		return linkerChoice{why: fmt.Sprintf("%s=%s is not default, mold or lld", linkerEnv, want)}
	}
	for _, f := range a.Flags {
		if strings.HasPrefix(f, "-ldflags=") && (strings.Contains(f, "-extldflags") || strings.Contains(f, "-linkmode")) {
			return linkerChoice{why: "-ldflags chooses the external link"}
		}
	}
	if strings.Contains(lookupEnv(env, "GOFLAGS"), "-ldflags") {
		return linkerChoice{why: "GOFLAGS sets -ldflags"}
	}
	if strings.Contains(lookupEnv(env, "CGO_LDFLAGS"), "-fuse-ld") {
		return linkerChoice{why: "CGO_LDFLAGS chooses the linker"}
	}
	cc := lookupEnvOr(env, "CC", defaultCC(targetOS(env)))
	if strings.ContainsAny(strings.TrimSpace(cc), " \t") {
		return linkerChoice{why: "CC is a command with arguments, such as a wrapper"}
	}
	candidates := []string{"mold", "lld"}
	if targetOS(env) == "windows" {
		candidates = []string{"lld"}
	} else if targetOS(env) == "darwin" {
		return linkerChoice{why: "macOS links with its own linker"}
	}
	if want != "" {
		candidates = []string{want}
	}
	for _, name := range candidates {
		if _, err := lookPath("ld." + name); err != nil {
			continue
		}
		if err := tryLinkerOnce(ctx, cc, name, env); err != nil {
			continue
		}
		return linkerChoice{name: name}
	}
	if want != "" {
		return linkerChoice{why: fmt.Sprintf("%s=%s, but %s cannot link with ld.%s", linkerEnv, want, cc, want)}
	}
	return linkerChoice{why: fmt.Sprintf("no faster linker works with %s: tried %s", cc, strings.Join(candidates, ", "))}
}

// linkerTried holds what tryLinker found, by compiler, linker and target:
// hotpatch watch builds many times in one process, and the answer does not
// change between its builds.
var linkerTried sync.Map // string → linkerTry

type linkerTry struct{ err error }

// tryLinkerOnce is tryLinker, once per compiler, linker and target in this
// process, and once for the same compiler and linker files on disk: the try
// is a compile and a link, which would otherwise stand before every
// one-shot hotpatch build's go build.
func tryLinkerOnce(ctx context.Context, cc, linker string, env []string) error {
	key := strings.Join([]string{cc, linker, targetOS(env), targetArch(env)}, "\x00")
	if t, ok := linkerTried.Load(key); ok {
		return t.(linkerTry).err
	}
	disk := linkerCachePath(key, cc, linker)
	if data, err := os.ReadFile(disk); err == nil {
		var err error
		if len(data) > 0 {
			err = errors.New(string(data))
		}
		linkerTried.Store(key, linkerTry{err})
		return err
	}
	err := tryLinker(ctx, cc, linker, env)
	if ctx.Err() == nil { // a stopped try says nothing about the linker
		linkerTried.Store(key, linkerTry{err})
		if disk != "" {
			var data []byte
			if err != nil {
				data = []byte(err.Error())
			}
			writeCacheFile(disk, data)
		}
	}
	return err
}

// linkerCachePath names the file that holds what tryLinker said of the
// compiler cc and the linker: empty when it linked, else the error. The
// name covers the files of both, as PATH finds them, so that installing
// another version of either tries again. It is "" if either is not found.
func linkerCachePath(key, cc, linker string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", key)
	if !writeProgram(h, cc) || !writeProgram(h, "ld."+linker) {
		return ""
	}
	return cachePath("linkers", hex.EncodeToString(h.Sum(nil)[:12]))
}

// tryLinker links an empty shared library with cc and the linker.
func tryLinker(ctx context.Context, cc, linker string, env []string) error {
	dir, err := os.MkdirTemp("", "hotpatch-linker-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "empty.c")
	if err := os.WriteFile(src, []byte("int hotpatch_linker_probe;\n"), 0o644); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, cc, "-fuse-ld="+linker, "-shared", "-o", filepath.Join(dir, "empty.so"), src)
	cmd.Env = env
	return cmd.Run()
}

// withLinker returns go build's flags with the linker added to -ldflags.
func withLinker(flags []string, c linkerChoice) []string {
	if c.name == "" {
		return flags
	}
	return withLdflag(flags, "-extldflags=-fuse-ld="+c.name)
}

// Compressing the debug information is a quarter to a third of the link
// (ARCHITECTURE.md, "Measured facts the design rests on"): the external
// linker does it with zlib, on one thread, with GNU ld, mold and lld alike.
// hotpatch build makes builds for the next minutes of a running process, so
// it links with -compressdwarf=false: debuggers read the same DWARF, from a
// file about a third larger. Flags that say how to compress, or -ldflags in
// GOFLAGS, which flags of our own would replace, leave it alone.
//
// withDWARF returns go build's flags with -compressdwarf=false added to
// -ldflags, unless the user's flags or environment already speak of it.
func withDWARF(flags, env []string) []string {
	for _, f := range flags {
		if strings.HasPrefix(f, "-ldflags=") && strings.Contains(f, "compressdwarf") {
			return flags
		}
	}
	if strings.Contains(lookupEnv(env, "GOFLAGS"), "-ldflags") {
		return flags
	}
	return withLdflag(flags, "-compressdwarf=false")
}

// withLdflag returns go build's flags with the linker flag add appended to
// the last -ldflags, which is the one go build uses, or as -ldflags of its
// own.
func withLdflag(flags []string, add string) []string {
	out := append([]string(nil), flags...)
	for i := len(out) - 1; i >= 0; i-- {
		if strings.HasPrefix(out[i], "-ldflags=") {
			out[i] += " " + add
			return out
		}
	}
	return append(out, "-ldflags="+add)
}
