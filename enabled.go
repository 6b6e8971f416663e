//go:build hotpatch

package hotpatch

import (
	"log/slog"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
	"github.com/hotpatch-go/hotpatch/internal/lifecycle"
	"github.com/hotpatch-go/hotpatch/internal/logging"
)

func isHotpatched() bool           { return artifact.IsPatchCopy() }
func setLogger(l *slog.Logger)     { logging.SetLogger(l) }
func setLogLevel(level slog.Level) { logging.SetLevel(level) }
func retired() <-chan struct{}     { return lifecycle.Retired() }
func applyOnRequest()              { lifecycle.SetApplyOnRequest() }
func apply() (bool, error)         { return lifecycle.Apply() }
