/* device.c: calls through the device interface, so callers need not check
 * which optional members a device fills in. */
#include "device.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void dev_open_options_default(dev_open_options *o)
{
	memset(o, 0, sizeof *o);
	o->gpu = "h200";
	o->noise = 0.02;
	o->kappa = NAN;
	o->calibrated = 1;
	o->tf32 = 1;
	o->graphs = 1;
	o->conv_gemm = 1;
	o->seed = 1;
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
