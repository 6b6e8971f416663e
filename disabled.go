//go:build !hotpatch

package hotpatch

import "log/slog"

// A plain build has no patcher: nothing is ever loaded, so nothing is logged.

func isHotpatched() bool       { return false }
func setLogger(*slog.Logger)   {}
func setLogLevel(slog.Level)   {}
func retired() <-chan struct{} { return nil }
func applyOnRequest()          {}
func apply() (bool, error)     { return false, nil }
