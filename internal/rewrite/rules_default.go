package rewrite

import (
	"fmt"
	"go/types"
)

// How a value crosses between copies in the default mode. The rules follow
// from one fact: the two copies have separate heaps and garbage collectors,
// and neither collector sees the other's pointers.
//
//   - A pointer-free value (numbers, bools, and arrays and structs of them) is
//     copied into the frame. Nothing is shared. uintptr and unsafe.Pointer
//     parameters pass as they are: raw pointers to C memory or host handles,
//     which the caller keeps alive.
//   - A string is read in place by the newer copy, which clones it into its own
//     heap before the body runs; the caller keeps the original alive for the
//     call.
//   - A slice of pointer-free elements is cloned the same way, and after the
//     body returns its elements are copied back, so the caller sees what the
//     body wrote.
//   - Other plain data, strings and slices inside arrays, structs and slices
//     to any depth, is cloned whole (rt.ClonePlain); a slice of it is copied
//     back as a result is.
//   - A pointer to pointer-free data is passed as it is: this is persistent
//     state that the caller owns and keeps alive, as long as any copy may use
//     it. Its pointee must hold no pointers, or the newer copy could leave a
//     pointer into its own heap there, which its collector would not see.
//
// A result is pointer-free, copied into the frame, or plain data, which the
// newer copy flattens into room that the caller lends and the caller rebuilds
// in its own heap (rt.Lent): a result that carried a pointer into the newer
// copy's heap would be freed by that copy's collector. Maps, channels,
// functions, interfaces and pointers to data that holds pointers need checked
// mode, or kept state.
type passing int

const (
	byValue passing = iota
	byClonedString
	byClonedSlice
	byPointer
	byPlain      // plain data with strings or slices inside, cloned whole
	byPlainSlice // a slice of such data: cloned whole, and copied back
)

// rules say how the values of a marked function cross between copies in
// one mode, and what a new build must keep for the function to stay patched.
type rules interface {
	// param says how a receiver or parameter of type t crosses, or why it
	// cannot.
	param(t types.Type) (passing, error)
	// result says how a result of type t crosses, or why it cannot.
	result(t types.Type) (passing, error)
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
		return 0, fmt.Errorf("cannot cross between copies in the default mode: %v; %s", err, refusedAdvice)
	}
	return p, nil
}

func (defaultRules) result(t types.Type) (passing, error) {
	p, err := checkResult(t)
	if err != nil {
		return 0, fmt.Errorf("cannot cross between copies in the default mode: %v; %s", err, refusedAdvice)
	}
	return p, nil
}

// refusedAdvice says what to do with a value the default mode refuses.
const refusedAdvice = "use //hotpatch:func checked, or keep the data in a //hotpatch:keep variable and pass what identifies it"

func (defaultRules) fingerprint(sizes types.Sizes, sig *types.Signature) string {
	return defaultFingerprint(sizes, sig)
}

// checkParam says how a parameter of type t crosses, or why it cannot.
func checkParam(t types.Type) (passing, error) {
	if why := pointerIn(t, true); why == "" {
		return byValue, nil
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		if u.Kind() == types.String {
			return byClonedString, nil
		}
	// A slice's elements are copied back, and a pointer's pointee is the
	// caller's memory: the newer copy could leave an unsafe.Pointer into its
	// own heap there, so raw pointers pass only as values of their own.
	case *types.Slice:
		if pointerIn(u.Elem(), false) == "" {
			return byClonedSlice, nil
		}
		if why := plainIn(u.Elem(), false); why != "" {
			return 0, fmt.Errorf("a slice passes only if its elements are plain data, but %s", why)
		}
		return byPlainSlice, nil
	case *types.Pointer:
		if why := pointerIn(u.Elem(), false); why != "" {
			return 0, fmt.Errorf("a pointer passes only to data that holds no pointers (persistent state the caller keeps), but %s", why)
		}
		return byPointer, nil
	}
	if why := plainIn(t, true); why != "" {
		return 0, fmt.Errorf("%s", why)
	}
	return byPlain, nil
}

// checkResult says how a result of type t crosses, or why it cannot.
func checkResult(t types.Type) (passing, error) {
	if why := pointerIn(t, false); why == "" {
		return byValue, nil
	}
	if why := plainIn(t, false); why != "" {
		return 0, fmt.Errorf("results must be plain data, because the caller would keep memory that the newer copy's garbage collector frees, but %s", why)
	}
	return byPlain, nil
}

// plainIn returns why values of type t are not plain data, or "": strings,
// and slices, arrays and structs of plain data, with no pointers other than
// those inside strings and slices (and, where raw is set, unsafe.Pointer).
func plainIn(t types.Type, raw bool) string {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		if u.Kind() == types.UnsafePointer && !raw {
			return fmt.Sprintf("%s is an unsafe.Pointer, which may point into the newer copy's heap: return a uintptr handle instead", t)
		}
		return ""
	case *types.Slice:
		if why := plainIn(u.Elem(), raw); why != "" {
			return fmt.Sprintf("the elements of %s are not plain data: %s", t, why)
		}
		return ""
	case *types.Array:
		if why := plainIn(u.Elem(), raw); why != "" {
			return fmt.Sprintf("the elements of %s are not plain data: %s", t, why)
		}
		return ""
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if why := plainIn(f.Type(), raw); why != "" {
				return fmt.Sprintf("field %s of %s is not plain data: %s", f.Name(), t, why)
			}
		}
		return ""
	}
	return pointerIn(t, raw)
}

// pointerIn returns why values of type t hold pointers, or "" if they do
// not; where raw is set, an unsafe.Pointer is a raw pointer that passes as it
// is, not a pointer the copies share.
func pointerIn(t types.Type, raw bool) string {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.String:
			return fmt.Sprintf("%s is a string, which points to its bytes", t)
		case u.Kind() == types.UnsafePointer && !raw:
			return fmt.Sprintf("%s is an unsafe.Pointer", t)
		}
		return ""
	case *types.Array:
		if why := pointerIn(u.Elem(), raw); why != "" {
			return fmt.Sprintf("the elements of %s hold pointers: %s", t, why)
		}
		return ""
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if why := pointerIn(f.Type(), raw); why != "" {
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
