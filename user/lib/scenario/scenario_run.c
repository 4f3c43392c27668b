// SPDX-License-Identifier: GPL-2.0
/*
 * Running one scenario of the catalogue: the module session around it,
 * the steady form (cgroups, cpusets, workers, hold, judge), the steps form
 * (ops.h) and custom code, then the verdict (with expected failures).
 *
 * Module session per scenario: reset (drop the previous scenario's records
 * and events), set the starvation threshold, track the run's parent cgroup
 * subtree (KTSTR_TRACK_CGROUP, following forks) so every worker is seen
 * from the moment it is moved into its cgroup; at the end the records and
 * events are judged and the session is reset again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ktstr/clock.h>
#include <ktstr/collector.h>
#include <ktstr/dev.h>
#include <ktstr/scenario.h>

#include "sched_priv.h"

#define NSEC_PER_MSEC	1000000ULL
/* Sleep slice: how quickly an abort is noticed. */
#define SLICE_MS	50

static volatile sig_atomic_t aborted;
/* The running scenario's scheduler (polled while sleeping) and whether it died. */
static struct ktstr_scx *cur_scx;
static bool sched_died;

void ktstr_scenario_abort(void)
{
	aborted = 1;
	ktstr_ops_abort();
}

bool ktstr_scenario_aborted(void)
{
	return aborted;
}

/* The scheduler's health, at most every KTSTR_SCX_POLL_MS; false once it died. */
static bool sched_alive(bool force)
{
	static uint64_t last;
	uint64_t now;

	if (!cur_scx || sched_died)
		return !sched_died;
	now = ktstr_now_ns() / 1000000;
	if (!force && now - last < KTSTR_SCX_POLL_MS)
		return true;
	last = now;
	if (sched_check(cur_scx, 0))
		sched_died = true;
	return !sched_died;
}

bool ktstr_scenario_sleep(uint64_t ms)
{
	while (ms && !aborted && sched_alive(false)) {
		uint64_t s = ms < SLICE_MS ? ms : SLICE_MS;

		ktstr_sleep_ms(s);
		ms -= s;
	}
	return !aborted && sched_alive(false);
}

void ktstr_outcome_init(struct ktstr_outcome *o)
{
	memset(o, 0, sizeof(*o));
	ktstr_assert_result_init(&o->res);
}

void ktstr_outcome_free(struct ktstr_outcome *o)
{
	if (o)
		ktstr_assert_result_free(&o->res);
}

/* ---- the collector's session ---- */

/*
 * A fresh session for one scenario: no records of the last one, its
 * threshold (or the default), and the module tracking the run's cgroup
 * subtree (the others track each worker's pid as it is spawned).
 */
