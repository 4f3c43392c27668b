// SPDX-License-Identifier: GPL-2.0
/*
 * Ops and steps, the executing part: the state of one execution (cgroups
 * created, worker sets, payloads, failures), each op, the setup of cgroup
 * definitions, abortable holds and the teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <ktstr/clock.h>
#include <ktstr/dev.h>
#include <ktstr/ops.h>
#include <ktstr/sched_ext.h>

#include "ops_priv.h"

#define OPS_SLEEP_SLICE_MS	20
#define OPS_WAIT_SLICE_MS	10

void ops_run_init(struct ops_run *run, const struct ktstr_ctx *ctx)
{
	memset(run, 0, sizeof(*run));
	run->ctx = ctx;
	run->step = -1;
	run->seed = (unsigned int)getpid() ^ (unsigned int)time(NULL);
}

/*
 * Room for element @nr of the array @arr (@size-byte elements, room for
 * *@cap): @arr itself, or a larger copy (doubling, from @first) with *@cap
 * updated. NULL when out of memory; @arr is then left as it was.
 */
static void *grow(void *arr, int nr, int *cap, size_t size, int first)
{
	int c = *cap ? *cap * 2 : first;
	void *tmp;

	if (nr < *cap)
		return arr;
	tmp = realloc(arr, size * c);
	if (tmp)
		*cap = c;
	return tmp;
}

void ops_run_failure(struct ops_run *run, enum ktstr_detail_kind kind,
		     const char *fmt, ...)
{
	struct ops_failure *fails;
	char line[512], *nl;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Details are one line. */
	while ((nl = strchr(line, '\n')))
		*nl = ' ';
	fails = grow(run->fails, run->nr_fails, &run->cap_fails, sizeof(*fails), 4);
	if (!fails)
		return;
	run->fails = fails;
	run->fails[run->nr_fails].message = strdup(line);
	if (!run->fails[run->nr_fails].message)
		return;
	run->fails[run->nr_fails++].kind = kind;
}

/* ---- time ---- */

static void nap_ms(uint64_t ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	nanosleep(&ts, NULL);	/* a signal only shortens it */
}

