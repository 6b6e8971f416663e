package rewrite

import (
	"fmt"
	"go/ast"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Identifiers of the generated code start with _hotpatch, and its local
// variables with _hp, so that they neither collide with the user's names nor
// hide them: a marked function may be called frame, f or t.
const (
	rtName      = "_hotpatchrt"
	unsafeName  = "_hotpatchunsafe"
	runtimeName = "_hotpatchruntime"
	syncName    = "_hotpatchsync"
)

// generate returns the file with its edits and the generated code.
func (f *fileRewrite) generate(file *ast.File) []byte {
	abs, _ := filepath.Abs(f.name)
	// Positions of the replacement are reported against the user's file, not
	// the overlay's temporary file.
	pkg := f.fset.Position(file.Package)
	f.edits = append(f.edits, edit{off: pkg.Offset, text: fmt.Sprintf("/*line %s:%d:%d*/", abs, pkg.Line, pkg.Column)})
	imports := fmt.Sprintf("%s %q; %s \"unsafe\"; %s \"runtime\"", rtName, RuntimePath, unsafeName, runtimeName)
	for _, p := range f.plans {
		if p.mode != Checked {
			imports += fmt.Sprintf("; %s \"sync\"", syncName) // frame pools
			break
		}
	}
	f.insert(file.Name.End(), "; import ("+imports+")")
	var tail strings.Builder
	for _, p := range f.plans {
		f.insert(p.body+1, p.dispatch())
		fmt.Fprintf(&tail, "\n//line %s:%d\n", abs, p.line)
		p.writeCode(&tail)
	}
	sort.SliceStable(f.edits, func(i, j int) bool { return f.edits[i].off < f.edits[j].off })
	var b strings.Builder
	last := 0
	for _, e := range f.edits {
		b.Write(f.src[last:e.off])
		b.WriteString(e.text)
		last = e.off
	}
	b.Write(f.src[last:])
	b.WriteString("\n")
	b.WriteString(tail.String())
	return []byte(b.String())
}

func (p *plan) args() []string {
	var names []string
	if p.recv != nil {
		names = append(names, p.recv.name)
	}
	for _, a := range p.params {
		names = append(names, a.name)
	}
	return names
}

// dispatch is the check at the start of the marked body: if a newer copy has
// the function, the call runs there.
func (p *plan) dispatch() string {
	call := fmt.Sprintf("_hotpatchCall_%s(_hpT, %s)", p.key, strings.Join(p.args(), ", "))
	if len(p.results) == 0 {
		return fmt.Sprintf(" if _hpT := _hotpatchSlot_%s.Load(); _hpT != nil { %s; return };", p.key, call)
	}
	return fmt.Sprintf(" if _hpT := _hotpatchSlot_%s.Load(); _hpT != nil { return %s };", p.key, call)
}

// allArgs returns the receiver, if any, and the parameters.
func (p *plan) allArgs() []arg {
	if p.recv != nil {
		return append([]arg{*p.recv}, p.params...)
	}
	return p.params
}

// writeSlot writes the slot of the function and registers its enter function.
func (p *plan) writeSlot(b *strings.Builder) {
	k := p.key
	fmt.Fprintf(b, "var _hotpatchSlot_%s = %s.Register(%s, %s)\n", k, rtName, strconv.Quote(p.id), strconv.Quote(p.layout))
	fmt.Fprintf(b, "func init() { _hotpatchSlot_%s.SetEnter(_hotpatchEnter_%s) }\n", k, k)
}

// callExpr returns the call of the function itself on args.
func (p *plan) callExpr(args []string) string {
	var call string
	if p.recv != nil {
		call = fmt.Sprintf("%s.%s(%s", args[0], p.method, strings.Join(args[1:], ", "))
	} else {
		call = fmt.Sprintf("%s(%s", p.fn, strings.Join(args, ", "))
	}
	if p.variadic {
		call += "..."
	}
	return call + ")"
}

// writeCode writes the frame type, the slot, the caller's half of a patched
// call and the newer copy's half.
func (p *plan) writeCode(b *strings.Builder) {
	if p.mode == Checked {
		p.writeChecked(b)
		return
	}
	all := p.allArgs()
	k := p.key
	fmt.Fprintf(b, "type _hotpatchFrame_%s struct { %s.Header;", k, rtName)
	for i, a := range all {
		fmt.Fprintf(b, " p%d %s;", i, a.frame)
	}
	for i, r := range p.results {
		fmt.Fprintf(b, " r%d %s;", i, r)
	}
	b.WriteString(" }\n")
	p.writeSlot(b)

	// The caller's half runs in the copy the host loaded. Its frames come
	// from a pool: a frame must live on the heap (see rt.Target.Call), and
	// allocating one for every call cost more than the rest of the call's
	// overhead together. A frame goes back to the pool cleared, so that it
	// keeps none of the caller's values alive.
	var params, sets, rets, results []string
	for i, a := range all {
		params = append(params, fmt.Sprintf("_hpP%d %s", i, a.frame))
		sets = append(sets, fmt.Sprintf("_hpF.p%d = _hpP%d", i, i))
	}
	for i := range p.results {
		rets = append(rets, fmt.Sprintf("_hpR%d", i))
		results = append(results, fmt.Sprintf("_hpF.r%d", i))
	}
	fmt.Fprintf(b, "var _hotpatchFrames_%s = %s.Pool{New: func() any { return new(_hotpatchFrame_%s) }}\n", k, syncName, k)
	fmt.Fprintf(b, "func _hotpatchCall_%s(_hpT *%s.Target, %s) (%s) {\n", k, rtName, strings.Join(params, ", "), strings.Join(p.results, ", "))
	fmt.Fprintf(b, "\t_hpF := _hotpatchFrames_%s.Get().(*_hotpatchFrame_%s)\n", k, k)
	for _, s := range sets {
		fmt.Fprintf(b, "\t%s\n", s)
	}
	fmt.Fprintf(b, "\t_hpT.Call(%s.Pointer(_hpF))\n", unsafeName)
	fmt.Fprintf(b, "\t%s.KeepAlive(_hpF)\n", runtimeName)
	if len(rets) > 0 {
		fmt.Fprintf(b, "\t%s := %s\n", strings.Join(rets, ", "), strings.Join(results, ", "))
	}
	fmt.Fprintf(b, "\t*_hpF = _hotpatchFrame_%s{}\n", k)
	fmt.Fprintf(b, "\t_hotpatchFrames_%s.Put(_hpF)\n", k)
	if len(rets) > 0 {
		fmt.Fprintf(b, "\treturn %s\n", strings.Join(rets, ", "))
	} else {
		b.WriteString("\treturn\n")
	}
	b.WriteString("}\n")

	// The newer copy's half.
	fmt.Fprintf(b, "func _hotpatchEnter_%s(_hpFrame %s.Pointer) {\n", k, unsafeName)
	fmt.Fprintf(b, "\t_hpF := (*_hotpatchFrame_%s)(_hpFrame)\n", k)
	var callArgs, copyBack []string
	for i, a := range all {
		v := fmt.Sprintf("_hpF.p%d", i)
		switch a.pass {
		case byClonedString:
			fmt.Fprintf(b, "\t_hpA%d := %s.CloneString(%s)\n", i, rtName, v)
			v = fmt.Sprintf("_hpA%d", i)
		case byClonedSlice:
			fmt.Fprintf(b, "\t_hpA%d := %s.CloneSlice(%s)\n", i, rtName, v)
			copyBack = append(copyBack, fmt.Sprintf("copy(%s, _hpA%d)", v, i))
			v = fmt.Sprintf("_hpA%d", i)
		}
		callArgs = append(callArgs, v)
	}
	call := p.callExpr(callArgs)
	if len(results) > 0 {
		fmt.Fprintf(b, "\t%s = %s\n", strings.Join(results, ", "), call)
	} else {
		fmt.Fprintf(b, "\t%s\n", call)
	}
	for _, c := range copyBack {
		fmt.Fprintf(b, "\t%s\n", c)
	}
	b.WriteString("}\n")
}

// writeChecked writes the code of a checked function: its values travel
// through MessagePack (see rt.Checked).
func (p *plan) writeChecked(b *strings.Builder) {
	all := p.allArgs()
	k := p.key
	fmt.Fprintf(b, "type _hotpatchFrame_%s struct { %s.Header; %s.Checked }\n", k, rtName, rtName)
	p.writeSlot(b)

	// The caller's half: encode the arguments, decode the results and the
	// final values of pointer arguments.
	var params, argVals, argTypes, dests, rets []string
	for i, a := range all {
		params = append(params, fmt.Sprintf("_hpP%d %s", i, a.frame))
		argVals = append(argVals, fmt.Sprintf("_hpP%d", i))
		argTypes = append(argTypes, strconv.Quote(a.typ))
	}
	for i := range p.results {
		dests = append(dests, fmt.Sprintf("&_hpR%d", i))
		rets = append(rets, fmt.Sprintf("_hpR%d", i))
	}
	var outTypes []string
	for _, t := range p.resultTypes {
		outTypes = append(outTypes, strconv.Quote(t))
	}
	for i, a := range all {
		if a.pass == byPointer {
			dests = append(dests, fmt.Sprintf("%s.InOut(_hpP%d)", rtName, i))
			outTypes = append(outTypes, strconv.Quote(a.typ))
		}
	}
	fmt.Fprintf(b, "var _hotpatchArgTypes_%s = []string{%s}\n", k, strings.Join(argTypes, ", "))
	fmt.Fprintf(b, "var _hotpatchOutTypes_%s = []string{%s}\n", k, strings.Join(outTypes, ", "))
	fmt.Fprintf(b, "func _hotpatchCall_%s(_hpT *%s.Target, %s) (%s) {\n", k, rtName, strings.Join(params, ", "), strings.Join(p.results, ", "))
	fmt.Fprintf(b, "\t_hpF := new(_hotpatchFrame_%s)\n", k)
	for i, r := range p.results {
		fmt.Fprintf(b, "\tvar _hpR%d %s\n", i, r)
	}
	fmt.Fprintf(b, "\t_hpT.CallChecked(%s.Pointer(_hpF), &_hpF.Checked, &_hotpatchArgTypes_%s, []any{%s}, []any{%s})\n", unsafeName, k, strings.Join(argVals, ", "), strings.Join(dests, ", "))
	fmt.Fprintf(b, "\t%s.KeepAlive(_hpF)\n", runtimeName)
	fmt.Fprintf(b, "\treturn %s\n}\n", strings.Join(rets, ", "))

	// The newer copy's half: decode into this copy's heap, run the body,
	// encode what goes back.
	fmt.Fprintf(b, "func _hotpatchEnter_%s(_hpFrame %s.Pointer) {\n", k, unsafeName)
	fmt.Fprintf(b, "\t_hpF := (*_hotpatchFrame_%s)(_hpFrame)\n", k)
	fmt.Fprintf(b, "\t_hpD := _hpF.Checked.Args(%s)\n", strconv.Quote(p.id))
	var callArgs, back []string
	for i, a := range all {
		fmt.Fprintf(b, "\tvar _hpA%d %s\n", i, a.frame)
		fmt.Fprintf(b, "\t_hpD.Decode(&_hpA%d, %s, %s)\n", i, strconv.Quote(displayName(a.name, i)), strconv.Quote(a.typ))
		callArgs = append(callArgs, fmt.Sprintf("_hpA%d", i))
		if a.pass == byPointer {
			back = append(back, fmt.Sprintf("_hpA%d", i))
		}
	}
	b.WriteString("\t_hpD.Done()\n")
	call := p.callExpr(callArgs)
	if len(rets) > 0 {
		fmt.Fprintf(b, "\t%s := %s\n", strings.Join(rets, ", "), call)
	} else {
		fmt.Fprintf(b, "\t%s\n", call)
	}
	fmt.Fprintf(b, "\t_hpF.Checked.Return(&_hotpatchOutTypes_%s, %s)\n}\n", k, strings.Join(append(rets, back...), ", "))
}

// displayName is how errors name an argument: by its name, or by its
// position if the source leaves it unnamed.
func displayName(name string, i int) string {
	if strings.HasPrefix(name, "_hp") {
		return fmt.Sprintf("#%d", i+1)
	}
	return name
}

// ConfigFile returns the file that hotpatch build adds to the main package:
// it tells the runtime where the build output lives and which build this is.
func ConfigFile(pkgName, out, build string) []byte {
	return fmt.Appendf(nil, "package %s\n\nimport %s %q\n\nfunc init() { %s.Configure(%q, %q) }\n", pkgName, rtName, RuntimePath, rtName, out, build)
}
