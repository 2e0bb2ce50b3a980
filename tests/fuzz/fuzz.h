/* fuzz.h: what the libFuzzer harnesses share. Every reader of abacus
 * takes a path, so each input is written to a file in a folder made once
 * per process (removed at exit) and the reader is called on that path,
 * through its public API only. A harness that finds a value the reader
 * accepted but should not have (a latency that is not positive, an
 * arrival out of order) calls fuzz_wrong, which aborts: libFuzzer keeps
 * the input as it keeps a crash. */
#ifndef ABACUS_FUZZ_H
#define ABACUS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_root[64];

static inline void fuzz_cleanup(void)
{
	char cmd[128];
	if (fuzz_root[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_root);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz: could not remove %s\n", fuzz_root);
	}
}

/* The process's folder, made on first use. */
static inline const char *fuzz_dir(void)
{
	if (!fuzz_root[0]) {
		snprintf(fuzz_root, sizeof fuzz_root, "/tmp/abacus-fuzz-XXXXXX");
		if (!mkdtemp(fuzz_root)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		atexit(fuzz_cleanup);
	}
	return fuzz_root;
}

/* Writes data to path (a file under fuzz_dir), or aborts: a harness that
 * cannot write its input tests nothing. */
static inline void fuzz_write(const char *path, const uint8_t *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

/* <fuzz_dir>/<name> into buf, written with data. */
static inline const char *fuzz_file(char *buf, size_t len, const char *name, const uint8_t *data,
                                    size_t n)
{
	snprintf(buf, len, "%s/%s", fuzz_dir(), name);
	fuzz_write(buf, data, n);
	return buf;
}

/* <fuzz_dir>/<sub> made (mkdir -p, one level below the root at a time). */
static inline const char *fuzz_subdir(char *buf, size_t len, const char *sub)
{
	snprintf(buf, len, "%s/%s", fuzz_dir(), sub);
	for (char *s = buf + strlen(fuzz_dir()) + 1;; s++) {
		char c = *s;
		if (c == '/' || c == '\0') {
			*s = '\0';
			if (mkdir(buf, 0700) != 0 && access(buf, F_OK) != 0) {
				perror(buf);
				abort();
			}
			*s = c;
		}
		if (c == '\0')
			break;
	}
	return buf;
}

/* The input as <fuzz_dir>/data/h200/<name>, a data folder's one file;
 * the folder (<fuzz_dir>/data) into dir, what the readers take. */
static inline void fuzz_data_file(char *dir, size_t len, const char *name, const uint8_t *data,
                                  size_t n)
{
	char gpu[160], path[224];
	fuzz_subdir(gpu, sizeof gpu, "data/h200");
	snprintf(dir, len, "%s/data", fuzz_dir());
	snprintf(path, sizeof path, "%s/%s", gpu, name);
	fuzz_write(path, data, n);
}

/* A reader accepted an input, and gave a value it must not: says what,
 * and aborts so that libFuzzer keeps the input. */
#define fuzz_wrong(...)                                                                            \
	do {                                                                                       \
		fprintf(stderr, "fuzz: wrong value accepted: ");                                   \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		abort();                                                                           \
	} while (0)

/* An error must be one line naming something: not empty, no newline.
 * With ABACUS_FUZZ_VERBOSE set it is printed, to see what a corpus
 * reaches. */
static inline void fuzz_check_message(const char *err)
{
	if (getenv("ABACUS_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz: %s\n", err);
	if (!err[0] || strchr(err, '\n'))
		fuzz_wrong("error message '%s' is empty or not one line", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
