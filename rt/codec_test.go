package rt

import (
	"strings"
	"testing"
)

// TestReadValuePanic: a panic while reflection decodes a checked call's
// value is an error of the call, not a panic of the process.
func TestReadValuePanic(t *testing.T) {
	b := AppendValue(nil, touchy{})
	var v touchy
	if _, err := ReadValue(b, &v); err == nil || !strings.Contains(err.Error(), "panic: decoding touchy") {
		t.Errorf("ReadValue: %v, want the panic as an error", err)
	}
}
