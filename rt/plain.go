package rt

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"reflect"
	"strings"
	"unsafe"
)

// Plain data crosses between copies in the default mode without
// MessagePack: strings, slices of plain data, and arrays and structs of
// plain data, nested to any depth (internal/rewrite's rules_default.go says
// which types are plain). A Plain describes one such type for a copier that
// knows where its strings and slices lie.
//
// The two copies have separate heaps, so nothing may be shared:
//   - An argument is cloned by the callee's copy into its own heap before
//     the body runs (ClonePlain), while the caller keeps the original alive.
//   - A result is flattened by the callee's copy into memory that the caller
//     lends (Lent): the value's bytes, with its pointers cleared, then the
//     bytes of its strings and slices. The caller rebuilds the value in its
//     own heap from there. The callee's copy keeps nothing the caller uses,
//     and the caller never holds a pointer into the callee's heap.
//
// Both copies build their Plain from their own type, whose layout the
// function's fingerprint guarantees to be the same.
type Plain struct {
	size uintptr
	ptrs []plainField // the value's strings and slices, by offset, in order
}

// A plainField is a string or a slice inside a plain value.
type plainField struct {
	off   uintptr
	slice *plainSlice // nil for a string
}

// A plainSlice describes a slice type.
type plainSlice struct {
	elem *Plain
	// typ is the slice type, for a typed allocation when the elements hold
	// pointers; the garbage collector must see them.
	typ reflect.Type
}

// PlainOf returns the description of T, which must be plain data. The
// generated code calls it once, at init.
func PlainOf[T any]() *Plain { return plainOf(reflect.TypeFor[T]()) }

func plainOf(t reflect.Type) *Plain {
	p := &Plain{size: t.Size()}
	p.add(t, 0)
	return p
}

func (p *Plain) add(t reflect.Type, off uintptr) {
	switch t.Kind() {
	case reflect.String:
		p.ptrs = append(p.ptrs, plainField{off: off})
	case reflect.Slice:
		p.ptrs = append(p.ptrs, plainField{off: off, slice: &plainSlice{elem: plainOf(t.Elem()), typ: t}})
	case reflect.Array:
		e := t.Elem()
		if !hasPointers(e) {
			return
		}
		for i := range t.Len() {
			p.add(e, off+uintptr(i)*e.Size())
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			p.add(f.Type, off+f.Offset)
		}
	}
	// Numbers, bools, uintptr and unsafe.Pointer (a raw pointer that passes
	// as it is) are copied with the value's bytes.
}

// hasPointers reports whether values of t hold strings or slices.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Slice:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// sliceHeader is a slice's representation.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// ClonePlain replaces the strings and slices of the plain value at v, which
// still points into the caller's memory, by clones in this copy's heap.
func ClonePlain(p *Plain, v unsafe.Pointer) {
	for _, f := range p.ptrs {
		at := unsafe.Add(v, f.off)
		if f.slice == nil {
			*(*string)(at) = strings.Clone(*(*string)(at))
			continue
		}
		s := (*sliceHeader)(at)
		if s.data == nil {
			continue
		}
		e := f.slice.elem
		n := s.len
		data := f.slice.alloc(n)
		copyBytes(data, s.data, uintptr(n)*e.size)
		if len(e.ptrs) > 0 {
			for i := range n {
				ClonePlain(e, unsafe.Add(data, uintptr(i)*e.size))
			}
		}
		*(*sliceHeader)(at) = sliceHeader{data: data, len: n, cap: n}
	}
}

// alloc allocates room for n elements in this copy's heap: typed if they
// hold pointers, so that the garbage collector sees them.
func (s *plainSlice) alloc(n int) unsafe.Pointer {
	if n == 0 {
		return unsafe.Pointer(&zeroBase)
	}
	if len(s.elem.ptrs) > 0 {
		return reflect.MakeSlice(s.typ, n, n).UnsafePointer()
	}
	b := make([]uint64, (uintptr(n)*s.elem.size+7)/8)
	return unsafe.Pointer(&b[0])
}

// zeroBase is where empty slices point, as the runtime's own do.
var zeroBase uintptr

// copyBytes copies n bytes. Into typed memory it copies pointer words that
// are cleared, or that the caller overwrites at once with its own: a
// pointer into another copy's heap is outside this copy's arenas, so its
// garbage collector ignores it.
func copyBytes(dst, src unsafe.Pointer, n uintptr) {
	if n > 0 {
		copy(unsafe.Slice((*byte)(dst), n), unsafe.Slice((*byte)(src), n))
	}
}

// Lent is the part of a frame that carries plain results back: room that
// the caller lends, which the callee's copy fills, in C memory when the room
// does not suffice, and from which the caller rebuilds the values.
type Lent struct {
	room [lentRoom]byte
	n    int            // bytes written
	read int            // bytes read back
	c    unsafe.Pointer // C memory that holds the bytes instead of room, or nil
	cCap int
}

