/* data.h: where the GPU data lives, and what it holds.
 *
 * A data folder holds one bundle per GPU, <dir>/<gpu>/: ops.csv (the solo
 * profile), groups.csv (measured operator groups), sim.csv (the
 * simulator's contention model) and the trained predictors (train.h,
 * <kind>.pred). A run reads everything of its GPU from one bundle and
 * records the folder and the bundle's digest.
 *
 * The folder is found, in this order:
 *   1. $ABACUS_DATA, when set (it must then be a folder: a mistyped one is
 *      an error, never a quiet fall through to another);
 *   2. <prefix>/share/abacus beside the binary (<prefix>/bin/abacus), where
 *      `cmake --install` puts data/;
 *   3. the source tree the binary was built from (ABACUS_SOURCE_DIR/data).
 * When none exists it is an error that names every place looked at.
 *
 * Digests are FNV-1a 64 (hash.h) over the files' bytes, each file framed
 * by its name and length, so that moving bytes between files changes it.
 * A file that is absent counts as its name alone; one that cannot be read
 * is an error.
 *
 * Predictors written where the bundle is read-only go to a cache:
 * $XDG_CACHE_HOME/abacus, else $HOME/.cache/abacus.
 */
#ifndef ABACUS_DATA_H
#define ABACUS_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct data_where {
	char dir[1024];
	const char *how; /* "ABACUS_DATA", "installed", "source tree" */
	char why[1024];  /* one line: where it came from, and what was passed over */
} data_where;

/* The data folder, by the rules above. -1 with a message naming every
 * place looked at. */
int data_find(data_where *out, char *err, size_t errlen);

/* One line for `abacus --version`: the folder and why, or why none. */
void data_describe(char *buf, size_t len);

/* The digest of files[0..n) (paths) into *out. */
int data_digest(const char *const *files, int n, uint64_t *out, char *err, size_t errlen);

/* <dir>/<gpu>/<name> into buf; -1 when it does not fit. */
int data_path(char *buf, size_t len, const char *dir, const char *gpu, const char *name);

/* The cache folder (not created), or -1 when neither XDG_CACHE_HOME nor
 * HOME is set. */
int data_cache_dir(char *buf, size_t len, char *err, size_t errlen);

/* mkdir -p; 0 when it exists as a folder afterwards. */
int data_mkdirs(const char *path, char *err, size_t errlen);

/* 1 when a file may be created in the folder. */
int data_writable(const char *dir);

#endif