static int collector_begin(struct ktstr_collector *c, struct ktstr_cgroups *cg,
			   uint64_t starve_ms)
{
	int fd, ret;

	ret = ktstr_collector_reset(c);
	if (ret)
		return ret;
	ret = ktstr_collector_set_starve_ms(c, starve_ms ? starve_ms :
					    KTSTR_STARVE_MS_DEFAULT);
	if (ret)
		return ret;
	if (!(ktstr_collector_has(c) & KTSTR_HAS_WATCHDOG))
		return 0;	/* pid trackers: workers are tracked at spawn */
	fd = open(ktstr_cgroup_parent_path(cg), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ktstr_collector_track_cgroup_fd(c, fd, true);
	close(fd);
	return ret == -EOPNOTSUPP ? 0 : ret;
}

static enum ktstr_kernel_source ksrc_of(const struct ktstr_collector *c)
{
	const char *n = ktstr_collector_name(c);

	if (!c)
		return KTSTR_KSRC_NONE;
	if (!strcmp(n, "module"))
		return KTSTR_KSRC_MODULE;
	if (!strcmp(n, "bpf"))
		return KTSTR_KSRC_BPF;
	return KTSTR_KSRC_TASKSTATS;
}

/* ---- the steady form ---- */

/* The CPUs the affinity kind @a means for cgroup @i. */
static void affinity_for(const struct ktstr_topo *topo,
			 const struct ktstr_cpuset *sets, int n, int i,
			 enum ktstr_scenario_affinity a, struct ktstr_affinity *out)
{
	const struct ktstr_cpuset *mine = ktstr_cpuset_empty(&sets[i]) ?
					  &topo->usable : &sets[i];
	const struct ktstr_cpuset *next = &sets[(i + 1) % n];
	int count = ktstr_cpuset_count(mine), first, pos, cpu, k;

	memset(out, 0, sizeof(*out));
	out->kind = KTSTR_AFF_INHERIT;
	if (!count)
		return;
	first = ktstr_cpuset_first(mine);
	switch (a) {
	case KTSTR_SCENARIO_AFF_INHERIT:
		break;
	case KTSTR_SCENARIO_AFF_SINGLE_CPU:
		/* One CPU per worker, drawn from the cgroup's. */
		out->kind = KTSTR_AFF_RANDOM;
		out->cpus = *mine;
		out->count = 1;
		break;
	case KTSTR_SCENARIO_AFF_RANDOM:
		out->kind = KTSTR_AFF_RANDOM;
		out->cpus = *mine;
		out->count = count > 1 ? count / 2 : 1;
		break;
	case KTSTR_SCENARIO_AFF_LLC:
		out->kind = KTSTR_AFF_LLC_ALIGNED;
		if (topo->cpu_llc[first] < 0 ||
		    ktstr_topo_llc_cpuset(topo, topo->cpu_llc[first], &out->cpus))
			out->cpus = *mine;
		break;
	case KTSTR_SCENARIO_AFF_CROSS_CGROUP:
		out->kind = KTSTR_AFF_CROSS_CGROUP;
		out->cpus = ktstr_cpuset_empty(next) ? topo->usable : *next;
		break;
	case KTSTR_SCENARIO_AFF_PAIR:
		out->kind = KTSTR_AFF_EXACT;
		ktstr_cpuset_zero(&out->cpus);
		pos = (2 * i) % count;
		k = 0;
		ktstr_cpuset_for_each(cpu, mine) {
			if (k == pos || k == (pos + 1) % count)
				ktstr_cpuset_set(&out->cpus, cpu);
			k++;
		}
		break;
	case KTSTR_SCENARIO_AFF_FIRST_CPU:
		out->kind = KTSTR_AFF_EXACT;
		ktstr_cpuset_zero(&out->cpus);
		ktstr_cpuset_set(&out->cpus, first);
		break;
	}
}

static bool work_in(const struct ktstr_scenario_work *w, int cg)
{
	return !w->cgs || (cg < 32 && (w->cgs & (1U << cg)));
}

/* The records of the workers of @h (newest per pid) into a new array. */
static size_t worker_krecs(const struct ktstr_handle *h, int nh,
			   const struct ktstr_task_rec *recs, size_t nrecs,
			   struct ktstr_task_rec **out)
{
	size_t n = 0, cap = 0;
	struct ktstr_task_rec *v = NULL;

	for (int i = 0; i < nh; i++)
		for (int w = 0; w < ktstr_workers_count(h[i].workers); w++) {
			pid_t pid = ktstr_workers_pid(h[i].workers, w);
			const struct ktstr_task_rec *best = ktstr_task_rec_newest(recs, nrecs,
										  pid);

			if (!best)
				continue;
			if (n == cap) {
				struct ktstr_task_rec *nv;

				cap = cap ? 2 * cap : 16;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv)
					break;
				v = nv;
			}
			v[n++] = *best;
		}
	*out = v;
	return n;
}

static bool is_worker_pid(const struct ktstr_handle *h, int nh, pid_t pid)
{
	for (int i = 0; i < nh; i++)
		for (int w = 0; w < ktstr_workers_count(h[i].workers); w++)
			if (ktstr_workers_pid(h[i].workers, w) == pid)
				return true;
	return false;
}

struct steady {
	struct ktstr_handle *handles;
	int nr_handles;
	struct ktstr_cpuset sets[KTSTR_SCENARIO_MAX_CGROUPS];
	const struct ktstr_cpuset *hsets[KTSTR_SCENARIO_MAX_CGROUPS * KTSTR_SCENARIO_MAX_WORKS];
	int nr;
};

/* The steady form's cgroups cg_0..: created, with their cpusets; why in out->reason. */
static int steady_cgroups(const struct ktstr_ctx *ctx, const struct steady *st,
			  struct ktstr_cgroup_group *group, struct ktstr_outcome *out)
{
	int ret;

	for (int i = 0; i < st->nr; i++) {
		char name[KTSTR_CTX_NAME_MAX];

		snprintf(name, sizeof(name), "cg_%d", i);
		ret = ktstr_cgroup_group_add(group, name);
		if (ret) {
			snprintf(out->reason, sizeof(out->reason), "create %s: %s",
				 name, ktstr_last_error());
			return ret;
		}
		if (!ktstr_cpuset_empty(&st->sets[i])) {
			ret = ktstr_cgroup_set_cpuset(ctx->cgroups, name, &st->sets[i]);
			if (ret) {
				snprintf(out->reason, sizeof(out->reason),
					 "cpuset of %s: %s", name,
					 ktstr_last_error());
				return ret;
			}
		}
	}
	return 0;
}

