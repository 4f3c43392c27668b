// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario context and the guide's helpers (dfl_wl, setup_cgroups,
 * spawn_diverse, collect_all), plus the cgroup group that removes what a
 * scenario created. The checks themselves are in ctx_check.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ktstr/util.h>
#include <ktstr/ctx.h>
#include <ktstr/dev.h>
#include <ktstr/backend.h>
#include <ktstr/taskstats.h>

int ktstr_ctx_init(struct ktstr_ctx *ctx, struct ktstr_cgroups *cgroups,
		   const struct ktstr_topo *topo)
{
	if (!ctx || !cgroups)
		return -EINVAL;
	memset(ctx, 0, sizeof(*ctx));
	ctx->cgroups = cgroups;
	ctx->topo = topo;
	ctx->duration_ms = KTSTR_CTX_DURATION_MS;
	ctx->workers_per_cgroup = KTSTR_CTX_WORKERS_PER_CGROUP;
	ctx->settle_ms = KTSTR_CTX_SETTLE_MS;
	ktstr_assert_defaults(&ctx->assert);
	return 0;
}

struct ktstr_workload ktstr_dfl_wl(const struct ktstr_ctx *ctx)
{
	struct ktstr_workload wl;
	int per = ctx ? ctx->workers_per_cgroup : KTSTR_CTX_WORKERS_PER_CGROUP;

	ktstr_workload_init(&wl, KTSTR_WORK_SPIN_WAIT, per);
	if (ctx && ctx->work_type_override)
		wl.work = *ctx->work_type_override;
	wl.nr_workers = ktstr_work_dfl_workers(&wl.work, per);
	return wl;
}

/* ---- handles ---- */

void ktstr_handles_free(struct ktstr_handle *handles, int n)
{
	if (!handles)
		return;
	for (int i = 0; i < n; i++) {
		ktstr_workers_free(handles[i].workers);
		handles[i].workers = NULL;
		free(handles[i].ts_recs);
		handles[i].ts_recs = NULL;
		handles[i].nr_ts_recs = 0;
	}
	free(handles);
}

/* Read the taskstats of @h's workers once, before they stop. */
static void ts_sample(struct ktstr_handle *h)
{
	if (h->workers && h->ts && !h->ts_taken) {
		int nw = ktstr_workers_count(h->workers);

		h->ts_taken = true;
		free(h->ts_recs);
		h->ts_recs = calloc(nw > 0 ? (size_t)nw : 1, sizeof(*h->ts_recs));
		h->nr_ts_recs = 0;
		for (int w = 0; h->ts_recs && w < nw; w++) {
			struct ktstr_task_rec *k = &h->ts_recs[h->nr_ts_recs];
			struct ktstr_taskstats_sample smp;
			pid_t pid = ktstr_workers_pid(h->workers, w);

			/* A worker already gone (crashed, reaped) has none. */
			if (pid <= 0 || ktstr_taskstats_get(h->ts, pid, &smp))
				continue;
			memset(k, 0, sizeof(*k));
			k->pid = pid;
			k->tgid = pid;
			k->last_cpu = -1;
			k->max_wait_cpu = -1;
			snprintf(k->comm, sizeof(k->comm), "worker");
			k->run_ns = smp.cpu_run_virtual_total;
			k->wait_ns = smp.cpu_delay_total;
			k->nr_runs = smp.cpu_count;
			k->nr_voluntary = smp.nvcsw;
			k->nr_involuntary = smp.nivcsw;
			h->nr_ts_recs++;
		}
	}
}

int ktstr_handle_stop(struct ktstr_handle *h, unsigned int timeout_ms)
{
	if (!h || !h->workers)
		return -EINVAL;
	ts_sample(h);
	return ktstr_workers_stop(h->workers, timeout_ms);
}

