package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// A panic in a new build's package initialisation, such as a regexp.MustCompile
// of a bad pattern, happens in every process that loads the build, and an
// unrecovered panic in any copy ends the whole process. So before a build is
// published, hotpatch build loads it once as a patch copy in a short-lived
// process of its own: the probe. A build whose initialisation panics, crashes
// or exits is never published.
//
// The probe cannot see what depends on the host: its environment, its
// libraries, what it calls the library with. An init that fails only there
// still ends the host (README.md, "A new build never takes the process
// down").

//go:embed probe/probe.c
var probeSource []byte

// probeTimeout bounds the probed initialisation.
const probeTimeout = 30 * time.Second

// probeCannotLoad is the probe's exit status when it cannot load the build
// at all (probe/probe.c).
const probeCannotLoad = 3

// An InitError means that the new build's package initialisation failed in
// the probe. Output is what the probe printed: the panic and its stack.
type InitError struct {
	Output string
	Err    error
}

func (e *InitError) Error() string {
	return fmt.Sprintf("the new build fails while it initialises, in a process that loaded it as a patch copy (%v), so no process loads it:\n%s",
		e.Err, strings.TrimRight(e.Output, "\n"))
}

// errProbeSkipped means that the probe cannot run here.
var errProbeSkipped = errors.New("not probed")

// probe loads lib, a new build of out, as a patch copy in a process of its
// own. It returns an *InitError if the build's initialisation fails there,
// errProbeSkipped (wrapped, with the reason) if the build cannot run on
// this machine, or another error if the probe itself failed.
func probe(ctx context.Context, env []string, lib, out string) error {
	var runner []string
	target := targetOS(env) + "/" + targetArch(env)
	if target != runtime.GOOS+"/"+runtime.GOARCH {
		wine, err := exec.LookPath("wine")
		if targetOS(env) != "windows" || runtime.GOOS != "linux" || err != nil {
			return fmt.Errorf("%w: a %s library cannot run here", errProbeSkipped, target)
		}
		runner = []string{wine}
	}
	exe, err := probeProgram(ctx, env)
	if err != nil {
		return err
	}
	path := artifact.ProbePath(out, os.Getpid())
	if err := copyFile(lib, path); err != nil {
		return err
	}
	defer os.Remove(path)
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	// The probe loads the copy from its folder: under Wine, a Unix path
	// means nothing to LoadLibrary.
	cmd := exec.CommandContext(ctx, exe, "./"+filepath.Base(path))
	if runner != nil {
		cmd = exec.CommandContext(ctx, runner[0], exe, filepath.Base(path))
		env = append(env, "WINEDEBUG=-all")
	}
	cmd.Dir, cmd.Env = filepath.Dir(path), env
	var stdout, output bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &output
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return &InitError{Output: output.String(), Err: fmt.Errorf("it did not finish initialising within %v; an init of a patch copy must not wait for the host: skip such setup when hotpatch.IsHotpatched()", probeTimeout)}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == probeCannotLoad {
		// As in a running process, which logs it and keeps its code.
		return fmt.Errorf("the probe could not load the build: %s", strings.TrimSpace(output.String()))
	}
	if err != nil && strings.Contains(output.String(), "runtime: panic before malloc heap initialized") {
		// The Go runtime itself could not start here, before any package
		// initialisation: Wine 8 lacks bcryptprimitives.dll!ProcessPrng,
		// which every Go runtime needs on Windows.
		return fmt.Errorf("the probe cannot run Go here: %s", firstLine(output.String()))
	}
	if err != nil {
		return &InitError{Output: output.String(), Err: err}
	}
	var desc struct{ Build string }
	if json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &desc) != nil || desc.Build == "" {
		return &InitError{Output: output.String() + stdout.String(), Err: errors.New("its initialisation ended the process")}
	}
	return nil
}

// probeProgram returns the probe, compiled for the target with its C
// compiler into the user's cache folder on first use.
func probeProgram(ctx context.Context, env []string) (string, error) {
	cc := lookupEnvOr(env, "CC", "cc")
	sum := sha256.Sum256(append([]byte(cc+"\x00"+targetOS(env)+"/"+targetArch(env)+"\x00"), probeSource...))
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	exe := filepath.Join(cache, "hotpatch", "probe-"+hex.EncodeToString(sum[:8]))
	if targetOS(env) == "windows" {
		exe += ".exe"
	}
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		return "", err
	}
	src := exe + ".c"
	if err := os.WriteFile(src, probeSource, 0o644); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", exe, os.Getpid())
	args := []string{"-O1", "-o", tmp, src}
	if targetOS(env) != "windows" {
		args = append(args, "-ldl")
	}
	cmd := exec.CommandContext(ctx, strings.Fields(cc)[0], append(strings.Fields(cc)[1:], args...)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("compiling the probe with %s: %v\n%s", cc, err, out)
	}
	return exe, os.Rename(tmp, exe)
}

// copyFile copies src to dst, making dst's folder.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "wine:") {
			return l
		}
	}
	return strings.TrimSpace(s)
}
