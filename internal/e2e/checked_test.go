//go:build linux

package e2e

import (
	"strings"
	"testing"
)

// checkedScenario rebuilds the checked-mode library under a running host:
// values with strings, slices, maps and nested structs cross; a field is
// added and another reordered between builds and calls keep working; a
// parameter's type change, and then a result's, panics in the caller with a
// message that names the function, the parameter or result, and both types.
func checkedScenario(t *testing.T, l *lib, h *host) {
	const sword = "[sword tags=a,b attrs=dmg:3 pos=1,2]"
	h.expect("restock hi", "v1 restocked ann | owner=ann gold=0 "+sword+" [potion-v1 tags=hi attrs= pos=1,2]")
	h.expect("gold 5", "5")
	h.expect("label x", "v1 label x")
	h.expect("pad 10", "101")

	// Version 2 adds a field to Item and reorders Point's fields.
	l.setVersion(1, 2)
	l.edit("	Pos   Point\n}", "	Pos   Point\n	Weight float64\n}", "	X, Y int", "	Y, X int")
	l.mustBuild()
	h.await("label x", "v2 label x")
	// Results in the buffer that the caller lends, and larger ones, which
	// come back through C memory.
	h.expect("pad 10", "102")
	h.expect("pad 100000", "1000002")
	h.expect("restock hi", "v2 restocked ann | owner=ann gold=5 "+sword+" [potion-v2 tags=hi attrs= pos=2,4]")
	// The receiver is in-out: the new body's change reaches the caller's
	// inventory.
	h.expect("gold 5", "15")
	h.expect("gold 0", "15")

	// Version 3 changes label's parameter from a string to an int.
	l.setVersion(2, 3)
	l.edit("func label(v string) string", "func label(v int64) string", "label(C.GoString(v))", "label(int64(len(C.GoString(v))))")
	l.mustBuild()
	h.await("gold 0", "15")
	h.await("restock x", "v3 restocked ann | owner=ann gold=15 "+sword+" [potion-v3 tags=x attrs= pos=3,6]")
	got := h.do("label x")
	for _, want := range []string{"recovered: hotpatch: checked call of example.com/testlib.label", "parameter v", "the caller sent string", "does not decode into int64"} {
		if !strings.Contains(got, want) {
			t.Errorf("label after a type change: %q has no %q", got, want)
		}
	}

	// Version 4 takes a string again, but returns an int: now the caller
	// cannot decode the result, and its panic names both types.
	l.setVersion(3, 4)
	l.edit(`func label(v int64) string { return fmt.Sprintf("v%d label %s", version, v) }`, `func label(v string) int64 { return int64(len(v)) + version }`,
		"C.CString(label(int64(len(C.GoString(v)))))", "C.CString(fmt.Sprint(label(C.GoString(v))))")
	l.mustBuild()
	h.await("restock x", "v4 restocked ann | owner=ann gold=15 "+sword+" [potion-v4 tags=x attrs= pos=4,8]")
	got = h.do("label x")
	for _, want := range []string{"recovered: hotpatch: checked call of example.com/testlib.label", "result 1", "sent int64", "does not decode into string"} {
		if !strings.Contains(got, want) {
			t.Errorf("label after a result type change: %q has no %q", got, want)
		}
	}
	// The process goes on.
	h.expect("pad 10", "104")
}

func TestCheckedCHost(t *testing.T) { testCheckedCHost(t, linux) }

// TestWindowsCheckedCHost is TestCheckedCHost for a Windows DLL under Wine.
func TestWindowsCheckedCHost(t *testing.T) { testCheckedCHost(t, windows(t)) }

func testCheckedCHost(t *testing.T, p *platform) {
	l := newLibOn(t, p, "testdata/checked")
	l.mustBuild()
	checkedScenario(t, l, l.startHost(nil, "checked_host", l.out))
}

func TestCheckedPythonHost(t *testing.T) {
	python := needTool(t, "python3")
	l := newLibFrom(t, "testdata/checked")
	l.mustBuild()
	checkedScenario(t, l, startHost(t, nil, python, "testdata/hosts/checked_host.py", l.out))
}
