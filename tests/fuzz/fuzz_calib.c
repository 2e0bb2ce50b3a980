/* fuzz_calib.c: the simulator's contention model file (sim/sim.h,
 * <gpu>/sim.csv) in a data folder of its own. What it accepts must be in
 * the ranges the simulator takes. */
#include "fuzz.h"

#include <math.h>

#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[128], err[1024] = "";
	fuzz_data_file(dir, sizeof dir, "sim.csv", data, size);
	sim_options o;
	sim_options_default(&o);
	int r = sim_load_calibration(dir, "h200", &o, err, sizeof err);
	if (r < 0)
		fuzz_check_message(err);
	else if (!(o.kappa >= 0 && o.kappa <= SIM_KAPPA_MAX) || !(o.scale_c > 0) ||
	         !(o.scale_m > 0) || !isfinite(o.scale_c) || !isfinite(o.scale_m))
		fuzz_wrong("kappa %g scale_c %g scale_m %g", o.kappa, o.scale_c, o.scale_m);
	return 0;
}
