/* device.c: calls through the device interface, so callers need not check
 * which optional members a device fills in. */
#include "device.h"
#include "data.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

void dev_open_options_default(dev_open_options *o)
{
	memset(o, 0, sizeof *o);
	o->gpu = "h200";
	o->noise = 0.02;
	o->kappa = NAN;
	o->share = NAN;
	o->calibrated = 1;
	o->tf32 = 1;
	o->graphs = 1;
	o->conv_gemm = 1;
	o->seed = 1;
}

/* dev_engine_apply's words, in canonical order: where each lives in
 * dev_open_options and the value it sets there. */
static const struct {
	const char *word;
	size_t off;
	int value;
} dev_engine_words[] = {
    {"fp16", offsetof(dev_open_options, fp16), 1},
    {"nhwc", offsetof(dev_open_options, nhwc), 1},
    {"fuse_add", offsetof(dev_open_options, fuse_add), 1},
    {"ws_all", offsetof(dev_open_options, ws_all), 1},
    {"fc_lt", offsetof(dev_open_options, fc_lt), 1},
    {"dw", offsetof(dev_open_options, dw), 1},
    {"attn_tc", offsetof(dev_open_options, attn_tc), 1},
    {"no_graphs", offsetof(dev_open_options, graphs), 0},
    {"no_tf32", offsetof(dev_open_options, tf32), 0},
    {"no_conv_gemm", offsetof(dev_open_options, conv_gemm), 0},
    {"launch_threads", offsetof(dev_open_options, launch_threads), 1},
};
enum { DEV_ENGINE_WORDS = sizeof dev_engine_words / sizeof dev_engine_words[0] };

void dev_engine_name(const dev_open_options *o, const dev_open_options *base, char *canon,
                     size_t canon_len, char *first, size_t first_len)
{
	dev_open_options def;
	if (!base) {
		dev_open_options_default(&def);
		base = &def;
	}
	size_t used = 0;
	int any = 0;
	if (canon_len)
		canon[0] = 0;
	if (first_len)
		first[0] = 0;
	for (int k = 0; k < DEV_ENGINE_WORDS; k++) {
		const char *w = dev_engine_words[k].word;
		int v = *(const int *)((const char *)o + dev_engine_words[k].off);
		int vb = *(const int *)((const char *)base + dev_engine_words[k].off);
		if (first_len && !first[0] && v != vb) {
			int off = dev_engine_words[k].value ? 0 : 3; /* "no_" */
			snprintf(first, first_len, "%s = %s", w + off, v ? "true" : "false");
		}
		if (v != dev_engine_words[k].value)
			continue;
		if (used < canon_len) {
			int n = snprintf(canon + used, canon_len - used, "%s%s", any ? "," : "", w);
			used += n > 0 ? (size_t)n : 0;
		}
		any = 1;
	}
	if (!any && canon_len)
		snprintf(canon, canon_len, "default");
}

int dev_engine_apply(const char *list, dev_open_options *o, char *canon, size_t canon_len,
                     char *err, size_t errlen)
{
	int seen[DEV_ENGINE_WORDS] = {0};
	const char *s = list ? list : "";
	if (strcmp(s, "default") == 0)
		s = "";
	while (*s) {
		size_t n = strcspn(s, ",");
		int k = 0;
		while (k < DEV_ENGINE_WORDS && (strlen(dev_engine_words[k].word) != n ||
		                                strncmp(dev_engine_words[k].word, s, n) != 0))
			k++;
		if (k == DEV_ENGINE_WORDS || seen[k]) {
			char known[256] = "";
			size_t used = 0;
			for (int j = 0; j < DEV_ENGINE_WORDS && used < sizeof known; j++) {
				int w = snprintf(known + used, sizeof known - used, "%s%s",
				                 j ? ", " : "", dev_engine_words[j].word);
				used += w > 0 ? (size_t)w : 0;
			}
			snprintf(err, errlen, "%s engine setting '%.*s' (known: %s)",
			         k == DEV_ENGINE_WORDS ? "unknown" : "repeated", (int)n, s, known);
			return -1;
		}
		seen[k] = 1;
		s += n + (s[n] == ',');
	}
	for (int k = 0; k < DEV_ENGINE_WORDS; k++)
		if (seen[k])
			*(int *)((char *)o + dev_engine_words[k].off) = dev_engine_words[k].value;
	dev_engine_name(o, NULL, canon, canon_len, NULL, 0);
	return 0;
}