static int run_steady(const struct ktstr_scenario *s, const struct ktstr_ctx *ctx,
		      const struct ktstr_assert *cfg, struct steady *st,
		      struct ktstr_outcome *out)
{
	KTSTR_CGROUP_GUARD(group);
	int ret, maxh = st->nr * (s->nr_works ? s->nr_works : 1);

	ktstr_cgroup_group_init(&group, ctx->cgroups);
	st->handles = calloc(maxh ? maxh : 1, sizeof(*st->handles));
	if (!st->handles)
		return -ENOMEM;
	ret = steady_cgroups(ctx, st, &group, out);
	if (ret)
		goto out;
	if (!ktstr_scenario_sleep(ctx->settle_ms)) {
		ret = -EINTR;
		goto out;
	}
	for (int i = 0; i < st->nr; i++) {
		const struct ktstr_cpuset *cpus = ktstr_cpuset_empty(&st->sets[i]) ?
			&ctx->topo->usable : &st->sets[i];
		static const struct ktstr_scenario_work dfl;
		int nw = s->nr_works ? s->nr_works : 1;

		for (int k = 0; k < nw; k++) {
			const struct ktstr_scenario_work *w = s->nr_works ? &s->works[k] : &dfl;
			struct ktstr_handle *h = &st->handles[st->nr_handles];
			struct ktstr_spawn_opts so = { .cg = ctx->cgroups };
			struct ktstr_workload wl;

			if (!work_in(w, i))
				continue;
			ret = ktstr_scenario_workload(w, ctx->workers_per_cgroup,
						      ktstr_cpuset_count(cpus),
						      ctx->work_type_override, &wl,
						      out->reason, sizeof(out->reason));
			if (ret)
				goto out;
			affinity_for(ctx->topo, st->sets, st->nr, i, w->affinity,
				     &wl.affinity);
			snprintf(h->cgroup, sizeof(h->cgroup), "cg_%d", i);
			h->kind = wl.work.kind;
			h->collector = ctx->collector;
			so.cgroup = h->cgroup;
			ret = ktstr_workers_spawn(&wl, &so, &h->workers);
			if (ret) {
				h->workers = NULL;
				snprintf(out->reason, sizeof(out->reason),
					 "spawn in %s: %s", h->cgroup,
					 ktstr_last_error());
				goto out;
			}
			ret = ktstr_handle_track(h);
			if (ret) {
				st->nr_handles++;	/* stopped and freed at the end */
				snprintf(out->reason, sizeof(out->reason),
					 "track %s's workers: %s", h->cgroup,
					 ktstr_last_error());
				goto out;
			}
			st->hsets[st->nr_handles] = ktstr_cpuset_empty(&st->sets[i]) ?
						    NULL : &st->sets[i];
			st->nr_handles++;
		}
	}
	for (int i = 0; i < st->nr_handles; i++)
		ktstr_workers_start(st->handles[i].workers);
	if (!ktstr_scenario_sleep(ctx->duration_ms)) {
		ret = -EINTR;
		goto out;
	}

	/* The extra kernel check wants the records before they are judged. */
	if (s->check && ctx->collector) {
		struct ktstr_task_rec *recs = NULL, *mine = NULL;
		size_t nrecs = 0, n;

		for (int i = 0; i < st->nr_handles; i++)
			ktstr_handle_stop(&st->handles[i], 0);
		if (!ktstr_collector_snapshot(ctx->collector, &recs, &nrecs)) {
			n = worker_krecs(st->handles, st->nr_handles, recs, nrecs, &mine);
			s->check(cfg, mine, n, &out->res);
		}
		free(mine);
		free(recs);
	}
	ret = ktstr_collect_assert(st->handles, st->nr_handles, cfg, st->hsets,
				   &out->res);
	if (ret)
		snprintf(out->reason, sizeof(out->reason), "collect: %s",
			 strerror(-ret));
out:
	/* Workers first (a populated cgroup cannot go), then the cgroups. */
	for (int i = 0; i < st->nr_handles; i++)
		ktstr_handle_stop(&st->handles[i], 0);
	return ret;
}

/* ---- the steps form ---- */

static int run_steps(const struct ktstr_scenario *s, const struct ktstr_ctx *ctx,
		     struct ktstr_outcome *out)
{
	struct ktstr_assert_result r;
	int ret, mret;

