//go:build hotpatch

package hotpatch

import (
	"log/slog"

	"github.com/hotpatch-go/hotpatch/internal/loader"
	"github.com/hotpatch-go/hotpatch/internal/logging"
)

func isHotpatched() bool           { return loader.IsPatchCopy() }
func setLogger(l *slog.Logger)     { logging.SetLogger(l) }
func setLogLevel(level slog.Level) { logging.SetLevel(level) }
