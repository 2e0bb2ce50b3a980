/* fuzz_engine.c: the engine a data folder's profile was measured with
 * (core/device.h, <gpu>/engine.txt). */
#include "fuzz.h"

#include "device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[128], canon[160], where[256], err[1024] = "";
	fuzz_data_file(dir, sizeof dir, "engine.txt", data, size);
	dev_open_options o;
	if (dev_engine_read(dir, "h200", canon, sizeof canon, where, sizeof where, &o, err,
	                    sizeof err))
		fuzz_check_message(err);
	return 0;
}