void ktstr_assert_for_taskstats(struct ktstr_assert *cfg)
{
	if (!cfg)
		return;
	KTSTR_ASSERT_UNSET(cfg, max_wait_ms);
	KTSTR_ASSERT_UNSET(cfg, kernel_isolation);
	KTSTR_ASSERT_UNSET(cfg, max_kernel_migration_ratio);
}

/*
 * Spawn @wl into @cgroup, track the pids on ctx->dev (best effort: the
 * records are an extra, not a requirement) and start the workers.
 */
static int spawn_one(const struct ktstr_ctx *ctx, const char *cgroup,
		     const struct ktstr_workload *wl, struct ktstr_handle *h)
{
	struct ktstr_spawn_opts o = { .cg = ctx->cgroups, .cgroup = cgroup };
	int ret;

	if (strlen(cgroup) >= sizeof(h->cgroup))
		return -ENAMETOOLONG;
	if (ctx->starve_ms && (ctx->starve_ms < KTSTR_STARVE_MS_MIN ||
			       ctx->starve_ms > KTSTR_STARVE_MS_MAX))
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	snprintf(h->cgroup, sizeof(h->cgroup), "%s", cgroup);
	h->kind = wl->work.kind;
	h->dev = ctx->dev;
	h->ts = ctx->dev ? NULL : ctx->taskstats;
	ret = ktstr_workers_spawn(wl, &o, &h->workers);
	if (ret) {
		h->workers = NULL;
		return ret;
	}
	/* The scenario's threshold, before the workers are tracked. */
	if (h->dev && ctx->starve_ms) {
		ret = ktstr_dev_config(h->dev, ctx->starve_ms * KTSTR_NSEC_PER_MSEC, 0);
		if (ret)
			return ret;
	}
	if (h->dev)
		for (int i = 0; i < ktstr_workers_count(h->workers); i++)
			ktstr_dev_track_pid(h->dev, ktstr_workers_pid(h->workers, i),
					    true);
	return ktstr_workers_start(h->workers);
}

/* ---- the cgroup group ---- */

void ktstr_cgroup_group_init(struct ktstr_cgroup_group *g,
			     struct ktstr_cgroups *cg)
{
	if (!g)
		return;
	memset(g, 0, sizeof(*g));
	g->cg = cg;
}

int ktstr_cgroup_group_add(struct ktstr_cgroup_group *g, const char *name)
{
	char *copy;
	int ret;

	if (!g || !g->cg || !name)
		return -EINVAL;
	if (g->nr == g->cap) {
		int cap = g->cap ? g->cap * 2 : 8;
		char **tmp = realloc(g->names, sizeof(*tmp) * cap);

		if (!tmp)
			return -ENOMEM;
		g->names = tmp;
		g->cap = cap;
	}
	/* Copy first: a created cgroup must never go unrecorded. */
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	ret = ktstr_cgroup_create(g->cg, name);
	if (ret) {
		free(copy);
		return ret;
	}
	g->names[g->nr++] = copy;
	return 0;
}

int ktstr_cgroup_group_destroy(struct ktstr_cgroup_group *g)
{
	int err = 0;

	if (!g)
		return 0;
	/* Workers leave first: a populated cgroup cannot be removed. */
	ktstr_handles_free(g->handles, g->nr_handles);
	g->handles = NULL;
	g->nr_handles = 0;
	for (int i = g->nr - 1; i >= 0; i--) {
		int ret = g->cg ? ktstr_cgroup_remove(g->cg, g->names[i]) : 0;

		if (ret && !err)
			err = ret;
		free(g->names[i]);
	}
	free(g->names);
	g->names = NULL;
	g->nr = g->cap = 0;
	return err;
}

void ktstr_cgroup_group_cleanup(struct ktstr_cgroup_group *g)
{
	ktstr_cgroup_group_destroy(g);
}

/* ---- the guide's helpers ---- */

int ktstr_setup_cgroups(const struct ktstr_ctx *ctx, int n,
			const struct ktstr_workload *wl,
			struct ktstr_handle **handles,
			struct ktstr_cgroup_group *group)
{
	char name[KTSTR_CTX_NAME_MAX];
	int ret;

