/* fuzz_trace.c: the query trace loader (core/load.h, kind trace) over two
 * services, one with a sequence length, read to its end as a run reads
 * it. The first byte picks strict or loose; the rest is the file. Every
 * arrival it gives must be in time order, within the run's clock and its
 * service's batches and sequence lengths. */
#include "fuzz.h"

#include "load.h"

static const int batches[] = {1, 2, 4, 8, 16, 32};
static const int seqs[] = {64, 128, 256};
static const load_service svc[] = {
    {.model = "resnet50", .batches = batches, .n_batches = 6},
    {.model = "bert", .batches = batches, .n_batches = 4, .seqs = seqs, .n_seqs = 3},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[512] = "";
	int strict = size > 0 && (data[0] & 1);
	if (size > 0) {
		data++;
		size--;
	}
	fuzz_file(path, sizeof path, "trace.csv", data, size);
	load *l = strict ? load_trace_strict_new(path, svc, 2, 0, err, sizeof err)
	                 : load_trace_new(path, svc, 2, 0, err, sizeof err);
	if (!l) {
		fuzz_check_message(err);
		return 0;
	}
	load_arrival a;
	int64_t last = 0;
	int r;
	while ((r = load_next(l, &a)) == 1) {
		if (a.t < last || a.t > (int64_t)(LOAD_MAX_MS * 1e6))
			fuzz_wrong("arrival at %lld ns after %lld ns", (long long)a.t,
			           (long long)last);
		if (a.service < 0 || a.service > 1)
			fuzz_wrong("service %d", a.service);
		const load_service *d = &svc[a.service];
		if (a.batch < 1 || a.batch > batches[d->n_batches - 1])
			fuzz_wrong("batch %d for %s", a.batch, d->model);
		if (d->n_seqs ? a.seq < seqs[0] || a.seq > seqs[2] : a.seq != 0)
			fuzz_wrong("seq %d for %s", a.seq, d->model);
		last = a.t;
	}
	if (r < 0)
		fuzz_check_message(load_errmsg(l));
	load_free(l);
	return 0;
}
