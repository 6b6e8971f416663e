package rt

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// TestApplyPointsOriginalFirst: the host's calls enter the original copy, so
// an apply points its slot at the new build before it calls into any other
// copy's runtime, each of which costs a call into it. The new copy, where the
// host's calls through entry points go from then on, and the copy that owned
// the state, where calls wait while its gate is closed, come next; the build
// reports that it applied before the others are pointed.
func TestApplyPointsOriginalFirst(t *testing.T) {
	slot := Register("example.com/game.step", "fp", false)
	defer func(n int) { funcs = funcs[:n] }(len(funcs) - 1)
	defer slot.target.Store(nil)

	d := func(build string) *description {
		return &description{Build: build, Funcs: []funcDesc{{ID: "example.com/game.step", Fingerprint: "fp"}}}
	}
	p := &patcher{log: slog.New(slog.NewTextHandler(io.Discard, nil)), out: t.TempDir() + "/libgame.so"}
	p.self = newLoaded(d("b0"), "", nil, func(controlRequest) controlResponse { return controlResponse{} })
	p.self.original = true
	p.owner = p.self
	p.loaded = []*loaded{p.self}
	n := newLoaded(d("b9"), "", nil, nil)
	n.stamp = artifact.Stamp{Build: "b9"}
	var pointedFirst []bool // for each other copy's opPoint: had the original been pointed?
	var pointed []string    // the builds of the other copies, in the order they were pointed
	var reported []bool     // for each: had the build reported?
	record := func(build string) func(controlRequest) controlResponse {
		return func(r controlRequest) controlResponse {
			if r.Op == opPoint {
				pointedFirst = append(pointedFirst, slot.target.Load() != nil && slot.target.Load().build == "b9")
				pointed = append(pointed, build)
				r, err := artifact.ReadReport(p.out, os.Getpid())
				reported = append(reported, err == nil && r.Build == "b9")
			}
			return controlResponse{}
		}
	}
	for i := range 8 {
		c := newLoaded(d("b"+string(rune('1'+i))), "", nil, nil)
		c.control = record(c.build)
		p.loaded = append(p.loaded, c)
	}
	n.control = record(n.build)
	p.loaded = append(p.loaded, n)
	p.owner = p.loaded[5]
	if err := p.apply(n); err != nil {
		t.Fatal(err)
	}
	if len(pointedFirst) != 9 {
		t.Fatalf("%d copies other than the original were pointed, want 9", len(pointedFirst))
	}
	for i, ok := range pointedFirst {
		if !ok {
			t.Errorf("copy %d was pointed before the original", i)
		}
	}
	if pointed[0] != n.build || pointed[1] != p.loaded[5].build {
		t.Errorf("the copies were pointed in the order %q; the new one, %s, and the one that owned the state, %s, should come first", pointed, n.build, p.loaded[5].build)
	}
	if reported[1] || !reported[2] {
		t.Errorf("reported before each copy was pointed: %v; want the report after the owner's", reported)
	}
}

// TestApplyForwardsThroughOriginal: once a build has applied, the older
// copies call its functions through the original copy, which forwards them,
// so the next apply calls into no copy but the one that ran them and the new
// one.
func TestApplyForwardsThroughOriginal(t *testing.T) {
	const id = "example.com/game.step"
	slot := Register(id, "fp", false)
	defer func(n int) { funcs = funcs[:n] }(len(funcs) - 1)
	defer slot.target.Store(nil)

	var pointed []string
	p := &patcher{log: slog.New(slog.NewTextHandler(io.Discard, nil)), out: t.TempDir() + "/libgame.so"}
	copyOf := func(build, fingerprint string) *loaded {
		d := &description{Build: build, Funcs: []funcDesc{{ID: id, Fingerprint: fingerprint}}}
		c := newLoaded(d, "", nil, nil)
		c.stamp = artifact.Stamp{Build: build}
		c.control = func(r controlRequest) controlResponse {
			if r.Op == opPoint {
				pointed = append(pointed, build)
			}
			return controlResponse{}
		}
		return c
	}
	p.self = copyOf("b0", "fp")
	p.self.original = true
	p.owner = p.self
	p.loaded = []*loaded{p.self}
	apply := func(n *loaded) {
		t.Helper()
		pointed = nil
		p.loaded = append(p.loaded, n)
		if err := p.apply(n); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []string{"b1", "b2", "b3"} {
		apply(copyOf(b, "fp"))
	}
	// b3 applied: b1 and b2 call step through the original copy, whose
	// slot points at b3.
	for _, c := range p.loaded[1:3] {
		if r := c.runner(id); r != p.self {
			t.Errorf("build %s calls step in build %s, want the original copy", c.build, r.build)
		}
	}
	if got := slot.Load(); got == nil || got.build != "b3" {
		t.Fatalf("the original copy runs step in %v, want b3", got)
	}
	apply(copyOf("b4", "fp"))
	if strings.Join(pointed, " ") != "b4 b3" {
		t.Errorf("applying b4 pointed the copies %q, want b4 and b3 only", pointed)
	}
	// A rollback pointed b2's slot at its own body (call.go): the next
	// apply points b2 again.
	p.loaded[2].stale.Store(true)
	apply(copyOf("b4a", "fp"))
	if strings.Join(pointed, " ") != "b4a b4 b2" {
		t.Errorf("applying b4a after a rollback to b2 pointed the copies %q, want b4a, b4 and b2", pointed)
	}

	// A build whose step has another signature: b4a keeps running the old
	// one, which the original copy and the copies before b4a call, and b5
	// runs its own.
	apply(copyOf("b5", "fp2"))
	if r := p.loaded[5].runner(id); r != p.loaded[5] {
		t.Errorf("after b5, build b4a calls step in build %s, want its own", r.build)
	}
	for _, c := range p.loaded[1:5] {
		if r := c.runner(id); r != p.self {
			t.Errorf("after b5, build %s calls step in build %s, want the original copy", c.build, r.build)
		}
	}
	if got := slot.Load(); got == nil || got.build != "b4a" {
		t.Errorf("after b5, the original copy runs step in %v, want b4a", got)
	}
}
