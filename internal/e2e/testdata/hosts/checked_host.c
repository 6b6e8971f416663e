// checked_host is the C process of the checked-mode tests: it answers
// commands, one per line, like host.c.
#include "portable.h"
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
	void *lib = lib_open(argv[1], 1);
	if (!lib) { fprintf(stderr, "checked_host: %s: %s\n", argv[1], lib_error()); return 1; }
	char *(*Restock)(const char *) = (char *(*)(const char *))lib_sym(lib, "Restock");
	char *(*Label)(const char *) = (char *(*)(const char *))lib_sym(lib, "Label");
	long long (*AddGold)(long long) = (long long (*)(long long))lib_sym(lib, "AddGold");
	long long (*Pad)(long long) = (long long (*)(long long))lib_sym(lib, "Pad");
	if (!Restock || !Label || !AddGold || !Pad) { fprintf(stderr, "checked_host: missing symbols\n"); return 1; }
	char line[1024], word[64], arg[900];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		arg[0] = 0;
		if (sscanf(line, "%63s %899[^\n]", word, arg) < 1) continue;
		char *s = NULL;
		if (!strcmp(word, "restock")) s = Restock(arg);
		else if (!strcmp(word, "label")) s = Label(arg);
		else if (!strcmp(word, "gold")) { printf("%lld\n", AddGold(atoll(arg))); continue; }
		else if (!strcmp(word, "pad")) { printf("%lld\n", Pad(atoll(arg))); continue; }
		else if (!strcmp(word, "quit")) return 0;
		else { printf("unknown command %s\n", word); continue; }
		printf("%s\n", s);
		free(s);
	}
	return 0;
}
