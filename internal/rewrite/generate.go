package rewrite

import (
	"bytes"
	"fmt"
	"go/format"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/template"
)

// The generated code of a marked function, in the default mode: a frame type
// that carries the call's values, a slot that says which copy runs the
// function, the caller's half of a call into another copy, and the callee's
// half. Frames come from a pool: a frame must live on the heap (see
// rt.Target.Call), and allocating one for every call cost more than the rest
// of the call's overhead together. A frame goes back to the pool with its
// arguments cleared, so that it keeps none of the caller's values alive: its
// results hold no pointers, plain ones lie in its Lent, which Done readies
// for the next call, and its Header is written by every call. Clearing the
// whole frame would clear the Lent's room too, on every call.
const defaultTemplate = `
// {{.Name}}, declared at {{.Pos}}.

type _hotpatchFrame{{.N}} struct {
	_hotpatchrt.Header
{{- if .Lent}}
	l _hotpatchrt.Lent
{{- end}}
{{- range $i, $a := .Args}}
	p{{$i}} {{$a.Alias}}
{{- end}}
{{- range $i, $r := .Results}}{{if not $r.Plain}}
	r{{$i}} {{$r.Alias}}
{{- end}}{{end}}
}

var _hotpatchSlot{{.N}} = _hotpatchrt.Register({{printf "%q" .ID}}, {{printf "%q" .Fingerprint}}, {{.Stateful}})

func init() { _hotpatchSlot{{.N}}.Init(_hotpatchEnter{{.N}}, {{.Func}}) }

var _hotpatchFrames{{.N}} = _hotpatchsync.Pool{New: func() any { return new(_hotpatchFrame{{.N}}) }}
{{range $i, $a := .Args}}{{if $a.Plain}}
var _hotpatchPlain{{$.N}}_{{$i}} = _hotpatchrt.PlainOf[{{$a.Alias}}]()
{{end}}{{end}}
{{- range $i, $r := .Results}}{{if and $r.Plain (not $r.PlainString)}}
var _hotpatchPlain{{$.N}}_r{{$i}} = _hotpatchrt.PlainOf[{{$r.Alias}}]()
{{end}}{{end}}
func _hotpatchCall{{.N}}(_hpT *_hotpatchrt.Target{{range $i, $a := .Args}}, _hpP{{$i}} {{$a.Alias}}{{end}}) ({{range $i, $r := .Results}}{{if $i}}, {{end}}{{$r.Alias}}{{end}}) {
	_hpF := _hotpatchFrames{{.N}}.Get().(*_hotpatchFrame{{.N}})
{{- range $i, $a := .Args}}
	_hpF.p{{$i}} = _hpP{{$i}}
{{- end}}
	_hpT.Call(_hotpatchunsafe.Pointer(_hpF))
{{- range $i, $r := .Results}}
{{- if $r.PlainString}}
	_hpR{{$i}} := {{$r.Alias}}(_hpF.l.TakeString())
{{- else if $r.Plain}}
	var _hpR{{$i}} {{$r.Alias}}
	_hpF.l.Take(_hotpatchPlain{{$.N}}_r{{$i}}, _hotpatchunsafe.Pointer(&_hpR{{$i}}))
{{- else}}
	_hpR{{$i}} := _hpF.r{{$i}}
{{- end}}
{{- end}}
{{- range $i, $a := .Args}}{{if eq $a.Pass "plainslice"}}
	var _hpB{{$i}} {{$a.Alias}}
	_hpF.l.Take(_hotpatchPlain{{$.N}}_{{$i}}, _hotpatchunsafe.Pointer(&_hpB{{$i}}))
	copy(_hpP{{$i}}, _hpB{{$i}})
{{- end}}{{end}}
{{- if .Lent}}
	_hpF.l.Done()
{{- end}}
{{- range $i, $a := .Args}}
	_hpF.p{{$i}} = *new({{$a.Alias}})
{{- end}}
	_hotpatchFrames{{.N}}.Put(_hpF)
{{- if .Results}}
	return {{range $i, $r := .Results}}{{if $i}}, {{end}}_hpR{{$i}}{{end}}
{{- end}}
}
{{if or .Args .Results}}
func _hotpatchEnter{{.N}}(_hpFrame _hotpatchunsafe.Pointer) {
	_hpF := (*_hotpatchFrame{{.N}})(_hpFrame)
{{- else}}
func _hotpatchEnter{{.N}}(_hotpatchunsafe.Pointer) {
{{- end}}
{{- range $i, $a := .Args}}
{{- if eq $a.Pass "string"}}
	_hpA{{$i}} := _hotpatchrt.CloneString(_hpF.p{{$i}})
{{- else if eq $a.Pass "slice"}}
	_hpA{{$i}} := _hotpatchrt.CloneSlice(_hpF.p{{$i}})
{{- else if $a.Plain}}
	_hpA{{$i}} := _hpF.p{{$i}}
	_hotpatchrt.ClonePlain(_hotpatchPlain{{$.N}}_{{$i}}, _hotpatchunsafe.Pointer(&_hpA{{$i}}))
{{- else}}
	_hpA{{$i}} := _hpF.p{{$i}}
{{- end}}
{{- end}}
{{- range $i, $r := .Results}}{{if $r.Plain}}
	var _hpR{{$i}} {{$r.Alias}}
{{- end}}{{end}}
	{{range $i, $r := .Results}}{{if $i}}, {{end}}{{if $r.Plain}}_hpR{{$i}}{{else}}_hpF.r{{$i}}{{end}}{{end}}{{if .Results}} = {{end}}{{.Call}}
{{- range $i, $r := .Results}}{{if $r.PlainString}}
	_hpF.l.PutString(string(_hpR{{$i}}))
{{- else if $r.Plain}}
	_hpF.l.Put(_hotpatchPlain{{$.N}}_r{{$i}}, _hotpatchunsafe.Pointer(&_hpR{{$i}}))
{{- end}}{{end}}
{{- range $i, $a := .Args}}
{{- if eq $a.Pass "slice"}}
	copy(_hpF.p{{$i}}, _hpA{{$i}})
{{- else if eq $a.Pass "plainslice"}}
	_hpF.l.Put(_hotpatchPlain{{$.N}}_{{$i}}, _hotpatchunsafe.Pointer(&_hpA{{$i}}))
{{- end}}
{{- end}}
}
`

