package loader

import (
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch calls changed whenever the stamp of the build output out may have
// changed, until stop is closed. It uses OS file events on the output's
// folder: a stamp is replaced by a rename, which a watch on the file itself
// would lose. If file events are unavailable, or forcePoll is set, it polls
// the stamp every interval instead. failed reports why events could not be
// used.
func Watch(out string, forcePoll bool, interval time.Duration, stop <-chan struct{}, changed func(), failed func(error)) {
	if !forcePoll {
		w, err := fsnotify.NewWatcher()
		if err == nil {
			err = w.Add(filepath.Dir(out))
			if err == nil {
				watchEvents(w, StampPath(out), stop, changed, failed)
				w.Close()
				select {
				case <-stop:
					return
				default:
				}
			} else {
				w.Close()
			}
		}
		if err != nil {
			failed(err)
		}
	}
	poll(StampPath(out), interval, stop, changed)
}

// watchEvents returns when stop is closed, or when the watch broke and
// polling has to take over.
func watchEvents(w *fsnotify.Watcher, stamp string, stop <-chan struct{}, changed func(), failed func(error)) {
	for {
		select {
		case <-stop:
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if ev.Name == stamp && ev.Has(fsnotify.Create|fsnotify.Write|fsnotify.Rename) {
				changed()
			}
			if ev.Name == filepath.Dir(stamp) && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				failed(os.ErrNotExist)
				return
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			failed(err)
			return
		}
	}
}

func poll(stamp string, interval time.Duration, stop <-chan struct{}, changed func()) {
	last, _ := os.Stat(stamp)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
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
