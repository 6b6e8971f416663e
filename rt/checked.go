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
	"sync"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"
)

// Checked is the part of a checked function's frame that carries its values
// through MessagePack. Each side decodes what it receives into values of its
// own heap, so the two garbage collectors never share memory.
//
// The caller's copy fills in the arguments and lends a buffer of its own heap
// for the results; the callee's copy encodes the results into it, or into C
// memory that the caller frees when they do not fit. Type names travel as
// pointers to each side's static data, which lives as long as the process,
// and are read only to word an error.
type Checked struct {
	in       []byte
	inTypes  *[]string
	out      unsafe.Pointer // the caller's buffer, or C memory if outC
	outCap   int            // room in the caller's buffer
	outLen   int
	outC     bool
	outTypes unsafe.Pointer // *[]string in the callee's copy's static data
}

// resultRoom is the size of the buffer that a checked call lends for its
// results: enough for most values, so that no C memory is needed.
const resultRoom = 4 << 10

var (
	encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	resultBuffers = sync.Pool{New: func() any { b := make([]byte, resultRoom); return &b }}
)

// CallChecked runs the target of a checked function. args are the arguments,
// in order; a pointer argument is encoded as its pointee. results are
// pointers to the results, followed by the pointer arguments again, into
// which the callee's copy's final values of the pointees are decoded (in-out).
// types names the argument types, for errors.
func (t *Target) CallChecked(frame unsafe.Pointer, c *Checked, types *[]string, args []any, results []any) {
	in := encodeBuffers.Get().(*bytes.Buffer)
	in.Reset()
	enc := msgpack.GetEncoder()
	enc.Reset(in)
	for i, a := range args {
		if err := enc.Encode(a); err != nil {
			msgpack.PutEncoder(enc)
			panic(t.decodeError(fmt.Sprintf("argument %d of type %s cannot be encoded: %v", i+1, typeOf(types, i), err)))
		}
	}
	msgpack.PutEncoder(enc)
	room := resultBuffers.Get().(*[]byte)
	c.in, c.inTypes = in.Bytes(), types
	c.out, c.outCap = unsafe.Pointer(&(*room)[0]), len(*room)
	t.Call(frame)
	var out []byte
	if c.outC {
		out = C.GoBytes(c.out, C.int(c.outLen))
		C.free(c.out)
	} else {
		out = (*room)[:c.outLen]
	}
	theirs := (*[]string)(c.outTypes)
	*c = Checked{}
	encodeBuffers.Put(in)
	r := bytes.NewReader(out)
	dec := msgpack.GetDecoder()
	dec.Reset(r)
	for i, res := range results {
		if res == nil {
			continue
		}
		if err := dec.Decode(res); err != nil {
			panic(t.decodeError(fmt.Sprintf("result %d: build %s sent %s, which does not decode into %T: %v", i+1, t.build, typeOf(theirs, i), res, err)))
		}
	}
	msgpack.PutDecoder(dec)
	resultBuffers.Put(room)
}

func (t *Target) decodeError(msg string) error {
	return makePanic(t.id, "hotpatch: checked call of "+t.id+": "+msg, "", t.build)
}

// InOut returns p as a destination for a pointer argument's final value, or
// nil when p is nil, which leaves nothing to copy back.
func InOut[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

// Args decodes the arguments of a checked call in the callee's copy. It copies
// them into this copy's heap first: the encoded bytes belong to the caller.
func (c *Checked) Args(id string) *Args {
	dec := msgpack.GetDecoder()
	dec.Reset(bytes.NewReader(bytes.Clone(c.in)))
	return &Args{dec: dec, id: id, theirs: c.inTypes}
}

// Args is the decoder of a checked call's arguments.
type Args struct {
	dec    *msgpack.Decoder
	id     string
	theirs *[]string // the caller's type names, in its static data
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

// Done ends the decoding, once every argument is decoded.
func (a *Args) Done() {
	msgpack.PutDecoder(a.dec)
	a.dec = nil
}

// Return encodes the results, and the final values of the pointer
// arguments, for the caller: into the caller's buffer if they fit, or else
// into C memory. types names them in this copy.
func (c *Checked) Return(types *[]string, vals ...any) {
	buf := encodeBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	enc := msgpack.GetEncoder()
	enc.Reset(buf)
	for i, v := range vals {
		if err := enc.Encode(v); err != nil {
			msgpack.PutEncoder(enc)
			panic(fmt.Sprintf("hotpatch: result %d of type %s cannot be encoded: %v", i+1, typeOf(types, i), err))
		}
	}
	msgpack.PutEncoder(enc)
	b := buf.Bytes()
	if len(b) <= c.outCap {
		// Bytes, not pointers: the caller's buffer may take them.
		copy(unsafe.Slice((*byte)(c.out), c.outCap), b)
	} else {
		p := C.hp_copy_to_c(unsafe.Pointer(&b[0]), C.size_t(len(b)))
		if p == nil {
			panic(fmt.Sprintf("hotpatch: out of C memory for %d bytes of results", len(b)))
		}
		c.out, c.outC = p, true
	}
	c.outLen = len(b)
	c.outTypes = unsafe.Pointer(types)
	encodeBuffers.Put(buf)
}

// typeOf names the i-th type in types, which may be the other copy's static
// data: the name is only formatted into a message, which copies it.
func typeOf(types *[]string, i int) string {
	if types != nil && i < len(*types) {
		return (*types)[i]
	}
	return "a value"
}
