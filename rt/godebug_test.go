package rt

import (
	"strings"
	"testing"
)

func TestCheckGODEBUG(t *testing.T) {
	for _, c := range []struct {
		goVersion, godebug string
		refused, unknown   bool
	}{
		{"go1.26.8", "asynctimerchan=1", false, false},
		{"go1.27.3", "", false, false},
		{"go1.27.3", "asynctimerchan=1", true, false},
		{"go1.27.3", "madvdontneed=1,asynctimerchan=2", true, false},
		{"go1.27.3", "asynctimerchan=0", false, false},
		{"go1.27.3", "x509sha1=1", true, false},
		{"go1.27rc1", "tls3des=1", true, false},
		{"go1.28.0", "gotypesalias=0", true, false},
		{"go1.28.0", "", false, true},
		{"devel", "asynctimerchan=1", false, false},
	} {
		err, unknown := checkGODEBUG(c.goVersion, c.godebug)
		if (err != nil) != c.refused || unknown != c.unknown {
			t.Errorf("checkGODEBUG(%s, %q) = %v, %v; want refused %v, unknown %v", c.goVersion, c.godebug, err, unknown, c.refused, c.unknown)
		}
		if err != nil && !strings.Contains(err.Error(), "start the process without it") {
			t.Errorf("%v does not say what to do", err)
		}
	}
}
