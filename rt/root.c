#include "_cgo_export.h"

// hp_root_log_fn returns this copy's own hotpatch_v1_log, for newer copies to
// log through.
void* hp_root_log_fn(void) { return (void*)hotpatch_v1_log; }

typedef char* (*hp_attach_fn)(void*, int);

char* hp_attach(void* fn, void* root_log, int level) { return ((hp_attach_fn)fn)(root_log, level); }
