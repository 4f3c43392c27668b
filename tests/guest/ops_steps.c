// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of ops and steps on real cgroup v2 (/sys/fs/cgroup): a
 * 3-step scenario (two SpinWait cgroups on disjoint cpusets, swapped, then
 * cleared with one cgroup removed) whose workers a monitor thread watches
 * against each cgroup's effective cpuset, then an abort mid-hold. Nothing
 * may be left behind: no cgroup below the run's parent, no ktstr-* cgroup
 * after cleanup, no worker alive.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>

#include "guest.h"

#include <ktstr/ktstr.h>
#include <ktstr/ops.h>

#define MAX_PIDS	64

static struct ktstr_cgroups *cg;
static char parent[256];
static atomic_bool mon_stop;
static pid_t seen[MAX_PIDS];
static int nr_seen;
static int nr_checked, nr_bad;
static char bad_msg[256];

static int read_str(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int task_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	int field = 2;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_str(path, buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	for (p++; *p; p++)
		if (*p == ' ' && ++field == 39)
			return atoi(p + 1);
	return -1;
}

struct mon_cg {
	const char *name;
	char cpus[64];
	uint64_t since;		/* when cpus last changed */
};

static void note_pid(pid_t pid)
{
	for (int i = 0; i < nr_seen; i++)
		if (seen[i] == pid)
			return;
	if (nr_seen < MAX_PIDS)
		seen[nr_seen++] = pid;
}

static void *monitor(void *arg)
{
	struct mon_cg cgs[2] = { { .name = "cg_0" }, { .name = "cg_1" } };

	(void)arg;
	while (!atomic_load(&mon_stop)) {
		for (int c = 0; c < 2; c++) {
			char path[512], cpus[64], procs[1024];
			struct ktstr_cpuset set;
			char *save, *tok;

			snprintf(path, sizeof(path), "%s/%s/cpuset.cpus.effective",
				 parent, cgs[c].name);
			if (read_str(path, cpus, sizeof(cpus)) || !cpus[0])
				continue;
			if (strcmp(cpus, cgs[c].cpus)) {
				snprintf(cgs[c].cpus, sizeof(cgs[c].cpus), "%s", cpus);
				cgs[c].since = now_ns();
				continue;
			}
			/* Give the kernel 300 ms to move tasks after a change. */
			if (now_ns() - cgs[c].since < 300 * MS)
				continue;
			if (ktstr_cpulist_parse(cpus, KTSTR_MAX_CPUS, &set))
				continue;
			snprintf(path, sizeof(path), "%s/%s/cgroup.procs", parent,
				 cgs[c].name);
			if (read_str(path, procs, sizeof(procs)))
				continue;
			int n_ok = 0, n_bad = 0;
			char msg[sizeof(bad_msg)] = "";

			for (tok = strtok_r(procs, "\n", &save); tok;
			     tok = strtok_r(NULL, "\n", &save)) {
				pid_t pid = atoi(tok);
				int cpu = task_cpu(pid);

				if (cpu < 0)
					continue;
				note_pid(pid);
				if (ktstr_cpuset_test(&set, cpu)) {
					n_ok++;
					continue;
				}
				n_bad++;
				snprintf(msg, sizeof(msg), "pid %d of %s on cpu %d, cpuset %s",
					 (int)pid, cgs[c].name, cpu, cpus);
			}
			/*
			 * A change (the swap) between reading the cpuset and
			 * the tasks' CPUs makes the round meaningless: drop it.
			 */
			snprintf(path, sizeof(path), "%s/%s/cpuset.cpus.effective",
				 parent, cgs[c].name);
			if (read_str(path, procs, sizeof(procs)) || strcmp(procs, cpus))
				continue;
			nr_checked += n_ok + n_bad;
			nr_bad += n_bad;
			if (n_bad)
				snprintf(bad_msg, sizeof(bad_msg), "%s", msg);
		}
		sleep_ns(20 * MS);
	}
	return NULL;
}

static int count_children(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int count_ktstr_cgroups(void)
{
	DIR *d = opendir(KTSTR_CGROUP_ROOT);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, KTSTR_CGROUP_PREFIX, strlen(KTSTR_CGROUP_PREFIX)))
			n++;
	closedir(d);
	return n;
}

static int alive(void)
{
	int n = 0;

	for (int i = 0; i < nr_seen; i++)
		n += !(kill(seen[i], 0) && errno == ESRCH);
	return n;
}

