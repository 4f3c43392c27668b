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
#include <ktstr/collector.h>
#include <ktstr/dev.h>

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
	}
	free(handles);
}

int ktstr_handle_stop(struct ktstr_handle *h, unsigned int timeout_ms)
{
	if (!h || !h->workers)
		return -EINVAL;
	return ktstr_workers_stop(h->workers, timeout_ms);
}

int ktstr_handle_track(struct ktstr_handle *h)
{
	if (!h || !h->workers)
		return -EINVAL;
	if (!h->collector || ktstr_collector_tracks_cgroup(h->collector))
		return 0;
	for (int i = 0; i < ktstr_workers_count(h->workers); i++) {
		pid_t pid = ktstr_workers_pid(h->workers, i);
		int ret;

		if (pid <= 0)
			continue;
		ret = ktstr_collector_track_pid(h->collector, pid, true);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Spawn @wl into @cgroup, track the workers on ctx->collector and start
 * them.
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
	h->collector = ctx->collector;
	ret = ktstr_workers_spawn(wl, &o, &h->workers);
	if (ret) {
		h->workers = NULL;
		return ret;
	}
	/* The scenario's threshold, before the workers are tracked. */
	if (h->collector && ctx->starve_ms &&
	    ktstr_collector_starve_ns(h->collector) != ctx->starve_ms * KTSTR_NSEC_PER_MSEC) {
		ret = ktstr_collector_set_starve_ms(h->collector, ctx->starve_ms);
		if (ret)
			return ret;
	}
	ret = ktstr_handle_track(h);
	if (ret)
		return ret;
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
	if (n > KTSTR_CTX_MAX_CGROUPS)
		return -E2BIG;
	/* The workload first: a bad one must not leave n cgroups behind. */
	ret = ktstr_workload_check(wl);
	if (ret)
		return ret;
	if ((long long)n * wl->nr_workers > KTSTR_WORKERS_MAX)
		return -E2BIG;
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

	long long total = 0;

	if (!ctx || !ctx->cgroups || !names || !handles || n < 1 ||
	    ctx->workers_per_cgroup < 1)
		return -EINVAL;
	if (n > KTSTR_CTX_MAX_CGROUPS)
		return -E2BIG;
	for (int i = 0; i < n; i++) {
		struct ktstr_work w;
		int nw;

		if (!names[i])
			return -EINVAL;
		ktstr_work_init(&w, rot[i % 5]);
		nw = ktstr_work_dfl_workers(&w, ctx->workers_per_cgroup);
		if (nw < 0)
			return nw;
		total += nw;
	}
	if (total > KTSTR_WORKERS_MAX)
		return -E2BIG;
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
 * Read what is pending on @c (no waiting) and count it. The starvation
 * verdict comes from the records (each keeps its episodes), so the events
 * judge only when @judge: the records of @c could not be read.
 */
static int collect_events(struct ktstr_collector *c, const struct ktstr_assert *cfg,
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
		got = ktstr_collector_read_events(c, ev + nr, cap - nr, 0);
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

/* One collector's records, read once for every handle that uses it. */
struct snap {
	struct ktstr_collector *c;
	struct ktstr_task_rec *recs;
	size_t n;
	bool ok;
};

struct snaps {
	struct snap s[8];
	size_t nr;
};

static struct snap *snap_of(struct snaps *ss, struct ktstr_collector *c)
{
	for (size_t i = 0; i < ss->nr; i++)
		if (ss->s[i].c == c)
			return &ss->s[i];
	if (ss->nr == KTSTR_ARRAY_SIZE(ss->s))
		return NULL;
	ss->s[ss->nr].c = c;
	/* Optional: a failed snapshot only loses the kernel's view. */
	ss->s[ss->nr].ok = !ktstr_collector_snapshot(c, &ss->s[ss->nr].recs,
						     &ss->s[ss->nr].n);
	return &ss->s[ss->nr++];
}

static void snaps_free(struct snaps *ss)
{
	for (size_t i = 0; i < ss->nr; i++)
		free(ss->s[i].recs);
}

/* The worker-level default: the guide's fallback to not-starved. */
static const struct ktstr_assert *effective_cfg(const struct ktstr_assert *cfg,
						struct ktstr_assert *buf)
{
	if (!cfg) {
		ktstr_assert_defaults(buf);
		return buf;
	}
	if (cfg->has & KTSTR_ASSERT_WORKER_CHECKS)
		return cfg;
	/*
	 * The guide's collect_all(): worker-level checks when configured,
	 * otherwise assert_not_starved(): every worker made progress and
	 * ended cleanly.
	 */
	*buf = *cfg;
	KTSTR_ASSERT_SET(buf, not_stuck, true);
	return buf;
}

/* Judge handle @h's cgroup with the records of @sn (NULL: none). */
static int judge_handle(struct ktstr_handle *h, const struct ktstr_assert *cfg,
			const struct ktstr_cpuset *cpuset, const struct snap *sn,
			struct cg_map *map, struct ktstr_assert_result *out,
			int *nr_krecs)
{
	struct ktstr_assert_cgroup_in in = { .name = h->cgroup, .cpuset = cpuset };
	struct ktstr_assert hcfg = *cfg;
	struct ktstr_task_rec *mine = NULL;
	unsigned int has = ktstr_collector_has(h->collector);
	struct ktstr_report *r;
	size_t before;
	int nr, ret;

	r = ktstr_workers_reports_mut(h->workers, &nr);
	if (!r)
		return -EINVAL;
	if (sn && sn->ok) {
		ssize_t k;

		ret = ktstr_reports_merge_krecs(r, nr, sn->recs, sn->n);
		if (ret > 0 && nr_krecs)
			*nr_krecs += ret;
		k = pick_krecs(r, nr, sn->recs, sn->n, &mine);
		if (k < 0)
			return (int)k;
		in.krecs = mine;
		in.nr_krecs = (size_t)k;
		for (ssize_t j = 0; j < k; j++)
			cg_map_add(map, mine[j].cgroup_id, h->cgroup);
		/* Said, not passed on zeros: what it cannot back is not judged. */
		ret = ktstr_assert_unjudged(&hcfg, has, ktstr_collector_name(h->collector),
					    h->cgroup, out);
		if (ret < 0) {
			free(mine);
			return ret;
		}
	}
	in.reports = r;
	in.nr_reports = nr > 0 ? (size_t)nr : 0;
	before = out->nr_cgroups;
	ret = ktstr_assert_cgroup(&hcfg, &in, out);
	/* A collector without a longest single wait: say "none". */
	for (size_t c = before; sn && sn->ok && !(has & KTSTR_HAS_MAX_WAIT) &&
	     c < out->nr_cgroups; c++) {
		out->cgroups[c].max_wait_ns = 0;
		out->cgroups[c].max_wait_ms = 0;
		out->cgroups[c].max_wait_pid = -1;
		out->cgroups[c].max_wait_cpu = -1;
		out->cgroups[c].max_wait_comm[0] = '\0';
	}
	free(mine);
	return ret;
}

static int collect(struct ktstr_handle *handles, int n,
		   const struct ktstr_assert *cfg,
		   const struct ktstr_cpuset *const *cpusets,
		   struct ktstr_assert_result *out, int *nr_krecs)
{
	struct ktstr_assert dfl;
	struct snaps ss = { .nr = 0 };
	struct cg_map map = { .nr = 0 };
	int err = 0;

	if (!handles || n < 0 || !out)
		return -EINVAL;
	cfg = effective_cfg(cfg, &dfl);
	for (int i = 0; i < n; i++)
		if (!handles[i].workers)
			return -EINVAL;
	/* Stop everything first so no cgroup keeps running while another
	 * one's reports are read; the collectors keep the exited tasks. */
	for (int i = 0; i < n; i++)
		ktstr_handle_stop(&handles[i], 0);
	for (int i = 0; i < n && !err; i++) {
		const struct snap *sn = handles[i].collector ?
					snap_of(&ss, handles[i].collector) : NULL;
		int ret = judge_handle(&handles[i], cfg, cpusets ? cpusets[i] : NULL,
				       sn, &map, out, nr_krecs);

		if (ret)
			err = ret;
	}
	/* Events of every collector that has them, once each. */
	for (int i = 0; i < n && !err; i++) {
		struct ktstr_collector *c = handles[i].collector;
		const struct snap *sn;
		bool seen = false;

		if (!c || !(ktstr_collector_has(c) & KTSTR_HAS_WATCHDOG))
			continue;
		for (int j = 0; j < i; j++)
			seen |= handles[j].collector == c;
		if (seen)
			continue;
		sn = snap_of(&ss, c);
		err = collect_events(c, cfg, !sn || !sn->ok, &map, out);
	}
	snaps_free(&ss);
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
