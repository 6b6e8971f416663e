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
	"fmt"
	"unsafe"
)

// Checked is the part of a checked function's frame that carries its values
// as MessagePack, which the generated code of each side writes and reads
// (codec.go). Each side decodes what it receives into values of its own
// heap, so the two garbage collectors never share memory.
//
// The caller's copy encodes the arguments into a buffer of its own heap and
// lends room, also of its own heap, for the results; the callee's copy
// decodes the arguments while the caller waits, and encodes the results
// into the room, or into C memory that the caller frees when they do not
// fit. Neither side keeps a pointer into the other's heap after the call.
// Type names travel as pointers to each side's static data, which lives as
// long as the process, and are read only to word an error.
//
// A frame goes back to its pool after the call, with its buffers, which
// belong to the caller's copy: a call in the steady state allocates only
// the values it decodes.
type Checked struct {
	buf      []byte // the caller's buffer for the arguments
	room     []byte // the caller's room for the results
	in       []byte // the encoded arguments, in buf
	inTypes  *[]string
	ours     *[]string      // the caller's names of the results, for errors
	out      unsafe.Pointer // the results: in room, or C memory if outC
	outCap   int            // the room's size
	outLen   int
	outC     bool
	outTypes unsafe.Pointer // *[]string in the callee's copy's static data
}

// resultRoom is the size of the room that a frame lends for results at
// first; it grows to what the results of a call needed, up to maxRoom.
const (
	resultRoom = 512
	maxRoom    = 64 << 10
)

// Args returns the frame's buffer for the caller to encode the arguments
// into.
func (c *Checked) Args() []byte { return c.buf[:0] }

// CallChecked runs the target of a checked function on args, the encoded
// arguments, and returns the encoded results and final values of pointer
// arguments, in order, for the caller to decode. types and
// outTypes name the caller's types of the arguments and of the results,
// for errors.
func (t *Target) CallChecked(frame unsafe.Pointer, c *Checked, types, outTypes *[]string, args []byte) []byte {
	c.buf = args[:0] // keep what the encoding grew
	if c.room == nil {
		c.room = make([]byte, resultRoom)
	}
	c.in, c.inTypes, c.ours = args, types, outTypes
	c.out, c.outCap = unsafe.Pointer(&c.room[0]), len(c.room)
	t.Call(frame)
	if c.outC {
		return unsafe.Slice((*byte)(c.out), c.outLen)
	}
	return c.room[:c.outLen]
}

// ResultError panics for err, which happened while decoding the i-th
// value of a call's results, with a message that names both types.
func (t *Target) ResultError(c *Checked, i int, err error) {
	theirs, ours := (*[]string)(c.outTypes), c.ours
	c.Done()
	panic(t.decodeError(fmt.Sprintf("result %d: build %s sent %s, which does not decode into %s: %v", i+1, t.build, typeOf(theirs, i), typeOf(ours, i), err)))
}

// Done ends a call once the caller has decoded every result: it frees the
// C memory, if any, and readies the frame for the next call, keeping its
// buffers.
func (c *Checked) Done() {
	if c.outC {
		if c.outLen > c.outCap && c.outLen <= maxRoom {
			c.room = make([]byte, c.outLen)
		}
		C.free(c.out)
	}
	c.in, c.inTypes, c.ours = nil, nil, nil
	c.out, c.outCap, c.outLen, c.outC, c.outTypes = nil, 0, 0, false, nil
}

func (t *Target) decodeError(msg string) error {
	return makePanic(t.id, "hotpatch: checked call of "+t.id+": "+msg, "", t.build)
}

// In returns the encoded arguments of a checked call, in the callee's copy.
// They lie in the caller's heap: decode them during the call, which copies
// every value into this copy's heap, and keep nothing of them.
func (c *Checked) In() []byte { return c.in }

// ArgError panics for err, which happened while decoding the i-th argument
// of a checked call of the function id, in the callee's copy, into the
// parameter called name, of type typ: a value that does not decode, such
// as a string that has become an int. The message names the function, the
// parameter and both types; the panic reaches the caller.
func (c *Checked) ArgError(id string, i int, name, typ string, err error) {
	panic(fmt.Sprintf("hotpatch: checked call of %s: parameter %s: the caller sent %s, which does not decode into %s: %v",
		id, name, typeOf(c.inTypes, i), typ, err))
}

// Out returns the caller's room, in the callee's copy, for the results to
// be encoded into. Encoding past its end moves them into this copy's heap,
// and Return copies them into C memory.
func (c *Checked) Out() []byte { return unsafe.Slice((*byte)(c.out), c.outCap)[:0] }

// Return hands the encoded results b, and the final values of the pointer
// arguments, to the caller. types names them in this copy.
func (c *Checked) Return(types *[]string, b []byte) {
	c.outLen = len(b)
	c.outTypes = unsafe.Pointer(types)
	if len(b) == 0 || unsafe.Pointer(unsafe.SliceData(b)) == c.out {
		return // in the caller's room: bytes, not pointers
	}
	p := C.hp_copy_to_c(unsafe.Pointer(&b[0]), C.size_t(len(b)))
	if p == nil {
		panic(fmt.Sprintf("hotpatch: out of C memory for %d bytes of results", len(b)))
	}
	c.out, c.outC = p, true
}

// typeOf names the i-th type in types, which may be the other copy's static
// data: the name is only formatted into a message, which copies it.
func typeOf(types *[]string, i int) string {
	if types != nil && i < len(*types) {
		return (*types)[i]
	}
	return "a value"
}
