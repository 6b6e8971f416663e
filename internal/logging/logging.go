// Package logging holds the logger that every part of the runtime logs to.
//
// In the copy the host loaded, records go to the logger set with
// hotpatch.SetLogger, or to slog.Default. In a copy the patcher loaded they are
// forwarded to that original copy, so that a user sees one stream of records
// however many copies the process holds.
package logging

import (
	"context"
	"log/slog"
	"sync/atomic"
)

var (
	level   slog.LevelVar
	user    atomic.Pointer[slog.Logger]
	forward atomic.Pointer[slog.Handler]
)

// SetLogger sets the logger of the original copy. A nil logger means
// slog.Default.
func SetLogger(l *slog.Logger) { user.Store(l) }

// SetLevel sets the lowest level that is logged.
func SetLevel(l slog.Level) { level.Set(l) }

// Level returns the lowest level that is logged.
func Level() slog.Level { return level.Level() }

// Forward sends every later record to h instead of the user's logger. A copy
// loaded by the patcher calls it with a handler that crosses to the original
// copy.
func Forward(h slog.Handler) { forward.Store(&h) }

// Logger returns the logger the runtime logs to.
func Logger() *slog.Logger { return slog.New(handler{}) }

// handler applies the level set with SetLevel, then passes the record to the
// forwarding handler or the user's logger, whichever is current at the time of
// the record.
type handler struct {
	attrs []slog.Attr
	group string
}

func (h handler) target() slog.Handler {
	if f := forward.Load(); f != nil {
		return *f
	}
	if l := user.Load(); l != nil {
		return l.Handler()
	}
	return slog.Default().Handler()
}

func (h handler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= level.Level() && h.target().Enabled(ctx, l)
}

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	t := h.target()
	if h.group != "" {
		t = t.WithGroup(h.group)
	}
	if len(h.attrs) > 0 {
		t = t.WithAttrs(h.attrs)
	}
	return t.Handle(ctx, r)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler {
	h.attrs = append(h.attrs[:len(h.attrs):len(h.attrs)], as...)
	return h
}

func (h handler) WithGroup(name string) slog.Handler {
	h.group = name
	return h
}