	if (!ctx || !ctx->cgroups || !wl || !handles || !group || n < 1)
		return -EINVAL;
	if (group->nr || group->nr_handles)
		return -EBUSY;
	*handles = NULL;
	ktstr_cgroup_group_init(group, ctx->cgroups);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "cg_%d", i);
		ret = ktstr_cgroup_group_add(group, name);
		if (ret)
			return ret;
	}
	ktstr_sleep_ms(ctx->settle_ms);

	group->handles = calloc(n, sizeof(*group->handles));
	if (!group->handles)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		/* Counted before spawning so a failure is cleaned up too. */
		group->nr_handles = i + 1;
		ret = spawn_one(ctx, group->names[i], wl, &group->handles[i]);
		if (ret)
			return ret;
	}
	*handles = group->handles;
	return 0;
}

int ktstr_spawn_diverse(const struct ktstr_ctx *ctx, const char *const *names,
			int n, struct ktstr_handle **handles)
{
	static const enum ktstr_work_kind rot[] = {
		KTSTR_WORK_SPIN_WAIT, KTSTR_WORK_BURSTY, KTSTR_WORK_IO_SYNC_WRITE,
		KTSTR_WORK_MIXED, KTSTR_WORK_YIELD_HEAVY,
	};
	struct ktstr_handle *h;
	int ret = 0;

	if (!ctx || !ctx->cgroups || !names || !handles || n < 1)
		return -EINVAL;
	*handles = NULL;
	h = calloc(n, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct ktstr_workload wl;
		enum ktstr_work_kind kind = rot[i % 5];

		if (!names[i]) {
			ret = -EINVAL;
			break;
		}
		ret = ktstr_workload_init(&wl, kind, ctx->workers_per_cgroup);
		if (ret)
			break;
		if (kind == KTSTR_WORK_BURSTY) {
			wl.work.bursty.burst_ms = 50;
			wl.work.bursty.sleep_ms = 100;
		}
		/* IoSyncWrite's fixed count (2) keeps blocking IO from
		 * drowning the scenario. */
		wl.nr_workers = ktstr_work_dfl_workers(&wl.work,
						       ctx->workers_per_cgroup);
		ret = spawn_one(ctx, names[i], &wl, &h[i]);
		if (ret)
			break;
	}
	if (ret) {
		ktstr_handles_free(h, n);
		return ret;
	}
	*handles = h;
	return 0;
}

/* Cgroup id -> handle name, learnt from the records of each handle. */
struct cg_map {
	uint64_t id[64];
	const char *name[64];
	int nr;
};

static void cg_map_add(struct cg_map *m, uint64_t id, const char *name)
{
	for (int i = 0; i < m->nr; i++)
		if (m->id[i] == id)
			return;
	if (m->nr < (int)(KTSTR_ARRAY_SIZE(m->id))) {
		m->id[m->nr] = id;
		m->name[m->nr++] = name;
	}
}

static const char *cg_map_name(uint64_t id, void *arg)
{
	const struct cg_map *m = arg;

	for (int i = 0; i < m->nr; i++)
		if (m->id[i] == id)
			return m->name[i];
	return NULL;
}

/*
 * The records of @reports' pids (the newest one per pid) into *@out,
 * which the caller frees. Returns the count or -ENOMEM.
 */
static ssize_t pick_krecs(const struct ktstr_report *reports, int nr,
			  const struct ktstr_task_rec *recs, size_t nrecs,
			  struct ktstr_task_rec **out)
{
	struct ktstr_task_rec *k;
	size_t n = 0;

