/* mpic.h: a cluster run over MPI, one process per GPU.
 *
 *   mpirun -n K abacus run scenarios/paper/cluster.lua
 *
 * Rank 0 runs the scenario: the router or controller, every worker's
 * scheduler and policy, the load, and results.db. Each other rank r is the
 * device of GPU r: it opens its device (the simulator, or its GPU chosen
 * by local rank for device = "cuda"), and runs the operator groups rank 0
 * sends it, one at a time, answering each with how long its segments
 * took. On rank 0 each worker's device is a proxy (a dev_iface) that sends
 * the group and learns its end when the answer comes: the run's loop
 * (worker.h) drives proxies as it drives GPUs whose ends are not known
 * ahead. With fcfs or the clockwork controller a group is one whole query;
 * with abacus a query may travel as several groups.
 *
 * Clocks. Every time is rank 0's (CLOCK_MONOTONIC): a query arrives on
 * it, and a group ends when its answer reaches rank 0, so latency includes
 * the messages both ways. A simulated worker runs in real time: it works
 * out the group's duration on its own virtual clock, sleeps that long from
 * when the group came, then answers; each segment's end is placed that
 * much before the answer's arrival as it ended before the group's. So
 * an MPI run of simulated workers is the one-process cluster run, played
 * in real time, plus what message passing adds.
 *
 * Ranks: a run of N GPUs needs N + 1 ranks; anything else is an error
 * before the run. With device = "cuda" a worker takes the GPU of its
 * local rank among the host's workers, and a host with more worker ranks
 * than GPUs is an error; CUDA_VISIBLE_DEVICES set for the job (mpirun -x
 * CUDA_VISIBLE_DEVICES=0) is kept instead, so that workers may share one
 * GPU. Rank 0 tells the workers to stop when its scenario ends.
 *
 * Faults: under mpirun --enable-recovery the other ranks live on when a
 * worker rank dies; rank 0 notices (the worker's process is gone, where
 * it shares rank 0's host) and its proxy says the device is lost
 * (dev_iface.lost), and the run goes on without it (worker.h). Without
 * --enable-recovery Open MPI ends the whole job. ABACUS_MPI_KILL=R:N
 * makes rank R die as its group N + 1 comes, for tests.
 */
#ifndef ABACUS_MPIC_H
#define ABACUS_MPIC_H

#include <stddef.h>

#include "device.h"

/* 1 when this process was started by mpirun (Open MPI's or a PMI
 * launcher's environment), before MPI_Init. */
int mpic_launched(void);
/* MPI_Init; 0, or -1 with a message. */
int mpic_begin(int *argc, char ***argv, char *err, size_t errlen);
/* This process's rank and the job's ranks; -1 when the MPI call fails
 * (mpic_begin checked both once). */
int mpic_rank(void);
int mpic_size(void);
/* Rank 0: the device kinds of a run under MPI, named as the plain ones
 * ("sim", "cuda"), each a proxy to the worker ranks. */
extern const dev_kind *const mpic_devices[];
/* Ranks > 0: serve rank 0 until it says stop, opening devices from
 * `kinds` (the plain table). 0, or -1 with a message. */
int mpic_serve(const dev_kind *const *kinds, char *err, size_t errlen);
/* Rank 0 tells the workers to stop; every rank then MPI_Finalize. */
void mpic_end(void);

#endif