static bool pid_dead(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	/* A zombie still answers kill(pid, 0). */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

int ops_run_sched_check(struct ops_run *run)
{
	/* The scheduler the run started has a new pid after a restart. */
	pid_t pid = run->ctx->scx ? run->ctx->scx->pid : run->ctx->sched_pid;

	if (pid <= 0)
		return 0;
	if (!pid_dead(pid))
		return 0;
	ops_run_failure(run, KTSTR_DETAIL_SCHEDULER_DIED,
			"scheduler process died (pid %d)", (int)pid);
	return ops_fail(-ESRCH, "scheduler process died (pid %d)", (int)pid);
}

int ops_run_sleep(struct ops_run *run, uint64_t ms)
{
	uint64_t end = (ktstr_now_ns() / 1000000) + ms;

	for (;;) {
		uint64_t now;
		int ret;

		if (ktstr_ops_aborted())
			return ops_fail(-EINTR, "aborted");
		ret = ops_run_sched_check(run);
		if (ret)
			return ret;
		now = (ktstr_now_ns() / 1000000);
		if (now >= end)
			return 0;
		nap_ms(end - now < OPS_SLEEP_SLICE_MS ? end - now :
		       OPS_SLEEP_SLICE_MS);
	}
}

/* ---- cgroups ---- */

static bool is_under(const char *name, const char *top)
{
	size_t n = strlen(top);

	return !strcmp(name, top) || (!strncmp(name, top, n) && name[n] == '/');
}

/* Step cgroups first (newest first), then the backdrop's. */
static struct ops_cg *lookup(struct ops_run *run, const char *name)
{
	for (int pass = 0; pass < 2; pass++)
		for (int i = run->nr_cgs - 1; i >= 0; i--) {
			struct ops_cg *c = &run->cgs[i];

			if (!c->live || (pass == 0) != (c->owner >= 0))
				continue;
			if (!strcmp(c->name, name))
				return c;
		}
	return NULL;
}

static struct ops_cg *lookup_req(struct ops_run *run, const char *name)
{
	struct ops_cg *c = lookup(run, name);

	if (!c)
		ops_fail(-ENOENT, "unknown cgroup %s", name);
	return c;
}

static int add_cg(struct ops_run *run, const char *name,
		  const struct ktstr_cpuset_spec *spec)
{
	struct ktstr_cpuset cpus;
	struct ops_cg *c;
	int ret;

	if (!ops_name_ok(name))
		return ops_fail(-EINVAL, "bad cgroup name \"%s\"", name ? name : "");
	if (lookup(run, name))
		return ops_fail(-EEXIST, "cgroup %s already exists", name);
	if (spec->kind != KTSTR_CPUSET_NONE) {
		ret = ktstr_cpuset_spec_resolve(run->ctx, spec, &cpus);
		if (ret)
			return ops_fail_prefix(ret, "cpuset of %s", name);
	}
	c = grow(run->cgs, run->nr_cgs, &run->cap_cgs, sizeof(*c), 8);
	if (!c)
		return ops_fail(-ENOMEM, "out of memory");
	run->cgs = c;
	c = &run->cgs[run->nr_cgs];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	if (!c->name)
		return ops_fail(-ENOMEM, "out of memory");
	ret = ktstr_cg_create(run->ctx->cgroups, name);
	if (ret) {
		free(c->name);
		return ops_fail(ret, "create %s: %s", name,
				ktstr_cgroup_last_error());
	}
	c->owner = run->step;
	c->live = true;
	run->nr_cgs++;
	if (spec->kind != KTSTR_CPUSET_NONE) {
		ret = ktstr_cg_set_cpuset(run->ctx->cgroups, name, &cpus);
		if (ret)
			return ops_fail(ret, "set cpuset of %s: %s", name,
					ktstr_cgroup_last_error());
		c->has_cpuset = true;
		c->cpus = cpus;
	}
	return 0;
}

/* Worker set CPUs: add what cgroup @c allows now (NULL: the host). */
static void hcpus_add(struct ops_hcpus *hc, const struct ops_cg *c)
{
	if (!c || !c->has_cpuset)
		hc->unbounded = true;
	else
		ktstr_cpuset_or(&hc->cpus, &hc->cpus, &c->cpus);
}

static int set_cpus(struct ops_run *run, struct ops_cg *c, bool has,
		    const struct ktstr_cpuset *cpus)
{
	int ret;

	if (has) {
		ret = ktstr_cg_set_cpuset(run->ctx->cgroups, c->name, cpus);
	} else {
		ret = ktstr_cg_clear_cpuset(run->ctx->cgroups, c->name);
		/*
		 * The kernel refuses an empty cpuset.cpus on a populated
		 * cgroup (-ENOSPC, v2 too): widen it to every allowed CPU,
		 * which is what "no cpuset" means for its tasks.
		 */
		if (ret == -ENOSPC && run->ctx->topo)
			ret = ktstr_cg_set_cpuset(run->ctx->cgroups, c->name,
						  &run->ctx->topo->allowed);
	}
	if (ret)
		return ops_fail(ret, "%s cpuset of %s: %s", has ? "set" : "clear",
				c->name, ktstr_cgroup_last_error());
	c->has_cpuset = has;
	if (has)
		c->cpus = *cpus;
	else
		ktstr_cpuset_zero(&c->cpus);
	for (int i = 0; i < run->nr_handles; i++)
		if (run->handles[i].workers &&
		    is_under(run->handles[i].cgroup, c->name))
			hcpus_add(&run->hcpus[i], c);
	return 0;
}

/* ---- workers ---- */

static int spawn(struct ops_run *run, const char *cgroup,
		 const struct ktstr_workload *wl)
{
	struct ktstr_spawn_opts o = { 0 };
	struct ktstr_handle *h;
	int ret;

	ret = ktstr_workload_check(wl);
	if (ret)
		return ops_fail(ret, "workload for %s: %s",
				cgroup ? cgroup : "host", ktstr_work_last_error());
	{
		/* Two arrays, one capacity: it grows once both have. */
		int cap_h = run->cap_handles, cap_c = run->cap_handles;
		struct ops_hcpus *hc;

		h = grow(run->handles, run->nr_handles, &cap_h, sizeof(*h), 8);
		if (!h)
			return ops_fail(-ENOMEM, "out of memory");
		run->handles = h;
		hc = grow(run->hcpus, run->nr_handles, &cap_c, sizeof(*hc), 8);
		if (!hc)
			return ops_fail(-ENOMEM, "out of memory");
		run->hcpus = hc;
		run->cap_handles = cap_h;
	}
	h = &run->handles[run->nr_handles];
	memset(h, 0, sizeof(*h));
	memset(&run->hcpus[run->nr_handles], 0, sizeof(run->hcpus[0]));
	hcpus_add(&run->hcpus[run->nr_handles],
		  cgroup ? lookup(run, cgroup) : NULL);
	snprintf(h->cgroup, sizeof(h->cgroup), "%s", cgroup ? cgroup : "host");
	h->kind = wl->work.kind;
	h->dev = run->ctx->dev;
	h->ts = run->ctx->dev ? NULL : run->ctx->taskstats;
	if (cgroup) {
		o.cg = run->ctx->cgroups;
		o.cgroup = cgroup;
	}
	ret = ktstr_workers_spawn(wl, &o, &h->workers);
	if (ret) {
		h->workers = NULL;
		return ops_fail(ret, "spawn workers in %s: %s", h->cgroup,
				ktstr_worker_last_error());
	}
	run->nr_handles++;
	if (h->dev)
		for (int i = 0; i < ktstr_workers_count(h->workers); i++)
			ktstr_dev_track_pid(h->dev, ktstr_workers_pid(h->workers, i),
					    true);
	ret = ktstr_workers_start(h->workers);
	if (ret)
		return ops_fail(ret, "start workers in %s: %s", h->cgroup,
				ktstr_worker_last_error());
	return 0;
}

static void stop_under(struct ops_run *run, const char *name)
{
	for (int i = 0; i < run->nr_handles; i++)
		if (run->handles[i].workers && is_under(run->handles[i].cgroup, name))
			ktstr_handle_stop(&run->handles[i], 0);
}

static int set_affinity(struct ops_run *run, struct ops_cg *c,
			const struct ktstr_affinity_spec *spec)
{
	struct ktstr_affinity aff;
	int ret;

	ret = ops_affinity_resolve(run->ctx->topo, spec,
				   c->has_cpuset ? &c->cpus : NULL, &aff);
	if (ret)
		return ops_fail_prefix(ret, "affinity of %s", c->name);
	if (aff.kind == KTSTR_AFF_INHERIT) {
		/* Back to everything: the cgroup's cpuset decides. */
		ktstr_cpuset_zero(&aff.cpus);
		ktstr_cpuset_set_range(&aff.cpus, 0, KTSTR_MAX_CPUS - 1);
	}
	for (int i = 0; i < run->nr_handles; i++) {
		struct ktstr_handle *h = &run->handles[i];

		if (!h->workers || strcmp(h->cgroup, c->name))
			continue;
		for (int w = 0; w < ktstr_workers_count(h->workers); w++) {
			struct ktstr_cpuset set = aff.cpus;
			cpu_set_t cs;

			if (aff.kind == KTSTR_AFF_RANDOM) {
				int n = ktstr_cpuset_count(&aff.cpus), cpu;

				ktstr_cpuset_zero(&set);
				for (int k = 0; k < aff.count; ) {
					int pick = rand_r(&run->seed) % n, j = 0;

					ktstr_cpuset_for_each(cpu, &aff.cpus)
						if (j++ == pick)
							break;
					if (!ktstr_cpuset_test(&set, cpu)) {
						ktstr_cpuset_set(&set, cpu);
						k++;
					}
				}
			}
			ktstr_cpuset_to_cpu_set(&set, &cs);
			if (sched_setaffinity(ktstr_workers_pid(h->workers, w),
					      sizeof(cs), &cs) && errno != ESRCH)
				return ops_fail(-errno, "set affinity of pid %d in %s: %s",
						(int)ktstr_workers_pid(h->workers, w),
						c->name, strerror(errno));
		}
	}
	return 0;
}

/* An op's or a definition's work type and worker count over @wl's. */
static void override_work(const struct ops_run *run, struct ktstr_workload *wl,
			  const struct ktstr_work *work, int nr_workers)
{
	if (work) {
		wl->work = *work;
		wl->nr_workers = ktstr_work_dfl_workers(work, run->ctx->workers_per_cgroup);
	}
	if (nr_workers)
		wl->nr_workers = nr_workers;
}

static int op_workload(struct ops_run *run, const struct ktstr_op *op,
		       const struct ops_cg *c, struct ktstr_workload *wl)
{
	int ret;

	*wl = ktstr_dfl_wl(run->ctx);
	override_work(run, wl, op->work, op->nr_workers);
	ret = ops_affinity_resolve(run->ctx->topo, &op->affinity,
				   c && c->has_cpuset ? &c->cpus : NULL,
				   &wl->affinity);
	if (ret)
		return ops_fail_prefix(ret, "affinity");
	return 0;
}

/* ---- payloads ---- */

static struct ops_payload *find_payload(struct ops_run *run, const char *name)
{
	for (int i = run->nr_pls - 1; i >= 0; i--)
		if (run->pls[i].pid > 0 && !strcmp(run->pls[i].name, name))
			return &run->pls[i];
	return NULL;
}

static void payload_kill(struct ops_payload *p)
{
	if (p->pid <= 0)
		return;
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	p->pid = 0;
}

static int run_payload(struct ops_run *run, const struct ktstr_op *op)
{
	const char *dfl_argv[2] = { op->payload, NULL };
	const char *const *argv = op->argv ? op->argv : dfl_argv;
	struct ops_payload *p;
	int go[2], err[2], ret, cerr = 0;
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (find_payload(run, op->payload))
		return ops_fail(-EEXIST, "payload %s is already running",
				op->payload);
	if (op->cgroup && !lookup_req(run, op->cgroup))
		return -ENOENT;
	p = grow(run->pls, run->nr_pls, &run->cap_pls, sizeof(*p), 4);
	if (!p)
		return ops_fail(-ENOMEM, "out of memory");
	run->pls = p;
	p = &run->pls[run->nr_pls];
	memset(p, 0, sizeof(*p));
	p->name = strdup(op->payload);
	p->cgroup = op->cgroup ? strdup(op->cgroup) : NULL;
	if (!p->name || (op->cgroup && !p->cgroup)) {
		free(p->name);
		free(p->cgroup);
		return ops_fail(-ENOMEM, "out of memory");
	}
	if (pipe2(go, O_CLOEXEC))
		goto fail_errno;
	if (pipe2(err, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		goto fail_errno;
	}
	pid = fork();
	if (pid < 0) {
		close(go[0]); close(go[1]); close(err[0]); close(err[1]);
		goto fail_errno;
	}
	if (!pid) {
		char c;
		int e;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	setpgid(pid, pid);
	close(go[0]);
	close(err[1]);
	p->pid = pid;
	run->nr_pls++;		/* from now on teardown reaps it */
	if (op->cgroup) {
		ret = ktstr_cg_move_task(run->ctx->cgroups, op->cgroup, pid);
		if (ret) {
			close(go[1]);
			close(err[0]);
			payload_kill(p);
			return ops_fail(ret, "move payload %s into %s: %s",
					op->payload, op->cgroup,
					ktstr_cgroup_last_error());
		}
	}
	if (write(go[1], "g", 1) != 1)
		cerr = errno;
	close(go[1]);
	do
		n = read(err[0], &ret, sizeof(ret));
	while (n < 0 && errno == EINTR);
	close(err[0]);
	if (n == (ssize_t)sizeof(ret)) {
		payload_kill(p);
		return ops_fail(-ret, "payload %s: exec %s: %s", op->payload,
				argv[0], strerror(ret));
	}
	if (cerr) {
		payload_kill(p);
		return ops_fail(-cerr, "payload %s: start: %s", op->payload,
				strerror(cerr));
	}
	return 0;

fail_errno:
	ret = -errno;
	free(p->name);
	free(p->cgroup);
	return ops_fail(ret, "payload %s: %s", op->payload, strerror(-ret));
}

static int wait_payload(struct ops_run *run, const struct ktstr_op *op)
{
	uint64_t tmo = op->timeout_ms ? op->timeout_ms : KTSTR_PAYLOAD_WAIT_MS;
	uint64_t end = (ktstr_now_ns() / 1000000) + tmo;
	struct ops_payload *p = find_payload(run, op->payload);
	int status, ret;

	if (!p)
		return ops_fail(-ENOENT, "no running payload %s", op->payload);
	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid)
			break;
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			p->pid = 0;
			return ops_fail(ret, "wait for payload %s: %s",
					op->payload, strerror(-ret));
		}
		if (ktstr_ops_aborted())
			return ops_fail(-EINTR, "aborted");
		ret = ops_run_sched_check(run);
		if (ret)
			return ret;
		if ((ktstr_now_ns() / 1000000) >= end) {
			payload_kill(p);
			ops_run_failure(run, KTSTR_DETAIL_OTHER,
					"payload %s did not finish within %llu ms",
					op->payload, (unsigned long long)tmo);
			return 0;
		}
		nap_ms(OPS_WAIT_SLICE_MS);
	}
	/* The group may have children left. */
	kill(-p->pid, SIGKILL);
	p->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status))
		ops_run_failure(run, KTSTR_DETAIL_OTHER, "payload %s exited %d", op->payload,
				WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		ops_run_failure(run, KTSTR_DETAIL_OTHER,
				"payload %s killed by signal %d (%s)",
				op->payload, WTERMSIG(status),
				strsignal(WTERMSIG(status)));
	return 0;
}