// The generated code of a checked function: its values travel as
// MessagePack (see rt.Checked), which generated encoders and decoders write
// and read (codec.go). The caller encodes the arguments and decodes the
// results and the final values of pointer arguments; the callee decodes the
// arguments into its own heap, runs the body, and encodes what goes back.
// Frames come from a pool, with the buffers they carry.
const checkedTemplate = `
// {{.Name}}, declared at {{.Pos}}, in checked mode.

type _hotpatchFrame{{.N}} struct {
	_hotpatchrt.Header
	_hotpatchrt.Checked
}

var _hotpatchSlot{{.N}} = _hotpatchrt.Register({{printf "%q" .ID}}, {{printf "%q" .Fingerprint}}, {{.Stateful}})

func init() { _hotpatchSlot{{.N}}.Init(_hotpatchEnter{{.N}}, {{.Func}}) }

var _hotpatchFrames{{.N}} = _hotpatchsync.Pool{New: func() any { return new(_hotpatchFrame{{.N}}) }}

var _hotpatchArgTypes{{.N}} = []string{ {{- range $i, $a := .Args}}{{if $i}}, {{end}}{{printf "%q" $a.Type}}{{end -}} }

var _hotpatchOutTypes{{.N}} = []string{ {{- range $i, $t := .OutTypes}}{{if $i}}, {{end}}{{printf "%q" $t}}{{end -}} }

func _hotpatchCall{{.N}}(_hpT *_hotpatchrt.Target{{range $i, $a := .Args}}, _hpP{{$i}} {{$a.Alias}}{{end}}) ({{range $i, $r := .Results}}{{if $i}}, {{end}}{{$r.Alias}}{{end}}) {
	_hpF := _hotpatchFrames{{.N}}.Get().(*_hotpatchFrame{{.N}})
	_hpB := _hpF.Checked.Args()
{{- range $i, $a := .Args}}
	_hpB = _hotpatchEnc{{$a.Codec}}(_hpB, &_hpP{{$i}})
{{- end}}
	{{if .OutTypes}}_hpO := {{end}}_hpT.CallChecked(_hotpatchunsafe.Pointer(_hpF), &_hpF.Checked, &_hotpatchArgTypes{{.N}}, &_hotpatchOutTypes{{.N}}, _hpB)
{{- if .OutTypes}}
	var _hpE error
{{- end}}
{{- range $i, $r := .Results}}
	var _hpR{{$i}} {{$r.Alias}}
	if _hpO, _hpE = _hotpatchDec{{$r.Codec}}(_hpO, &_hpR{{$i}}); _hpE != nil {
		_hpT.ResultError(&_hpF.Checked, {{$i}}, _hpE)
	}
{{- end}}
{{- range $i, $a := .Args}}{{if $a.Pointer}}
	if _hpO, _hpE = _hotpatchDec{{$a.Codec}}(_hpO, &_hpP{{$i}}); _hpE != nil {
		_hpT.ResultError(&_hpF.Checked, {{$a.Out}}, _hpE)
	}
{{- end}}{{end}}
	_hpF.Checked.Done()
	_hotpatchFrames{{.N}}.Put(_hpF)
{{- if .Results}}
	return {{range $i, $r := .Results}}{{if $i}}, {{end}}_hpR{{$i}}{{end}}
{{- end}}
}

func _hotpatchEnter{{.N}}(_hpFrame _hotpatchunsafe.Pointer) {
	_hpF := (*_hotpatchFrame{{.N}})(_hpFrame)
{{- if .Args}}
	_hpD := _hpF.Checked.In()
	var _hpE error
{{- end}}
{{- range $i, $a := .Args}}
	var _hpA{{$i}} {{$a.Alias}}
	if _hpD, _hpE = _hotpatchDec{{$a.Codec}}(_hpD, &_hpA{{$i}}); _hpE != nil {
		_hpF.Checked.ArgError({{printf "%q" $.ID}}, {{$i}}, {{printf "%q" $a.Display}}, {{printf "%q" $a.Type}}, _hpE)
	}
{{- end}}
	{{range $i, $r := .Results}}{{if $i}}, {{end}}_hpR{{$i}}{{end}}{{if .Results}} := {{end}}{{.Call}}
	_hpW := _hpF.Checked.Out()
{{- range $i, $r := .Results}}
	_hpW = _hotpatchEnc{{$r.Codec}}(_hpW, &_hpR{{$i}})
{{- end}}
{{- range $i, $a := .Args}}{{if $a.Pointer}}
	_hpW = _hotpatchEnc{{$a.Codec}}(_hpW, &_hpA{{$i}})
{{- end}}{{end}}
	_hpF.Checked.Return(&_hotpatchOutTypes{{.N}}, _hpW)
}
{{.Codecs}}`

