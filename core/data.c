/* data.c: finding the data folder, digests, the cache (data.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "data.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "text.h"

#ifndef ABACUS_SOURCE_DIR
#define ABACUS_SOURCE_DIR "."
#endif

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <prefix>/share/abacus for a binary at <prefix>/bin/abacus, or "" when
 * the binary's path is not known (no /proc). */
static void installed_dir(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	buf[0] = '\0';
	if (n <= 0)
		return;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(buf, len, "%s/../share/abacus", exe);
}

static int set_dir(data_where *out, const char *dir, char *err, size_t errlen)
{
	size_t n = strlen(dir);
	if (n >= sizeof out->dir)
		return text_fail(err, errlen, "data folder path too long: %s", dir);
	memcpy(out->dir, dir, n + 1);
	return 0;
}

int data_find(data_where *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	const char *env = getenv("ABACUS_DATA");
	if (env && *env) {
		struct stat st;
		if (stat(env, &st) != 0)
			return text_fail(err, errlen, "ABACUS_DATA=%s: %s", env, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return text_fail(err, errlen, "ABACUS_DATA=%s is not a folder", env);
		if (set_dir(out, env, err, errlen))
			return -1;
		out->how = "ABACUS_DATA";
		snprintf(out->why, sizeof out->why, "set by ABACUS_DATA");
		return 0;
	}
	char inst[PATH_MAX + 32];
	installed_dir(inst, sizeof inst);
	char real[PATH_MAX];
	if (inst[0] && is_dir(inst) && realpath(inst, real)) {
		if (set_dir(out, real, err, errlen))
			return -1;
		out->how = "installed";
		snprintf(out->why, sizeof out->why,
		         "installed beside the binary (ABACUS_DATA not set)");
		return 0;
	}
	const char *src = ABACUS_SOURCE_DIR "/data";
	if (is_dir(src)) {
		if (set_dir(out, src, err, errlen))
			return -1;
		out->how = "source tree";
		/* a long install path only shortens this note */
		int n = snprintf(out->why, sizeof out->why,
		                 "the source tree the binary was built from (ABACUS_DATA not set, no %s)",
		                 inst[0] ? inst : "installed data");
		(void)n;
		return 0;
	}
	return text_fail(err, errlen,
	                 "no GPU data folder found: ABACUS_DATA is not set, %s does not exist "
	                 "and neither does the source tree's %s (set ABACUS_DATA to a folder "
	                 "holding <gpu>/ops.csv)",
	                 inst[0] ? inst : "the installed share/abacus", src);
}

void data_describe(char *buf, size_t len)
{
	data_where w;
	char err[1024];
	if (data_find(&w, err, sizeof err))
		snprintf(buf, len, "data: none (%s)", err);
	else
		snprintf(buf, len, "data: %s (%s)", w.dir, w.why);
}

int data_path(char *buf, size_t len, const char *dir, const char *gpu, const char *name)
{
	int n = snprintf(buf, len, "%s/%s/%s", dir, gpu, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static uint64_t hash_file(uint64_t h, const char *path, int *rc, char *err, size_t errlen)
{
	const char *base = strrchr(path, '/');
	h = hash_str(h, base ? base + 1 : path);
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return hash_bytes(h, "", 1); /* absent: its name alone */
		*rc = text_fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return h;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		fclose(f);
		*rc = text_fail(err, errlen, "%s is not a file", path);
		return h;
	}
	unsigned char buf[65536];
	uint64_t body = HASH_INIT, size = 0;
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		body = hash_bytes(body, buf, n);
		size += n;
	}
	if (ferror(f))
		*rc = text_fail(err, errlen, "error reading %s: %s", path, strerror(errno));
	fclose(f);
	unsigned char frame[16];
	for (int i = 0; i < 8; i++) {
		frame[i] = (unsigned char)(size >> (8 * i));
		frame[8 + i] = (unsigned char)(body >> (8 * i));
	}
	return hash_bytes(h, frame, sizeof frame);
}

int data_digest(const char *const *files, int n, uint64_t *out, char *err, size_t errlen)
{
	uint64_t h = HASH_INIT;
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		h = hash_file(h, files[i], &rc, err, errlen);
	if (rc == 0)
		*out = h;
	return rc;
}

int data_cache_dir(char *buf, size_t len, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && *xdg)
		n = snprintf(buf, len, "%s/abacus", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/abacus", home);
	else
		return text_fail(err, errlen, "no cache folder: neither XDG_CACHE_HOME nor HOME is set");
	if (n < 0 || (size_t)n >= len)
		return text_fail(err, errlen, "the cache folder's path is too long");
	return 0;
}

int data_mkdirs(const char *path, char *err, size_t errlen)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
		return text_fail(err, errlen, "path too long: %s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return text_fail(err, errlen, "cannot create %s: %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0777) != 0 && errno != EEXIST)
		return text_fail(err, errlen, "cannot create %s: %s", p, strerror(errno));
	if (!is_dir(p))
		return text_fail(err, errlen, "%s is not a folder", p);
	return 0;
}

int data_writable(const char *dir)
{
	return access(dir, W_OK | X_OK) == 0;
}
