package rewrite

import (
	"go/token"
	"go/types"
)

// Marked //export functions usually take and return C's numeric types
// (C.int, C.longlong). Type-checking their package the usual way runs cgo on
// it, a second go list run that costs as much as compiling the package. The
// memory layout of C's numeric types is fixed for a target, and the
// fingerprint compares layouts, not names (fingerprint.go), so these types
// can be known without cgo: CTypes declares them, as cgo would
// (cmd/cgo/gcc.go), in a package "C" for the type checker. A signature that
// uses any other C type (a struct, a pointer to a C type, a typedef of the
// preamble) stays unknown, and its package is loaded with cgo.

// CTypes returns the package "C" with C's numeric types for the target goos
// and goarch, or nil where their layout is not known here. Functions and
// other types of the preamble are absent: the check reports them as
// undefined, and any signature that uses one holds invalid types.
func CTypes(goos, goarch string) *types.Package {
	if goarch != "amd64" {
		// On arm64 and others, C's char is unsigned on some systems.
		return nil
	}
	long, ulong := types.Int64, types.Uint64
	if goos == "windows" {
		long, ulong = types.Int32, types.Uint32 // LLP64
	}
	basic := map[string]types.BasicKind{
		"char": types.Int8, "schar": types.Int8, "uchar": types.Uint8,
		"short": types.Int16, "ushort": types.Uint16,
		"int": types.Int32, "uint": types.Uint32,
		"long": long, "ulong": ulong,
		"longlong": types.Int64, "ulonglong": types.Uint64,
		"float": types.Float32, "double": types.Float64,
		"size_t": types.Uint64,
		"int8_t": types.Int8, "int16_t": types.Int16, "int32_t": types.Int32, "int64_t": types.Int64,
		"uint8_t": types.Uint8, "uint16_t": types.Uint16, "uint32_t": types.Uint32, "uint64_t": types.Uint64,
		"intptr_t": types.Int64, "uintptr_t": types.Uint64,
	}
	pkg := types.NewPackage("C", "C")
	for name, kind := range basic {
		obj := types.NewTypeName(token.NoPos, pkg, name, nil)
		types.NewNamed(obj, types.Typ[kind], nil)
		pkg.Scope().Insert(obj)
	}
	pkg.MarkComplete()
	return pkg
}
