/* device.c: calls through the device interface, so callers need not check
 * which optional members a device fills in. */
#include "device.h"

#include <string.h>

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
