/*
 * replay.c — replays a fuzz corpus without libFuzzer: feeds every file of
 * $PARLEY_SRCDIR/tests/fuzz/corpus/<corpus>/ (or the folder given as
 * argv[1]) through the target's LLVMFuzzerTestOneInput and prints one TAP
 * result per file. A crash or sanitizer report fails the run. The program
 * is named test_fuzz_replay_<corpus>.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_PREFIX "test_fuzz_replay_"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
	char dir[2048];
	const char *src = getenv("PARLEY_SRCDIR");
	const char *name = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *corpus = strstr(name, REPLAY_PREFIX); /* libtool may add "lt-" */
	if (corpus == NULL) {
		printf("1..1\nnot ok 1 - %s is not named " REPLAY_PREFIX "<corpus>\n", argv[0]);
		return 1;
	}
	corpus += strlen(REPLAY_PREFIX);
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src ? src : ".", corpus);
	DIR *d = opendir(dir);
	if (!d) {
		printf("1..1\nnot ok 1 - cannot open corpus %s\n", dir);
		return 1;
	}
	char *names[4096];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 4096)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(char *), by_name);
	printf("1..%zu\n", n);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "rb");
		struct stat st;
		uint8_t *buf = NULL;
		size_t len = 0;
		bool ok = f && fstat(fileno(f), &st) == 0 && st.st_size <= (1 << 20);
		if (ok) {
			buf = malloc((size_t)st.st_size + 1);
			len = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
			ok = buf && len == (size_t)st.st_size;
		}
		if (f)
			fclose(f);
		if (ok) {
			fflush(stdout);
			LLVMFuzzerTestOneInput(buf, len);
			printf("ok %zu - %s/%s\n", i + 1, corpus, names[i]);
		} else {
			printf("not ok %zu - %s/%s unreadable\n", i + 1, corpus, names[i]);
			failed++;
		}
		free(buf);
		free(names[i]);
	}
	return failed ? 1 : 0;
}
