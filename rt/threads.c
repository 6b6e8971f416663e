// The host threads that call marked exports. Every marked export's entry
// point (internal/rewrite, exports.go) notes its calling thread here, by its
// thread pointer, so that the patcher can give each new copy a processor for
// each of them (procs.go).

#include <stdint.h>

#define HP_THREADS 512 // internal/rewrite's threadTableBits
#define HP_PROBES 16   // past that many taken slots, a thread goes uncounted

#ifdef _WIN32
void* volatile _hotpatch_threads[HP_THREADS];
#else
__attribute__((visibility("hidden"))) void* volatile _hotpatch_threads[HP_THREADS];
#endif

// _hotpatch_thread_seen is what an entry point calls when the calling thread
// is not in the slot its hash gives: with the thread pointer in r11, that
// slot's index in r10 and the table in rax. It probes the next slots until it
// finds the thread, or an empty slot, which it takes. It keeps every register
// but those three, whose values the entry point no longer needs: the
// arguments of the call it serves are still in theirs.
//
// Two threads may take one empty slot at once, and one of them overwrites
// the other. The other does not find itself on its next call, and takes the
// next empty slot then: each thread ends up in the table once.
//
// Entry points exist where internal/rewrite's stubTarget says: amd64 Linux
// and Windows.
#if defined(__x86_64__) && (defined(__linux__) || defined(_WIN32))
__asm__(
	".text\n"
	".globl _hotpatch_thread_seen\n"
#ifdef _WIN32
	".def _hotpatch_thread_seen; .scl 2; .type 32; .endef\n"
#else
	".hidden _hotpatch_thread_seen\n"
	".type _hotpatch_thread_seen, @function\n"
#endif
	"_hotpatch_thread_seen:\n"
	"\tpushq %rcx\n"
	"\tmovl $16, %ecx\n" // HP_PROBES
	"1:\tcmpq %r11, (%rax,%r10,8)\n"
	"\tje 3f\n"
	"\tcmpq $0, (%rax,%r10,8)\n"
	"\tje 2f\n"
	"\tincq %r10\n"
	"\tandq $511, %r10\n" // HP_THREADS - 1
	"\tdecl %ecx\n"
	"\tjnz 1b\n"
	"\tjmp 3f\n"
	"2:\tmovq %r11, (%rax,%r10,8)\n"
	"3:\tpopq %rcx\n"
	"\tret\n"
#ifndef _WIN32
	".size _hotpatch_thread_seen, .-_hotpatch_thread_seen\n"
#endif
);
#endif

// hp_host_threads returns how many threads the table holds.
int hp_host_threads(void) {
	int n = 0;
	for (int i = 0; i < HP_THREADS; i++) {
		if (_hotpatch_threads[i]) n++;
	}
	return n;
}

