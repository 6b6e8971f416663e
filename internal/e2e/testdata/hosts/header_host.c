// header_host is a C host that compiles against the header that hotpatch
// build writes and links the keep library directly, as most C and C++ hosts
// do, rather than looking its functions up with dlsym. Marked exports have
// an entry point of their own; the header must name them as they always
// were.
//
//	header_host
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libtest.h"

int main(void) {
	char line[1024], word[64], arg[900];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		arg[0] = 0;
		if (sscanf(line, "%63s %899[^\n]", word, arg) < 1) continue;
		if (!strcmp(word, "spawn")) printf("%d\n", Spawn(arg));
		else if (!strcmp(word, "step")) printf("%lld\n", (long long)Step());
		else if (!strcmp(word, "describe")) {
			char *d = Describe();
			printf("%s\n", d);
			free(d);
		} else if (!strcmp(word, "quit")) return 0;
		else printf("unknown command %s\n", word);
	}
	return 0;
}
