package rewrite

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestRules checks the diagnostics of the files in testdata/rules, as
// analysistest does: every error must match a `// want` comment on its line,
// and every want must be met. The files are type-checked in the test, with no
// go build.
func TestRules(t *testing.T) {
	files, _ := filepath.Glob("testdata/rules/*.go")
	for _, name := range files {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".go"), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			p := loadPackage(t, []txtar.File{{Name: "main.go", Data: src}}, "linux", "amd64")
			res, err := Rewrite(p)
			wants := wantComments(t, src)
			errs := unjoin(err)
			if res != nil {
				// Warnings are checked as errors are.
				for _, w := range res.Warnings {
					errs = append(errs, w)
				}
			}
			for _, e := range errs {
				var re *Error
				if !errors.As(e, &re) {
					t.Errorf("an error without a position: %v", e)
					continue
				}
				line := re.Pos.Line
				matched := false
				for i, w := range wants[line] {
					if w != nil && w.MatchString(re.Error()) {
						wants[line][i] = nil
						matched = true
						break
					}
				}
				if !matched {
					t.Errorf("line %d: unexpected error: %v", line, re)
				}
			}
			for line, ws := range wants {
				for _, w := range ws {
					if w != nil {
						t.Errorf("line %d: no error matches %q", line, w)
					}
				}
			}
		})
	}
}

var wantRE = regexp.MustCompile("// want (`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\")")

// wantComments returns the expected errors of src, by line.
func wantComments(t *testing.T, src []byte) map[int][]*regexp.Regexp {
	wants := map[int][]*regexp.Regexp{}
	for i, line := range strings.Split(string(src), "\n") {
		for _, m := range wantRE.FindAllStringSubmatch(line, -1) {
			pattern, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			wants[i+1] = append(wants[i+1], regexp.MustCompile(pattern))
		}
	}
	return wants
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
