package devloop

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/build"
)

// TestOneMoreBuild saves many times during a build: exactly one more build
// follows it, never two at once.
func TestOneMoreBuild(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/x\n"), 0o644)
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte("package main\n"), 0o644)

	var running, builds, overlap atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	o := Options{
		Args:     &build.Args{Dir: dir, Output: filepath.Join(dir, "out", "lib.so")},
		Debounce: 10 * time.Millisecond,
		Stderr:   io.Discard,
		Built:    func(*build.Result, error) {},
		build: func(ctx context.Context) (*build.Result, error) {
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			builds.Add(1)
			started <- struct{}{}
			if builds.Load() == 2 {
				<-release // the second build takes a while
			}
			running.Add(-1)
			return &build.Result{}, nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	<-started // the first build
	os.WriteFile(src, []byte("package main\n// 1\n"), 0o644)
	<-started // the second, which waits
	for i := range 5 {
		os.WriteFile(src, []byte("package main\n// "+string(rune('a'+i))+"\n"), 0o644)
		time.Sleep(30 * time.Millisecond)
	}
	close(release)
	<-started // exactly one more
	time.Sleep(300 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := builds.Load(); n != 3 {
		t.Errorf("%d builds, want 3: saves during a build give one more", n)
	}
	if overlap.Load() > 0 {
		t.Error("two builds ran at once")
	}
}

// TestRelevant checks which saves start a build.
func TestRelevant(t *testing.T) {
	l := &loop{out: "/src/lib/build/libgame.so", embeds: map[string][]string{"/src/lib": {"assets/*.json", "shaders"}}}
	for name, want := range map[string]bool{
		"/src/lib/main.go":                   true,
		"/src/lib/native.c":                  true,
		"/src/lib/go.mod":                    true,
		"/src/lib/assets/level.json":         true, // may be embedded
		"/src/lib/.main.go.swp":              false,
		"/src/lib/main.go~":                  false,
		"/src/lib/#main.go#":                 false,
		"/src/lib/4913":                      false,
		"/src/lib/build/libgame.so":          false,
		"/src/lib/build/libgame.h":           false,
		"/src/lib/build/libgame.so.hotpatch": false,
		"/src/lib/build/host":                false,
		"/src/lib/build/gen.go":              true,
	} {
		if got := l.relevant(name); got != want {
			t.Errorf("relevant(%s) = %v, want %v", name, got, want)
		}
	}
}

// TestNewFolders creates folders while watching: the build's output folder
// and an empty folder start no build; a folder that holds a source file
// does, even if the file was written before the folder was watched.
func TestNewFolders(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644)
	built := make(chan struct{}, 10)
	watching := make(chan struct{})
	out := filepath.Join(dir, "out", "lib.so")
	o := Options{
		Args:     &build.Args{Dir: dir, Output: out},
		Debounce: 10 * time.Millisecond,
		Stderr:   io.Discard,
		Built:    func(*build.Result, error) { built <- struct{}{} },
		Watching: func([]string) { close(watching) },
		build: func(ctx context.Context) (*build.Result, error) {
			os.MkdirAll(filepath.Dir(out), 0o755)
			os.WriteFile(out, []byte("lib"), 0o644)
			return &build.Result{}, nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	<-built
	<-watching
	quiet := func(what string) {
		t.Helper()
		select {
		case <-built:
			t.Errorf("%s started a build", what)
		case <-time.After(300 * time.Millisecond):
		}
	}
	quiet("the output folder")
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	quiet("an empty folder")
	tmp := filepath.Join(t.TempDir(), "sub")
	os.MkdirAll(tmp, 0o755)
	os.WriteFile(filepath.Join(tmp, "sub.go"), []byte("package sub\n"), 0o644)
	os.Rename(tmp, filepath.Join(dir, "sub")) // a folder that arrives whole
	select {
	case <-built:
	case <-time.After(10 * time.Second):
		t.Error("a new folder with a source file started no build")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