/* ---- ops ---- */

/* ---- the scheduler ---- */

static int restart_scheduler(struct ops_run *run)
{
	struct ktstr_scx *scx = run->ctx->scx;
	char why[512];
	int ret;

	if (!scx)
		return ops_fail(-EOPNOTSUPP,
				"restart_scheduler: no scheduler started by this run (--scheduler)");
	ret = ktstr_scx_restart(scx, 0, why, sizeof(why));
	if (ret) {
		why[strcspn(why, "\n")] = '\0';
		ops_run_failure(run, KTSTR_DETAIL_SCHEDULER_DIED,
				"scheduler restart failed: %s", why);
		return ops_fail(ret, "restart_scheduler: %s", why);
	}
	return 0;
}

int ops_run_op(struct ops_run *run, const struct ktstr_op *op)
{
	struct ktstr_cgroups *cg = run->ctx->cgroups;
	struct ktstr_workload wl;
	struct ktstr_cpuset cpus;
	struct ops_cg *a, *b;
	int ret;

	ret = ops_op_check_fields(op);
	if (ret)
		return ret;
	switch (op->kind) {
	case KTSTR_OP_ADD_CGROUP:
		return add_cg(run, op->cgroup, &op->cpuset);
	case KTSTR_OP_REMOVE_CGROUP:
		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		for (int i = 0; i < run->nr_pls; i++)
			if (run->pls[i].pid > 0 && run->pls[i].cgroup &&
			    is_under(run->pls[i].cgroup, a->name))
				payload_kill(&run->pls[i]);
		for (int i = run->nr_cgs - 1; i >= 0; i--) {
			struct ops_cg *c = &run->cgs[i];

			if (c->live && c->frozen && is_under(c->name, a->name) &&
			    !ktstr_cg_unfreeze(cg, c->name))
				c->frozen = false;
		}
		stop_under(run, a->name);
		ret = ktstr_cg_remove(cg, a->name);
		if (ret)
			return ops_fail(ret, "remove %s: %s", a->name,
					ktstr_cgroup_last_error());
		for (int i = 0; i < run->nr_cgs; i++)
			if (run->cgs[i].live && is_under(run->cgs[i].name, a->name))
				run->cgs[i].live = false;
		return 0;
	case KTSTR_OP_SET_CPUSET:
		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		ret = ktstr_cpuset_spec_resolve(run->ctx, &op->cpuset, &cpus);
		if (ret)
			return ops_fail_prefix(ret, "cpuset of %s", a->name);
		return set_cpus(run, a, true, &cpus);
	case KTSTR_OP_CLEAR_CPUSET:
		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		return set_cpus(run, a, false, NULL);
	case KTSTR_OP_SWAP_CPUSETS: {
		struct ktstr_cpuset ca, cb;
		bool ha, hb;

		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		b = lookup_req(run, op->cgroup2);
		if (!b)
			return -ENOENT;
		ca = a->cpus;
		cb = b->cpus;
		ha = a->has_cpuset;
		hb = b->has_cpuset;
		ret = set_cpus(run, a, hb, &cb);
		if (!ret)
			ret = set_cpus(run, b, ha, &ca);
		return ret;
	}
	case KTSTR_OP_SPAWN:
		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		ret = op_workload(run, op, a, &wl);
		if (ret)
			return ret;
		return spawn(run, a->name, &wl);
	case KTSTR_OP_STOP_CGROUP:
		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		for (int i = 0; i < run->nr_handles; i++)
			if (!strcmp(run->handles[i].cgroup, a->name))
				ktstr_handle_stop(&run->handles[i], 0);
		return 0;
	case KTSTR_OP_SET_AFFINITY:
		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		return set_affinity(run, a, &op->affinity);
	case KTSTR_OP_SPAWN_HOST:
		ret = op_workload(run, op, NULL, &wl);
		if (ret)
			return ret;
		return spawn(run, NULL, &wl);
	case KTSTR_OP_MOVE_ALL_TASKS:
		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		b = lookup_req(run, op->cgroup2);
		if (!b)
			return -ENOENT;
		ret = ktstr_cg_move_all(cg, a->name, b->name);
		if (ret < 0)
			return ops_fail(ret, "move tasks %s -> %s: %s", a->name,
					b->name, ktstr_cgroup_last_error());
		for (int i = 0; i < run->nr_handles; i++)
			if (!strcmp(run->handles[i].cgroup, a->name)) {
				snprintf(run->handles[i].cgroup,
					 sizeof(run->handles[i].cgroup), "%s",
					 b->name);
				hcpus_add(&run->hcpus[i], b);
			}
		for (int i = 0; i < run->nr_pls; i++) {
			struct ops_payload *p = &run->pls[i];

			if (p->pid > 0 && p->cgroup && !strcmp(p->cgroup, a->name)) {
				char *s = strdup(b->name);

				if (s) {
					free(p->cgroup);
					p->cgroup = s;
				}
			}
		}
		return 0;
	case KTSTR_OP_FREEZE:
	case KTSTR_OP_UNFREEZE:
		a = lookup_req(run, op->cgroup);
		if (!a)
			return -ENOENT;
		if (op->kind == KTSTR_OP_FREEZE)
			ret = ktstr_cg_freeze(cg, a->name);
		else
			ret = ktstr_cg_unfreeze(cg, a->name);
		if (ret)
			return ops_fail(ret, "%s %s: %s",
					op->kind == KTSTR_OP_FREEZE ? "freeze" :
					"unfreeze", a->name,
					ktstr_cgroup_last_error());
		a->frozen = op->kind == KTSTR_OP_FREEZE;
		return 0;
	case KTSTR_OP_RUN_PAYLOAD:
		return run_payload(run, op);
	case KTSTR_OP_WAIT_PAYLOAD:
		return wait_payload(run, op);
	case KTSTR_OP_KILL_PAYLOAD: {
		struct ops_payload *p = find_payload(run, op->payload);

		if (!p)
			return ops_fail(-ENOENT, "no running payload %s",
					op->payload);
		payload_kill(p);
		return 0;
	}
	case KTSTR_OP_RESTART_SCHEDULER:
		return restart_scheduler(run);
	case KTSTR_OP_NR:
		break;
	}
	return ops_fail(-EINVAL, "unknown op kind %d", (int)op->kind);
}

