/* sim.h: the simulated GPU.
 *
 * A device (device.h) with a virtual clock: waiting jumps the clock, a
 * group advances it by the group's simulated duration. Nothing sleeps, so
 * a million queries replay in a second.
 *
 * Ground truth. Solo op latencies come from the profile (prof.h: measured
 * on a real GPU, or a roofline estimate where no measurement exists).
 *
 * Contention model. When several segments run together, each runs its ops
 * in order, one op at a time. An op i that took t_i ns alone demands a
 * share of the GPU's compute, c_i = min(1, F_i / (P t_i)), and of its
 * memory bandwidth, m_i = min(1, B_i / (W t_i)), where F_i and B_i are the
 * op's FLOPs and bytes and P, W the GPU's achievable compute and bandwidth
 * (gpu.h peaks times efficiencies). While a set A of ops is active, every
 * op in it progresses at rate 1/S with
 *     S = max(1, sum_A c_i, sum_A m_i) + kappa (|A| - 1)
 * (c_i and m_i are scaled by scale_c and scale_m before the min, so that a
 * calibration can say how much of the GPU an op really holds.)
 * i.e. ops that together fit in the GPU overlap for free except for a
 * fixed interference kappa per extra stream (shared caches, scheduling),
 * and ops that together ask for more than the GPU has are slowed
 * proportionally. A lone segment (|A| = 1 throughout) takes exactly the sum
 * of its solo latencies. kappa is calibrated against measured groups.
 *
 * Shares. Live, the ops beside each other are not slowed alike: a VGG's
 * convolutions, filling every SM, lose about 20% beside a ResNet whose
 * smaller kernels lose about 100% (bench/gpu/timeline.py --slowdown).
 * With share = a > 0 the active ops still progress n / S solo ns a ns
 * together, but op i takes the part w_i / sum_A w_j of that pace, with
 * w_i = max(c_i, m_i, 1e-3)^a, and none more than 1 (what an op alone
 * would not use goes to the others). a = 0 is the rule above, bit for
 * bit; a is fitted on the ends of segments measured live (calib.h).
 *
 * Noise. With noise = sigma > 0 each segment's solo latencies are scaled
 * by one log-normal factor exp(sigma z - sigma^2/2), z ~ N(0,1), drawn
 * from the device's own seeded generator: the same seed gives the same
 * run, bit for bit.
 *
 * Partitions (open_parts) share one clock and, by the model above, no
 * SMs: each runs its groups on its own profile. With share_bw they also
 * share the GPU's memory bandwidth, BW bytes per ns (a run's share_bw:
 * TB/s, or true for the datasheet's, gpu.h mem_tbs). A group in flight
 * demands m_g = min(1, T * bytes_g / (BW d_g)) of it, where d_g is its
 * duration alone in its partition (the model above), bytes_g the fewest
 * bytes its ops must move (zoo_cost.c) and T SIM_SHARE_TRAFFIC; while
 * the groups in flight on the clock demand more than 1 together, each
 * progresses at 1 / sum m_g of its pace alone (processor sharing of the
 * bandwidth, whole groups at their mean demand, not op by op). A launch
 * on one partition works out again the ends of every group in flight,
 * which only moves them later: wait_group answers 0 at an end given
 * before and group_end gives the new one. A partition alone (its demand
 * at most 1) is never slowed; a run of one device, or a cluster's GPUs
 * (opened together, no SM counts), share nothing.
 */
#ifndef ABACUS_SIM_H
#define ABACUS_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "prof.h"

typedef struct sim_options {
	double noise; /* sigma of the per-segment log-normal factor; 0 = none */
	double kappa; /* interference per extra concurrent op, fraction of its time */
	double scale_c, scale_m; /* multiply the demands c_i, m_i (calibrated) */
	/* how the slowdown of overlapped ops is split among them: 0, every op
	 * slowed by one factor; above 0, the ops progress together at the
	 * same total pace, each in proportion to its demand to this power
	 * (the op that fills more of the GPU keeps more of it), none faster
	 * than alone (sim.c, share_rates) */
	double share;
	/* host time a group pays on the live device before its ops run
	 * (launch, the wait for its end): added to each group's start; 0 by
	 * default (run_config.group_us) */
	int64_t group_ns;
	double share_bw; /* bytes per ns partitions share (sim_kind_open_parts); 0: not modelled */
	uint64_t seed;
} sim_options;

/* The bytes a group moves over the fewest its ops must move (zoo_cost.c),
 * in the shared bandwidth's demand. */
#define SIM_SHARE_TRAFFIC 4.6

void sim_options_default(sim_options *o);

/* The simulator as a device kind (device.h): reads gpu, data_dir, prof,
 * seed, noise, kappa and calibrated; refuses CUDA settings other than the
 * defaults its profiles were measured with. */
extern const dev_kind sim_kind;

/* The device borrows the profile, which must outlive it. */
int sim_device_open(device *out, const prof *p, const sim_options *o, char *err, size_t errlen);

/* Changes the contention parameters of an open simulator (calibration
 * tries many); -1 if d is not a simulator. */
int sim_set_contention(device *d, double kappa, double scale_c, double scale_m);
/* The same for share; -1 if d is not a simulator or share is outside
 * [0, SIM_SHARE_MAX]. */
int sim_set_share(device *d, double share);

/* The most share may be: a power of demands at most 1, past 8 the op
 * that demands most takes all the GPU it can. */
#define SIM_SHARE_MAX DEV_SHARE_MAX

/* The most kappa may be, in sim.csv or in a run: it multiplies a group's
 * duration by up to 1 + kappa (n - 1); the fit searches 0 to 1.2, and
 * 1e15 would push a group past the int64 ns clock. */
#define SIM_KAPPA_MAX DEV_KAPPA_MAX

/* Calibrated contention parameters for a GPU, from DIR/<gpu>/sim.csv
 * (a key,value header, then kappa, scale_c, scale_m rows, and share where
 * the fit set one). 0 and the values
 * when the file exists, 1 when it does not (o untouched), -1 on a file that
 * is malformed or cannot be read, or a folder in its place. */
int sim_load_calibration(const char *data_dir, const char *gpu, sim_options *o, char *err,
                         size_t errlen);

#endif
