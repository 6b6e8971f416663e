package rewrite

import (
	"bytes"
	"fmt"
	"go/ast"
	"regexp"
	"strings"
)

// A host calls a marked //export function through its C name. Without more,
// that call enters the original copy's runtime (about 80 ns), whose dispatch
// check then crosses into the newest copy (Go to C to Go, about 240 ns more).
// So a marked export gets a C entry point of its own, a few instructions of
// assembly: it reads a C-level slot, which the runtime keeps pointing at the
// newest copy's export, and jumps there, or to this copy's export while the
// slot is empty. A host's call then enters only the runtime that runs it.
//
// cgo exports the Go function under the name _hotpatch_NAME: the user's
// //export line and function name get that prefix inserted. The entry point
// takes the name NAME, a Go function NAME in the generated file calls the
// renamed one for the package's own Go callers, and ExportHeader renames the
// header that go build writes back, so that hosts compile against the names
// they always had. The entry point jumps without touching the arguments, so
// it serves every signature.
//
// Before it jumps, the entry point notes the calling thread in a table that
// the runtime keeps (rt/threads.c): it hashes the thread pointer, which the
// x86-64 ABIs keep at %fs:0 (Linux) and %gs:0x30 (Windows, the TEB), and
// compares it with its slot in the table. A thread that is not in its slot
// calls the runtime's _hotpatch_thread_seen, which probes further and takes
// an empty slot. The patcher gives a new copy a processor for each thread it
// counts there (rt/procs.go).

// threadTableBits is log2 of the length of rt's _hotpatch_threads.
const threadTableBits = 9

// exportPrefix starts the name under which cgo exports a marked function
// that has an entry point of its own.
const exportPrefix = "_hotpatch_"

// stubTarget reports whether the target has an entry point: the systems the
// project tests.
func stubTarget(goos, goarch string) bool {
	return goarch == "amd64" && (goos == "linux" || goos == "windows")
}

// exportName returns the C name that d's //export comment gives it, or "".
func exportName(d *ast.FuncDecl) string {
	if d.Recv != nil || d.Doc == nil {
		return ""
	}
	for _, c := range d.Doc.List {
		if name, ok := strings.CutPrefix(c.Text, "//export "); ok && strings.TrimSpace(name) == d.Name.Name {
			return d.Name.Name
		}
	}
	return ""
}

// renameExport inserts the prefix in front of the function's name, in its
// //export comment and in its declaration, keeping the positions of what
// follows.
func (f *fileRewrite) renameExport(d *ast.FuncDecl) {
	for _, c := range d.Doc.List {
		if strings.HasPrefix(c.Text, "//export ") {
			f.edits = append(f.edits, edit{off: f.fset.Position(c.Pos()).Offset + len("//export "), text: exportPrefix})
		}
	}
	f.edits = append(f.edits, edit{off: f.fset.Position(d.Name.Pos()).Offset, text: exportPrefix})
	end := f.fset.Position(d.Name.End())
	f.edits = append(f.edits, edit{off: end.Offset, text: fmt.Sprintf("/*line :%d:%d*/", end.Line, end.Column)})
}

// stubPreamble returns the cgo preamble that defines the entry points of
// names, for the target.
func stubPreamble(goos string, names []string) string {
	var b strings.Builder
	for _, n := range names {
		slot, exported := exportPrefix+"slot_"+n, exportPrefix+n
		fmt.Fprintf(&b, "// %s: the entry point of the marked export %s.\n", n, n)
		if goos == "windows" {
			fmt.Fprintf(&b, "void* volatile %s;\n", slot)
		} else {
			fmt.Fprintf(&b, "__attribute__((visibility(\"hidden\"))) void* volatile %s;\n", slot)
		}
		fmt.Fprintf(&b, "extern void %s();\n", exported)
		b.WriteString("__asm__(\n\t\".text\\n\"\n")
		if goos == "windows" {
			fmt.Fprintf(&b, "\t\".globl %s\\n\"\n\t\".def %s; .scl 2; .type 32; .endef\\n\"\n", n, n)
		} else {
			fmt.Fprintf(&b, "\t\".globl %s\\n\"\n\t\".type %s, @function\\n\"\n", n, n)
		}
		fmt.Fprintf(&b, "\t\"%s:\\n\"\n", n)
		if goos == "windows" {
			b.WriteString("\t\"\\tmovq %gs:0x30, %r11\\n\"\n")
		} else {
			b.WriteString("\t\"\\tmovq %fs:0, %r11\\n\"\n")
		}
		// 0x9E3779B1, Knuth's multiplier, as the signed immediate imulq takes.
		fmt.Fprintf(&b, "\t\"\\timulq $-1640531535, %%r11, %%r10\\n\"\n\t\"\\tshrq $%d, %%r10\\n\"\n", 64-threadTableBits)
		b.WriteString("\t\"\\tleaq _hotpatch_threads(%rip), %rax\\n\"\n")
		b.WriteString("\t\"\\tcmpq %r11, (%rax,%r10,8)\\n\"\n\t\"\\tje 2f\\n\"\n\t\"\\tcall _hotpatch_thread_seen\\n\"\n")
		fmt.Fprintf(&b, "\t\"2:\\tmovq %s(%%rip), %%rax\\n\"\n", slot)
		b.WriteString("\t\"\\ttestq %rax, %rax\\n\"\n\t\"\\tjz 1f\\n\"\n\t\"\\tjmp *%rax\\n\"\n")
		if goos == "windows" {
			fmt.Fprintf(&b, "\t\"1:\\tjmp %s\\n\"\n", exported)
			// Exported from the DLL, as __declspec(dllexport) would.
			fmt.Fprintf(&b, "\t\".section .drectve\\n\"\n\t\".ascii \\\" -export:%s\\\"\\n\"\n\t\".text\\n\"\n", n)
		} else {
			fmt.Fprintf(&b, "\t\"1:\\tjmp %s@PLT\\n\"\n\t\".size %s, .-%s\\n\"\n", exported, n, n)
		}
		b.WriteString(");\n")
	}
	return b.String()
}

// ExportHeader renames the exports of a header that go build wrote back to
// their names: _hotpatch_NAME is NAME, and _hotpatch_NAME_return is
// NAME_return.
func ExportHeader(header []byte, exports []string) []byte {
	if len(exports) == 0 {
		return header
	}
	quoted := make([]string, len(exports))
	for i, e := range exports {
		quoted[i] = regexp.QuoteMeta(e)
	}
	re := regexp.MustCompile(`\b` + exportPrefix + `(` + strings.Join(quoted, "|") + `)(_return)?\b`)
	return re.ReplaceAll(bytes.Clone(header), []byte("$1$2"))
}
