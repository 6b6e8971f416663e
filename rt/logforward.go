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
	"log/slog"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/logging"
)

// Log records of a patch copy travel to the original copy, so that a user
// sees one stream of records however many copies the process holds: a patch
// copy's handler encodes each record as JSON and calls the original copy's
// hotpatch_v1_log, which logs it to the user's logger.

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

// logFromCopy logs a record that a patch copy forwarded.
func logFromCopy(data string) {
	var rec forwardedRecord
	if err := json.Unmarshal([]byte(data), &rec); err != nil {
		logging.Logger().Error("hotpatch: unreadable log record from a patch copy", "record", data, "err", err)
		return
	}
	args := make([]any, 0, 2*len(rec.Attrs))
	for k, v := range rec.Attrs {
		args = append(args, k, v)
	}
	logging.Logger().Log(context.Background(), rec.Level, rec.Msg, args...)
}
