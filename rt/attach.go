package rt

/*
#include <stdlib.h>
void* hp_original_log_fn(void);
void* hp_own_call_fn(void);
char* hp_attach(void* fn, void* original_log, int level);
char* hp_control(void* fn, char* request);
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
	"github.com/hotpatch-go/hotpatch/internal/logging"
)

// Attaching a copy: the patcher in the original copy copies a new build,
// loads the copy, and makes the first call into it (load); the patch copy
// answers with its description (attach).

// description is what a copy tells the original copy about itself when it is
// attached.
type description struct {
	Protocol int        `json:"protocol"`
	Build    string     `json:"build"`
	Go       string     `json:"go"`
	Rollback bool       `json:"rollback,omitempty"`
	Funcs    []funcDesc `json:"funcs"`
	Kept     []keptDesc `json:"kept,omitempty"`
}

type funcDesc struct {
	ID          string  `json:"id"`
	Fingerprint string  `json:"fingerprint"`
	Stateful    bool    `json:"stateful,omitempty"`
	Entry       uintptr `json:"entry,omitempty"` // a marked export's address in this copy
}

type keptDesc struct {
	ID     string `json:"id"`
	Schema string `json:"schema"`
}

// describe returns this copy's description.
func describe() *description {
	d := &description{Protocol: protocol, Build: build, Go: runtime.Version(), Rollback: config.Rollback}
	for _, f := range funcs {
		d.Funcs = append(d.Funcs, funcDesc{ID: f.ID, Fingerprint: f.Fingerprint, Stateful: f.Stateful, Entry: uintptr(f.entry)})
	}
	for _, k := range keptVars {
		d.Kept = append(d.Kept, keptDesc{ID: k.ID, Schema: k.Schema})
	}
	return d
}

// attach runs in a patch copy, on the first call the original copy makes
// into it. By then the copy's packages have initialised. From now on the copy
// logs through the original copy. A copy with kept state closes its gate: no
// call may start in it until the state has moved in (opPoint opens it).
func attach(originalLog unsafe.Pointer, level int) string {
	if originalLog != nil {
		logging.SetLevel(slog.Level(level))
		logging.Forward(forwardHandler{fn: originalLog})
	}
	if len(keptVars) > 0 {
		theGate.close()
	}
	data, _ := json.Marshal(describe())
	logging.Logger().Debug("hotpatch: copy attached", "build", build, "funcs", len(funcs), "kept", len(keptVars))
	return string(data)
}

// ownCall returns this copy's hotpatch_v1_call.
func ownCall() unsafe.Pointer { return C.hp_own_call_fn() }

// place gives the build that stamp names a file of this process's own, in
// .hotpatch/ beside the output: a link to the output's file if link allows
// and the system can (artifact.LinkVerified), else a copy. Another copy of
// the library that the host loaded itself, from another path, runs a patcher
// of its own in this process: place skips the names it took.
func (p *patcher) place(stamp artifact.Stamp, link bool) (path string, linked bool, err error) {
	symbols := []string{attachSymbol, callSymbol, controlSymbol}
	for {
		p.seq++
		path = artifact.CopyPath(p.out, os.Getpid(), p.seq)
		if link {
			linked, err = artifact.LinkVerified(p.out, path, stamp, symbols...)
		} else {
			err = artifact.CopyVerified(p.out, path, stamp, symbols...)
		}
		if !errors.Is(err, fs.ErrExist) {
			return path, linked, err
		}
	}
}

// open loads the copy that place put at path, and holds the signal handlers
// that its runtime installed (holdSignals), with the address of its call
// entry, callFn. From the check of the handlers to the hold, no other
// library's patcher may load a copy: its runtime's handlers would be taken
// for the host's, or for this copy's.
func (p *patcher) open(stamp artifact.Stamp, path string, linked bool) (lib *library, _ string, callFn unsafe.Pointer, err error) {
	defer lockSignals()()
	// Some hosts put their own signal handlers back after loading a library.
	if replaced := checkSignals(); len(replaced) > 0 {
		p.log.Warn("hotpatch: the host replaced the signal dispatcher; it is back, and the host's handlers get what is not a Go runtime's",
			"signals", strings.Join(replaced, ","))
	}
	lib, err = dlopen(path)
	if err == nil && linked && lib.reused(path) {
		// Another patcher in the process, of the same library loaded from
		// another path, linked the same build and loaded it first: this
		// patcher's copy has to be a copy. The link stays until the
		// process ends: the loader now knows the other copy by its name
		// too, and would hand that copy back to the next patcher that
		// placed a copy there.
		if path, _, err = p.place(stamp, false); err != nil {
			return nil, "", nil, err
		}
		lib, err = dlopen(path)
	}
	if err != nil {
		os.Remove(path)
		return nil, "", nil, err
	}
	callFn, err = lib.symbol(callSymbol)
	if err == nil {
		err = holdSignals(callFn)
	}
	if err != nil {
		p.log.Warn("hotpatch: older copies may lose preemption, and faults in the new copy may crash the process", "err", err)
	}
	return lib, path, callFn, nil
}

// load gives the build output a file of this process's own (place), loads
// it as a new copy and attaches it.
func (p *patcher) load(stamp artifact.Stamp) (*loaded, error) {
	if err := roomForCopy(); err != nil {
		return nil, err
	}
	if err := p.checkToolchain(stamp); err != nil {
		return nil, err
	}
	path, linked, err := p.place(stamp, true)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	lib, path, callFn, err := p.open(stamp, path, linked)
	if err != nil {
		return nil, err
	}
	p.copies++
	attachFn, err := lib.symbol(attachSymbol)
	if err != nil {
		return nil, err
	}
	controlFn, err := lib.symbol(controlSymbol)
	if err != nil {
		return nil, err
	}
	if callFn == nil {
		return nil, fmt.Errorf("%s has no symbol %s", path, callSymbol)
	}
	// The first call into the copy waits for its runtime and packages to
	// initialise.
	raw := C.hp_attach(attachFn, C.hp_original_log_fn(), C.int(logging.Level()))
	data := C.GoString(raw)
	C.free(unsafe.Pointer(raw))
	var desc description
	if err := json.Unmarshal([]byte(data), &desc); err != nil {
		return nil, fmt.Errorf("%s: unreadable description %q: %w", path, data, err)
	}
	if desc.Protocol != protocol {
		return nil, fmt.Errorf("%s speaks hotpatch protocol %d, this copy speaks %d: rebuild with the same hotpatch version, or restart", path, desc.Protocol, protocol)
	}
	if desc.Build != stamp.Build {
		return nil, fmt.Errorf("%s is build %s, but its stamp names build %s", path, desc.Build, stamp.Build)
	}
	p.giveProcs(controlFn, desc.Build)
	p.log.Debug("hotpatch: loaded copy", "build", desc.Build, "path", path, "took", time.Since(start))
	return newLoaded(&desc, lib.Path, callFn, func(req controlRequest) controlResponse {
		return controlCopy(controlFn, req)
	}), nil
}

// controlCopy sends req to the patch copy whose hotpatch_v1_control is fn.
func controlCopy(fn unsafe.Pointer, req controlRequest) controlResponse {
	data, _ := json.Marshal(req)
	creq := C.CString(string(data))
	defer C.free(unsafe.Pointer(creq))
	raw := C.hp_control(fn, creq)
	answer := C.GoString(raw)
	C.free(unsafe.Pointer(raw))
	var resp controlResponse
	if err := json.Unmarshal([]byte(answer), &resp); err != nil {
		resp.Err = fmt.Sprintf("unreadable answer %q to %s: %v", answer, req.Op, err)
	}
	return resp
}

// checkToolchain returns why the runtime of the build that stamp describes
// would end the process as it starts, or nil, and says when that runtime is
// of another Go than this copy's.
func (p *patcher) checkToolchain(stamp artifact.Stamp) error {
	if stamp.Go == "" {
		return nil
	}
	err, unknown := checkGODEBUG(stamp.Go, processEnv("GODEBUG"))
	if err != nil {
		return err
	}
	if stamp.Go != runtime.Version() && !p.toldGo[stamp.Go] {
		p.toldGo[stamp.Go] = true
		p.log.Info("hotpatch: the new build was made with another Go than the original copy; copies of different Go versions worked in our tests, but the Go team does not promise it",
			"build", stamp.Build, "go", stamp.Go, "original", runtime.Version())
		if unknown {
			p.log.Warn("hotpatch: this hotpatch does not know which GODEBUG settings that Go removed: if GODEBUG sets one of them, the process ends when the build loads",
				"go", stamp.Go)
		}
	}
	return nil
}
