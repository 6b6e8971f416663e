// Package main is the example library of hotpatch demo: a C program calls
// Width on every frame and draws a bar that wide.
package main

import "C"

import (
	"log/slog"
	"os"

	"github.com/hotpatch-go/hotpatch"
)

func init() {
	// Copies loaded by the patcher log through this copy's logger.
	if hotpatch.IsHotpatched() {
		return
	}
	hotpatch.SetLogger(slog.New(slog.NewTextHandler(os.Stderr, nil)))
}

// width returns how wide the host draws the bar of a frame. Its body is
// updated live on every rebuild.
//
//hotpatch:func
func width(frame int32) int32 {
	return 4 + frame%4
}

//export Width
func Width(frame C.int) C.int { return C.int(width(int32(frame))) }

func main() {}
