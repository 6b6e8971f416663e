//go:build hotpatch_deps

package hotpatch

// The code that hotpatch build generates imports the runtime, and with it
// its dependencies; go mod tidy and go mod vendor cannot see that code. This
// file, which no build compiles (its tag is never set), keeps them in the
// go.mod, go.sum and vendor folder of every module whose library imports
// this package.
//
// The package does not import the runtime in hotpatch builds: then a Windows
// c-shared build recompiled the runtime's C code every time (about 20 s with
// mingw), where it is otherwise cached.
import _ "github.com/hotpatch-go/hotpatch/rt"
