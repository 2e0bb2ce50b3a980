/* bench_sim.c: how fast the simulator replays queries.
 *
 *   build/bench_sim [QUERIES]
 *
 * A 2-service fcfs run (resnet50 + bert on the H100 profile, Poisson load
 * at 80% of the GPU) of QUERIES queries (default 1,000,000), three ways:
 *   core      the scheduling loop and simulated device alone (nothing stored)
 *   no rows   run_execute storing the run's summary only
 *   rows      run_execute storing every query row in a fresh results.db
 * Prints queries per second and wall time for each. Not a test: the
 * figures depend on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clk.h"
#include "devices.h"
#include "run.h"
#include "store.h"

static double now_s(void)
{
	return (double)clk_ns() * 1e-9;
}

int main(int argc, char **argv)
{
	int64_t queries = argc > 1 ? atoll(argv[1]) : 1000000;
	run_service svc[2];
	memset(svc, 0, sizeof svc);
	snprintf(svc[0].model, sizeof svc[0].model, "resnet50");
	svc[0].batches[0] = 1, svc[0].batches[1] = 4, svc[0].batches[2] = 8;
	svc[0].n_batches = 3;
	svc[0].qos_ms = 25;
	snprintf(svc[1].model, sizeof svc[1].model, "bert");
	svc[1].batches[0] = 1, svc[1].batches[1] = 4;
	svc[1].n_batches = 2;
	svc[1].seqs[0] = 16, svc[1].seqs[1] = 64;
	svc[1].n_seqs = 2;
	svc[1].qos_ms = 25;
	run_config c;
	run_config_default(&c);
	c.devices = cli_devices;
	c.name = "bench-sim";
	c.policy = "fcfs";
	c.svc = svc;
	c.n_svc = 2;
	c.queries = queries;
	c.seed = 1;
	char err[1024];
	/* the engine the data folder was measured with, as abacus.run takes it */
	if (run_engine_adopt(&c, err, sizeof err)) {
		fprintf(stderr, "bench_sim: %s\n", err);
		return 1;
	}

	/* pick a rate that keeps the GPU 80% busy: mean service time from a
	 * short probe run at low load */
	run_result r;
	c.qps = 10;
	c.queries = 2000;
	if (run_execute(&c, NULL, &r, err, sizeof err)) {
		fprintf(stderr, "bench_sim: %s\n", err);
		return 1;
	}
	c.qps = 0.8 / (r.m.mean_ms / 1e3);
	c.queries = queries;
	run_result_free(&r);

	char dir[] = "/tmp/abacus-bench-XXXXXX", path[256];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/results.db", dir);
	store *st = store_open(path, err, sizeof err);
	if (!st) {
		fprintf(stderr, "bench_sim: %s\n", err);
		return 1;
	}
	printf("2-service fcfs run, resnet50 + bert, %s profile, %.0f queries/s offered, %lld "
	       "queries\n\n",
	       c.gpu, c.qps, (long long)queries);
	printf("%-10s %12s %12s %14s\n", "mode", "wall s", "loop s", "queries/s");
	const char *mode[3] = {"core", "no rows", "rows"};
	for (int k = 0; k < 3; k++) {
		c.store_queries = k == 2;
		double t0 = now_s();
		if (run_execute(&c, k ? st : NULL, &r, err, sizeof err)) {
			fprintf(stderr, "bench_sim: %s\n", err);
			return 1;
		}
		double wall = now_s() - t0;
		double rate = (double)queries / (k == 0 ? r.wall_s : wall);
		printf("%-10s %12.3f %12.3f %14.0f\n", mode[k], wall, r.wall_s, rate);
		if (k < 2)
			run_result_free(&r);
	}
	printf("\np99 %.2f ms, goodput %.1f q/s, mean decision %.3f us\n", r.m.p99_ms,
	       r.m.throughput_qps, r.decision_us);
	run_result_free(&r);
	store_close(st);
	unlink(path);
	char side[300];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	rmdir(dir);
	return 0;
}
