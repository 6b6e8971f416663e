package rewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/types"
)

// In checked mode, values cross between copies through MessagePack: each side
// decodes into values of its own heap, so any type that MessagePack can carry
// is allowed, and struct fields travel by name. A pointer parameter is in-out:
// its pointee is copied in, and whatever the body left there is copied back
// after the call.

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
		if err := encodable(u.Key(), seen); err != nil {
			return err
		}
		return encodable(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if !f.Exported() {
				return fmt.Errorf("field %s of %s is unexported, and checked mode passes exported fields only, by name", f.Name(), t)
			}
			if err := encodable(f.Type(), seen); err != nil {
				return err
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

// checkedLayout is what a checked function must keep between builds: its
// identity, and the number of its parameters and results. Their types may
// change: fields are matched by name.
func checkedLayout(recv bool, sig *types.Signature) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "mode=checked;recv=%t;params=%d;results=%d", recv, sig.Params().Len(), sig.Results().Len()))
	return hex.EncodeToString(sum[:12])
}
