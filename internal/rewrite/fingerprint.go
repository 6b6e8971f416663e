package rewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/types"
	"strings"
)

// A function's fingerprint is what a new build's function of the same
// identity must match to be patched in: a digest of what the two copies must
// agree on for a call to cross between them. In the default mode that is the
// memory layout of every value in the frame; in checked mode, where values
// travel by field name, only the numbers of parameters and results.

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// layout describes the memory layout of t: what the signature check compares
// between builds. Names of types and fields do not count; kinds, sizes and
// offsets do.
func layout(sizes types.Sizes, t types.Type) string {
	var b strings.Builder
	writeLayout(&b, sizes, t)
	return b.String()
}

func writeLayout(b *strings.Builder, sizes types.Sizes, t types.Type) {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		b.WriteString(u.Name())
	case *types.Array:
		fmt.Fprintf(b, "[%d]", u.Len())
		writeLayout(b, sizes, u.Elem())
	case *types.Slice:
		b.WriteString("[]")
		writeLayout(b, sizes, u.Elem())
	case *types.Pointer:
		b.WriteString("*")
		writeLayout(b, sizes, u.Elem())
	case *types.Struct:
		fields := make([]*types.Var, u.NumFields())
		for i := range fields {
			fields[i] = u.Field(i)
		}
		offsets := sizes.Offsetsof(fields)
		b.WriteString("struct{")
		for i, f := range fields {
			fmt.Fprintf(b, "%d:", offsets[i])
			writeLayout(b, sizes, f.Type())
			b.WriteString(";")
		}
		b.WriteString("}")
	default:
		b.WriteString(types.TypeString(t, nil))
	}
	fmt.Fprintf(b, "@%d/%d", sizes.Sizeof(t), sizes.Alignof(t))
}

// defaultFingerprint is what a default-mode function must keep between builds:
// the memory layout of its receiver, parameters and results.
func defaultFingerprint(sizes types.Sizes, sig *types.Signature) string {
	var b strings.Builder
	fmt.Fprintf(&b, "mode=%s;", Default)
	if recv := sig.Recv(); recv != nil {
		b.WriteString("recv=" + layout(sizes, recv.Type()) + ";")
	}
	for v := range sig.Params().Variables() {
		b.WriteString("param=" + layout(sizes, v.Type()) + ";")
	}
	for v := range sig.Results().Variables() {
		b.WriteString("result=" + layout(sizes, v.Type()) + ";")
	}
	return digest(b.String())
}

// checkedFingerprint is what a checked function must keep between builds:
// whether it is a method, and the numbers of its parameters and results.
// Their types may change: fields are matched by name.
func checkedFingerprint(recv bool, sig *types.Signature) string {
	return digest(fmt.Sprintf("mode=checked;recv=%t;params=%d;results=%d", recv, sig.Params().Len(), sig.Results().Len()))
}