	ret = ktstr_execute_steps(ctx, s->backdrop, s->steps, s->nr_steps, &r);
	if (ret == -ENOSPC) {
		ktstr_assert_result_free(&r);
		ktstr_assert_result_skip(&out->res, "%s", ktstr_last_error());
		return 0;
	}
	if (ret == -EINTR) {
		ktstr_assert_result_free(&r);
		return ret;
	}
	/* Typed details and per-cgroup stats, as the steady form's; an op
	 * error is one of the engine's details already. */
	mret = ktstr_assert_result_merge(&out->res, &r);
	if (!mret && ret && r.verdict != KTSTR_VERDICT_FAIL)
		mret = ktstr_assert_result_fail(&out->res, KTSTR_DETAIL_OTHER,
						"ops: %s", ktstr_last_error());
	ktstr_assert_result_free(&r);
	return mret;
}

/* ---- the verdict ---- */

static const char *first_message(const struct ktstr_assert_result *r,
				  enum ktstr_detail_kind kind, bool any)
{
	for (size_t i = 0; i < r->nr_details; i++)
		if (any ? r->details[i].kind != KTSTR_DETAIL_SKIP :
			  r->details[i].kind == kind)
			return r->details[i].message;
	return NULL;
}

static void verdict(const struct ktstr_scenario *s, const struct steady *st,
		    struct ktstr_outcome *out)
{
	const struct ktstr_assert_result *r = &out->res;
	const char *msg;

	out->verdict = r->verdict;
	if (r->verdict == KTSTR_VERDICT_SKIP) {
		msg = first_message(r, KTSTR_DETAIL_SKIP, false);
		if (!out->reason[0])
			snprintf(out->reason, sizeof(out->reason), "%s",
				 msg ? msg : "nothing was checked");
		return;
	}
	if (!s->expect_fail) {
		msg = first_message(r, 0, true);
		if (r->verdict == KTSTR_VERDICT_FAIL && msg && !out->reason[0])
			snprintf(out->reason, sizeof(out->reason), "%s", msg);
		return;
	}

	/* Expected to fail: for the right reason, naming one of its tasks. */
	{
		const struct ktstr_assert_detail *expected = NULL, *wrong = NULL;

		for (size_t i = 0; i < r->nr_details; i++) {
			const struct ktstr_assert_detail *d = &r->details[i];

			if (d->kind == KTSTR_DETAIL_SKIP)
				continue;
			if (d->kind == s->expect_kind &&
			    (!st || d->pid <= 0 ||
			     is_worker_pid(st->handles, st->nr_handles, d->pid))) {
				if (!expected)
					expected = d;
			} else if (!(s->expect_allow & KTSTR_DETAIL_BIT(d->kind)) &&
				   !wrong) {
				wrong = d;
			}
		}
		if (r->verdict == KTSTR_VERDICT_FAIL && expected && !wrong) {
			out->verdict = KTSTR_VERDICT_PASS;
			snprintf(out->reason, sizeof(out->reason),
				 "expected failure detected: %s", expected->message);
		} else {
			out->verdict = KTSTR_VERDICT_FAIL;
			if (wrong)
				snprintf(out->reason, sizeof(out->reason),
					 "expected a %s failure, got: %s",
					 ktstr_detail_kind_name(s->expect_kind),
					 wrong->message);
			else
				snprintf(out->reason, sizeof(out->reason),
					 "expected failure (%s) not detected",
					 ktstr_detail_kind_name(s->expect_kind));
		}
	}
}

/* ---- the scheduler ---- */

/* Append " (scheduler NAME)" to every STARVATION detail. */
static void name_scheduler(struct ktstr_assert_result *r, const char *name)
{
	for (size_t i = 0; i < r->nr_details; i++) {
		struct ktstr_assert_detail *d = &r->details[i];
		char *m;

		if (d->kind != KTSTR_DETAIL_STARVATION || !d->message ||
		    strstr(d->message, "(scheduler "))
			continue;
		if (asprintf(&m, "%s (scheduler %s)", d->message, name) < 0)
			continue;
		free(d->message);
		d->message = m;
	}
}

/* The scheduler died: say so with its summary, once per scenario. */
static void scheduler_died(struct ktstr_outcome *out, const struct ktstr_scx *scx)
{
	struct ktstr_assert_result *r = &out->res;

	for (size_t i = 0; i < r->nr_details; i++) {
		struct ktstr_assert_detail *d = &r->details[i];

		/* The ops engine's, from the same check: already the why. */
		if (d->kind == KTSTR_DETAIL_SCHEDULER_DIED)
			return;
	}
	ktstr_assert_result_fail(r, KTSTR_DETAIL_SCHEDULER_DIED, "%s", scx->summary);
}

