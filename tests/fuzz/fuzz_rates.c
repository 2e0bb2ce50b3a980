/* fuzz_rates.c: the per-minute rate file loader (core/load.h, kind
 * rates), played for at most 2000 arrivals (the limit keeps each input
 * quick: a file may hold hours of minutes). Arrivals must come in time
 * order. */
#include "fuzz.h"

#include "load.h"

static const int batches[] = {1, 4};
static const load_service svc[] = {
    {.model = "resnet50", .batches = batches, .n_batches = 2},
    {.model = "vgg16", .batches = batches, .n_batches = 2},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[512] = "";
	fuzz_file(path, sizeof path, "rates.csv", data, size);
	load *l = load_rates_new(path, svc, 2, 60, 1, 2000, 1, err, sizeof err);
	if (!l) {
		fuzz_check_message(err);
		return 0;
	}
	load_arrival a;
	int64_t last = 0;
	int r;
	while ((r = load_next(l, &a)) == 1) {
		if (a.t < last)
			fuzz_wrong("arrival at %lld ns after %lld ns", (long long)a.t,
			           (long long)last);
		last = a.t;
	}
	if (r < 0)
		fuzz_check_message(load_errmsg(l));
	load_free(l);
	return 0;
}
