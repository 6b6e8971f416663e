package rt

/*
#include <stdlib.h>
#include <string.h>

#include <stdint.h>

static void* hp_bytes_to_c(const void* p, size_t n) {
	void* c = malloc(n ? n : 1);
	if (c && n) memcpy(c, p, n);
	return c;
}

// Addresses of C memory and C functions travel between copies as numbers.
static void* hp_addr(uintptr_t p) { return (void*)p; }
static void hp_free_addr(uintptr_t p) { free((void*)p); }
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/lifecycle"
)

// What the original copy's patcher asks of a copy while it applies a build
// (patcher.go, apply). A patch copy receives these through its exported
// hotpatch_v1_control, as JSON; the original copy answers its own directly.
const (
	opClose   = "close"   // close the gate: calls wait
	opDrain   = "drain"   // wait until no marked call runs, within a bound
	opSave    = "save"    // encode the kept variables into C memory
	opLoad    = "load"    // decode kept variables from C memory
	opPoint   = "point"   // point the slots at their targets, and open the gate
	opRestore = "restore" // open the gate with the slots as they were
	opRetire  = "retire"  // a newer copy owns the state now
	opProcs   = "procs"   // have at least Procs processors (procs.go)
)

type controlRequest struct {
	Op        string      `json:"op"`
	TimeoutMS int64       `json:"timeout_ms,omitempty"`
	Data      uintptr     `json:"data,omitempty"` // C memory
	Len       int         `json:"len,omitempty"`
	Slots     []pointSlot `json:"slots,omitempty"`
	// Moved says, with retire, that the copy's kept state has moved into
	// a newer copy, or never was its: no body that reads it runs there
	// again.
	Moved bool `json:"moved,omitempty"`
	Procs int  `json:"procs,omitempty"`
}

// A pointSlot is where one function of a copy runs from now on.
type pointSlot struct {
	ID    string  `json:"id"`
	Call  uintptr `json:"call,omitempty"` // the target copy's hotpatch_v1_call; 0 for this copy's own body
	Index int32   `json:"index,omitempty"`
	Build string  `json:"build,omitempty"`
}

type controlResponse struct {
	Err     string   `json:"err,omitempty"`
	Running []string `json:"running,omitempty"` // drain: the marked functions still running
	Data    uintptr  `json:"data,omitempty"`    // save: C memory that the caller frees
	Len     int      `json:"len,omitempty"`
	Procs   int      `json:"procs,omitempty"` // procs: the processors the copy has now
}

// control does what req asks, in this copy.
func control(req controlRequest) controlResponse {
	switch req.Op {
	case opClose:
		theGate.close()
	case opDrain:
		if running := drain(time.Duration(req.TimeoutMS) * time.Millisecond); len(running) > 0 {
			return controlResponse{Err: "calls still running: " + strings.Join(running, ", "), Running: running}
		}
	case opSave:
		data, err := saveKept()
		if err != nil {
			return controlResponse{Err: err.Error()}
		}
		p := C.hp_bytes_to_c(unsafe.Pointer(unsafe.SliceData(data)), C.size_t(len(data)))
		if p == nil {
			return controlResponse{Err: fmt.Sprintf("out of C memory for %d bytes of kept state", len(data))}
		}
		return controlResponse{Data: uintptr(p), Len: len(data)}
	case opLoad:
		// Into this copy's heap: the bytes are the caller's.
		data := C.GoBytes(addr(req.Data), C.int(req.Len))
		if err := loadKept(data); err != nil {
			return controlResponse{Err: err.Error()}
		}
	case opPoint:
		byID := map[string]*Func{}
		for _, f := range funcs {
			byID[f.ID] = f
		}
		targets := map[*Func]*Target{}
		for _, s := range req.Slots {
			f := byID[s.ID]
			if f == nil {
				continue
			}
			var t *Target
			if s.Call != 0 {
				t = &Target{call: addr(s.Call), index: s.Index, id: s.ID, build: s.Build, fn: f}
			}
			targets[f] = t
		}
		theGate.open(targets)
	case opRestore:
		theGate.open(nil)
	case opProcs:
		return controlResponse{Procs: raiseProcs(req.Procs)}
	case opRetire:
		lifecycle.Retire()
		go release(req.Moved)
	default:
		return controlResponse{Err: "unknown control request " + req.Op}
	}
	return controlResponse{}
}

// controlJSON is control for a request that arrives as JSON, from another
// copy.
func controlJSON(req string) string {
	var r controlRequest
	resp := controlResponse{Err: "unreadable control request"}
	if json.Unmarshal([]byte(req), &r) == nil {
		resp = control(r)
	}
	data, _ := json.Marshal(resp)
	return string(data)
}

// addr is the address p, which another copy sent as a number.
func addr(p uintptr) unsafe.Pointer { return C.hp_addr(C.uintptr_t(p)) }

// freeC frees C memory that another copy allocated.
func freeC(p uintptr) { C.hp_free_addr(C.uintptr_t(p)) }
