// Package build implements hotpatch build: it finds the marked functions,
// rewrites them through a go build overlay, builds the c-shared library, and
// publishes it so that running processes pick it up safely.
package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
	"github.com/hotpatch-go/hotpatch/internal/rewrite"
)

// Result says what a build produced.
type Result struct {
	Output string         // the library
	Build  string         // the build's identifier
	Funcs  []rewrite.Func // the marked functions
	Kept   []rewrite.Kept // the kept variables
	// Warnings are problems of the source that do not stop the build.
	Warnings []*rewrite.Error
	// Searched names the packages where marked functions were looked for.
	Searched []string
	// Embeds are the //go:embed patterns of the main module's packages, by
	// package folder.
	Embeds map[string][]string
	// Work is the folder that holds the overlay, when -work keeps it.
	Work string
	// Notes are what the user should know about this build, such as a
	// probe that could not run.
	Notes []string
	// Unchanged reports that the build runs the same code as the published
	// one, so that it was not published: Build is then the published build.
	Unchanged bool
	// Linker says which linker go build's external link used, and why not
	// a faster one.
	Linker string
	// Warm says that the analysis came from the Session's last build: go
	// list was not asked again.
	Warm bool

	// Where the time went: finding and rewriting the marked functions,
	// go build, the probe, and publishing (checksum, renames, stamp). The
	// benchmark reports them.
	Analysis, GoBuild, Probe, Publish time.Duration
}

// Run builds the library that a describes. Compiler output goes to stderr.
func Run(ctx context.Context, a *Args, stderr io.Writer) (*Result, error) {
	return run(ctx, a, stderr, new(Session))
}

// run is Run, in the session s, whose analysis may still be warm.
func run(ctx context.Context, a *Args, stderr io.Writer, s *Session) (*Result, error) {
	out := a.Output
	if !filepath.IsAbs(out) {
		out = filepath.Join(a.Dir, out)
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	env, err := buildEnv(os.Environ())
	if err != nil {
		return nil, err
	}
	id := time.Now().UTC().Format("20060102T150405.000000000")
	// The linker is tried while the analysis runs.
	linkerc := make(chan linkerChoice, 1)
	go func() { linkerc <- chooseLinker(ctx, a, env) }()
	var linker *linkerChoice

	// go build writes its output in place: a process that loaded the file
	// at that path would crash, and a watcher could see half a file. So the
	// library is built in a folder beside the output, under the output's own
	// name, which a DLL records as the name that programs linked against it
	// import it by, and renamed over it.
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)
	tmp := filepath.Join(staging, filepath.Base(out))
	var added []string // files the overlay adds to a package given as files
	goBuild := func(overlayFile string) error {
		if linker == nil {
			c := <-linkerc
			linker = &c
		}
		args := []string{"build", "-buildmode=c-shared", a.tagsFlag(), "-o", tmp}
		if overlayFile != "" {
			args = append(args, "-overlay="+overlayFile)
		}
		args = append(append(append(args, withLinker(withDWARF(withToolExec(a.Flags, env), env), *linker)...), a.Packages...), added...)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = a.Dir, withCC(a.Flags, env), stderr, stderr
		err := cmd.Run()
		if err != nil {
			return fmt.Errorf("go build failed; %s is unchanged, and running processes keep their code: %w", a.Output, err)
		}
		return nil
	}

	start := time.Now()
	an, err := analyze(ctx, a, env, s)
	var notCompiling *loadError
	if errors.As(err, &notCompiling) {
		// Let the compiler report the errors, in its own words.
		if err := goBuild(""); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	if err := checkModule(an, env); err != nil {
		return nil, err
	}
	// The same sources as the published build's, which is still there,
	// are not built again.
	code, err := sourceDigest(a, out, env, an.pkgs)
	if err != nil {
		return nil, fmt.Errorf("reading the library's sources: %w", err)
	}
	if prev, err := artifact.ReadStamp(out); err == nil && prev.Code == code {
		if fi, err := os.Stat(out); err == nil && fi.Size() == prev.Size {
			return &Result{Output: out, Build: prev.Build, Funcs: an.funcs, Kept: an.kept, Searched: an.searched, Embeds: an.embeds, Unchanged: true, Warm: an.warm, Analysis: time.Since(start)}, nil
		}
	}
	name, config := rewrite.ConfigFile(an.mainDir, an.mainName, rewrite.Config{Output: out, Build: id, Rollback: a.Rollback})
	an.overlay[name] = config
	if a.Files() {
		// go build builds the files it is given, and only those; they
		// must name one folder the same way.
		for path := range an.overlay {
			if _, err := os.Stat(path); err != nil {
				added = append(added, filepath.Join(filepath.Dir(a.Packages[0]), filepath.Base(path)))
			}
		}
		sort.Strings(added)
	}

	work, err := os.MkdirTemp("", "hotpatch-build-")
	if err != nil {
		return nil, err
	}
	res := &Result{Output: out, Build: id, Funcs: an.funcs, Kept: an.kept, Warnings: an.warnings, Searched: an.searched, Embeds: an.embeds, Warm: an.warm, Analysis: time.Since(start)}
	if a.Work {
		res.Work = work
	} else {
		defer os.RemoveAll(work)
	}
	overlayFile, err := writeOverlay(work, an.overlay)
	if err != nil {
		return nil, err
	}
	start = time.Now()
	if err := goBuild(overlayFile); err != nil {
		return nil, err
	}
	res.GoBuild = time.Since(start)
	res.Linker = linker.String()
	start = time.Now()
	if !a.NoProbe {
		err := probe(ctx, env, tmp, out)
		if ctx.Err() != nil {
			err = ctx.Err() // stopped, not failed
		}
		var initErr *InitError
		switch {
		case errors.As(err, &initErr):
			return nil, fmt.Errorf("%w\n%s is unchanged, and running processes keep their code", err, a.Output)
		case errors.Is(err, errProbeSkipped):
			res.Notes = append(res.Notes, err.Error()+": its package initialisation was not tried before publishing (on Linux, install wine to probe Windows builds)")
		case errors.Is(err, context.Canceled):
			return nil, err
		case err != nil:
			res.Notes = append(res.Notes, "not probed: "+err.Error())
		}
	}
	if ctx.Err() != nil {
		// Stopped before publishing: nothing is half-published.
		return nil, ctx.Err()
	}
	res.Probe = time.Since(start)
	start = time.Now()
	if err := publish(tmp, out, id, code, an.exports); err != nil {
		return nil, err
	}
	res.Publish = time.Since(start)
	return res, nil
}

// writeOverlay writes the overlay's files into dir, under the names they
// replace or add, and the overlay file that go build -overlay reads.
func writeOverlay(dir string, files rewrite.Overlay) (string, error) {
	replace := map[string]string{}
	for orig, data := range files {
		// The package's folder, flattened, keeps the names unique and
		// readable: dir/home_user_game_main.go.
		name := filepath.Join(dir, strings.ReplaceAll(strings.TrimPrefix(filepath.ToSlash(orig), "/"), "/", "_"))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return "", err
		}
		replace[orig] = name
	}
	data, err := json.MarshalIndent(map[string]any{"Replace": replace}, "", "\t")
	if err != nil {
		return "", err
	}
	name := filepath.Join(dir, "overlay.json")
	return name, os.WriteFile(name, data, 0o644)
}
