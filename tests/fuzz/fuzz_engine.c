/* fuzz_engine.c: the engine a data folder's profile was measured with
 * (core/device.h, <gpu>/engine.txt). */
#include "fuzz.h"

#include "device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char gpu[160], dir[128], path[200], canon[160], where[256], err[1024] = "";
	fuzz_subdir(gpu, sizeof gpu, "data/h200");
	snprintf(dir, sizeof dir, "%s/data", fuzz_dir());
	snprintf(path, sizeof path, "%s/engine.txt", gpu);
	fuzz_write(path, data, size);
	dev_open_options o;
	if (dev_engine_read(dir, "h200", canon, sizeof canon, where, sizeof where, &o, err,
	                    sizeof err))
		fuzz_check_message(err);
	return 0;
}