/* ---- one scenario ---- */

/*
 * The context scenario @s runs in under @o, its collector's session begun
 * (when that fails, the scenario is judged without kernel records, and
 * its result says so).
 */
static void scenario_ctx(const struct ktstr_scenario *s, const struct ktstr_run_opts *o,
			 const struct ktstr_assert *cfg, struct ktstr_ctx *ctx,
			 struct ktstr_outcome *out)
{
	ktstr_ctx_init(ctx, o->cgroups, o->topo);
	ctx->duration_ms = o->duration_ms;
	ctx->workers_per_cgroup = o->workers;
	ctx->settle_ms = o->settle_ms;
	ctx->work_type_override = o->work_override;
	ctx->sched_pid = o->scx ? o->scx->pid : o->sched_pid;
	ctx->scx = o->scx;
	ctx->assert = *cfg;
	ctx->collector = o->collector;
	ctx->starve_ms = s->starve_ms;
	if (o->collector && collector_begin(o->collector, o->cgroups, s->starve_ms)) {
		ktstr_assert_result_skip(&out->res, "kernel records not judged: %s collector: %s",
					 ktstr_collector_name(o->collector), ktstr_last_error());
		ctx->collector = NULL;
		out->used_dev = false;
		out->kernel_source = KTSTR_KSRC_NONE;
	}
}

int ktstr_scenario_run(const struct ktstr_scenario *s,
		       const struct ktstr_run_opts *o,
		       struct ktstr_outcome *out)
{
	struct ktstr_assert cfg;
	struct ktstr_ctx ctx;
	struct steady st;
	double t0 = (ktstr_now_ns() / 1e9);
	int ret = 0;

	if (!s || !o || !out || !o->topo || !o->cgroups)
		return -EINVAL;
	ktstr_outcome_init(out);
	memset(&st, 0, sizeof(st));
	snprintf(out->name, sizeof(out->name), "%s", s->name);
	snprintf(out->category, sizeof(out->category), "%s", s->category);
	out->expect_fail = s->expect_fail;
	out->kernel_source = ksrc_of(o->collector);
	out->used_dev = out->kernel_source == KTSTR_KSRC_MODULE;
	if (aborted)
		return -EINTR;

	if (ktstr_scenario_skip_reason(s, o->topo, o->collector, o->sched_pid, o->scx != NULL,
				       out->reason, sizeof(out->reason)) ||
	    (!s->steps && !s->custom &&
	     ktstr_scenario_cpusets(s, o->topo, st.sets, &st.nr, out->reason,
				    sizeof(out->reason)))) {
		if (!out->reason[0])
			snprintf(out->reason, sizeof(out->reason), "cannot resolve cpusets");
		out->verdict = KTSTR_VERDICT_SKIP;
		ktstr_assert_result_skip(&out->res, "%s", out->reason);
		goto done;
	}

	ktstr_scenario_assert(s, o, &cfg);
	scenario_ctx(s, o, &cfg, &ctx, out);

	cur_scx = o->scx;
	sched_died = false;
	if (s->custom)
		ret = s->custom(&ctx, &cfg, &out->res);
	else if (s->steps)
		ret = run_steps(s, &ctx, out);
	else
		ret = run_steady(s, &ctx, &cfg, &st, out);

	/* A death during the run (the hold stopped early, or ops saw it). */
	if (o->scx && !sched_alive(true)) {
		if (ret == -EINTR && !aborted) {
			ret = 0;
			out->reason[0] = '\0';
		}
		if (ret != -EINTR) {
			scheduler_died(out, o->scx);
			snprintf(out->reason, sizeof(out->reason), "%.*s",
				 (int)sizeof(out->reason) - 1, o->scx->summary);
			ret = 0;
		}
	}
	cur_scx = NULL;
	if (o->scx)
		name_scheduler(&out->res, o->scx->name);

	if (ret == -ENOSPC && s->custom) {
		ret = 0;
	} else if (ret && ret != -EINTR) {
		if (!out->reason[0])
			snprintf(out->reason, sizeof(out->reason), "%s", strerror(-ret));
		ktstr_assert_result_fail(&out->res, KTSTR_DETAIL_OTHER, "%s", out->reason);
		ret = 0;
	}
	if (!ret)
		verdict(s, s->steps || s->custom ? NULL : &st, out);
	ktstr_handles_free(st.handles, st.nr_handles);
	if (ctx.collector)
		ktstr_collector_reset(ctx.collector);
done:
	out->seconds = (ktstr_now_ns() / 1e9) - t0;
	return ret == -EINTR || aborted ? -EINTR : 0;
}