	*out = NULL;
	k = calloc(nr > 0 ? (size_t)nr : 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (int i = 0; i < nr; i++) {
		const struct ktstr_task_rec *best = ktstr_task_rec_newest(recs, nrecs,
									  reports[i].pid);

		if (best)
			k[n++] = *best;
	}
	*out = k;
	return (ssize_t)n;
}

/*
 * Read what is pending on @dev (no waiting) and count it. The starvation
 * verdict comes from the records (each keeps its episodes), so the events
 * judge only when @judge: the records of @dev could not be read.
 */
static int collect_events(struct ktstr_dev *dev, const struct ktstr_assert *cfg,
			  bool judge, struct cg_map *map, struct ktstr_assert_result *out)
{
	struct ktstr_assert count_only = *cfg;
	struct ktstr_event *ev = NULL;
	size_t nr = 0, cap = 0;
	int ret = 0;

	for (;;) {
		ssize_t got;

		if (cap - nr < 64) {
			struct ktstr_event *n = realloc(ev, (cap + 256) * sizeof(*ev));

			if (!n) {
				ret = -ENOMEM;
				break;
			}
			ev = n;
			cap += 256;
		}
		got = ktstr_dev_read_events(dev, ev + nr, cap - nr, 0);
		if (got <= 0)
			break;	/* nothing more, or an error: the events are an extra */
		nr += (size_t)got;
		if (nr > 65536)
			break;
	}
	if (!judge)
		KTSTR_ASSERT_SET(&count_only, fail_on_starvation, false);
	if (!ret)
		ret = ktstr_assert_events(&count_only, ev, nr, cg_map_name, map, out);
	free(ev);
	return ret;
}

static int collect(struct ktstr_handle *handles, int n,
		   const struct ktstr_assert *cfg,
		   const struct ktstr_cpuset *const *cpusets,
		   struct ktstr_assert_result *out, int *nr_krecs)
{
	struct ktstr_assert dfl;
	struct ktstr_dev *snap_dev = NULL;
	struct ktstr_dev *recs_dev[8] = { NULL };	/* devices whose records were read */
	size_t nr_recs_dev = 0;
	struct ktstr_task_rec *recs = NULL;
	size_t nrecs = 0;
	bool snap_ok = false;
	struct cg_map map = { .nr = 0 };
	int err = 0;

