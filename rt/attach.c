#include "_cgo_export.h"

// hp_original_log_fn returns this copy's own hotpatch_v1_log, for patch
// copies to log through.
void* hp_original_log_fn(void) { return (void*)hotpatch_v1_log; }

// hp_own_call_fn returns this copy's own hotpatch_v1_call, where the
// original copy forwards the calls of retired copies (apply.go). Go links
// c-shared libraries with -Bsymbolic, so it is this copy's, whatever else the
// host loaded.
void* hp_own_call_fn(void) { return (void*)hotpatch_v1_call; }

typedef char* (*hp_attach_fn)(void*, int);

// hp_attach makes the first call into a patch copy.
char* hp_attach(void* fn, void* original_log, int level) { return ((hp_attach_fn)fn)(original_log, level); }

typedef char* (*hp_control_fn)(char*);

// hp_control sends a control request to a patch copy.
char* hp_control(void* fn, char* request) { return ((hp_control_fn)fn)(request); }