int dev_engine_read(const char *dir, const char *gpu, char *canon, size_t canon_len, char *where,
                    size_t where_len, dev_open_options *eng, char *err, size_t errlen)
{
	char path[1200], line[512];
	data_where w;
	snprintf(canon, canon_len, "default");
	if (eng)
		dev_open_options_default(eng);
	if (where_len)
		where[0] = 0;
	if (!dir && data_find(&w, line, sizeof line))
		return 0; /* no data folder: nothing measured on any engine */
	if (!dir)
		dir = w.dir;
	snprintf(where, where_len, "%s/%s", dir, gpu);
	snprintf(path, sizeof path, "%s/%s/engine.txt", dir, gpu);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	int got = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	line[got ? strcspn(line, "\r\n") : 0] = 0;
	dev_open_options o;
	dev_open_options_default(&o);
	char why[256];
	if (dev_engine_apply(line, &o, canon, canon_len, why, sizeof why)) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if (eng)
		*eng = o;
	return 0;
}

const dev_kind *dev_kind_find(const dev_kind *const *kinds, const char *name)
{
	for (; kinds && *kinds; kinds++)
		if (strcmp((*kinds)->name, name) == 0)
			return *kinds;
	return NULL;
}

void dev_kind_names(const dev_kind *const *kinds, char *buf, size_t len)
{
	size_t used = 0;
	if (len)
		buf[0] = 0;
	for (; kinds && *kinds && used < len; kinds++) {
		int k = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", (*kinds)->name);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

int dev_kind_open(const dev_kind *const *kinds, const char *name, const dev_open_options *o,
                  device *out, char *err, size_t errlen)
{
	const dev_kind *k = dev_kind_find(kinds, name);
	if (!k) {
		char names[256];
		dev_kind_names(kinds, names, sizeof names);
		snprintf(err, errlen, "unknown device '%s' (valid: %s)", name, names);
		return -1;
	}
	if (k->check && k->check(o, err, errlen))
		return -1;
	return k->open(out, o, err, errlen);
}

int device_setup(device *d, const dev_service *svc, int n)
{
	return d->iface->setup ? d->iface->setup(d->ctx, svc, n) : 0;
}

int64_t device_now(device *d)
{
	return d->iface->now(d->ctx);
}

int device_wait_until(device *d, int64_t t)
{
	return d->iface->wait_until(d->ctx, t);
}

int device_run_group(device *d, const dev_group *g, int64_t *seg_end)
{
	return d->iface->run_group(d->ctx, g, seg_end);
}

void device_info(device *d, dev_info *out)
{
	memset(out, 0, sizeof *out);
	if (d->iface->info)
		d->iface->info(d->ctx, out);
}

const char *device_errmsg(device *d)
{
	return d->iface->errmsg ? d->iface->errmsg(d->ctx) : "device error";
}

void device_free(device *d)
{
	if (d && d->iface && d->iface->free)
		d->iface->free(d->ctx);
	if (d) {
		d->iface = NULL;
		d->ctx = NULL;
	}
}

int device_time_ops(device *d, const dev_segment *seg, int64_t *op_ns)
{
	if (!d->iface->time_ops)
		return -1;
	return d->iface->time_ops(d->ctx, seg, op_ns);
}

int device_launch(device *d, const dev_group *g, int64_t *seg_end, int *ended)
{
	if (d->iface->launch) {
		*ended = 0;
		return d->iface->launch(d->ctx, g);
	}
	*ended = 1;
	return d->iface->run_group(d->ctx, g, seg_end);
}

int device_wait_group(device *d, int64_t t, int64_t *seg_end)
{
	return d->iface->wait_group ? d->iface->wait_group(d->ctx, t, seg_end) : -1;
}

int64_t device_group_end(device *d)
{
	return d->iface->group_end ? d->iface->group_end(d->ctx) : -1;
}

int device_lost(device *d)
{
	return d->iface->lost ? d->iface->lost(d->ctx) : 0;
}
