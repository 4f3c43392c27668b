// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of the backends (user/include/ktstr/backend.h): one
 * workload, two spinners and a sleeper pinned to CPU 0 forked by a paused
 * spawner tracked with follow-fork, measured by each backend against the
 * kernel's /proc/<pid>/schedstat and status; then the fallback order:
 * with ktstr.ko unloaded, `ktstr stat` picks bpf and says so. The module
 * is loaded again at the end.
 *
 *   ktstr vm --cpus 2 --include build/tests/guest/backends -- ./backends
 */
#include "guest.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <ktstr/backend.h>

#define NR_WORKERS 3
struct backend_arg {
	const struct ktstr_backend *be;
	void *st;
};

static int track_with_backend(void *arg, pid_t spawner)
{
	struct backend_arg *ba = arg;

	if (ba->be->track_pid(ba->st, spawner, true) < 0) {
		printf("# track: %s\n", ba->be->last_error());
		return -EIO;
	}
	return 0;
}

static bool near(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	return d <= want / 100 + 4 * MS;
}

static void measure(const char *name, bool exact_counts)
{
	const struct ktstr_backend *be = NULL;
	struct ktstr_task_rec *recs = NULL;
	struct spawn rn = { 0 };
	struct backend_arg ba;
	void *st = NULL;
	size_t n = 0;
	char t[128];
	int r;

	r = ktstr_backend_pick(name, &be, &st);
	snprintf(t, sizeof(t), "%s: open", name);
	if (!check(r == 0, t, "%s", ktstr_backend_pick_error()))
		return;
	ba.be = be;
	ba.st = st;
	r = spawn_start(&rn, NR_WORKERS, spin_sleep_work, 0, track_with_backend, &ba);
	snprintf(t, sizeof(t), "%s: workload tracked", name);
	if (!check(r == 0, t, "%s", strerror(-r))) {
		kill_wait(rn.spawner);
		be->close(st);
		return;
	}
	r = be->snapshot(st, &recs, &n);
	snprintf(t, sizeof(t), "%s: snapshot", name);
	check(r == 0 && n >= NR_WORKERS, t, "r=%d n=%zu: %s", r, n, be->last_error());
	for (int i = 0; i < NR_WORKERS && r == 0; i++) {
		struct ktstr_task_rec *rec = NULL;
		uint64_t run, wait, pc, vol = 0, invol = 0;

		for (size_t k = 0; k < n; k++)
			if (recs[k].pid == rn.pids[i])
				rec = &recs[k];
		snprintf(t, sizeof(t), "%s: worker %d (pid %d) has a record", name, i, rn.pids[i]);
		if (!check(rec, t, "missing"))
			continue;
		read_schedstat(rn.pids[i], &run, &wait, &pc);
		read_proc_field(rn.pids[i], "status", "voluntary_ctxt_switches", &vol);
		read_proc_field(rn.pids[i], "status", "nonvoluntary_ctxt_switches", &invol);
		printf("# %s worker %d: run %llu/%llu wait %llu/%llu runs %llu/%llu vol %llu/%llu invol %llu/%llu (%s vs kernel)\n",
		       name, i, (unsigned long long)rec->run_ns, (unsigned long long)run,
		       (unsigned long long)rec->wait_ns, (unsigned long long)wait,
		       (unsigned long long)rec->nr_runs, (unsigned long long)pc,
		       (unsigned long long)rec->nr_voluntary, (unsigned long long)vol,
		       (unsigned long long)rec->nr_involuntary, (unsigned long long)invol, name);
		snprintf(t, sizeof(t), "%s: worker %d run within 1%% + 4 ms of schedstat", name, i);
		check(near(rec->run_ns, run), t, "%llu vs %llu", (unsigned long long)rec->run_ns,
		      (unsigned long long)run);
		snprintf(t, sizeof(t), "%s: worker %d wait within 1%% + 4 ms of schedstat", name, i);
		check(near(rec->wait_ns, wait), t, "%llu vs %llu", (unsigned long long)rec->wait_ns,
		      (unsigned long long)wait);
		snprintf(t, sizeof(t), "%s: worker %d switch counts %s status", name, i,
			 exact_counts ? "equal" : "near");
		if (exact_counts)
			check(rec->nr_voluntary == vol && rec->nr_involuntary == invol, t,
			      "%llu/%llu vs %llu/%llu", (unsigned long long)rec->nr_voluntary,
			      (unsigned long long)rec->nr_involuntary, (unsigned long long)vol,
			      (unsigned long long)invol);
		else
			check(rec->nr_voluntary + 2 >= vol && rec->nr_voluntary <= vol &&
			      rec->nr_involuntary + 2 >= invol && rec->nr_involuntary <= invol, t,
			      "%llu/%llu vs %llu/%llu", (unsigned long long)rec->nr_voluntary,
			      (unsigned long long)rec->nr_involuntary, (unsigned long long)vol,
			      (unsigned long long)invol);
		snprintf(t, sizeof(t), "%s: worker %d runs == schedstat pcount", name, i);
		check(rec->nr_runs == pc, t, "%llu vs %llu", (unsigned long long)rec->nr_runs,
		      (unsigned long long)pc);
	}
	free(recs);
	spawn_finish(&rn);
	be->close(st);
}

/* `ktstr stat -- true` with its stderr and stdout in buf. */
static int run_stat(char *buf, size_t len)
{
	FILE *p = popen("ktstr stat -- true 2>&1", "r");
	size_t n;

	if (!p)
		return -errno;
	n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	return pclose(p);
}

static void fallback(void)
{
	char out[4096];
	bool unloaded = false;
	int fd, r;

	if (access(KTSTR_DEVICE_PATH, F_OK)) {
		skip("fallback: module unloaded", "no /dev/ktstr to start with");
	} else {
		unloaded = true;
		r = syscall(SYS_delete_module, "ktstr", O_NONBLOCK);
		if (!check(r == 0, "fallback: delete_module(ktstr)", "%s", strerror(errno)))
			return;
	}
	check(access(KTSTR_DEVICE_PATH, F_OK) && errno == ENOENT, "fallback: /dev/ktstr gone",
	      "still there");
	r = run_stat(out, sizeof(out));
	printf("# %s", out);
	check(r == 0 && strstr(out, "backend: bpf\n") && strstr(out, "using backend bpf"),
	      "fallback: ktstr stat picks bpf and says so", "status %d", r);
	if (!unloaded)
		return;
	fd = open("/lib/ktstr/ktstr.ko", O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -1 : (int)syscall(SYS_finit_module, fd, "", 0);
	check(r == 0, "fallback: module reloaded", "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 100 && access(KTSTR_DEVICE_PATH, F_OK); i++)
		sleep_ns(10 * MS);
	r = run_stat(out, sizeof(out));
	check(r == 0 && strstr(out, "backend: module\n"), "fallback: ktstr stat picks module again",
	      "status %d: %s", r, out);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* libbpf's iterators and tp_btf need no mounts; debugfs helps if it logs. */
	mkdir("/sys/fs/bpf", 0755);
	mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL);
	if (!access(KTSTR_DEVICE_PATH, F_OK))
		measure("module", true);
	measure("bpf", true);
	measure("taskstats", true);
	fallback();
	return g_failed ? 1 : 0;
}