// The generated code of a kept variable: its registration, by identity and
// schema, so that the runtime can move its value into each new build.
const keptTemplate = `
// {{.Name}}, declared at {{.Pos}}, is kept: its value moves into each new build.
var _hotpatchKeep{{.N}} = _hotpatchrt.Keep({{printf "%q" .ID}}, {{.Schema}}, &{{.Name}}, {{.Recursive}})
`

// The generated code of a marked export with an entry point of its own
// (exports.go): the runtime learns the C slot that the entry point reads and
// this copy's export, and the package's Go callers keep the function's name.
const exportTemplate = `
func init() {
	_hotpatchSlot{{.N}}.SetExport(_hotpatchunsafe.Pointer(&C._hotpatch_slot_{{.Export}}), _hotpatchunsafe.Pointer(C._hotpatch_{{.Export}}))
}

// {{.Export}} is the marked export under its Go name, for Go callers in the package.
func {{.Export}}({{range $i, $a := .Args}}{{if $i}}, {{end}}_hpP{{$i}} {{$a.Alias}}{{end}}) ({{range $i, $r := .Results}}{{if $i}}, {{end}}{{$r.Alias}}{{end}}) {
	{{if .Results}}return {{end}}_hotpatch_{{.Export}}({{range $i, $a := .Args}}{{if $i}}, {{end}}_hpP{{$i}}{{end}})
}
`

// genKept is what the kept template needs of a keptPlan.
type genKept struct {
	N                     int
	Name, Pos, ID, Schema string
	Recursive             bool
}

// parsedTemplates are the templates, parsed on first use: go build runs
// hotpatch as its -toolexec wrapper once for every tool it runs, and that
// needs none of them.
type parsedTemplates struct {
	kept, export *template.Template
	funcs        map[Mode]*template.Template
}

