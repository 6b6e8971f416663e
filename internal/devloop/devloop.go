// Package devloop implements hotpatch watch: build, then build again on
// every save of a source file of the library, never two builds at once, and
// say after each what the running processes did with it.
package devloop

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hotpatch-go/hotpatch/internal/build"
)

// DefaultDebounce is hotpatch watch's debounce interval: long enough for an
// editor's save to finish, short next to a build.
const DefaultDebounce = 200 * time.Millisecond

// Options configure a watch.
type Options struct {
	Args *build.Args
	// Debounce is how long the sources must stay unchanged after a save
	// before a build starts: editors write a file in several steps.
	Debounce time.Duration
	// Stderr receives go build's output.
	Stderr interface{ Write([]byte) (int, error) }
	// Built is called after each build, with its result or its error.
	Built func(res *build.Result, err error)
	// Watching is called once the first build is done and the sources are
	// watched, with the folders watched.
	Watching func(dirs []string)
	// build builds; tests replace it.
	build func(ctx context.Context) (*build.Result, error)
}

// Run builds, then rebuilds on every save until ctx is done. It returns
// only when it cannot watch, or when ctx is done, once the build in
// progress, if any, has stopped: a build is never left half-published.
func Run(ctx context.Context, o Options) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	root, err := moduleRoot(o.Args.Dir)
	if err != nil {
		return err
	}
	out := o.Args.Output
	if !filepath.IsAbs(out) {
		out = filepath.Join(o.Args.Dir, out)
	}
	if out, err = filepath.Abs(out); err != nil {
		return err
	}
	if o.build == nil {
		// One session: the analysis stays warm between builds.
		s := new(build.Session)
		o.build = func(ctx context.Context) (*build.Result, error) { return s.Run(ctx, o.Args, o.Stderr) }
	}
	l := &loop{o: o, out: out, w: w, start: make(chan struct{}, 1)}
	// Watch before the first build, so that a save during it counts.
	if _, err := l.watchTree(root); err != nil {
		return err
	}
	l.trigger()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.builds(ctx)
	}()
	var debounce *time.Timer
	for {
		select {
		case <-ctx.Done():
			if debounce != nil {
				debounce.Stop()
			}
			wg.Wait()
			return nil
		case err := <-w.Errors:
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				l.trigger() // events were lost: build to be sure
				continue
			}
			return err
		case ev := <-w.Events:
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					// A new folder counts once it holds a source: its
					// files may have been written before it was
					// watched. The build's own output folder does not.
					if watchedDir(root, ev.Name) {
						if sources, _ := l.watchTree(ev.Name); sources {
							l.schedule(&debounce)
						}
					}
					continue
				}
			}
			if l.relevant(ev.Name) {
				l.schedule(&debounce)
			}
		}
	}
}

type loop struct {
	o      Options
	out    string
	w      *fsnotify.Watcher
	start  chan struct{} // a build is wanted; holds at most one
	mu     sync.Mutex
	dirs   []string
	told   bool
	embeds map[string][]string // the last build's //go:embed patterns, by package folder
}

// schedule starts a build once the sources have been quiet for the
// debounce interval.
func (l *loop) schedule(t **time.Timer) {
	if *t != nil {
		(*t).Stop()
	}
	*t = time.AfterFunc(l.o.Debounce, l.trigger)
}

// trigger asks for a build. Asks that arrive during a build make one more
// build after it, however many there are.
func (l *loop) trigger() {
	select {
	case l.start <- struct{}{}:
	default:
	}
}

// builds runs the builds that trigger asks for, one at a time.
func (l *loop) builds(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.start:
		}
		res, err := l.o.build(ctx)
		if ctx.Err() != nil {
			return // stopped: no half-reported build
		}
		if res != nil {
			l.mu.Lock()
			l.embeds = res.Embeds
			l.mu.Unlock()
		}
		l.o.Built(res, err)
		l.mu.Lock()
		if !l.told {
			l.told = true
			dirs := append([]string(nil), l.dirs...)
			l.mu.Unlock()
			if l.o.Watching != nil {
				l.o.Watching(dirs)
			}
			continue
		}
		l.mu.Unlock()
	}
}

// watchTree watches dir and the folders below it that can hold sources,
// and reports whether they hold any.
func (l *loop) watchTree(dir string) (sources bool, err error) {
	root := dir
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() {
			sources = sources || l.relevant(path)
			return nil
		}
		if path != root && !watchedDir(root, path) {
			return filepath.SkipDir
		}
		if err := l.w.Add(path); err != nil {
			return err
		}
		l.mu.Lock()
		l.dirs = append(l.dirs, path)
		l.mu.Unlock()
		return nil
	})
	return sources, err
}

// watchedDir reports whether the folder path can hold the library's
// sources: not a hidden folder (such as .hotpatch beside the output), or a
// vendor, testdata or node_modules folder, which go build does not build
// from.
func watchedDir(root, path string) bool {
	name := filepath.Base(path)
	switch {
	case path == root:
		return true
	case strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_"), name == "testdata", name == "vendor", name == "node_modules":
		return false
	}
	return true
}

// sourceExt are the endings of the files go build builds from.
var sourceExt = map[string]bool{
	".go": true, ".c": true, ".h": true, ".s": true, ".S": true, ".sx": true, ".cc": true, ".cpp": true, ".cxx": true,
	".hh": true, ".hpp": true, ".hxx": true, ".m": true, ".f": true, ".F": true, ".f90": true, ".syso": true, ".swig": true,
}

// relevant reports whether a change to the file name can change the
// library: a source file, go.mod, go.sum or go.work, or a file that a
// //go:embed pattern of the last build matches. Editors' swap and backup
// files, the build's own output, and other files, such as a log that the
// watch itself writes, are not.
func (l *loop) relevant(name string) bool {
	base := filepath.Base(name)
	switch {
	case strings.HasPrefix(base, ".") || strings.HasPrefix(base, "#") || strings.HasSuffix(base, "~") || base == "4913",
		strings.HasSuffix(base, ".swp") || strings.HasSuffix(base, ".swx") || strings.HasSuffix(base, ".tmp"):
		return false
	case filepath.Dir(name) == filepath.Dir(l.out) && strings.HasPrefix(base, strings.TrimSuffix(filepath.Base(l.out), filepath.Ext(l.out))):
		return false // the output, its header and its stamp
	case sourceExt[filepath.Ext(name)], base == "go.mod", base == "go.sum", base == "go.work":
		return true
	}
	return l.embedded(name)
}

// embedded reports whether a //go:embed pattern of the last build matches
// the file name.
func (l *loop) embedded(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for dir, patterns := range l.embeds {
		rel, err := filepath.Rel(dir, name)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		rel = filepath.ToSlash(rel)
		for _, p := range patterns {
			p = strings.TrimPrefix(strings.TrimPrefix(p, "all:"), "./")
			if ok, _ := path.Match(p, rel); ok || rel == p || strings.HasPrefix(rel, strings.TrimSuffix(p, "/")+"/") {
				return true
			}
		}
	}
	return false
}

// moduleRoot returns the folder of the go.mod above dir.
func moduleRoot(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return abs, nil // no module: watch the folder itself
		}
	}
}
