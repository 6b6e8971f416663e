package rt

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/tinylib/msgp/msgp"
	"github.com/vmihailenco/msgpack/v5"
)

// The MessagePack of checked mode. hotpatch build generates, for every type
// that a checked function passes, an encoder that appends a value to a byte
// slice and a decoder that reads one back (internal/rewrite/codec.go); they
// are made of the functions below, which wrap the append and read functions
// of github.com/tinylib/msgp, the library whose own generator writes such
// code. A value that the generated code does not spell out, such as a type
// with MessagePack or encoding methods of its own, a recursive type or a
// time.Time, goes through github.com/vmihailenco/msgpack by reflection
// (AppendValue, ReadValue). Both write the same MessagePack: a struct is a
// map from field names to values, so that fields may be added, removed and
// reordered between builds.
//
// The decoders are lenient where a type may change between builds: an
// integer decodes into any integer type and into floats, a string into
// []byte and back, and nil into a zero value.

// Integer is the set of integer types.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64
}

// Unsigned is the set of unsigned integer types.
type Unsigned interface {
	~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Floating is the set of floating-point types.
type Floating interface{ ~float32 | ~float64 }

// AppendInt appends an integer.
func AppendInt[T Integer](b []byte, v T) []byte { return msgp.AppendInt64(b, int64(v)) }

// AppendUint appends an unsigned integer.
func AppendUint[T Unsigned](b []byte, v T) []byte { return msgp.AppendUint64(b, uint64(v)) }

// AppendFloat32 appends a float32.
func AppendFloat32(b []byte, v float32) []byte { return msgp.AppendFloat32(b, v) }

// AppendFloat64 appends a float64.
func AppendFloat64(b []byte, v float64) []byte { return msgp.AppendFloat64(b, v) }

// AppendBool appends a bool.
func AppendBool(b []byte, v bool) []byte { return msgp.AppendBool(b, v) }

// AppendString appends a string.
func AppendString(b []byte, v string) []byte { return msgp.AppendString(b, v) }

// AppendBytes appends a []byte: nil stays nil.
func AppendBytes(b []byte, v []byte) []byte {
	if v == nil {
		return msgp.AppendNil(b)
	}
	return msgp.AppendBytes(b, v)
}

// AppendNil appends nil: a nil slice, map or pointer.
func AppendNil(b []byte) []byte { return msgp.AppendNil(b) }

// AppendArray appends the header of an array of n values.
func AppendArray(b []byte, n int) []byte { return msgp.AppendArrayHeader(b, uint32(n)) }

// AppendMap appends the header of a map of n pairs, which is also how a
// struct of n fields starts.
func AppendMap(b []byte, n int) []byte { return msgp.AppendMapHeader(b, uint32(n)) }

// AppendValue appends v as github.com/vmihailenco/msgpack encodes it.
func AppendValue(b []byte, v any) []byte {
	data, err := msgpack.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("hotpatch: a value of type %T cannot be encoded: %v", v, err))
	}
	return append(b, data...)
}

// ReadInt reads an integer, of any size and sign, into v.
func ReadInt[T Integer](b []byte, v *T) ([]byte, error) {
	n, rest, err := readInt(b)
	*v = T(n)
	return rest, err
}

// ReadUint reads an unsigned integer into v.
func ReadUint[T Unsigned](b []byte, v *T) ([]byte, error) {
	n, rest, err := readInt(b)
	*v = T(n)
	return rest, err
}

func readInt(b []byte) (int64, []byte, error) {
	if len(b) > 0 && (b[0] < 0x80 || b[0] >= 0xe0) { // a fixint: the byte is the value
		return int64(int8(b[0])), b[1:], nil
	}
	switch msgp.NextType(b) {
	case msgp.IntType:
		return msgp.ReadInt64Bytes(b)
	case msgp.UintType:
		u, rest, err := msgp.ReadUint64Bytes(b)
		return int64(u), rest, err
	case msgp.NilType:
		rest, err := msgp.ReadNilBytes(b)
		return 0, rest, err
	}
	return 0, b, mismatch(b, "an integer")
}

// ReadFloat reads a float, or an integer, into v.
func ReadFloat[T Floating](b []byte, v *T) ([]byte, error) {
	var f float64
	var err error
	switch msgp.NextType(b) {
	case msgp.Float64Type, msgp.Float32Type:
		f, b, err = msgp.ReadFloat64Bytes(b)
	case msgp.IntType, msgp.UintType, msgp.NilType:
		var n int64
		n, b, err = readInt(b)
		f = float64(n)
	default:
		return b, mismatch(b, "a float")
	}
	*v = T(f)
	return b, err
}

// ReadBool reads a bool into v.
func ReadBool[T ~bool](b []byte, v *T) ([]byte, error) {
	switch msgp.NextType(b) {
	case msgp.BoolType:
		t, rest, err := msgp.ReadBoolBytes(b)
		*v = T(t)
		return rest, err
	case msgp.NilType:
		*v = false
		return msgp.ReadNilBytes(b)
	}
	return b, mismatch(b, "a bool")
}

// ReadString reads a string, or bytes, into v: a copy in this copy's heap.
func ReadString[T ~string](b []byte, v *T) ([]byte, error) {
	data, rest, err := readBytes(b, "a string")
	*v = T(data)
	return rest, err
}

// ReadBytes reads bytes, or a string, into v: a copy in this copy's heap.
func ReadBytes[T ~[]byte](b []byte, v *T) ([]byte, error) {
	if msgp.IsNil(b) {
		*v = nil
		return msgp.ReadNilBytes(b)
	}
	data, rest, err := readBytes(b, "bytes")
	if err == nil {
		*v = T(bytes.Clone(data)) // not nil: nil was read above
	}
	return rest, err
}