var templates = sync.OnceValue(func() parsedTemplates {
	return parsedTemplates{
		kept:   template.Must(template.New("kept").Parse(keptTemplate)),
		export: template.Must(template.New("export").Parse(exportTemplate)),
		funcs: map[Mode]*template.Template{
			Default: template.Must(template.New("default").Parse(defaultTemplate)),
			Checked: template.Must(template.New("checked").Parse(checkedTemplate)),
		},
	}
})

// genFunc is what a template needs of a plan.
type genFunc struct {
	N                     int
	Name, ID, Fingerprint string
	Pos                   string   // where the function is declared: file:line
	Stateful              bool     // the body uses kept state
	Func                  string   // the function as a value: f, or a method expression
	Export                string   // the C name of a marked export with an entry point of its own
	Args                  []genArg // the receiver first
	Results               []result
	Lent                  bool     // default mode: plain data comes back through the frame's rt.Lent
	OutTypes              []string // checked mode: the results', then the pointer arguments'
	Codecs                string   // checked mode: the encoders and decoders of the signature's types
	Call                  string   // the call of the marked function on the _hpA arguments
}

type genArg struct {
	Alias, Type, Display string
	Pass                 string // default mode: "string", "slice", "plain", "plainslice" or "" for a copy
	Pointer              bool   // checked mode: a pointer argument, which is in-out
	Out                  int    // checked mode: a pointer argument's place among the values that come back
}

// Codec names the encoder and decoder of the argument's type in checked
// mode: _hotpatchEnc and _hotpatchDec, then this.
func (a genArg) Codec() string { return strings.TrimPrefix(a.Alias, rootName) }

// Plain reports whether the argument is plain data, cloned whole
// (rt.ClonePlain; default mode).
func (a genArg) Plain() bool { return a.Pass == "plain" || a.Pass == "plainslice" }

func (p *plan) gen() genFunc {
	g := genFunc{N: p.index, Name: p.name, ID: p.id, Fingerprint: p.fingerprint, Results: p.results, Pos: p.pos, Stateful: p.stateful, Func: p.fn, Export: p.export}
	if p.export != "" {
		g.Func = exportPrefix + p.fn
	}
	if p.recv != nil {
		g.Func = p.recv.alias + "." + p.method
	}
	var args []string
	for i, a := range p.allArgs() {
		ga := genArg{Alias: a.alias, Type: a.typ, Display: a.display}
		switch a.pass {
		case byClonedString:
			ga.Pass = "string"
		case byClonedSlice:
			ga.Pass = "slice"
		case byPlain:
			ga.Pass = "plain"
		case byPlainSlice:
			ga.Pass, g.Lent = "plainslice", true
		case byPointer:
			ga.Pointer = p.mode == Checked
		}
		g.Args = append(g.Args, ga)
		args = append(args, fmt.Sprintf("_hpA%d", i))
	}
	for _, r := range p.results {
		g.Lent = g.Lent || r.Plain()
		g.OutTypes = append(g.OutTypes, r.Type)
	}
	for i, a := range g.Args {
		if a.Pointer {
			g.Args[i].Out = len(g.OutTypes)
			g.OutTypes = append(g.OutTypes, a.Type)
		}
	}
	if p.mode == Checked {
		g.Codecs = p.codecs()
	}
	dots := ""
	if p.variadic {
		dots = "..."
	}
	if p.recv != nil {
		g.Call = fmt.Sprintf("%s.%s(%s%s)", args[0], p.method, strings.Join(args[1:], ", "), dots)
	} else {
		g.Call = fmt.Sprintf("%s(%s%s)", g.Func, strings.Join(args, ", "), dots)
	}
	return g
}

// generatedHeader starts every file that hotpatch build generates.
const generatedHeader = "// Code generated by hotpatch build. DO NOT EDIT.\n"

