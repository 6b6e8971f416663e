package rewrite

import (
	"fmt"
	"go/types"
	"reflect"
	"strings"
)

// Checked mode's values cross as MessagePack that generated code writes and
// reads: for each type that a checked function passes, an encoder that
// appends a value to a byte slice, and a decoder that reads one back, made
// of rt's codec functions (rt/codec.go). They spell out bools, numbers,
// strings, slices, arrays, maps, pointers and structs, which travel as maps
// from field names to values. A value that they do not spell out goes
// through reflection (rt.AppendValue, rt.ReadValue), which writes the same
// MessagePack:
//   - a type with MessagePack or encoding methods of its own, such as
//     time.Time, which MessagePack encodes the way those methods say;
//   - a struct that embeds a field, or whose msgpack tag asks for more than
//     a name and omitempty (inline, as_array): reflection knows how;
//   - a byte array, and a slice of a named byte type, which reflection
//     encodes as bytes and Go cannot convert to []byte;
//   - a type that contains itself, where the generated code would not end.
//
// The generated code names no type but the signature's aliases: it reaches
// values through expressions, and rt's generic helpers infer the rest. So a
// field's type from another package needs no import.

// codecMethods are the methods by which a type chooses its own MessagePack,
// in github.com/vmihailenco/msgpack.
var codecMethods = []string{
	"EncodeMsgpack", "DecodeMsgpack", "MarshalMsgpack", "UnmarshalMsgpack",
	"MarshalBinary", "UnmarshalBinary", "MarshalText", "UnmarshalText",
}

// codecFuncs returns the encoder and the decoder of values of the type
// alias, whose type is t: _hotpatchEncX and _hotpatchDecX, for alias
// _hotpatchX.
func codecFuncs(alias string, t types.Type) string {
	suffix := strings.TrimPrefix(alias, rootName)
	enc := &codecGen{}
	enc.encode("*v", t)
	dec := &codecGen{}
	dec.decode("*v", t, func(err string) string { return err })
	return fmt.Sprintf(`
func %sEnc%s(b []byte, v *%s) []byte {
%s	return b
}

func %sDec%s(b []byte, v *%s) ([]byte, error) {
	var err error
%s	return b, err
}
`, rootName, suffix, alias, enc.b.String(), rootName, suffix, alias, dec.b.String())
}

// codecGen writes the statements of one encoder or decoder.
type codecGen struct {
	b     strings.Builder
	n     int            // numbers the locals of nested loops
	stack []*types.Named // the named types being spelled out, for cycles
}

func (g *codecGen) line(format string, args ...any) {
	fmt.Fprintf(&g.b, "\t"+format+"\n", args...)
}

func (g *codecGen) local(name string) string {
	g.n++
	return fmt.Sprintf("%s%d", name, g.n)
}

// reflected reports whether values of t go through reflection instead of
// generated code.
func (g *codecGen) reflected(t types.Type) bool {
	if n, ok := types.Unalias(t).(*types.Named); ok {
		for _, s := range g.stack {
			if types.Identical(s, n) {
				return true
			}
		}
		methods := types.NewMethodSet(types.NewPointer(n))
		for _, m := range codecMethods {
			if methods.Lookup(n.Obj().Pkg(), m) != nil {
				return true
			}
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Array:
		return isByte(u.Elem())
	case *types.Slice:
		return byteKind(u.Elem()) && !isByte(u.Elem())
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			name, opts, _ := strings.Cut(reflect.StructTag(u.Tag(i)).Get("msgpack"), ",")
			if name == "-" {
				continue
			}
			if f.Embedded() || f.Name() == "_msgpack" || (opts != "" && opts != "omitempty") {
				return true
			}
		}
	}
	return false
}

// push notes that the named type t, if it is one, is being spelled out; pop
// undoes it.
func (g *codecGen) push(t types.Type) (pop func()) {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return func() {}
	}
	g.stack = append(g.stack, n)
	return func() { g.stack = g.stack[:len(g.stack)-1] }
}

func isByte(t types.Type) bool {
	return types.Identical(t, types.Typ[types.Byte])
}

// byteKind reports whether t is byte or a type defined on it.
func byteKind(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.Byte
}

// addr returns the address of the value that expr denotes. The value of
// an encoder or a decoder is *v.
func addr(expr string) string {
	if expr == "*v" {
		return "v"
	}
	return "&" + expr
}