// readBytes returns the bytes of a string or bin value, which still lie in
// b.
func readBytes(b []byte, want string) ([]byte, []byte, error) {
	if n, ok := fixStr(b); ok {
		return b[1 : 1+n], b[1+n:], nil
	}
	switch msgp.NextType(b) {
	case msgp.StrType:
		return msgp.ReadStringZC(b)
	case msgp.BinType:
		return msgp.ReadBytesZC(b)
	case msgp.NilType:
		rest, err := msgp.ReadNilBytes(b)
		return nil, rest, err
	}
	return nil, b, mismatch(b, want)
}

// fixStr returns the length of a fixstr, a string of up to 31 bytes whose
// one-byte header holds its length, if the next value is one.
func fixStr(b []byte) (int, bool) {
	if len(b) == 0 || b[0]&0xe0 != 0xa0 {
		return 0, false
	}
	n := int(b[0] & 0x1f)
	return n, len(b) > n
}

// ReadArray reads the header of an array: the number of values that
// follow. nil is an empty array, and nil reports it.
func ReadArray(b []byte) (n int, isNil bool, rest []byte, err error) {
	if msgp.IsNil(b) {
		rest, err = msgp.ReadNilBytes(b)
		return 0, true, rest, err
	}
	if msgp.NextType(b) != msgp.ArrayType {
		return 0, false, b, mismatch(b, "an array")
	}
	size, rest, err := msgp.ReadArrayHeaderBytes(b)
	return sized(int(size), rest, err)
}

// sized checks that n values can follow in rest: each takes a byte at
// least, so a larger n is a corrupt header, which must not size an
// allocation.
func sized(n int, rest []byte, err error) (int, bool, []byte, error) {
	if err == nil && n > len(rest) {
		return 0, false, rest, fmt.Errorf("a header says %d values follow in %d bytes", n, len(rest))
	}
	return n, false, rest, err
}

// ReadMap reads the header of a map, or of a struct: the number of pairs
// that follow. nil is an empty map, and nil reports it.
func ReadMap(b []byte) (n int, isNil bool, rest []byte, err error) {
	if msgp.IsNil(b) {
		rest, err = msgp.ReadNilBytes(b)
		return 0, true, rest, err
	}
	if len(b) > 0 && b[0]&0xf0 == 0x80 { // a fixmap: up to 15 pairs
		return sized(int(b[0]&0x0f), b[1:], nil)
	}
	if msgp.NextType(b) != msgp.MapType {
		return 0, false, b, mismatch(b, "a map")
	}
	size, rest, err := msgp.ReadMapHeaderBytes(b)
	return sized(int(size), rest, err)
}

// ReadField reads the name of a struct's field. The name still lies in b:
// compare it, don't keep it.
func ReadField(b []byte) ([]byte, []byte, error) {
	if n, ok := fixStr(b); ok {
		return b[1 : 1+n], b[1+n:], nil
	}
	name, rest, err := msgp.ReadMapKeyZC(b)
	if err != nil {
		return nil, b, fmt.Errorf("a struct's field name: %w", err)
	}
	return name, rest, nil
}

// IsNil reports whether the next value is nil.
func IsNil(b []byte) bool { return msgp.IsNil(b) }

// Skip skips the next value: a field that this build's type does not have,
// or values beyond an array's length.
func Skip(b []byte) ([]byte, error) { return msgp.Skip(b) }

// ReadValue reads the next value into v, a pointer, as
// github.com/vmihailenco/msgpack decodes it.
func ReadValue(b []byte, v any) ([]byte, error) {
	rest, err := msgp.Skip(b)
	if err != nil {
		return b, err
	}
	// A copy: the bytes may belong to another copy's heap. The library
	// panics on some values instead of failing.
	data := bytes.Clone(b[:len(b)-len(rest)])
	if err := noPanic(func() error { return msgpack.Unmarshal(data, v) }); err != nil {
		return rest, err
	}
	return rest, nil
}

// MakeSlice sets *s to a new slice of n zero values.
func MakeSlice[S ~[]E, E any](s *S, n int) { *s = make(S, n) }

// MakeMap sets *m to a new map, unless it has one already.
func MakeMap[M ~map[K]V, K comparable, V any](m *M, n int) {
	if *m == nil {
		*m = make(M, n)
	}
}

// MapZero returns a zero key and a zero value of m's types: the variables
// that the generated code decodes a pair into.
func MapZero[M ~map[K]V, K comparable, V any](M) (K, V) {
	var k K
	var v V
	return k, v
}

// New sets *p to a new zero value, unless it points to one already.
func New[T any](p **T) {
	if *p == nil {
		*p = new(T)
	}
}

// InField says that err happened in the struct field name, for the message
// that names where a value did not decode.
func InField(err error, name string) error {
	var p *pathError
	if errors.As(err, &p) {
		p.path = "." + name + p.path
		return p
	}
	return &pathError{path: "." + name, err: err}
}

// InElem says that err happened in an element of an array, slice or map.
func InElem(err error) error {
	var p *pathError
	if errors.As(err, &p) {
		p.path = "[]" + p.path
		return p
	}
	return &pathError{path: "[]", err: err}
}

// A pathError is an error in a value inside a struct, an array, a slice or a
// map.
type pathError struct {
	path string // such as .Name or .Tags[]
	err  error
}

func (e *pathError) Error() string {
	return "at " + strings.TrimPrefix(e.path, ".") + ": " + e.err.Error()
}
func (e *pathError) Unwrap() error { return e.err }

// mismatch is the error of a value that is not of the kind that the
// decoder wants.
func mismatch(b []byte, want string) error {
	if len(b) == 0 {
		return msgp.ErrShortBytes
	}
	return fmt.Errorf("found %s, want %s", msgp.NextType(b), want)
}