// generate returns the user's file with its edits, and the file of generated
// code that goes beside it.
func (f *fileRewrite) generate() (edited, generated []byte, err error) {
	file := f.file.Syntax
	// Positions of the edited file are reported against the user's file,
	// not the overlay's temporary file.
	pkg := f.fset.Position(file.Package)
	f.edits = append(f.edits, edit{off: pkg.Offset, text: fmt.Sprintf("/*line %s:%d:%d*/", f.file.Name, pkg.Line, pkg.Column)})
	var aliases, exports []string
	for _, p := range f.plans {
		f.insert(p.body+1, p.dispatch())
		aliases = append(aliases, p.aliases...)
		if p.export != "" {
			f.renameExport(p.decl)
			exports = append(exports, p.export)
		}
	}
	if len(f.plans) > 0 {
		// The generated code spells the types of the signatures with
		// aliases declared here, in the user's file: a type such as
		// C.struct_point resolves only in the file whose cgo preamble
		// declares it. They go after the user's last byte, where they move
		// no position.
		tail := "\n"
		if len(f.file.Src) > 0 && f.file.Src[len(f.file.Src)-1] != '\n' {
			tail = "\n\n"
		}
		tail += fmt.Sprintf("// Type aliases for the code that hotpatch build generated in %s.\ntype (\n\t%s\n)\n",
			filepath.Base(GeneratedFile(f.file.Name)), strings.Join(aliases, "\n\t"))
		f.edits = append(f.edits, edit{off: len(f.file.Src), text: tail})
		if edited, err = apply(f.file.Src, f.edits); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.file.Name, err)
		}
	}

	var b bytes.Buffer
	b.WriteString(generatedHeader)
	// Positions in the generated code are reported against the generated
	// file's own name, beside the user's file; hotpatch build -work keeps it.
	fmt.Fprintf(&b, "\n//line %s:4\npackage %s\n\n", GeneratedFile(f.file.Name), file.Name.Name)
	if len(exports) > 0 {
		fmt.Fprintf(&b, "/*\n%s*/\nimport \"C\"\n\n", stubPreamble(f.goos, exports))
	}
	b.WriteString("import (\n")
	fmt.Fprintf(&b, "\t%s %q\n", rtName, RuntimePath)
	if len(f.plans) > 0 {
		fmt.Fprintf(&b, "\t%s \"sync\"\n", syncName) // frame pools
		fmt.Fprintf(&b, "\t%s \"unsafe\"\n", unsafeName)
	}
	b.WriteString(")\n")
	for _, k := range f.kept {
		g := genKept{N: k.index, Name: k.name.Name, ID: k.id, Schema: goString(k.schema.String()), Recursive: k.recursive,
			Pos: fmt.Sprintf("%s:%d", filepath.Base(f.file.Name), f.fset.Position(k.name.Pos()).Line)}
		if err := templates().kept.Execute(&b, g); err != nil {
			return nil, nil, err
		}
	}
	for _, p := range f.plans {
		g := p.gen()
		if err := templates().funcs[p.mode].Execute(&b, g); err != nil {
			return nil, nil, err
		}
		if p.export != "" {
			if err := templates().export.Execute(&b, g); err != nil {
				return nil, nil, err
			}
		}
	}
	generated, err = format.Source(b.Bytes())
	if err != nil {
		// A bug in the templates: show the code that does not parse.
		return nil, nil, fmt.Errorf("hotpatch generated code for %s that does not parse: %v\n%s", f.file.Name, err, b.Bytes())
	}
	return edited, generated, nil
}

// A Config is what the main package's generated file tells the runtime
// about the build (rt.Config).
type Config struct {
	Output   string // the build output, an absolute path
	Build    string // the build's identifier
	Rollback bool   // hotpatch build -rollback
}

// ConfigFile returns the name and the content of the file that hotpatch
// build adds to the main package, in the folder dir: it tells the runtime
// where the build output lives and which build this is.
func ConfigFile(dir, pkgName string, c Config) (string, []byte) {
	return filepath.Join(dir, generatedPrefix+"config.go"), fmt.Appendf(nil, configTemplate,
		generatedHeader, pkgName, rootName, RootPath, rtName, RuntimePath, rtName, rootName, rtName, rtName, c.Output, c.Build, c.Rollback)
}

const configTemplate = `%s
package %s

import (
	%s %q
	%s %q
)

func init() {
	// A panic in another copy's body reaches a recover here as a
	// *hotpatch.PanicError.
	%s.SetPanicMaker(func(fn, value, stack, build string) error {
		return &%s.PanicError{Func: fn, Value: value, Stack: stack, Build: build}
	})
	%s.Configure(%s.Config{Output: %q, Build: %q, Rollback: %t})
}
`

// goString returns s as a Go string literal: a raw one where it can be.
func goString(s string) string {
	if strings.ContainsAny(s, "`\r") {
		return strconv.Quote(s)
	}
	return "`" + s + "`"
}
