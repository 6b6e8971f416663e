//go:build linux

// Command bench measures hotpatch against baselines taken in the same run,
// and prints one table; with -o it also writes that table, with the machine,
// the Go version and the date, to a Markdown file.
//
//	go run ./internal/bench -o BENCHMARKS.md
//
// Every figure is a ratio to a baseline measured in the same process and the
// same run: absolute times on shared machines are noise.
package main

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

static void* open_lib(const char* path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static const char* open_error(void) { return dlerror(); }
static void* sym(void* lib, const char* name) { return dlsym(lib, name); }
static long long call_n(void* f, long long n) { return ((long long (*)(long long))f)(n); }
static long long call_n_fp(void* f, long long n, void* fp) { return ((long long (*)(long long, void*))f)(n, fp); }
static int call_int(void* f) { return ((int (*)(void))f)(); }
static long long call_int_ll(void* f, int v) { return ((long long (*)(int))f)(v); }
static void call_void_n(void* f, long long n) { ((void (*)(long long))f)(n); }
static long long call_n_i(void* f, long long n, int i) { return ((long long (*)(long long, int))f)(n, i); }
static long long call_ss(void* f, const char* a, const char* b) { return ((long long (*)(const char*, const char*))f)(a, b); }
*/
import "C"

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/build"
	"github.com/hotpatch-go/hotpatch/internal/scaffold"
)

//go:embed lib/main.go keptlib/main.go chost/chost.c testdata/heavy/main.go
var libFS embed.FS

func main() {
	// go build runs this program again as hotpatch build's -toolexec
	// wrapper, as it runs the hotpatch command.
	build.ServeToolExec()
	out := flag.String("o", "", "also write the report to this Markdown file")
	samples := flag.Int("samples", 10, "reloads measured per latency figure")
	only := flag.String("only", "", "measure only these figures, such as 2,4 (default: all)")
	curve := flag.Int("curve", 200, "reloads in the memory curve (figure 14)")
	flag.BoolVar(&keepFolders, "keep", false, "keep the benchmark's modules and their builds, so that a profiler such as perf finds the libraries' symbols")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	if job := os.Getenv(curveEnv); job != "" {
		if err := runCurve(job); err != nil {
			log.Fatal(err)
		}
		return
	}
	want := func(figure int) bool {
		return *only == "" || slices.Contains(strings.Split(*only, ","), strconv.Itoa(figure))
	}
	r, err := run(*samples, *curve, want)
	if err != nil {
		log.Fatal(err)
	}
	report := r.markdown()
	fmt.Print(report)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(report), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// A library is one loaded copy, and its exported functions.
type library struct {
	handle unsafe.Pointer
	path   string
}

func open(path string) (*library, error) {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	h := C.open_lib(p)
	if h == nil {
		return nil, fmt.Errorf("dlopen %s: %s", path, C.GoString(C.open_error()))
	}
	return &library{handle: h, path: path}, nil
}

func (l *library) sym(name string) unsafe.Pointer {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	p := C.sym(l.handle, n)
	if p == nil {
		log.Fatalf("%s has no %s", l.path, name)
	}
	return p
}

func (l *library) bench(name string, n int64) float64 {
	return float64(C.call_n(l.sym(name), C.longlong(n))) / float64(n)
}

// callLL calls the exported function name, which takes and returns a long
// long (or takes nothing: the argument is then ignored).
func (l *library) callLL(name string, arg int64) int64 {
	return int64(C.call_n(l.sym(name), C.longlong(arg)))
}

// benchSize is bench for a function that also takes a size.
func (l *library) benchSize(name string, n int64, size int) float64 {
	return float64(C.call_n_i(l.sym(name), C.longlong(n), C.int(size))) / float64(n)
}

// benchWith is bench for a function that also takes a pointer.
func (l *library) benchWith(name string, n int64, p unsafe.Pointer) float64 {
	return float64(C.call_n_fp(l.sym(name), C.longlong(n), p)) / float64(n)
}

// loadInside makes the library copy src to dst, load dst and call it, from
// its own Go code, and returns how long that took.
func (l *library) loadInside(src, dst string) (time.Duration, error) {
	csrc, cdst := C.CString(src), C.CString(dst)
	defer C.free(unsafe.Pointer(csrc))
	defer C.free(unsafe.Pointer(cdst))
	ns := int64(C.call_ss(l.sym("HPLoadInside"), csrc, cdst))
	if ns < 0 {
		return 0, fmt.Errorf("the library could not load %s", dst)
	}
	return time.Duration(ns), nil
}

// run calls the exported function name, which returns nothing, with n.
func (l *library) run(name string, n int64) { C.call_void_n(l.sym(name), C.longlong(n)) }

func (l *library) version() int { return int(C.call_int(l.sym("HPVersion"))) }

// firstSeen returns when version v of the benchmark library first answered
// a call.
func (l *library) firstSeen(v int) time.Time {
	return time.Unix(0, int64(C.call_int_ll(l.sym("HPFirstSeen"), C.int(v))))
}

// module is the benchmark library's module, which run edits and rebuilds.
type module struct {
	dir, out string
	version  int
}

// keepFolders is set by -keep.
var keepFolders bool

// removeFolder removes a folder of the benchmark's, unless -keep says to
// keep it.
func removeFolder(dir string) {
	if keepFolders {
		fmt.Fprintf(os.Stderr, "bench: kept %s\n", dir)
		return
	}
	os.RemoveAll(dir)
}

func newModule() (*module, error) { return newModuleOf("lib", "example.com/bench", "libbench.so") }

// newBuiltModule is newModule, with its library built. The caller removes
// m.dir.
func newBuiltModule() (*module, error) {
	m, err := newModule()
	if err != nil {
		return nil, err
	}
	if _, err := m.build(m.out); err != nil {
		removeFolder(m.dir)
		return nil, err
	}
	return m, nil
}

// newModuleOf writes the library in the folder lib of this package into a
// module of its own.
func newModuleOf(lib, path, name string) (*module, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := scaffold.Root(wd)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hotpatch-bench-")
	if err != nil {
		return nil, err
	}
	src, _ := libFS.ReadFile(lib + "/main.go")
	if err := scaffold.Module(dir, path, root, map[string][]byte{"main.go": src}); err != nil {
		return nil, err
	}
	return &module{dir: dir, out: filepath.Join(dir, "build", name), version: 1}, nil
}

// setVersion edits the version constant: a one-line change.
func (m *module) setVersion(v int) error {
	name := filepath.Join(m.dir, "main.go")
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	s := strings.Replace(string(data), fmt.Sprintf("const version = %d\n", m.version), fmt.Sprintf("const version = %d\n", v), 1)
	m.version = v
	return os.WriteFile(name, []byte(s), 0o644)
}

// build runs hotpatch build, to out or to another output.
func (m *module) build(out string, flags ...string) (*build.Result, error) {
	return build.Run(context.Background(), &build.Args{Dir: m.dir, Output: out, Packages: []string{"."}, Flags: flags}, io.Discard)
}
