// SPDX-License-Identifier: GPL-2.0
/*
 * Churn work types that keep changing what the scheduler knows about the
 * worker: ForkExit, NiceSweep, AffinityChurn, PolicyChurn, PageFaultChurn.
 * Changes the kernel refuses (an unprivileged runner lowering nice or
 * asking for FIFO) are skipped, not fatal: the churn that is allowed still
 * happens.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <ktstr/util.h>
#include "work_types.h"

int ktstr_run_fork_exit(struct ktstr_work_ctx *wc)
{
	while (!ktstr_work_stop(wc)) {
		uint64_t t0 = ktstr_now_ns();
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				ktstr_work_sleep(wc, 1000000);
				continue;
			}
			return -errno;
		}
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		/* fork-to-reap round trip */
		ktstr_work_wake(wc, ktstr_now_ns() - t0);
		ktstr_work_progress(wc, 1);
	}
	return 0;
}

int ktstr_run_nice_sweep(struct ktstr_work_ctx *wc)
{
	uint64_t iters = wc->work->nice_sweep.spin_iters;

	while (!ktstr_work_stop(wc)) {
		for (int nice = -20; nice <= 19 && !ktstr_work_stop(wc); nice++) {
			setpriority(PRIO_PROCESS, 0, nice);
			ktstr_work_spin(iters);
			ktstr_work_progress(wc, iters);
		}
	}
	return 0;
}

int ktstr_run_affinity_churn(struct ktstr_work_ctx *wc)
{
	uint64_t iters = wc->work->affinity_churn.spin_iters;
	cpu_set_t allowed, one;
	int cpu = -1;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return -errno;
	while (!ktstr_work_stop(wc)) {
		/* Next allowed CPU after the current one, wrapping. */
		for (int k = 0; k < CPU_SETSIZE; k++) {
			cpu = (cpu + 1) % CPU_SETSIZE;
			if (CPU_ISSET(cpu, &allowed))
				break;
		}
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) && errno == EINVAL) {
			/* The cpuset shrank under us: start over from it. */
			CPU_ZERO(&one);
			for (int c = 0; c < CPU_SETSIZE; c++)
				CPU_SET(c, &one);
			sched_setaffinity(0, sizeof(one), &one);
			sched_getaffinity(0, sizeof(allowed), &allowed);
		}
		ktstr_work_spin(iters);
		ktstr_work_progress(wc, iters);
	}
	return 0;
}

int ktstr_run_policy_churn(struct ktstr_work_ctx *wc)
{
	static const struct ktstr_sched steps[] = {
		{ .policy = KTSTR_SCHED_NORMAL },
		{ .policy = KTSTR_SCHED_BATCH },
		{ .policy = KTSTR_SCHED_IDLE },
		{ .policy = KTSTR_SCHED_FIFO, .prio = 1 },
		{ .policy = KTSTR_SCHED_RR, .prio = 1 },
	};
	uint64_t iters = wc->work->policy_churn.spin_iters;
	int nr = KTSTR_ARRAY_SIZE(steps);

	while (!ktstr_work_stop(wc)) {
		for (int i = 0; i < nr && !ktstr_work_stop(wc); i++) {
			/* FIFO/RR fail without CAP_SYS_NICE; the rest still churn. */
			ktstr_set_policy(&steps[i]);
			ktstr_work_spin(iters);
			ktstr_work_progress(wc, iters);
		}
	}
	ktstr_set_policy(&steps[0]);
	return 0;
}

int ktstr_run_page_fault_churn(struct ktstr_work_ctx *wc)
{
	const struct ktstr_work *w = wc->work;
	size_t page = sysconf(_SC_PAGESIZE), len = w->page_fault_churn.region_kb * 1024;
	size_t pages = len / page;
	unsigned char *region;

	region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return -errno;
	if (!pages)
		pages = 1;
	while (!ktstr_work_stop(wc)) {
		uint64_t t;

		for (t = 0; t < w->page_fault_churn.touches_per_cycle; t++) {
			size_t p = ktstr_work_rand(wc) % pages;

			((volatile unsigned char *)region)[p * page] = (unsigned char)t;
			ktstr_work_spin(w->page_fault_churn.spin_iters);
			if ((t & 63) == 63 && ktstr_work_stop(wc))
				break;
		}
		ktstr_work_progress(wc, t);
		/* Drop every page so the next cycle faults them in again. */
		madvise(region, len, MADV_DONTNEED);
	}
	munmap(region, len);
	return 0;
}
