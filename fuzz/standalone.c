/* A stand-in for libFuzzer's main(): runs a fuzz target once over each
 * input file, so the seed corpus (and every crash found and added to it)
 * is replayed by make check, under ASan/UBSan in make check-asan.
 *
 * Usage: fuzz-NAME [FILE|DIR]...
 * A DIR stands for its regular files, in name order (not recursive).
 * Without arguments it replays $top_srcdir/fuzz/corpus/NAME (top_srcdir
 * from the environment, as t/test-env exports it, else "."), NAME being
 * the program's name without "fuzz-". Exits 0 after at least one input,
 * 1 when a file cannot be read or there is no input at all (a missing
 * corpus must not pass as an empty one). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "fuzz/fuzz.h"

/* Reads a whole file into an exactly sized heap block, so that ASan sees
 * any read past the input's end, as under libFuzzer. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;
	uint8_t *copy;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(f);
		buf_free(&b);
		return -1;
	}
	fclose(f);
	copy = xmalloc(b.len);
	if (b.len > 0)
		memcpy(copy, b.data, b.len);
	LLVMFuzzerTestOneInput(copy, b.len);
	free(copy);
	buf_free(&b);
	return 0;
}

/* Skips ".", ".." and hidden files; run_dir keeps the regular ones. */
static int entry_wanted(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Runs every regular file of a directory, in name order, for a replay that
 * is the same on every machine. Returns the count, or -1. */
static int run_dir(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, entry_wanted, alphasort), count = 0, rc = 0;

	if (n < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, list[i]->d_name);
		struct stat st;

		if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = run_file(path);
			count++;
		}
		free(path);
		free(list[i]);
	}
	free(list);
	return rc < 0 ? -1 : count;
}

/* One argument: a directory's files or a single file. Returns the number
 * of inputs run, or -1. */
static int run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return run_dir(path);
	return run_file(path) < 0 ? -1 : 1;
}

/* The default corpus of this target, named after the program. */
static char *default_corpus(const char *argv0)
{
	const char *name = strrchr(argv0, '/');
	const char *top = getenv("top_srcdir");

	name = name != NULL ? name + 1 : argv0;
	if (strncmp(name, "fuzz-", 5) == 0)
		name += 5;
	return xasprintf("%s/fuzz/corpus/%s", top != NULL && *top != '\0' ? top : ".", name);
}

int main(int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		char *dir = default_corpus(argv[0]);
		total = run_path(dir);
		free(dir);
	}
	for (int i = 1; i < argc && total >= 0; i++) {
		int n = run_path(argv[i]);
		total = n < 0 ? -1 : total + n;
	}
	if (total < 0)
		return 1;
	if (total == 0) {
		fprintf(stderr, "%s: no inputs\n", argv[0]);
		return 1;
	}
	printf("%s: %d inputs ran\n", argv[0], total);
	return 0;
}
