//go:build linux

package e2e

import (
	"strings"
	"testing"
)

// A panic in a new build's package initialisation used to abort the host at
// reload: a patch copy initialises inside the host, and an unrecovered panic
// in any copy ends the process. hotpatch build now loads every new build in a
// probe process first. Builds that panic in init are not published; the host
// keeps its code, and the next good build applies.
func TestInitPanic(t *testing.T) { testInitPanic(t, linux) }

// TestWindowsInitPanic probes the DLL under Wine.
func TestWindowsInitPanic(t *testing.T) { testInitPanic(t, windows(t)) }

func testInitPanic(t *testing.T, p *platform) {
	l := newLibOn(t, p, "testdata/lib")
	l.mustBuild()
	h := l.startHost(nil, "host", l.out)
	h.expect("compute 1", "1001")

	for _, c := range []struct {
		name, code string
		want       []string
	}{
		{"a Must helper", "var bad = regexp.MustCompile(\"(\")", []string{"panic: regexp: Compile(`(`)", "main.init", "main.go:"}},
		// Only in patch copies: the probe loads the build as one.
		{"a nil map written in init", "func init() {\n\tif hotpatch.IsHotpatched() {\n\t\tvar m map[string]int\n\t\tm[\"x\"] = 1\n\t}\n}",
			[]string{"panic: assignment to entry in nil map", "main.init"}},
		{"an index out of range", "var xs = []int{1}\n\nvar bad = xs[len(xs)+1]", []string{"panic: runtime error: index out of range [2] with length 1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer l.keep()()
			l.setVersion(1, 2)
			l.edit("func main() {}", c.code+"\n\nfunc main() {}")
			if strings.Contains(c.code, "regexp.") {
				l.edit("\t\"fmt\"\n", "\t\"fmt\"\n\t\"regexp\"\n")
			}
			out, err := l.build()
			if err == nil {
				t.Fatalf("a build that panics in init was published:\n%s", out)
			}
			for _, want := range append(c.want, "the new build fails while it initialises", "libtest"+p.ext+" is unchanged, and running processes keep their code") {
				if !strings.Contains(out, want) {
					t.Errorf("the build's output has no %q:\n%s", want, out)
				}
			}
			h.expect("compute 1", "1001")
		})
	}
	l.setVersion(1, 2)
	l.mustBuild()
	h.await("compute 1", "1002")
}
