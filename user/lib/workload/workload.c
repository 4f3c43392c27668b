// SPDX-License-Identifier: GPL-2.0
/*
 * The work-type registry: names, defaults and parameter ranges, group
 * sizes, lookup and parsing by name, and workload checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ktstr/workload.h>

#include "work_types.h"
#include "util/ktstr_error.h"


#define P(kind_field, nm, d, lo, hi, h)					\
	{ .name = nm, .offset = offsetof(struct ktstr_work, kind_field),	\
	  .def = d, .min = lo, .max = hi, .help = h }
#define ITERS_MAX	(1ULL << 32)
#define MS_MAX		3600000ULL
#define US_MAX		60000000ULL

static const struct ktstr_work_param p_mixed[] = {
	P(mixed.spin_iters, "spin_iters", 1024, 1, ITERS_MAX, "spins between yields"),
	{ 0 } };
static const struct ktstr_work_param p_io[] = {
	P(io_sync_write.write_kb, "write_kb", 64, 1, 65536, "bytes written per fsync, KiB"),
	P(io_sync_write.sleep_us, "sleep_us", 100, 0, US_MAX, "sleep after each fsync"),
	P(io_sync_write.file_kb, "file_kb", 1024, 1, 1 << 22, "file size before rewinding, KiB"),
	{ 0 } };
static const struct ktstr_work_param p_bursty[] = {
	P(bursty.burst_ms, "burst_ms", 50, 1, MS_MAX, "spin phase"),
	P(bursty.sleep_ms, "sleep_ms", 100, 0, MS_MAX, "sleep phase"),
	{ 0 } };
static const struct ktstr_work_param p_pipe[] = {
	P(pipe_io.burst_iters, "burst_iters", 1024, 1, ITERS_MAX, "spins between messages"),
	{ 0 } };
static const struct ktstr_work_param p_fpp[] = {
	P(futex_ping_pong.spin_iters, "spin_iters", 1024, 1, ITERS_MAX, "spins per turn"),
	{ 0 } };
static const struct ktstr_work_param p_cp[] = {
	P(cache_pressure.size_kb, "size_kb", 32, 1, 1 << 20, "buffer walked, KiB"),
	P(cache_pressure.stride, "stride", 64, 1, 4096, "bytes between touches"),
	{ 0 } };
static const struct ktstr_work_param p_cy[] = {
	P(cache_yield.size_kb, "size_kb", 32, 1, 1 << 20, "buffer walked, KiB"),
	P(cache_yield.stride, "stride", 64, 1, 4096, "bytes between touches"),
	{ 0 } };
static const struct ktstr_work_param p_cpipe[] = {
	P(cache_pipe.size_kb, "size_kb", 32, 1, 1 << 20, "buffer walked, KiB"),
	P(cache_pipe.burst_iters, "burst_iters", 1024, 1, ITERS_MAX, "touches between messages"),
	{ 0 } };
static const struct ktstr_work_param p_ffo[] = {
	P(futex_fan_out.fan_out, "fan_out", 4, 1, 63, "receivers per messenger"),
	P(futex_fan_out.spin_iters, "spin_iters", 1024, 1, ITERS_MAX, "spins per round"),
	{ 0 } };
static const struct ktstr_work_param p_nice[] = {
	P(nice_sweep.spin_iters, "spin_iters", 512, 1, ITERS_MAX, "spins per nice level"),
	{ 0 } };
static const struct ktstr_work_param p_aff[] = {
	P(affinity_churn.spin_iters, "spin_iters", 1024, 1, ITERS_MAX, "spins per CPU"),
	{ 0 } };
static const struct ktstr_work_param p_pol[] = {
	P(policy_churn.spin_iters, "spin_iters", 1024, 1, ITERS_MAX, "spins per policy"),
	{ 0 } };
static const struct ktstr_work_param p_foc[] = {
	P(fan_out_compute.fan_out, "fan_out", 4, 1, 63, "workers per messenger"),
	P(fan_out_compute.cache_footprint_kb, "cache_footprint_kb", 256, 1, 1 << 20, "three matrices, KiB"),
	P(fan_out_compute.operations, "operations", 5, 1, 1000, "matrix multiplies per wake"),
	P(fan_out_compute.sleep_usec, "sleep_usec", 100, 0, US_MAX, "messenger sleep per round"),
	{ 0 } };
static const struct ktstr_work_param p_pfc[] = {
	P(page_fault_churn.region_kb, "region_kb", 4096, 4, 1 << 22, "region faulted in and dropped, KiB"),
	P(page_fault_churn.touches_per_cycle, "touches_per_cycle", 256, 1, 1 << 20, "page touches per cycle"),
	P(page_fault_churn.spin_iters, "spin_iters", 64, 0, ITERS_MAX, "spins per touch"),
	{ 0 } };
static const struct ktstr_work_param p_mutex[] = {
	P(mutex_contention.contenders, "contenders", 4, 2, 64, "workers sharing one mutex"),
	P(mutex_contention.hold_iters, "hold_iters", 256, 0, ITERS_MAX, "spins with the lock held"),
	P(mutex_contention.work_iters, "work_iters", 1024, 0, ITERS_MAX, "spins without it"),
	{ 0 } };
static const struct ktstr_work_param p_chain[] = {
	P(wake_chain.depth, "depth", 4, 2, 64, "workers in the chain"),
	P(wake_chain.work_per_hop, "work_per_hop", 1024, 0, ITERS_MAX, "spins before waking the next"),
	{ 0 } };
static const struct ktstr_work_param p_herd[] = {
	P(thundering_herd.waiters, "waiters", 8, 1, 63, "workers woken at once"),
	P(thundering_herd.interval_us, "interval_us", 1000, 1, US_MAX, "time between broadcasts"),
	{ 0 } };
static const struct ktstr_work_param p_timer[] = {
	P(timer_latency.interval_us, "interval_us", 1000, 1, US_MAX, "timer period"),
	{ 0 } };
static const struct ktstr_work_param p_pi[] = {
	P(priority_inversion.hold_us, "hold_us", 1000, 1, US_MAX, "low-priority worker's hold time"),
	P(priority_inversion.burst_us, "burst_us", 5000, 1, US_MAX, "medium-priority spin burst"),
	P(priority_inversion.sleep_us, "sleep_us", 1000, 1, US_MAX, "pause between attempts"),
	P(priority_inversion.rt, "rt", 0, 0, 1, "1: SCHED_FIFO 10/20/30, 0: nice 10/5/0"),
	{ 0 } };
static const struct ktstr_work_param p_rts[] = {
	P(rt_starvation.rt_prio, "rt_prio", 1, 1, 99, "SCHED_FIFO priority of the hog"),
	P(rt_starvation.spin_iters, "spin_iters", 1024, 1, ITERS_MAX, "spins per unit"),
	{ 0 } };
static const struct ktstr_work_param p_none[] = { { 0 } };

static int gs_pair(const struct ktstr_work *w) { (void)w; return 2; }
static int gs_three(const struct ktstr_work *w) { (void)w; return 3; }
static int gs_ffo(const struct ktstr_work *w) { return (int)w->futex_fan_out.fan_out + 1; }
static int gs_foc(const struct ktstr_work *w) { return (int)w->fan_out_compute.fan_out + 1; }
static int gs_herd(const struct ktstr_work *w) { return (int)w->thundering_herd.waiters + 1; }
static int gs_mutex(const struct ktstr_work *w) { return (int)w->mutex_contention.contenders; }
static int gs_chain(const struct ktstr_work *w) { return (int)w->wake_chain.depth; }

static const struct {
	struct ktstr_work_type t;
	const struct ktstr_work_param *params;
} types[KTSTR_WORK_NR] = {
	[KTSTR_WORK_SPIN_WAIT] = { { "SpinWait", "spin on the CPU", ktstr_run_spin_wait,
		NULL, NULL, NULL, 0, 0 }, p_none },
	[KTSTR_WORK_YIELD_HEAVY] = { { "YieldHeavy", "sched_yield() in a loop", ktstr_run_yield_heavy,
		NULL, NULL, NULL, 0, 0 }, p_none },
	[KTSTR_WORK_MIXED] = { { "Mixed", "spin, then yield", ktstr_run_mixed,
		NULL, NULL, NULL, 0, 0 }, p_mixed },
	[KTSTR_WORK_IO_SYNC_WRITE] = { { "IoSyncWrite", "write + fsync to a temp file, then sleep",
		ktstr_run_io_sync_write, NULL, NULL, NULL, 0, 2 }, p_io },
	[KTSTR_WORK_BURSTY] = { { "Bursty", "spin for burst_ms, sleep for sleep_ms", ktstr_run_bursty,
		NULL, NULL, NULL, 0, 0 }, p_bursty },
	[KTSTR_WORK_PIPE_IO] = { { "PipeIo", "pairs pass a token through pipes", ktstr_run_pipe_io,
		gs_pair, NULL, NULL, 2, 0 }, p_pipe },
	[KTSTR_WORK_FUTEX_PING_PONG] = { { "FutexPingPong", "pairs hand a turn over with futexes",
		ktstr_run_chain, gs_pair, ktstr_chain_shm_size, NULL, 0, 0 }, p_fpp },
	[KTSTR_WORK_CACHE_PRESSURE] = { { "CachePressure", "walk a buffer with a stride",
		ktstr_run_cache_pressure, NULL, NULL, NULL, 0, 0 }, p_cp },
	[KTSTR_WORK_CACHE_YIELD] = { { "CacheYield", "walk a buffer, yield after each pass",
		ktstr_run_cache_yield, NULL, NULL, NULL, 0, 0 }, p_cy },
	[KTSTR_WORK_CACHE_PIPE] = { { "CachePipe", "pairs walk a buffer between pipe messages",
		ktstr_run_cache_pipe, gs_pair, NULL, NULL, 2, 0 }, p_cpipe },
	[KTSTR_WORK_FUTEX_FAN_OUT] = { { "FutexFanOut", "a messenger wakes fan_out receivers",
		ktstr_run_fan, gs_ffo, ktstr_fan_shm_size, NULL, 0, 0 }, p_ffo },
	[KTSTR_WORK_SEQUENCE] = { { "Sequence", "spin/sleep/yield/io phases in turn",
		ktstr_run_sequence, NULL, NULL, NULL, 0, 0 }, p_none },
	[KTSTR_WORK_FORK_EXIT] = { { "ForkExit", "fork a child that exits, reap it",
		ktstr_run_fork_exit, NULL, NULL, NULL, 0, 0 }, p_none },
	[KTSTR_WORK_NICE_SWEEP] = { { "NiceSweep", "spin at nice -20..19 in turn",
		ktstr_run_nice_sweep, NULL, NULL, NULL, 0, 0 }, p_nice },
	[KTSTR_WORK_AFFINITY_CHURN] = { { "AffinityChurn", "pin to each allowed CPU in turn",
		ktstr_run_affinity_churn, NULL, NULL, NULL, 0, 0 }, p_aff },
	[KTSTR_WORK_POLICY_CHURN] = { { "PolicyChurn", "OTHER, BATCH, IDLE (FIFO, RR) in turn",
		ktstr_run_policy_churn, NULL, NULL, NULL, 0, 0 }, p_pol },
	[KTSTR_WORK_FAN_OUT_COMPUTE] = { { "FanOutCompute", "a messenger wakes workers that multiply matrices",
		ktstr_run_fan, gs_foc, ktstr_fan_shm_size, NULL, 0, 0 }, p_foc },
	[KTSTR_WORK_PAGE_FAULT_CHURN] = { { "PageFaultChurn", "fault pages in, drop them, repeat",
		ktstr_run_page_fault_churn, NULL, NULL, NULL, 0, 0 }, p_pfc },
	[KTSTR_WORK_MUTEX_CONTENTION] = { { "MutexContention", "contenders share a process-shared mutex",
		ktstr_run_mutex_contention, gs_mutex, ktstr_lock_shm_size, ktstr_mutex_shm_init, 0, 0 }, p_mutex },
	[KTSTR_WORK_CUSTOM] = { { "Custom", "a user function", ktstr_run_custom,
		NULL, NULL, NULL, 0, 0 }, p_none },
	[KTSTR_WORK_WAKE_CHAIN] = { { "WakeChain", "each worker wakes the next in a ring",
		ktstr_run_chain, gs_chain, ktstr_chain_shm_size, NULL, 0, 0 }, p_chain },
	[KTSTR_WORK_THUNDERING_HERD] = { { "ThunderingHerd", "one broadcast wakes every waiter",
		ktstr_run_fan, gs_herd, ktstr_fan_shm_size, NULL, 0, 0 }, p_herd },
	[KTSTR_WORK_TIMER_LATENCY] = { { "TimerLatency", "periodic absolute timer, oversleep measured",
		ktstr_run_timer_latency, NULL, NULL, NULL, 0, 0 }, p_timer },
	[KTSTR_WORK_PRIORITY_INVERSION] = { { "PriorityInversion", "low holds a PI mutex, medium spins, high waits",
		ktstr_run_priority_inversion, gs_three, ktstr_lock_shm_size, ktstr_pi_shm_init, 0, 0 }, p_pi },
	[KTSTR_WORK_RT_STARVATION] = { { "RtStarvation", "a SCHED_FIFO hog next to a normal worker",
		ktstr_run_rt_starvation, gs_pair, NULL, NULL, 0, 0 }, p_rts },
};

static bool kind_ok(int kind)
{
	return kind >= 0 && kind < KTSTR_WORK_NR;
}

const struct ktstr_work_type *ktstr_work_type(enum ktstr_work_kind kind)
{
	return kind_ok(kind) ? &types[kind].t : NULL;
}

const char *ktstr_work_name(enum ktstr_work_kind kind)
{
	return kind_ok(kind) ? types[kind].t.name : NULL;
}

const char *ktstr_work_help(enum ktstr_work_kind kind)
{
	return kind_ok(kind) ? types[kind].t.help : NULL;
}

const struct ktstr_work_param *ktstr_work_param(enum ktstr_work_kind kind, int i)
{
	const struct ktstr_work_param *p;

	if (!kind_ok(kind) || i < 0)
		return NULL;
	for (p = types[kind].params; p->name; p++)
		if (i-- == 0)
			return p;
	return NULL;
}

static uint64_t *field(struct ktstr_work *w, const struct ktstr_work_param *p)
{
	return (uint64_t *)((char *)w + p->offset);
}

static const uint64_t *cfield(const struct ktstr_work *w,
			      const struct ktstr_work_param *p)
{
	return (const uint64_t *)((const char *)w + p->offset);
}

int ktstr_work_init(struct ktstr_work *w, enum ktstr_work_kind kind)
{
	const struct ktstr_work_param *p;

	KTSTR_CLEAR_ERROR();
	if (!w || !kind_ok(kind))
		return ktstr_work_fail(-EINVAL, "bad work kind %d", (int)kind);
	memset(w, 0, sizeof(*w));
	w->kind = kind;
	for (p = types[kind].params; p->name; p++)
		*field(w, p) = p->def;
	if (kind == KTSTR_WORK_SEQUENCE) {
		static const struct ktstr_phase dfl[] = {
			{ KTSTR_PHASE_SPIN, 20 }, { KTSTR_PHASE_SLEEP, 10 },
			{ KTSTR_PHASE_YIELD, 10 }, { KTSTR_PHASE_IO, 10 },
		};

		w->sequence.nr_phases = 4;
		memcpy(w->sequence.phases, dfl, sizeof(dfl));
	}
	if (kind == KTSTR_WORK_CUSTOM)
		w->custom.name = "Custom";
	return 0;
}

int ktstr_work_by_name(const char *name, struct ktstr_work *w)
{
	KTSTR_CLEAR_ERROR();
	if (!name || !w)
		return ktstr_work_fail(-EINVAL, "no work type name");
	for (int k = 0; k < KTSTR_WORK_NR; k++)
		if (!strcasecmp(name, types[k].t.name))
			return ktstr_work_init(w, k);
	return ktstr_work_fail(-ENOENT, "unknown work type '%s'", name);
}

static const char *const phase_names[] = { "spin", "sleep", "yield", "io" };

static int parse_kv(struct ktstr_work *w, const char *key, const char *val)
{
	const struct ktstr_work_param *p;
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (!*val || *end || errno || *val == '-')
		return ktstr_work_fail(-EINVAL, "%s: '%s=%s': not a number",
				       types[w->kind].t.name, key, val);
	if (w->kind == KTSTR_WORK_SEQUENCE) {
		for (int i = 0; i < 4; i++) {
			if (strcasecmp(key, phase_names[i]))
				continue;
			if (w->sequence.nr_phases == KTSTR_SEQ_MAX_PHASES)
				return ktstr_work_fail(-EINVAL, "Sequence: more than %d phases",
						       KTSTR_SEQ_MAX_PHASES);
			w->sequence.phases[w->sequence.nr_phases].kind = i;
			w->sequence.phases[w->sequence.nr_phases++].ms = v;
			return 0;
		}
		return ktstr_work_fail(-EINVAL, "Sequence: unknown phase '%s' (spin, sleep, yield, io)",
				       key);
	}
	for (p = types[w->kind].params; p->name; p++) {
		if (strcasecmp(key, p->name))
			continue;
		if (v < p->min || v > p->max)
			return ktstr_work_fail(-ERANGE, "%s: %s=%llu out of range %llu..%llu",
					       types[w->kind].t.name, p->name, v,
					       (unsigned long long)p->min,
					       (unsigned long long)p->max);
		*field(w, p) = v;
		return 0;
	}
	return ktstr_work_fail(-EINVAL, "%s has no parameter '%s'",
			       types[w->kind].t.name, key);
}

int ktstr_work_parse(const char *spec, struct ktstr_work *w)
{
	char buf[512], *open, *tok, *save = NULL;
	size_t len;
	int ret;

	KTSTR_CLEAR_ERROR();
	if (!spec || !w)
		return ktstr_work_fail(-EINVAL, "no work type");
	len = strlen(spec);
	if (len >= sizeof(buf))
		return ktstr_work_fail(-EINVAL, "work type spec too long");
	memcpy(buf, spec, len + 1);
	open = strchr(buf, '{');
	if (open) {
		if (buf[len - 1] != '}')
			return ktstr_work_fail(-EINVAL, "'%s': missing '}'", spec);
		buf[len - 1] = '\0';
		*open++ = '\0';
	}
	ret = ktstr_work_by_name(buf, w);
	if (ret)
		return ret;
	if (w->kind == KTSTR_WORK_CUSTOM)
		return ktstr_work_fail(-EINVAL, "Custom needs a function; it cannot be named on the command line");
	if (!open)
		return 0;
	if (w->kind == KTSTR_WORK_SEQUENCE)
		w->sequence.nr_phases = 0;
	for (tok = strtok_r(open, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return ktstr_work_fail(-EINVAL, "'%s': expected key=value", tok);
		*eq = '\0';
		ret = parse_kv(w, tok, eq + 1);
		if (ret)
			return ret;
	}
	if (w->kind == KTSTR_WORK_SEQUENCE && !w->sequence.nr_phases)
		return ktstr_work_fail(-EINVAL, "Sequence needs at least one phase");
	return 0;
}

int ktstr_work_group_size(const struct ktstr_work *w)
{
	if (!w || !kind_ok(w->kind))
		return ktstr_work_fail(-EINVAL, "bad work type");
	return types[w->kind].t.group_size ? types[w->kind].t.group_size(w) : 1;
}

int ktstr_work_fixed_workers(const struct ktstr_work *w)
{
	return w && kind_ok(w->kind) ? types[w->kind].t.fixed_workers : 0;
}

int ktstr_work_check(const struct ktstr_work *w, int nr_workers)
{
	const struct ktstr_work_param *p;
	const char *name;
	int gs, fixed;

	KTSTR_CLEAR_ERROR();
	if (!w || !kind_ok(w->kind))
		return ktstr_work_fail(-EINVAL, "bad work type");
	name = types[w->kind].t.name;
	for (p = types[w->kind].params; p->name; p++) {
		uint64_t v = *cfield(w, p);

		if (v < p->min || v > p->max)
			return ktstr_work_fail(-ERANGE, "%s: %s=%llu out of range %llu..%llu",
					       name, p->name, (unsigned long long)v,
					       (unsigned long long)p->min,
					       (unsigned long long)p->max);
	}
	if (w->kind == KTSTR_WORK_SEQUENCE &&
	    (!w->sequence.nr_phases || w->sequence.nr_phases > KTSTR_SEQ_MAX_PHASES))
		return ktstr_work_fail(-EINVAL, "Sequence needs 1..%d phases",
				       KTSTR_SEQ_MAX_PHASES);
	if (w->kind == KTSTR_WORK_CUSTOM && !w->custom.fn)
		return ktstr_work_fail(-EINVAL, "Custom work without a function");
	if (nr_workers < 1)
		return ktstr_work_fail(-EINVAL, "%s: %d workers: need at least one",
				       name, nr_workers);
	if (nr_workers > KTSTR_WORKERS_MAX)
		return ktstr_work_fail(-E2BIG, "%s: %d workers: at most %d (KTSTR_WORKERS_MAX)",
				       name, nr_workers, KTSTR_WORKERS_MAX);
	fixed = types[w->kind].t.fixed_workers;
	if (fixed && nr_workers != fixed)
		return ktstr_work_fail(-EINVAL, "%s always runs %d workers, not %d",
				       name, fixed, nr_workers);
	gs = ktstr_work_group_size(w);
	if (nr_workers % gs)
		return ktstr_work_fail(-EINVAL,
				       "%s runs in groups of %d workers: %d workers is not a multiple of %d",
				       name, gs, nr_workers, gs);
	return 0;
}

int ktstr_work_dfl_workers(const struct ktstr_work *w, int per_cgroup)
{
	int gs, fixed;

	if (per_cgroup < 1)
		return ktstr_work_fail(-EINVAL, "%d workers per cgroup: need at least one",
				       per_cgroup);
	if (per_cgroup > KTSTR_WORKERS_MAX)
		return ktstr_work_fail(-E2BIG, "%d workers per cgroup: at most %d",
				       per_cgroup, KTSTR_WORKERS_MAX);
	fixed = ktstr_work_fixed_workers(w);
	if (fixed)
		return fixed;
	gs = ktstr_work_group_size(w);
	if (gs < 0)
		return gs;
	return (per_cgroup + gs - 1) / gs * gs;
}

int ktstr_workload_init(struct ktstr_workload *wl, enum ktstr_work_kind kind,
			int nr_workers)
{
	int ret;

	KTSTR_CLEAR_ERROR();
	if (!wl)
		return ktstr_work_fail(-EINVAL, "no workload");
	memset(wl, 0, sizeof(*wl));
	ret = ktstr_work_init(&wl->work, kind);
	if (ret)
		return ret;
	wl->nr_workers = nr_workers;
	wl->mem.mode = KTSTR_MPOL_NONE;
	return 0;
}

int ktstr_workload_check(const struct ktstr_workload *wl)
{
	const struct ktstr_sched *s;
	const struct ktstr_affinity *a;
	int ret;

	KTSTR_CLEAR_ERROR();
	if (!wl)
		return ktstr_work_fail(-EINVAL, "no workload");
	ret = ktstr_work_check(&wl->work, wl->nr_workers);
	if (ret)
		return ret;
	s = &wl->sched;
	if (s->policy < KTSTR_SCHED_INHERIT || s->policy > KTSTR_SCHED_DEADLINE)
		return ktstr_work_fail(-EINVAL, "bad scheduling policy %d", (int)s->policy);
	if ((s->policy == KTSTR_SCHED_FIFO || s->policy == KTSTR_SCHED_RR) &&
	    (s->prio < 1 || s->prio > 99))
		return ktstr_work_fail(-EINVAL, "FIFO/RR priority %d not in 1..99", s->prio);
	if (s->policy == KTSTR_SCHED_DEADLINE &&
	    (!s->dl_runtime_ns || s->dl_runtime_ns > s->dl_deadline_ns ||
	     (s->dl_period_ns && s->dl_deadline_ns > s->dl_period_ns)))
		return ktstr_work_fail(-EINVAL,
				       "DEADLINE needs 0 < runtime <= deadline <= period");
	if (wl->set_nice && (wl->nice < -20 || wl->nice > 19))
		return ktstr_work_fail(-EINVAL, "nice %d not in -20..19", wl->nice);
	a = &wl->affinity;
	switch (a->kind) {
	case KTSTR_AFF_INHERIT:
		break;
	case KTSTR_AFF_SINGLE_CPU:
		if (a->cpu < 0 || a->cpu >= KTSTR_MAX_CPUS)
			return ktstr_work_fail(-EINVAL, "single-CPU affinity: bad CPU %d", a->cpu);
		break;
	case KTSTR_AFF_RANDOM:
		if (a->count < 1)
			return ktstr_work_fail(-EINVAL, "random affinity: count %d < 1", a->count);
		if (!ktstr_cpuset_empty(&a->cpus) && ktstr_cpuset_count(&a->cpus) < a->count)
			return ktstr_work_fail(-EINVAL, "random affinity: %d CPUs asked from a set of %d",
					       a->count, ktstr_cpuset_count(&a->cpus));
		break;
	case KTSTR_AFF_EXACT:
	case KTSTR_AFF_LLC_ALIGNED:
	case KTSTR_AFF_CROSS_CGROUP:
		if (ktstr_cpuset_empty(&a->cpus))
			return ktstr_work_fail(-EINVAL, "affinity: empty CPU set");
		break;
	default:
		return ktstr_work_fail(-EINVAL, "bad affinity kind %d", (int)a->kind);
	}
	if (wl->mem.mode < KTSTR_MPOL_NONE || wl->mem.mode > KTSTR_MPOL_WEIGHTED_INTERLEAVE)
		return ktstr_work_fail(-EINVAL, "bad memory policy %d", (int)wl->mem.mode);
	if ((wl->mem.mode == KTSTR_MPOL_BIND || wl->mem.mode == KTSTR_MPOL_INTERLEAVE ||
	     wl->mem.mode == KTSTR_MPOL_PREFERRED_MANY ||
	     wl->mem.mode == KTSTR_MPOL_WEIGHTED_INTERLEAVE) &&
	    ktstr_cpuset_empty(&wl->mem.nodes))
		return ktstr_work_fail(-EINVAL, "memory policy %d needs nodes", (int)wl->mem.mode);
	return 0;
}
