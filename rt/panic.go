package rt

import "fmt"

// A PanicMaker makes the value that a caller's recover returns when the body
// of a marked function panicked in another copy: a *hotpatch.PanicError.
type PanicMaker func(fn, value, stack, build string) error

var makePanic PanicMaker = func(fn, value, stack, build string) error {
	return &fallbackPanic{value + "\n\n[hot-patched build " + build + ", panic in " + fn + "]\n" + stack}
}

// SetPanicMaker sets how panics that cross from another copy are made. The
// generated code of the main package sets it when it initialises, to make
// *hotpatch.PanicError values: this package does not import the package
// hotpatch (deps.go there says why).
func SetPanicMaker(m PanicMaker) { makePanic = m }

// fallbackPanic is the panic value of a library that does not import the
// package hotpatch, so that no recover can ask for a *hotpatch.PanicError.
type fallbackPanic struct{ msg string }

func (p *fallbackPanic) Error() string { return p.msg }

// noPanic runs f, and returns a panic in it as an error. vmihailenco/msgpack,
// or a MessagePack or encoding method of the program's own types, can panic
// on a value: kept state then stays where it was, a checked call fails, and
// the process lives.
func noPanic(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}