static void test_three_steps(struct ktstr_ctx *ctx)
{
	static const struct ktstr_cgroup_def defs[] = {
		{ .name = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
		{ .name = "cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2) },
	};
	static const struct ktstr_op swap[] = {
		{ .kind = KTSTR_OP_SWAP_CPUSETS, .cgroup = "cg_0", .cgroup2 = "cg_1" },
	};
	static const struct ktstr_op clear[] = {
		{ .kind = KTSTR_OP_CLEAR_CPUSET, .cgroup = "cg_0" },
		{ .kind = KTSTR_OP_CLEAR_CPUSET, .cgroup = "cg_1" },
		{ .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "cg_1" },
	};
	static const struct ktstr_step steps[] = {
		{ .name = "disjoint", .defs = defs, .nr_defs = 2,
		  .hold = KTSTR_HOLD_FIXED_INIT(1500) },
		{ .name = "swap", .ops = swap, .nr_ops = 1,
		  .hold = KTSTR_HOLD_FIXED_INIT(1500) },
		{ .name = "clear", .ops = clear, .nr_ops = 3,
		  .hold = KTSTR_HOLD_FIXED_INIT(800) },
	};
	struct ktstr_assert_result res;
	pthread_t th;
	int ret;

	atomic_store(&mon_stop, false);
	pthread_create(&th, NULL, monitor, NULL);
	ret = ktstr_execute_steps(ctx, NULL, steps, 3, &res);
	atomic_store(&mon_stop, true);
	pthread_join(th, NULL);

	if (ret)
		fail("ops_three_steps_run", "%d: %s", ret, ktstr_last_error());
	else
		ok("ops_three_steps_run");
	check(res.stats.total_workers == 4 && res.nr_cgroups == 2 &&
	      !strcmp(res.cgroups[0].name, "cg_0") &&
	      !strcmp(res.cgroups[1].name, "cg_1") &&
	      res.cgroups[0].workers == 2 && res.cgroups[1].workers == 2,
	      "ops_three_steps_collected", "%d workers in %zu cgroups (%s, %s)",
	      res.stats.total_workers, res.nr_cgroups,
	      res.nr_cgroups > 0 ? res.cgroups[0].name : "-",
	      res.nr_cgroups > 1 ? res.cgroups[1].name : "-");
	if (res.verdict != KTSTR_VERDICT_PASS)
		for (size_t i = 0; i < res.nr_details; i++)
			printf("# verdict %s (not this test's subject): [%s] %s\n",
			       ktstr_verdict_name(res.verdict),
			       ktstr_detail_kind_name(res.details[i].kind),
			       res.details[i].message);
	ktstr_assert_result_free(&res);
	if (nr_checked < 10)
		fail("ops_cpuset_respected", "only %d samples", nr_checked);
	else
		check(nr_bad == 0, "ops_cpuset_respected", "%d of %d samples: %s",
		      nr_bad, nr_checked, bad_msg);
	check(count_children(parent) == 0, "ops_three_steps_cgroups_removed",
	      "%d cgroups left in %s", count_children(parent), parent);
	check(nr_seen >= 4 && alive() == 0, "ops_three_steps_no_worker_left",
	      "%d seen, %d alive", nr_seen, alive());
}

static void *aborter(void *arg)
{
	(void)arg;
	sleep_ns(1000 * MS);
	ktstr_ops_abort();
	return NULL;
}

static void test_abort(struct ktstr_ctx *ctx)
{
	static const struct ktstr_cgroup_def defs[] = {
		{ .name = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
		{ .name = "cg_1" },
	};
	static const char *const argv[] = { "sleep", "60", NULL };
	static const struct ktstr_op ops[] = {
		{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "pl" },
		{ .kind = KTSTR_OP_RUN_PAYLOAD, .payload = "sleeper", .argv = argv,
		  .cgroup = "pl" },
		{ .kind = KTSTR_OP_FREEZE, .cgroup = "pl" },
	};
	static const struct ktstr_step steps[] = {
		{ .ops = ops, .nr_ops = 3, .defs = defs, .nr_defs = 2,
		  .hold = KTSTR_HOLD_FIXED_INIT(20000) },
	};
	struct ktstr_assert_result res;
	pthread_t th;
	uint64_t t0 = now_ns();
	int ret;

	nr_seen = 0;
	atomic_store(&mon_stop, false);
	pthread_t mon;
	pthread_create(&mon, NULL, monitor, NULL);
	pthread_create(&th, NULL, aborter, NULL);
	ret = ktstr_execute_steps(ctx, NULL, steps, 1, &res);
	pthread_join(th, NULL);
	atomic_store(&mon_stop, true);
	pthread_join(mon, NULL);
	ktstr_ops_abort_reset();

	check(ret == -EINTR && res.verdict == KTSTR_VERDICT_FAIL &&
	      ktstr_assert_result_count(&res, KTSTR_DETAIL_OTHER) >= 1,
	      "ops_abort_returns", "ret %d verdict %s: %s", ret,
	      ktstr_verdict_name(res.verdict), ktstr_last_error());
	ktstr_assert_result_free(&res);
	check(now_ns() - t0 < 10000 * MS, "ops_abort_early", "took %llu ms",
	      (unsigned long long)((now_ns() - t0) / MS));
	check(count_children(parent) == 0, "ops_abort_cgroups_removed",
	      "%d cgroups left in %s", count_children(parent), parent);
	check(nr_seen >= 2 && alive() == 0, "ops_abort_no_worker_left",
	      "%d seen, %d alive", nr_seen, alive());
}

int main(void)
{
	struct ktstr_topo *topo;
	struct ktstr_ctx ctx;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	topo = ktstr_topo_load(NULL);
	cg = ktstr_cgroup_mgr_new(NULL);
	if (!topo || !cg) {
		fail("ops_setup", "topo %p cg %p: %s", (void *)topo, (void *)cg,
		     ktstr_last_error());
		return 1;
	}
	ret = ktstr_cgroup_setup(cg);
	if (ret) {
		fail("ops_setup", "cgroup setup: %s", ktstr_last_error());
		return 1;
	}
	snprintf(parent, sizeof(parent), "%s", ktstr_cgroup_parent_path(cg));
	ktstr_ctx_init(&ctx, cg, topo);
	ctx.settle_ms = 100;
	ctx.workers_per_cgroup = 2;
	if (ktstr_cpuset_count(&topo->usable) < 2) {
		skip("ops_three_steps_run", "needs 2 usable CPUs");
	} else {
		test_three_steps(&ctx);
		test_abort(&ctx);
	}
	ktstr_cgroup_cleanup(cg);
	ktstr_cgroup_destroy(cg);
	check(count_ktstr_cgroups() == 0, "ops_no_ktstr_cgroup_left",
	      "%d left", count_ktstr_cgroups());
	ktstr_topo_free(topo);
	return g_failed ? 1 : 0;
}
