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

#include <ktstr/ctx.h>
#include <ktstr/dev.h>

void ktstr_assert_cfg_init(struct ktstr_assert_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_gap_ms = KTSTR_ASSERT_MAX_GAP_MS;
	cfg->max_spread_pct = KTSTR_ASSERT_MAX_SPREAD_PCT;
}

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
	ktstr_assert_cfg_init(&ctx->assert);
	return 0;
}

void ktstr_sleep_ms(uint64_t ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	/* Absolute deadline so that signals do not stretch the sleep. */
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ts.tv_sec;
	until.tv_nsec += ts.tv_nsec;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
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
	}
	free(handles);
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
	memset(h, 0, sizeof(*h));
	snprintf(h->cgroup, sizeof(h->cgroup), "%s", cgroup);
	h->kind = wl->work.kind;
	h->dev = ctx->dev;
	ret = ktstr_workers_spawn(wl, &o, &h->workers);
	if (ret) {
		h->workers = NULL;
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
	ret = ktstr_cg_create(g->cg, name);
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
		int ret = g->cg ? ktstr_cg_remove(g->cg, g->names[i]) : 0;

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

int ktstr_collect_all(struct ktstr_handle *handles, int n,
		      const struct ktstr_assert_cfg *cfg,
		      struct ktstr_result *res)
{
	struct ktstr_assert_cfg dfl;
	int err = 0;

	if (!handles || n < 0 || !res)
		return -EINVAL;
	if (!cfg) {
		ktstr_assert_cfg_init(&dfl);
		cfg = &dfl;
	}
	ktstr_result_init(res);
	/* Stop everything first so no cgroup keeps running while another
	 * one's reports are read. */
	for (int i = 0; i < n; i++) {
		if (!handles[i].workers)
			return -EINVAL;
		ktstr_workers_stop(handles[i].workers, 0);
	}
	for (int i = 0; i < n; i++) {
		struct ktstr_report *r;
		int nr, ret;

		r = ktstr_workers_reports_mut(handles[i].workers, &nr);
		if (!r)
			return -EINVAL;
		if (handles[i].dev) {
			struct ktstr_task_rec *recs = NULL;
			size_t nrecs = 0;

			/* Optional: a failed snapshot only loses the extra. */
			if (!ktstr_dev_snapshot_tasks(handles[i].dev, &recs,
						      &nrecs, NULL)) {
				ret = ktstr_reports_merge_krecs(r, nr, recs, nrecs);
				if (ret > 0)
					res->nr_krecs += ret;
			}
			free(recs);
		}
		ret = ktstr_check_reports(r, nr, handles[i].cgroup, cfg, res);
		if (ret && !err)
			err = ret;
	}
	return err;
}
