// Package watch tells a running library when its build output may have a new
// build: it watches the output's stamp with OS file events, or by polling.
// Only the runtime uses it; hotpatch build, which publishes, does not link it.
package watch

import (
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// Watch calls changed whenever the stamp of the build output out may have
// changed. It never returns: a copy of the library lives as long as the
// process. It uses OS file events on the output's folder: a stamp is replaced
// by a rename, which a watch on the file itself would lose. If file events are
// unavailable, or forcePoll is set, or the watch breaks, it polls the stamp
// every interval instead; failed reports why events could not be used.
// changed is also called whenever watching starts, events or polling, since
// a build may have been published before.
func Watch(out string, forcePoll bool, interval time.Duration, changed func(), failed func(error)) {
	if !forcePoll {
		w, err := fsnotify.NewWatcher()
		if err == nil {
			if err = w.Add(filepath.Dir(out)); err == nil {
				// A build published before the watch was in place
				// raised no event.
				changed()
				err = watchEvents(w, artifact.StampPath(out), changed)
			}
			w.Close()
		}
		failed(err)
	}
	poll(artifact.StampPath(out), interval, changed)
}

// watchEvents returns why the watch broke.
func watchEvents(w *fsnotify.Watcher, stamp string, changed func()) error {
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return fsnotify.ErrClosed
			}
			if ev.Name == stamp && ev.Has(fsnotify.Create|fsnotify.Write|fsnotify.Rename) {
				changed()
			}
			if ev.Name == filepath.Dir(stamp) && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				return os.ErrNotExist
			}
		case err, ok := <-w.Errors:
			if !ok {
				return fsnotify.ErrClosed
			}
			return err
		}
	}
}

func poll(stamp string, interval time.Duration, changed func()) {
	last, _ := os.Stat(stamp)
	changed()
	for range time.Tick(interval) {
		fi, err := os.Stat(stamp)
		if err != nil {
			continue
		}
		if last == nil || !os.SameFile(fi, last) || !fi.ModTime().Equal(last.ModTime()) || fi.Size() != last.Size() {
			changed()
		}
		last = fi
	}
}
