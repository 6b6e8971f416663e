//go:build linux || darwin

#include "_cgo_export.h"
#include <pthread.h>

static void* hp_start_thread(void* arg) {
	(void)arg;
	// A call into Go from a thread that runs no Go waits until the copy's
	// packages have initialised.
	hotpatch_v1_start();
	return NULL;
}

// hp_start_after_init starts the patcher once package initialisation is
// over: hotpatch_v1_start runs on a new thread, and the runtime holds it back
// until then. Returns 0 or an errno.
int hp_start_after_init(void) {
	pthread_t t;
	int rc = pthread_create(&t, NULL, hp_start_thread, NULL);
	if (rc == 0) pthread_detach(t);
	return rc;
}
