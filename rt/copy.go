package rt

/*
#include <stdlib.h>

typedef void (*hp_log_fn)(char*);

static inline void hp_log(void* fn, char* record) { ((hp_log_fn)fn)(record); }
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/logging"
)

// description is what a copy tells the original copy about itself when it is
// attached.
type description struct {
	Protocol int        `json:"protocol"`
	Build    string     `json:"build"`
	Funcs    []funcDesc `json:"funcs"`

	call unsafe.Pointer // the copy's hotpatch_v1_call, filled in by the loader
}

type funcDesc struct {
	ID     string `json:"id"`
	Layout string `json:"layout"`
}

// attach runs in a new copy, on the first call the original copy makes into
// it. By then the copy's packages have initialised. From now on the copy logs
// through the original copy.
func attach(rootLog unsafe.Pointer, level int) string {
	if rootLog != nil {
		logging.SetLevel(slog.Level(level))
		logging.Forward(forwardHandler{fn: rootLog})
	}
	d := description{Protocol: protocol, Build: build}
	for _, f := range funcs {
		d.Funcs = append(d.Funcs, funcDesc{ID: f.ID, Layout: f.Layout})
	}
	data, _ := json.Marshal(d)
	logging.Logger().Debug("hotpatch: copy attached", "build", build, "funcs", len(funcs))
	return string(data)
}

// panicInfo carries a recovered panic back to the caller's copy.
type panicInfo struct {
	Value string `json:"value"`
	Stack string `json:"stack"`
}

// enter runs this copy's body of the function at index on a frame that a
// caller in an older copy built. It returns the panic, if the body panicked,
// encoded for the caller: an unrecovered panic here would abort the process
// from inside this runtime, with a trace that leaves out the caller.
func enter(index int, frame unsafe.Pointer) (panicked string) {
	if index < 0 || index >= len(funcs) {
		data, _ := json.Marshal(panicInfo{Value: fmt.Sprintf("hotpatch: no function with index %d in build %s", index, build)})
		return string(data)
	}
	defer func() {
		if r := recover(); r != nil {
			data, _ := json.Marshal(panicInfo{Value: fmt.Sprint(r), Stack: string(debug.Stack())})
			panicked = string(data)
		}
	}()
	funcs[index].slot.enter(frame)
	return ""
}

// forwardHandler sends records to the original copy's hotpatch_v1_log.
type forwardHandler struct {
	fn    unsafe.Pointer
	attrs []slog.Attr
}

type forwardedRecord struct {
	Level slog.Level     `json:"level"`
	Msg   string         `json:"msg"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

func (h forwardHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h forwardHandler) Handle(_ context.Context, r slog.Record) error {
	rec := forwardedRecord{Level: r.Level, Msg: r.Message, Attrs: map[string]any{}}
	add := func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.Resolve().Any()
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	c := C.CString(string(data))
	defer C.free(unsafe.Pointer(c))
	C.hp_log(h.fn, c)
	return nil
}

func (h forwardHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h.attrs = append(h.attrs[:len(h.attrs):len(h.attrs)], as...)
	return h
}

func (h forwardHandler) WithGroup(string) slog.Handler { return h }

// logFromCopy logs a record that a newer copy forwarded.
func logFromCopy(data string) {
	var rec forwardedRecord
	if err := json.Unmarshal([]byte(data), &rec); err != nil {
		logging.Logger().Error("hotpatch: unreadable log record from a newer copy", "record", data, "err", err)
		return
	}
	args := make([]any, 0, 2*len(rec.Attrs))
	for k, v := range rec.Attrs {
		args = append(args, k, v)
	}
	logging.Logger().Log(context.Background(), rec.Level, rec.Msg, args...)
}
