package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// headerList reads the compiler's list of the files it read, in the file
// deps, and returns it as the cache keeps it: a line for each header, its
// digest and its name. It reports false if a file changed since start, or
// uses the clock.
func (c *compile) headerList(deps string, start time.Time) ([]byte, bool) {
	data, err := os.ReadFile(deps)
	if err != nil {
		return nil, false
	}
	names, ok := parseDeps(data)
	if !ok {
		return nil, false
	}
	var list bytes.Buffer
	for _, name := range names {
		if name == c.input {
			continue // in the key
		}
		fi, err := os.Stat(name)
		if err != nil || !fi.ModTime().Before(start) {
			return nil, false
		}
		data, err := os.ReadFile(name)
		if err != nil || usesClock(data) {
			return nil, false
		}
		abs := name
		if !filepath.IsAbs(abs) {
			if abs, err = filepath.Abs(name); err != nil {
				return nil, false
			}
		}
		fmt.Fprintf(&list, "%s %s\n", fileSum(data), c.norm(abs))
	}
	if list.Len() == 0 {
		list.WriteString(fileSum(nil) + " -\n")
	}
	return list.Bytes(), true
}

// parseDeps parses a make rule as the compiler's -MD writes it, and
// returns its prerequisites.
func parseDeps(data []byte) ([]string, bool) {
	s := strings.ReplaceAll(string(data), "\\\r\n", " ")
	s = strings.ReplaceAll(s, "\\\n", " ")
	_, rest, ok := strings.Cut(s, ": ")
	if !ok {
		return nil, false
	}
	if i := strings.IndexAny(rest, "\n"); i >= 0 {
		rest = rest[:i] // -MD writes one rule
	}
	var names []string
	var name strings.Builder
	for i := 0; i < len(rest); i++ {
		switch ch := rest[i]; {
		case ch == '\\' && i+1 < len(rest) && (rest[i+1] == ' ' || rest[i+1] == '#'):
			name.WriteByte(rest[i+1])
			i++
		case ch == '$' && i+1 < len(rest) && rest[i+1] == '$':
			name.WriteByte('$')
			i++
		case ch == ' ' || ch == '\t' || ch == '\r':
			if name.Len() > 0 {
				names = append(names, name.String())
				name.Reset()
			}
		default:
			name.WriteByte(ch)
		}
	}
	if name.Len() > 0 {
		names = append(names, name.String())
	}
	return names, true
}

// usesClock reports whether C source uses the time it is compiled at.
func usesClock(src []byte) bool {
	return bytes.Contains(src, []byte("__DATE__")) || bytes.Contains(src, []byte("__TIME__"))
}

func fileSum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// resultName is the name of the result kept under the manifest with the
// header list list.
func resultName(manifest string, list []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", filepath.Base(manifest))
	h.Write(list)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// A result is what a compile wrote.
type result struct {
	code           int
	prefix         string // cgo's, in the source
	stdout, stderr []byte
	hasOutput      bool
	output         []byte
}

// encode writes r as one line of the exit code and lengths, then the
// bytes.
func (r result) encode() []byte {
	outLen := -1
	if r.hasOutput {
		outLen = len(r.output)
	}
	b := fmt.Appendf(nil, "%d %d %d %d %q\n", r.code, len(r.stdout), len(r.stderr), outLen, r.prefix)
	b = append(append(b, r.stdout...), r.stderr...)
	return append(b, r.output...)
}

func decodeResult(data []byte) (result, bool) {
	line, rest, ok := bytes.Cut(data, []byte("\n"))
	f := strings.Fields(string(line))
	if !ok || len(f) != 5 {
		return result{}, false
	}
	prefix, err := strconv.Unquote(f[4])
	if err != nil {
		return result{}, false
	}
	var n [4]int
	for i, s := range f[:4] {
		v, err := strconv.Atoi(s)
		if err != nil || i > 0 && i < 3 && v < 0 {
			return result{}, false
		}
		n[i] = v
	}
	total := n[1] + n[2] + max(n[3], 0)
	if len(rest) != total {
		return result{}, false
	}
	r := result{code: n[0], prefix: prefix, stdout: rest[:n[1]], stderr: rest[n[1] : n[1]+n[2]]}
	if n[3] >= 0 {
		r.hasOutput, r.output = true, rest[n[1]+n[2]:]
	}
	return r, true
}

// Entries unused for compileCacheAge are removed, every compileTrimEvery.
const (
	compileCacheAge  = 7 * 24 * time.Hour
	compileTrimEvery = 24 * time.Hour
)

// markUsed moves the time of the cache entry name to now, once an hour at
// most, so that it is not trimmed while compiles use it.
func markUsed(name string) {
	if fi, err := os.Stat(name); err == nil && time.Since(fi.ModTime()) > time.Hour {
		now := time.Now()
		os.Chtimes(name, now, now)
	}
}

// trimCompileCache removes the entries in the folder dir that no compile
// used for compileCacheAge, if it was not trimmed for compileTrimEvery.
func trimCompileCache(dir string, now time.Time) {
	mark := filepath.Join(dir, "trimmed")
	if fi, err := os.Stat(mark); err == nil && now.Sub(fi.ModTime()) < compileTrimEvery {
		return
	}
	writeCacheFile(mark, nil)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && e.Name() != "trimmed" && now.Sub(fi.ModTime()) > compileCacheAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
