package rewrite

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestThreadTable checks that the entry points and the runtime's table of
// host threads (rt/threads.c) agree on its length: an entry point that
// hashed into a longer table would write past the runtime's.
func TestThreadTable(t *testing.T) {
	src, err := os.ReadFile("../../rt/threads.c")
	if err != nil {
		t.Fatal(err)
	}
	n := 1 << threadTableBits
	for _, want := range []string{
		fmt.Sprintf("#define HP_THREADS %d ", n),
		fmt.Sprintf("andq $%d, %%r10", n-1),
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("rt/threads.c has no %q: the table there and the entry points' hash (threadTableBits = %d) disagree", want, threadTableBits)
		}
	}
	if !strings.Contains(stubPreamble("linux", []string{"F"}), fmt.Sprintf("shrq $%d, %%r10", 64-threadTableBits)) {
		t.Errorf("the entry point does not hash into %d slots", n)
	}
}
