//go:build hotpatch

package hotpatch

import (
	"log/slog"

	"github.com/hotpatch-go/hotpatch/internal/loader"
	"github.com/hotpatch-go/hotpatch/internal/logging"

	// The code that hotpatch build generates imports the runtime, which
	// needs the MessagePack codec. Importing it here keeps its module in the
	// go.sum of every library that imports this package, so go mod tidy
	// does not drop it.
	_ "github.com/vmihailenco/msgpack/v5"
)

func isHotpatched() bool           { return loader.IsPatchCopy() }
func setLogger(l *slog.Logger)     { logging.SetLogger(l) }
func setLogLevel(level slog.Level) { logging.SetLevel(level) }
