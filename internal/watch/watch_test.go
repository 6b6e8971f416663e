package watch

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
	"github.com/hotpatch-go/hotpatch/internal/testenv"
)

// These tests run natively on Linux and, in CI, as Windows processes under
// Wine (GOOS=windows go test, through .ci/wine/go_windows_amd64_exec).

// TestWatch checks both ways of watching. Watch reports a change as soon as
// it watches, since a build may have been published before (a build published
// while the watch was being set up was once missed under Wine), and then
// every new stamp.
func TestWatch(t *testing.T) {
	for _, forcePoll := range []bool{false, true} {
		t.Run(fmt.Sprintf("poll=%v", forcePoll), func(t *testing.T) {
			out := filepath.Join(testenv.TempDir(t), "lib.so")
			changed := make(chan struct{}, 100)
			failed := make(chan error, 1)
			go Watch(out, forcePoll, 20*time.Millisecond, func() { changed <- struct{}{} }, func(err error) { failed <- err })
			await := func(what string) {
				t.Helper()
				select {
				case <-changed:
				case err := <-failed:
					t.Fatalf("file events failed: %v", err)
				case <-time.After(30 * time.Second):
					t.Fatalf("no change reported %s", what)
				}
			}
			await("when the watch started")
			for i := 0; i < 3; i++ {
				if err := artifact.WriteStamp(out, artifact.Stamp{Build: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
				await(fmt.Sprintf("for stamp %d", i))
				// Events may come in pairs (create, then write).
				time.Sleep(50 * time.Millisecond)
				for len(changed) > 0 {
					<-changed
				}
			}
		})
	}
}