// lentRoom is the room in every frame that returns plain data: enough for
// small strings and records without C memory.
const lentRoom = 256

func (l *Lent) buf() []byte {
	if l.c != nil {
		return unsafe.Slice((*byte)(l.c), l.cCap)
	}
	return l.room[:]
}

// grow makes room for n more bytes.
func (l *Lent) grow(n int) {
	if l.n+n <= len(l.buf()) {
		return
	}
	size := max(2*len(l.buf()), l.n+n)
	c := C.malloc(C.size_t(size))
	if c == nil {
		panic("hotpatch: out of C memory for a result")
	}
	C.memcpy(c, unsafe.Pointer(&l.buf()[0]), C.size_t(l.n))
	if l.c != nil {
		C.free(l.c)
	}
	l.c, l.cCap = c, size
}

// write appends n bytes from src.
func (l *Lent) write(src unsafe.Pointer, n uintptr) {
	if n == 0 {
		return
	}
	l.grow(int(n))
	copy(l.buf()[l.n:], unsafe.Slice((*byte)(src), n))
	l.n += int(n)
}

// Put flattens the plain value at v, in the callee's copy, for the caller.
func (l *Lent) Put(p *Plain, v unsafe.Pointer) {
	start := l.n
	l.write(v, p.size)
	// The value's own pointers are cleared: the caller's copy points its
	// strings and slices at memory of its own. A slice's capacity says
	// whether it was nil (-1), or else its length.
	for _, f := range p.ptrs {
		word := unsafe.Pointer(&l.buf()[start+int(f.off)])
		at := unsafe.Add(v, f.off)
		*(*uintptr)(word) = 0
		if f.slice == nil {
			s := *(*string)(at)
			l.write(unsafe.Pointer(unsafe.StringData(s)), uintptr(len(s)))
			continue
		}
		s := (*sliceHeader)(at)
		if s.data == nil {
			(*sliceHeader)(word).cap = -1
			continue
		}
		(*sliceHeader)(word).cap = s.len
		e := f.slice.elem
		if len(e.ptrs) == 0 {
			l.write(s.data, uintptr(s.len)*e.size)
			continue
		}
		for i := range s.len {
			l.Put(e, unsafe.Add(s.data, uintptr(i)*e.size))
		}
	}
}

// PutString is Put for a result that is a string: its length, then its
// bytes.
func (l *Lent) PutString(s string) {
	if l.c == nil && l.n+8+len(s) <= lentRoom {
		*(*int)(unsafe.Pointer(&l.room[l.n])) = len(s)
		copy(l.room[l.n+8:], s)
		l.n += 8 + len(s)
		return
	}
	n := len(s)
	l.write(unsafe.Pointer(&n), 8)
	l.write(unsafe.Pointer(unsafe.StringData(s)), uintptr(len(s)))
}

// TakeString is Take for a string that PutString put.
func (l *Lent) TakeString() string {
	buf := l.buf()
	n := *(*int)(unsafe.Pointer(&buf[l.read]))
	s := string(buf[l.read+8 : l.read+8+n])
	l.read += 8 + n
	return s
}

// Take rebuilds, in the caller's heap, the next plain value that the
// callee put, into the zero value at v.
func (l *Lent) Take(p *Plain, v unsafe.Pointer) {
	buf := l.buf()
	if p.size > 0 {
		copyBytes(v, unsafe.Pointer(&buf[l.read]), p.size)
		l.read += int(p.size)
	}
	for _, f := range p.ptrs {
		at := unsafe.Add(v, f.off)
		if f.slice == nil {
			n := len(*(*string)(at))
			*(*string)(at) = string(buf[l.read : l.read+n])
			l.read += n
			continue
		}
		s := (*sliceHeader)(at)
		if s.cap < 0 {
			s.len, s.cap = 0, 0 // nil
			continue
		}
		n := s.len
		e := f.slice.elem
		data := f.slice.alloc(n)
		if len(e.ptrs) == 0 {
			if size := n * int(e.size); size > 0 {
				copyBytes(data, unsafe.Pointer(&buf[l.read]), uintptr(size))
				l.read += size
			}
		} else {
			for i := range n {
				l.Take(e, unsafe.Add(data, uintptr(i)*e.size))
			}
		}
		*(*sliceHeader)(at) = sliceHeader{data: data, len: n, cap: n}
	}
}

// Done frees the C memory, if any, once the caller has taken every value,
// and readies the frame's room for the next call.
func (l *Lent) Done() {
	if l.c != nil {
		C.free(l.c)
	}
	l.c, l.cCap, l.n, l.read = nil, 0, 0, 0
}
