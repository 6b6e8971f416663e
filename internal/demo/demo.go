// Package demo runs hotpatch demo: hot-patching live, end to end.
package demo

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/build"
	"github.com/hotpatch-go/hotpatch/internal/scaffold"
)

//go:embed lib/main.go host/host.c
var files embed.FS

// The edits the demo makes to the example, one rebuild each, and the width
// the host then draws for frame n.
var edits = []struct {
	old, new string
	width    func(frame int) int
}{
	{"return 4 + frame%4", "return 20 + frame%4", func(n int) int { return 20 + n%4 }},
	{"return 20 + frame%4", "return 40 - frame%8", func(n int) int { return 40 - n%8 }},
}

// Run builds the example library in a temporary module, starts the C host,
// edits and rebuilds the library twice while the host runs, and reports what
// the host drew.
func Run(ctx context.Context, w io.Writer) error {
	say := func(format string, args ...any) { fmt.Fprintf(w, "hotpatch demo: "+format+"\n", args...) }
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := scaffold.Root(wd)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "hotpatch-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lib, _ := files.ReadFile("lib/main.go")
	hostSrc, _ := files.ReadFile("host/host.c")
	if err := scaffold.Module(dir, "example.com/demo", root, map[string][]byte{"main.go": lib, "host.c": hostSrc}); err != nil {
		return err
	}
	out := filepath.Join(dir, "build", "libdemo.so")
	rebuild := func() error {
		start := time.Now()
		res, err := build.Run(ctx, &build.Args{Dir: dir, Output: out, Packages: []string{"."}}, w)
		if err != nil {
			return err
		}
		say("built %s (build %s) in %.1fs", filepath.Base(out), res.Build, time.Since(start).Seconds())
		return nil
	}
	say("building the example library with hotpatch build, in %s", dir)
	if err := rebuild(); err != nil {
		return err
	}
	cc := exec.CommandContext(ctx, "cc", "-o", filepath.Join(dir, "host"), filepath.Join(dir, "host.c"), "-ldl")
	if msg, err := cc.CombinedOutput(); err != nil {
		return fmt.Errorf("compiling the C host: %v\n%s", err, msg)
	}
	say("starting a C host that loads %s and calls Width(frame) five times a second", filepath.Base(out))
	host := exec.CommandContext(ctx, filepath.Join(dir, "host"), out)
	host.Dir = dir
	stdout, err := host.StdoutPipe()
	if err != nil {
		return err
	}
	host.Stderr = w
	if err := host.Start(); err != nil {
		return err
	}
	defer func() { host.Process.Kill(); host.Wait() }()
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	frameRE := regexp.MustCompile(`frame\s+(\d+)\s+width=(\d+)`)
	// show passes on host lines until one satisfies done.
	show := func(n int, done func(frame, width int) bool) error {
		deadline := time.After(2 * time.Minute)
		for seen := 0; ; {
			select {
			case l, ok := <-lines:
				if !ok {
					return fmt.Errorf("the host exited")
				}
				fmt.Fprintf(w, "  host | %s\n", l)
				var frame, width int
				if m := frameRE.FindStringSubmatch(l); m != nil {
					fmt.Sscan(m[1], &frame)
					fmt.Sscan(m[2], &width)
				}
				seen++
				if done(frame, width) && seen >= n {
					return nil
				}
			case <-deadline:
				return fmt.Errorf("the host did not pick up the new build within 2 minutes")
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if err := show(4, func(int, int) bool { return true }); err != nil {
		return err
	}
	src := filepath.Join(dir, "main.go")
	for _, e := range edits {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		say("editing main.go: %q becomes %q, and rebuilding while the host runs", e.old, e.new)
		if err := os.WriteFile(src, []byte(strings.Replace(string(data), e.old, e.new, 1)), 0o644); err != nil {
			return err
		}
		start := time.Now()
		if err := rebuild(); err != nil {
			return err
		}
		if err := show(1, func(frame, width int) bool { return frame > 0 && width == e.width(frame) }); err != nil {
			return err
		}
		say("the host runs the new body, %.1fs after the edit, without a restart", time.Since(start).Seconds())
		if err := show(3, func(int, int) bool { return true }); err != nil {
			return err
		}
	}
	say("done: one process, %d builds", len(edits)+1)
	return nil
}
