package rewrite

import (
	"fmt"
	"go/types"
)

// How an argument crosses from the caller's copy to the newer copy, in the
// default mode. The rules follow from one fact: the two copies have separate
// heaps and garbage collectors, and neither collector sees the other's
// pointers.
//
//   - A pointer-free value (numbers, bools, and arrays and structs of them) is
//     copied into the frame. Nothing is shared.
//   - A string is read in place by the newer copy, which clones it into its own
//     heap before the body runs; the caller keeps the original alive for the
//     call.
//   - A slice of pointer-free elements is cloned the same way, and after the
//     body returns its elements are copied back, so the caller sees what the
//     body wrote.
//   - A pointer to pointer-free data is passed as it is: this is persistent
//     state that the caller owns and keeps alive, as long as any copy may use
//     it. Its pointee must hold no pointers, or the newer copy could leave a
//     pointer into its own heap there, which its collector would not see.
//
// Results must be pointer-free values: a result that carries a pointer would
// leave the caller holding memory of the newer copy's heap, which that copy's
// collector may free at any time. Everything else needs checked mode.
type passing int

const (
	byValue passing = iota
	byClonedString
	byClonedSlice
	byPointer
)

// rules say how the values of a marked function cross between copies in
// one mode, and what a new build must keep for the function to stay patched.
type rules interface {
	// param says how a receiver or parameter of type t crosses, or why it
	// cannot.
	param(t types.Type) (passing, error)
	// result says why a result of type t cannot cross, or nil.
	result(t types.Type) error
	// fingerprint is what a new build's function must match.
	fingerprint(sizes types.Sizes, sig *types.Signature) string
}

func rulesFor(m Mode) rules {
	if m == Checked {
		return checkedRules{}
	}
	return defaultRules{}
}

// defaultRules are the rules of the default mode.
type defaultRules struct{}

func (defaultRules) param(t types.Type) (passing, error) {
	p, err := checkParam(t)
	if err != nil {
		return 0, fmt.Errorf("cannot cross between copies in the default mode: %v; use //hotpatch:func checked", err)
	}
	return p, nil
}

func (defaultRules) result(t types.Type) error {
	if err := checkResult(t); err != nil {
		return fmt.Errorf("cannot cross between copies in the default mode: %v; use //hotpatch:func checked", err)
	}
	return nil
}

func (defaultRules) fingerprint(sizes types.Sizes, sig *types.Signature) string {
	return defaultFingerprint(sizes, sig)
}

// checkParam says how a parameter of type t crosses, or why it cannot.
func checkParam(t types.Type) (passing, error) {
	if why := pointerIn(t); why == "" {
		return byValue, nil
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		if u.Kind() == types.String {
			return byClonedString, nil
		}
	case *types.Slice:
		if why := pointerIn(u.Elem()); why != "" {
			return 0, fmt.Errorf("a slice passes only if its elements hold no pointers, but %s", why)
		}
		return byClonedSlice, nil
	case *types.Pointer:
		if why := pointerIn(u.Elem()); why != "" {
			return 0, fmt.Errorf("a pointer passes only to data that holds no pointers (persistent state the caller keeps), but %s", why)
		}
		return byPointer, nil
	}
	return 0, fmt.Errorf("%s", pointerIn(t))
}

// checkResult says why a result of type t cannot cross, or nil.
func checkResult(t types.Type) error {
	if why := pointerIn(t); why != "" {
		return fmt.Errorf("results must hold no pointers, because the caller would keep memory that the newer copy's garbage collector frees, but %s", why)
	}
	return nil
}

// pointerIn returns why values of type t hold pointers, or "" if they do not.
func pointerIn(t types.Type) string {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch u.Kind() {
		case types.String:
			return fmt.Sprintf("%s is a string, which points to its bytes", t)
		case types.UnsafePointer:
			return fmt.Sprintf("%s is an unsafe.Pointer", t)
		}
		return ""
	case *types.Array:
		if why := pointerIn(u.Elem()); why != "" {
			return fmt.Sprintf("the elements of %s hold pointers: %s", t, why)
		}
		return ""
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if why := pointerIn(f.Type()); why != "" {
				return fmt.Sprintf("field %s of %s holds pointers: %s", f.Name(), t, why)
			}
		}
		return ""
	case *types.Map:
		return fmt.Sprintf("%s is a map", t)
	case *types.Chan:
		return fmt.Sprintf("%s is a channel", t)
	case *types.Signature:
		return fmt.Sprintf("%s is a function", t)
	case *types.Interface:
		return fmt.Sprintf("%s is an interface", t)
	case *types.Slice:
		return fmt.Sprintf("%s is a slice", t)
	case *types.Pointer:
		return fmt.Sprintf("%s is a pointer", t)
	}
	return fmt.Sprintf("%s is not supported", t)
}
