// filler takes 8 bytes of glibc's static TLS, as a Go c-shared library does.
__thread long filler_tls __attribute__((tls_model("initial-exec")));

long filler_touch(void) { return ++filler_tls; }