// field returns the selector of a field of the struct that expr denotes.
func field(expr, name string) string {
	if expr == "*v" {
		return "v." + name
	}
	if strings.HasPrefix(expr, "*") {
		expr = "(" + expr + ")"
	}
	return expr + "." + name
}

// elem returns the element at index of the array, slice or map that expr
// denotes.
func elem(expr, index string) string {
	if strings.HasPrefix(expr, "*") {
		expr = "(" + expr + ")"
	}
	return expr + "[" + index + "]"
}

// fields returns the struct's fields that travel, with their names in
// MessagePack.
func fields(s *types.Struct) (vars []*types.Var, names []string) {
	for i := range s.NumFields() {
		f := s.Field(i)
		name := msgpackName(s.Tag(i), f.Name())
		if name == "-" {
			continue
		}
		vars, names = append(vars, f), append(names, name)
	}
	return vars, names
}

// encode writes the statements that append the value expr of type t to b.
func (g *codecGen) encode(expr string, t types.Type) {
	if g.reflected(t) {
		g.line("b = %s.AppendValue(b, %s)", rtName, expr)
		return
	}
	defer g.push(t)()
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			g.line("b = %s.AppendBool(b, bool(%s))", rtName, expr)
		case u.Info()&types.IsString != 0:
			g.line("b = %s.AppendString(b, string(%s))", rtName, expr)
		case u.Info()&types.IsUnsigned != 0:
			g.line("b = %s.AppendUint(b, %s)", rtName, expr)
		case u.Info()&types.IsInteger != 0:
			g.line("b = %s.AppendInt(b, %s)", rtName, expr)
		case u.Kind() == types.Float32:
			g.line("b = %s.AppendFloat32(b, float32(%s))", rtName, expr)
		default:
			g.line("b = %s.AppendFloat64(b, float64(%s))", rtName, expr)
		}
	case *types.Slice:
		if isByte(u.Elem()) {
			g.line("b = %s.AppendBytes(b, []byte(%s))", rtName, expr)
			return
		}
		g.line("if %s == nil {", expr)
		g.line("b = %s.AppendNil(b)", rtName)
		g.line("} else {")
		g.encodeElems(expr, u.Elem())
		g.line("}")
	case *types.Array:
		g.encodeElems(expr, u.Elem())
	case *types.Map:
		k, e := g.local("k"), g.local("e")
		g.line("if %s == nil {", expr)
		g.line("b = %s.AppendNil(b)", rtName)
		g.line("} else {")
		g.line("b = %s.AppendMap(b, len(%s))", rtName, expr)
		g.line("for %s, %s := range %s {", k, e, expr)
		g.encode(k, u.Key())
		g.encode(e, u.Elem())
		g.line("}")
		g.line("}")
	case *types.Pointer:
		g.line("if %s == nil {", expr)
		g.line("b = %s.AppendNil(b)", rtName)
		g.line("} else {")
		g.encode("*"+expr, u.Elem())
		g.line("}")
	case *types.Struct:
		vars, names := fields(u)
		g.line("b = %s.AppendMap(b, %d)", rtName, len(vars))
		for i, f := range vars {
			g.line("b = %s.AppendString(b, %q)", rtName, names[i])
			g.encode(field(expr, f.Name()), f.Type())
		}
	default:
		g.line("b = %s.AppendValue(b, %s)", rtName, expr)
	}
}

func (g *codecGen) encodeElems(expr string, t types.Type) {
	i := g.local("i")
	g.line("b = %s.AppendArray(b, len(%s))", rtName, expr)
	g.line("for %s := range %s {", i, expr)
	g.encode(elem(expr, i), t)
	g.line("}")
}

