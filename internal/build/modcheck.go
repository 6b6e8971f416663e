package build

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hotpatch-go/hotpatch/internal/version"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/tools/go/packages"
)

// A hotpatchModule is the hotpatch module that the user's module resolves.
type hotpatchModule struct {
	Version string // v1.2.0; empty when replaced by a folder
	Dir     string // where its source is, if known
	// Replaced is the folder that a replace directive or a workspace puts
	// in its place, as go.mod or go.work names it.
	Replaced string
}

// errModule is the error of a module that the CLI cannot build for.
type errModule struct{ msg string }

func (e *errModule) Error() string { return e.msg }

// checkModule checks, before go build runs, that the user's module resolves
// the hotpatch whose runtime this CLI generates code for: the same source,
// whatever the version strings say. Each refusal says how to get out of it.
// an.hotpatch is what go list said, when the library imports hotpatch
// itself; otherwise go.mod is read, which costs no go list run.
func checkModule(an *analysis, env []string) error {
	if an.gomod == "" {
		return &errModule{fmt.Sprintf("%s is not in a module, and the code that hotpatch build generates imports %s: "+
			"make one with go mod init, then %s", an.mainDir, version.ModulePath+"/rt", getCommand())}
	}
	m := an.hotpatch
	if m == nil {
		var err error
		if m, err = moduleFromGoMod(an.gomod, env); err != nil {
			return err
		}
	}
	if m == nil {
		return notRequired(an.module, true)
	}
	theirs := "unknown"
	if m.Dir != "" {
		fp, err := version.Fingerprint(m.Dir)
		if err == nil && fp == version.Source() {
			return nil // the same source, whatever the versions say
		}
		if err == nil {
			theirs = fp
		}
	}
	cli := version.CLI()
	if m.Replaced != "" {
		return &errModule{fmt.Sprintf("module %s uses %s from %s, whose runtime source (%s) is not the one that this hotpatch generates code for (%s). "+
			"Either install hotpatch from that folder (go install ./cmd/hotpatch in it), or use this one's: %s",
			an.module, version.ModulePath, m.Replaced, theirs, version.Source(), getCommand())}
	}
	if m.Version == cli && m.Dir == "" {
		return nil // not downloaded yet: the versions must do
	}
	return &errModule{fmt.Sprintf("module %s uses %s %s, and this hotpatch is %s: the code it generates is for its own runtime. Either:\n\t%s\nor install the hotpatch that matches the module:\n\tgo install %s/cmd/hotpatch@%s",
		an.module, version.ModulePath, m.Version, cli, getCommand(), version.ModulePath, m.Version)}
}

// notRequired is the error of a module that does not require hotpatch. If
// the library does not import it either, it says to: go mod tidy would drop
// the requirement, since it cannot see the generated code.
func notRequired(module string, addImport bool) error {
	msg := fmt.Sprintf("module %s does not require %s, which the code that hotpatch build generates imports.", module, version.ModulePath)
	if addImport {
		msg += fmt.Sprintf(" Import it in the library, so that go mod tidy keeps it:\n\timport _ %q\nthen add it with:", version.ModulePath)
	} else {
		msg += " Add it with:"
	}
	return &errModule{msg + "\n\t" + getCommand()}
}

// getCommand is the command that makes a module use this CLI's hotpatch.
func getCommand() string {
	if v := version.CLI(); v != version.Devel {
		return "go get " + version.ModulePath + "@" + v
	}
	// A CLI built from a checkout: the module can use that checkout.
	if dir := version.CheckoutDir(); dir != "" {
		return fmt.Sprintf("go mod edit -require=%s@v0.0.0 -replace=%s=%s && go mod tidy", version.ModulePath, version.ModulePath, dir)
	}
	return "go get " + version.ModulePath + "@latest, and install the same version of hotpatch"
}

// moduleFromGoMod returns the hotpatch module that go.mod requires, or nil.
// A module in the module cache is found by its version; a replacement by
// its folder.
func moduleFromGoMod(gomod string, env []string) (*hotpatchModule, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", gomod, err)
	}
	var m *hotpatchModule
	for _, r := range f.Require {
		if r.Mod.Path == version.ModulePath {
			m = &hotpatchModule{Version: r.Mod.Version}
		}
	}
	if m == nil {
		return nil, nil
	}
	for _, r := range f.Replace {
		if r.Old.Path != version.ModulePath || (r.Old.Version != "" && r.Old.Version != m.Version) {
			continue
		}
		if r.New.Version != "" {
			m.Version = r.New.Version // another module, at a version
			break
		}
		m.Replaced = r.New.Path
		m.Dir = r.New.Path
		if !filepath.IsAbs(m.Dir) {
			m.Dir = filepath.Join(filepath.Dir(gomod), m.Dir)
		}
		return m, nil
	}
	if esc, err := module.EscapePath(version.ModulePath); err == nil {
		dir := filepath.Join(modCache(env), esc+"@"+m.Version)
		if _, err := os.Stat(dir); err == nil {
			m.Dir = dir
		}
	}
	return m, nil
}

// modCache returns the module cache folder, as the go command finds it.
func modCache(env []string) string {
	if c := lookupEnv(env, "GOMODCACHE"); c != "" {
		return c
	}
	gopath := lookupEnv(env, "GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	return filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
}

// resolvedModule returns the hotpatch module that go list resolved for the
// package m belongs to.
func resolvedModule(m *packages.Module) *hotpatchModule {
	r := &hotpatchModule{Version: m.Version, Dir: m.Dir}
	switch {
	case m.Replace != nil && m.Replace.Version == "":
		r.Version, r.Dir, r.Replaced = "", m.Replace.Dir, m.Replace.Path
	case m.Replace != nil:
		r.Version, r.Dir = m.Replace.Version, m.Replace.Dir
	case m.Main:
		// A module of the workspace.
		r.Version, r.Replaced = "", m.Dir
	}
	return r
}