/* ---- definitions ---- */

static int def_workload(struct ops_run *run, const struct ktstr_cgroup_def *d,
			const struct ops_cg *c, struct ktstr_workload *wl)
{
	int ret;

	*wl = d->workload ? *d->workload : ktstr_dfl_wl(run->ctx);
	override_work(run, wl, d->work, d->nr_workers);
	if (d->sched.policy != KTSTR_SCHED_INHERIT)
		wl->sched = d->sched;
	if (d->affinity.kind != KTSTR_AFF_INHERIT) {
		ret = ops_affinity_resolve(run->ctx->topo, &d->affinity,
					   c->has_cpuset ? &c->cpus : NULL,
					   &wl->affinity);
		if (ret)
			return ops_fail_prefix(ret, "affinity of %s", d->name);
	}
	return 0;
}

int ops_run_defs(struct ops_run *run, const struct ktstr_cgroup_def *defs,
		 size_t n)
{
	struct ktstr_workload wl;
	int ret;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		ret = add_cg(run, defs[i].name, &defs[i].cpuset);
		if (ret)
			return ret;
	}
	ret = ops_run_sleep(run, run->ctx->settle_ms);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct ops_cg *c;

		if (defs[i].no_workers)
			continue;
		c = lookup_req(run, defs[i].name);
		if (!c)
			return -ENOENT;
		ret = def_workload(run, &defs[i], c, &wl);
		if (ret)
			return ret;
		ret = spawn(run, c->name, &wl);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- teardown ---- */