	if (!handles || n < 0 || !out)
		return -EINVAL;
	if (!cfg) {
		ktstr_assert_defaults(&dfl);
		cfg = &dfl;
	} else if (!(cfg->has & KTSTR_ASSERT_WORKER_CHECKS)) {
		/*
		 * The guide's collect_all(): worker-level checks when
		 * configured, otherwise assert_not_starved(): every worker
		 * made progress and ended cleanly.
		 */
		dfl = *cfg;
		KTSTR_ASSERT_SET(&dfl, not_stuck, true);
		cfg = &dfl;
	}
	/* Stop everything first so no cgroup keeps running while another
	 * one's reports are read. */
	for (int i = 0; i < n; i++)
		if (!handles[i].workers)
			return -EINVAL;
	/* Taskstats first, for every handle, while all workers still run. */
	for (int i = 0; i < n; i++)
		ts_sample(&handles[i]);
	for (int i = 0; i < n; i++)
		ktstr_handle_stop(&handles[i], 0);
	for (int i = 0; i < n; i++) {
		struct ktstr_assert_cgroup_in in = { .name = handles[i].cgroup };
		const struct ktstr_assert *hcfg = cfg;
		struct ktstr_assert tscfg;
		struct ktstr_task_rec *mine = NULL;
		struct ktstr_report *r;
		size_t before;
		bool from_ts = false;
		int nr, ret;

		r = ktstr_workers_reports_mut(handles[i].workers, &nr);
		if (!r) {
			err = -EINVAL;
			break;
		}
		if (handles[i].dev && handles[i].dev != snap_dev) {
			free(recs);
			recs = NULL;
			nrecs = 0;
			snap_dev = handles[i].dev;
			/* Optional: a failed snapshot only loses the extra. */
			snap_ok = !ktstr_dev_snapshot_tasks(snap_dev, &recs,
							    &nrecs, NULL);
			if (snap_ok && nr_recs_dev < KTSTR_ARRAY_SIZE(recs_dev))
				recs_dev[nr_recs_dev++] = snap_dev;
		}
		if (handles[i].dev && snap_ok) {
			ssize_t k;

			ret = ktstr_reports_merge_krecs(r, nr, recs, nrecs);
			if (ret > 0 && nr_krecs)
				*nr_krecs += ret;
			k = pick_krecs(r, nr, recs, nrecs, &mine);
			if (k < 0) {
				err = (int)k;
				break;
			}
			in.krecs = mine;
			in.nr_krecs = (size_t)k;
			for (ssize_t j = 0; j < k; j++)
				cg_map_add(&map, mine[j].cgroup_id, handles[i].cgroup);
		}
		if (!handles[i].dev && handles[i].nr_ts_recs) {
			for (int w = 0; w < nr; w++)
				for (int k = 0; k < handles[i].nr_ts_recs; k++)
					if (handles[i].ts_recs[k].pid == r[w].pid &&
					    !ktstr_report_merge_krec(&r[w],
							&handles[i].ts_recs[k])) {
						from_ts = true;
						if (nr_krecs)
							(*nr_krecs)++;
						break;
					}
			if (from_ts) {
				/* Said, not passed on zeros: what taskstats
				 * cannot back is reported as not judged. */
				tscfg = *cfg;
				ret = ktstr_assert_unjudged(&tscfg,
						ktstr_backend_taskstats.has,
						ktstr_backend_taskstats.name,
						handles[i].cgroup, out);
				if (ret < 0) {
					err = ret;
					break;
				}
				hcfg = &tscfg;
			}
		}
		in.reports = r;
		in.nr_reports = nr > 0 ? (size_t)nr : 0;
		in.cpuset = cpusets ? cpusets[i] : NULL;
		before = out->nr_cgroups;
		ret = ktstr_assert_cgroup(hcfg, &in, out);
		/* Taskstats know no longest single wait: say "none". */
		for (size_t c = before; from_ts && c < out->nr_cgroups; c++) {
			out->cgroups[c].max_wait_ns = 0;
			out->cgroups[c].max_wait_ms = 0;
			out->cgroups[c].max_wait_pid = -1;
			out->cgroups[c].max_wait_cpu = -1;
			out->cgroups[c].max_wait_comm[0] = '\0';
		}
		free(mine);
		if (ret && !err)
			err = ret;
	}
	free(recs);
	if (!err) {
		/* Events of every distinct device, once. */
		for (int i = 0; i < n && !err; i++) {
			bool seen = false, had_recs = false;

			if (!handles[i].dev)
				continue;
			for (int j = 0; j < i; j++)
				seen |= handles[j].dev == handles[i].dev;
			for (size_t j = 0; j < nr_recs_dev; j++)
				had_recs |= recs_dev[j] == handles[i].dev;
			if (!seen)
				err = collect_events(handles[i].dev, cfg, !had_recs, &map, out);
		}
	}
	return err;
}

int ktstr_collect_assert(struct ktstr_handle *handles, int n,
			 const struct ktstr_assert *cfg,
			 const struct ktstr_cpuset *const *cpusets,
			 struct ktstr_assert_result *out)
{
	return collect(handles, n, cfg, cpusets, out, NULL);
}

int ktstr_collect_all(struct ktstr_handle *handles, int n,
		      const struct ktstr_assert *cfg,
		      struct ktstr_result *res)
{
	struct ktstr_assert_result ar;
	int nr_krecs = 0, ret, ret2;

	if (!handles || n < 0 || !res)
		return -EINVAL;
	ktstr_result_init(res);
	ktstr_assert_result_init(&ar);
	ret = collect(handles, n, cfg, NULL, &ar, &nr_krecs);
	ret2 = ktstr_result_add_assert(res, &ar);
	res->nr_krecs = nr_krecs;
	ktstr_assert_result_free(&ar);
	return ret ? ret : ret2;
}