// decode writes the statements that read a value of type t from b into
// expr. wrap says where an error happened.
func (g *codecGen) decode(expr string, t types.Type, wrap func(err string) string) {
	read := func(format string, args ...any) {
		g.line("if b, err = "+format+"; err != nil {", args...)
		g.line("return b, %s", wrap("err"))
		g.line("}")
	}
	if g.reflected(t) {
		read("%s.ReadValue(b, %s)", rtName, addr(expr))
		return
	}
	defer g.push(t)()
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			read("%s.ReadBool(b, %s)", rtName, addr(expr))
		case u.Info()&types.IsString != 0:
			read("%s.ReadString(b, %s)", rtName, addr(expr))
		case u.Info()&types.IsUnsigned != 0:
			read("%s.ReadUint(b, %s)", rtName, addr(expr))
		case u.Info()&types.IsInteger != 0:
			read("%s.ReadInt(b, %s)", rtName, addr(expr))
		default:
			read("%s.ReadFloat(b, %s)", rtName, addr(expr))
		}
	case *types.Slice:
		if isByte(u.Elem()) {
			read("%s.ReadBytes(b, %s)", rtName, addr(expr))
			return
		}
		n, isNil, i := g.local("n"), g.local("isNil"), g.local("i")
		g.header(n, isNil, "ReadArray", wrap)
		g.line("if %s {", isNil)
		g.line("%s = nil", expr)
		g.line("} else {")
		g.line("%s.MakeSlice(%s, %s)", rtName, addr(expr), n)
		g.line("for %s := range %s {", i, n)
		g.decode(elem(expr, i), u.Elem(), inElem(wrap))
		g.line("}")
		g.line("}")
	case *types.Array:
		n, i := g.local("n"), g.local("i")
		g.header(n, "_", "ReadArray", wrap)
		g.line("for %s := range %s {", i, n)
		g.line("if %s >= len(%s) {", i, expr)
		read("%s.Skip(b)", rtName)
		g.line("continue")
		g.line("}")
		g.decode(elem(expr, i), u.Elem(), inElem(wrap))
		g.line("}")
	case *types.Map:
		n, isNil, k, e := g.local("n"), g.local("isNil"), g.local("k"), g.local("e")
		g.header(n, isNil, "ReadMap", wrap)
		g.line("if %s {", isNil)
		g.line("%s = nil", expr)
		g.line("} else {")
		g.line("%s.MakeMap(%s, %s)", rtName, addr(expr), n)
		g.line("for range %s {", n)
		g.line("%s, %s := %s.MapZero(%s)", k, e, rtName, expr)
		g.decode(k, u.Key(), inElem(wrap))
		g.decode(e, u.Elem(), inElem(wrap))
		g.line("%s = %s", elem(expr, k), e)
		g.line("}")
		g.line("}")
	case *types.Pointer:
		g.line("if %s.IsNil(b) {", rtName)
		read("%s.Skip(b)", rtName)
		g.line("%s = nil", expr)
		g.line("} else {")
		g.line("%s.New(%s)", rtName, addr(expr))
		g.decode("*"+expr, u.Elem(), wrap)
		g.line("}")
	case *types.Struct:
		vars, names := fields(u)
		n, name := g.local("n"), g.local("field")
		g.header(n, "_", "ReadMap", wrap)
		g.line("for range %s {", n)
		g.line("var %s []byte", name)
		g.line("if %s, b, err = %s.ReadField(b); err != nil {", name, rtName)
		g.line("return b, %s", wrap("err"))
		g.line("}")
		g.line("switch string(%s) {", name)
		for i, f := range vars {
			g.line("case %q:", names[i])
			g.decode(field(expr, f.Name()), f.Type(), inField(wrap, f.Name()))
		}
		g.line("default:")
		read("%s.Skip(b)", rtName)
		g.line("}")
		g.line("}")
	default:
		read("%s.ReadValue(b, %s)", rtName, addr(expr))
	}
}

// header writes the statements that read an array's or a map's header.
func (g *codecGen) header(n, isNil, fn string, wrap func(string) string) {
	g.line("var %s int", n)
	if isNil != "_" {
		g.line("var %s bool", isNil)
	}
	g.line("if %s, %s, b, err = %s.%s(b); err != nil {", n, isNil, rtName, fn)
	g.line("return b, %s", wrap("err"))
	g.line("}")
}

func inElem(wrap func(string) string) func(string) string {
	return func(err string) string { return wrap(fmt.Sprintf("%s.InElem(%s)", rtName, err)) }
}

func inField(wrap func(string) string, name string) func(string) string {
	return func(err string) string { return wrap(fmt.Sprintf("%s.InField(%s, %q)", rtName, err, name)) }
}

// codecs returns the encoders and decoders of a checked function's
// signature: one pair for each type alias.
func (p *plan) codecs() string {
	var b strings.Builder
	done := map[string]bool{}
	add := func(alias string, t types.Type) {
		if !done[alias] {
			done[alias] = true
			b.WriteString(codecFuncs(alias, t))
		}
	}
	for _, a := range p.allArgs() {
		add(a.alias, a.t)
	}
	for _, r := range p.results {
		add(r.Alias, r.t)
	}
	return b.String()
}
