package loader

import (
	"debug/elf"
	"fmt"
)

// CheckExports returns an error unless the library at path exports every
// symbol in names. It reads the file instead of loading it: loading a library
// that is not a hotpatch build would start a Go runtime whose SIGURG handler
// cannot safely be adopted, since no call into it can tell when it is ready.
func CheckExports(path string, names ...string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not a shared library: %w", path, err)
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		return fmt.Errorf("%s has no dynamic symbols: %w", path, err)
	}
	have := map[string]bool{}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF {
			have[s.Name] = true
		}
	}
	for _, n := range names {
		if !have[n] {
			return fmt.Errorf("%s has no symbol %s: it was not built by hotpatch build, or by an incompatible version", path, n)
		}
	}
	return nil
}