int ops_run_teardown(struct ops_run *run, struct ktstr_assert_result *res)
{
	struct ktstr_cgroups *cg = run->ctx->cgroups;
	int err = 0, ret;

	for (int i = 0; i < run->nr_pls; i++)
		payload_kill(&run->pls[i]);
	for (int i = run->nr_cgs - 1; i >= 0; i--)
		if (run->cgs[i].live && run->cgs[i].frozen &&
		    !ktstr_cg_unfreeze(cg, run->cgs[i].name))
			run->cgs[i].frozen = false;
	/*
	 * Collect first: ktstr_collect_assert() reads the taskstats of every
	 * worker (when used) before it stops any, then stops them all, which
	 * the cgroups' removal needs.
	 */
	ktstr_assert_result_init(res);
	if (run->nr_handles) {
		const struct ktstr_cpuset **sets;

		sets = calloc(run->nr_handles, sizeof(*sets));
		if (!sets)
			ret = -ENOMEM;
		else {
			for (int i = 0; i < run->nr_handles; i++)
				sets[i] = run->hcpus[i].unbounded ? NULL :
					  &run->hcpus[i].cpus;
			ret = ktstr_collect_assert(run->handles, run->nr_handles,
						   &run->ctx->assert,
						   (const struct ktstr_cpuset *const *)sets,
						   res);
			free(sets);
		}
		if (ret < 0) {
			ktstr_assert_result_free(res);
			ops_run_failure(run, KTSTR_DETAIL_OTHER,
					"collecting reports: %s", strerror(-ret));
			err = ret;
		}
	} else {
		/* Nothing to judge: the run itself decides. */
		ktstr_assert_result_pass(res);
	}
	for (int i = 0; i < run->nr_handles; i++)
		if (run->handles[i].workers)
			ktstr_handle_stop(&run->handles[i], 0);
	/* Step cgroups were created after the backdrop's: newest first
	 * removes them, then the backdrop's. */
	for (int i = run->nr_cgs - 1; i >= 0; i--) {
		if (!run->cgs[i].live)
			continue;
		ret = ktstr_cg_remove(cg, run->cgs[i].name);
		if (ret) {
			ops_run_failure(run, KTSTR_DETAIL_OTHER,
					"remove cgroup %s: %s", run->cgs[i].name,
					ktstr_cgroup_last_error());
			if (!err)
				err = ret;
		}
		run->cgs[i].live = false;
	}
	for (int i = 0; i < run->nr_fails; i++)
		ktstr_assert_result_fail(res, run->fails[i].kind, "%s",
					 run->fails[i].message);

	ktstr_handles_free(run->handles, run->nr_handles);
	run->handles = NULL;
	free(run->hcpus);
	run->hcpus = NULL;
	run->nr_handles = run->cap_handles = 0;
	for (int i = 0; i < run->nr_cgs; i++)
		free(run->cgs[i].name);
	free(run->cgs);
	run->cgs = NULL;
	run->nr_cgs = run->cap_cgs = 0;
	for (int i = 0; i < run->nr_pls; i++) {
		free(run->pls[i].name);
		free(run->pls[i].cgroup);
	}
	free(run->pls);
	run->pls = NULL;
	run->nr_pls = run->cap_pls = 0;
	for (int i = 0; i < run->nr_fails; i++)
		free(run->fails[i].message);
	free(run->fails);
	run->fails = NULL;
	run->nr_fails = run->cap_fails = 0;
	return err;
}
