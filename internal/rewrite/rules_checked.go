package rewrite

import (
	"fmt"
	"go/types"
	"reflect"
	"strings"
)

// In checked mode, values cross between copies through MessagePack: each side
// decodes into values of its own heap, so any type that MessagePack can carry
// is allowed, and struct fields travel by name. A pointer parameter is in-out:
// its pointee is copied in, and whatever the body left there is copied back
// after the call.

// checkedRules are the rules of checked mode.
type checkedRules struct{}

func (checkedRules) param(t types.Type) (passing, error) {
	if err := checkEncodable(t); err != nil {
		return 0, fmt.Errorf("cannot cross between copies in checked mode: %v", err)
	}
	if _, ok := t.Underlying().(*types.Pointer); ok {
		return byPointer, nil
	}
	return byValue, nil
}

func (checkedRules) result(t types.Type) (passing, error) {
	if err := checkEncodable(t); err != nil {
		return 0, fmt.Errorf("cannot cross between copies in checked mode: %v", err)
	}
	return byValue, nil
}

func (checkedRules) fingerprint(_ types.Sizes, sig *types.Signature) string {
	return checkedFingerprint(sig.Recv() != nil, sig)
}

// checkEncodable returns why values of type t cannot travel through
// MessagePack, or nil.
func checkEncodable(t types.Type) error {
	return encodable(t, map[types.Type]bool{})
}

func encodable(t types.Type, seen map[types.Type]bool) error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time" {
		return nil // MessagePack has a timestamp type
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			return fmt.Errorf("%s is an unsafe.Pointer, which has nothing to encode", t)
		case u.Info()&types.IsComplex != 0:
			return fmt.Errorf("%s is a complex number, which MessagePack cannot carry", t)
		}
		return nil
	case *types.Pointer:
		return encodable(u.Elem(), seen)
	case *types.Slice:
		return encodable(u.Elem(), seen)
	case *types.Array:
		return encodable(u.Elem(), seen)
	case *types.Map:
		if k, ok := u.Key().Underlying().(*types.Basic); !ok || k.Info()&(types.IsInteger|types.IsFloat|types.IsString|types.IsBoolean) == 0 {
			return fmt.Errorf("%s has keys of type %s: MessagePack carries maps whose keys are numbers, strings or bools", t, u.Key())
		}
		return encodable(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if msgpackName(u.Tag(i), f.Name()) == "-" {
				continue // MessagePack leaves it out
			}
			if !f.Exported() {
				return fmt.Errorf("field %s of %s is unexported, and values travel by exported field names only: export it, or tag it `msgpack:\"-\"` to leave it out", f.Name(), t)
			}
			if err := encodable(f.Type(), seen); err != nil {
				return fmt.Errorf("field %s of %s: %w", f.Name(), t, err)
			}
		}
		return nil
	case *types.Chan:
		return fmt.Errorf("%s is a channel", t)
	case *types.Signature:
		return fmt.Errorf("%s is a function", t)
	case *types.Interface:
		return fmt.Errorf("%s is an interface, which has no concrete type to decode into", t)
	}
	return fmt.Errorf("%s cannot be encoded", t)
}

// msgpackName is the name that MessagePack gives a struct field with tag:
// its msgpack tag's name, "-" for a field it leaves out, or the field's name.
func msgpackName(tag, field string) string {
	name, _, _ := strings.Cut(reflect.StructTag(tag).Get("msgpack"), ",")
	if name == "" {
		return field
	}
	return name
}
