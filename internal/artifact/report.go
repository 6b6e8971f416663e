package artifact

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Every process that runs the library says so, and says what it did with
// each build, in files beside the build output, under the copy folder: a
// process file when its patcher starts, and a report after each build. hotpatch
// build and hotpatch watch read them to tell the developer what landed where.
// Files, not sockets: the processes may run as another user, in a game's
// folder, under Wine, or with no network at all.

const (
	processMarker = ".process-"
	reportMarker  = ".report-"
)

// A Process is a process that has the library loaded.
type Process struct {
	PID     int       `json:"pid"`
	Name    string    `json:"name"`    // its executable's name
	OS      string    `json:"os"`      // the system it runs on, as GOOS
	Started time.Time `json:"started"` // when its patcher started
	Build   string    `json:"build"`   // the build of its original copy
	Go      string    `json:"go"`
}

// Heartbeat is how often a process refreshes its process file. A reader on
// another system than the process's (a Windows process under Wine, read from
// Linux) cannot ask whether its pid runs, and counts it as running while the
// file is fresher than three heartbeats.
const Heartbeat = 3 * time.Second

// The results of a build in a process.
const (
	Applied   = "applied"   // its marked functions run the new build
	Refused   = "refused"   // not loaded, or loaded but not applied: Reason says why
	Postponed = "postponed" // loaded; it applies once marked calls have returned
	Waiting   = "waiting"   // loaded; it applies when the library calls hotpatch.Apply
)

// A Report says what a process did with a build.
type Report struct {
	PID     int    `json:"pid"`
	Build   string `json:"build"`
	Result  string `json:"result"`
	Reason  string `json:"reason,omitempty"`
	Patched int    `json:"patched"`
	// Kept are the functions that keep their current body, and why.
	Kept []KeptFunc `json:"kept,omitempty"`
	// Took is the time from the build's publication to its result.
	Took time.Duration `json:"took"`
	// Copies is how many copies the process has loaded so far, and Budget
	// about how many it can hold in all; 0 if unknown.
	Copies int `json:"copies"`
	Budget int `json:"budget,omitempty"`
	// RSS is the process's resident memory, in bytes, when it reported.
	RSS int64 `json:"rss,omitempty"`
}

// A KeptFunc is a function that keeps its current body.
type KeptFunc struct {
	Func   string `json:"func"`
	Reason string `json:"reason"`
}

// ProcessPath and ReportPath return where the process pid keeps its process
// file and its report, for the build output out.
func ProcessPath(out string, pid int) string { return sideFile(out, processMarker, pid) }

// ReportPath: see ProcessPath.
func ReportPath(out string, pid int) string { return sideFile(out, reportMarker, pid) }

func sideFile(out, marker string, pid int) string {
	stem := strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
	return filepath.Join(filepath.Dir(out), copyDirName, stem+marker+strconv.Itoa(pid)+".json")
}

// WriteProcess writes p's process file.
func WriteProcess(out string, p Process) error {
	return writeJSON(ProcessPath(out, p.PID), p)
}

// Beat refreshes the process file of pid: see Heartbeat.
func Beat(out string, pid int) error {
	now := time.Now()
	return os.Chtimes(ProcessPath(out, pid), now, now)
}

// WriteReport writes r as the process's latest report.
func WriteReport(out string, r Report) error {
	return writeJSON(ReportPath(out, r.PID), r)
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// Processes returns the running processes that have the library at out
// loaded, by process id. The files of processes that have ended are removed.
func Processes(out string) ([]Process, error) {
	stem := strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
	dir := filepath.Join(filepath.Dir(out), copyDirName)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var procs []Process
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), stem+processMarker)
		if !ok || !strings.HasSuffix(rest, ".json") {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSuffix(rest, ".json"))
		if err != nil {
			continue
		}
		name := filepath.Join(dir, e.Name())
		var p Process
		data, err := readShared(name)
		if err != nil || json.Unmarshal(data, &p) != nil {
			continue
		}
		alive := p.OS == runtime.GOOS && processAlive(pid)
		if p.OS != runtime.GOOS {
			fi, err := os.Stat(name)
			alive = err == nil && time.Since(fi.ModTime()) < 3*Heartbeat
		}
		if !alive {
			os.Remove(name)
			os.Remove(ReportPath(out, pid))
			continue
		}
		procs = append(procs, p)
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].PID < procs[j].PID })
	return procs, nil
}

// ReadReport returns the latest report of the process pid.
func ReadReport(out string, pid int) (Report, error) {
	data, err := readShared(ReportPath(out, pid))
	if err != nil {
		return Report{}, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return Report{}, fmt.Errorf("%s is corrupt: %w", ReportPath(out, pid), err)
	}
	return r, nil
}
