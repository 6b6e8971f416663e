package rt

/*
#include <stdlib.h>
#include <string.h>

static void* hp_copy_to_c(const void* p, size_t n) {
	void* c = malloc(n ? n : 1);
	if (c && n) memcpy(c, p, n);
	return c;
}
*/
import "C"

import (
	"bytes"
	"fmt"
	"unsafe"

	"github.com/hotpatch-go/hotpatch"
	"github.com/vmihailenco/msgpack/v5"
)

// Checked is the part of a checked function's frame that carries its values
// through MessagePack. Each side decodes what it receives into values of its
// own heap, so the two garbage collectors never share memory.
//
// The caller's copy fills in the arguments; the newer copy fills in the
// results, in C memory that the caller frees. Type names travel as pointers
// to each side's static data, which lives as long as the process, so that a
// decoding error can name the types on both sides.
type Checked struct {
	in      []byte
	inTypes *[]string
	out     unsafe.Pointer // C memory
	outLen  int
	outSide unsafe.Pointer // *[]string in the newer copy's static data
}

// CallChecked runs the target of a checked function. args are the arguments,
// in order; a pointer argument is encoded as its pointee. results are
// pointers to the results, followed by the pointer arguments again, into
// which the newer copy's final values of the pointees are decoded (in-out).
// types names the argument types, for errors.
func (t *Target) CallChecked(frame unsafe.Pointer, c *Checked, types *[]string, args []any, results []any) {
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	enc.Reset(&buf)
	for i, a := range args {
		if err := enc.Encode(a); err != nil {
			msgpack.PutEncoder(enc)
			panic(t.decodeError(fmt.Sprintf("argument %d of type %s cannot be encoded: %v", i+1, typeOf(*types, i), err)))
		}
	}
	msgpack.PutEncoder(enc)
	c.in, c.inTypes = buf.Bytes(), types
	t.Call(frame)
	out := C.GoBytes(c.out, C.int(c.outLen))
	C.free(c.out)
	c.out = nil
	var theirs []string
	if c.outSide != nil {
		theirs = cloneStrings(*(*[]string)(c.outSide))
	}
	dec := msgpack.NewDecoder(bytes.NewReader(out))
	for i, r := range results {
		if r == nil {
			continue
		}
		if err := dec.Decode(r); err != nil {
			panic(t.decodeError(fmt.Sprintf("result %d: build %s sent %s, which does not decode into %T: %v", i+1, t.build, typeOf(theirs, i), r, err)))
		}
	}
}

func (t *Target) decodeError(msg string) *hotpatch.PanicError {
	return &hotpatch.PanicError{Func: t.id, Build: t.build, Value: "hotpatch: checked call of " + t.id + ": " + msg}
}

// InOut returns p as a destination for a pointer argument's final value, or
// nil when p is nil, which leaves nothing to copy back.
func InOut[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

// Args decodes the arguments of a checked call in the newer copy. It copies
// them into this copy's heap first: the encoded bytes belong to the caller.
func (c *Checked) Args(id string) *Args {
	in := bytes.Clone(c.in)
	var theirs []string
	if c.inTypes != nil {
		theirs = cloneStrings(*c.inTypes)
	}
	return &Args{dec: msgpack.NewDecoder(bytes.NewReader(in)), id: id, theirs: theirs}
}

// Args is the decoder of a checked call's arguments.
type Args struct {
	dec    *msgpack.Decoder
	id     string
	theirs []string
	i      int
}

// Decode decodes the next argument into v, a pointer to the parameter
// called name, of type typ. A value that does not decode, such as a string that has become
// an int, panics with a message that names the function, the parameter and
// both types; the panic reaches the caller.
func (a *Args) Decode(v any, name, typ string) {
	if err := a.dec.Decode(v); err != nil {
		panic(fmt.Sprintf("hotpatch: checked call of %s: parameter %s: the caller sent %s, which does not decode into %s: %v",
			a.id, name, typeOf(a.theirs, a.i), typ, err))
	}
	a.i++
}

// Return encodes the results, and the final values of the pointer
// arguments, for the caller. types names them in this copy.
func (c *Checked) Return(types *[]string, vals ...any) {
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	enc.Reset(&buf)
	defer msgpack.PutEncoder(enc)
	for i, v := range vals {
		if err := enc.Encode(v); err != nil {
			panic(fmt.Sprintf("hotpatch: result %d of type %s cannot be encoded: %v", i+1, typeOf(*types, i), err))
		}
	}
	b := buf.Bytes()
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	c.out = C.hp_copy_to_c(p, C.size_t(len(b)))
	c.outLen = len(b)
	c.outSide = unsafe.Pointer(types)
}

func cloneStrings(s []string) []string {
	c := make([]string, len(s))
	for i, v := range s {
		c[i] = CloneString(v)
	}
	return c
}

func typeOf(types []string, i int) string {
	if i < len(types) {
		return types[i]
	}
	return "a value"
}
