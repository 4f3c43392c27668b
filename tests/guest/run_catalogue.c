// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of `ktstr run`: the whole catalogue with short durations
 * (every scenario must PASS or SKIP with a reason), the must-fail kernel
 * scenario failing for the right reason (starvation naming the starved
 * task), and interruption: SIGINT/SIGTERM of a running `ktstr run` leave no
 * cgroup and no worker behind, SIGKILL followed by `ktstr cleanup` neither.
 *
 * Usage: run_catalogue [DURATION_S]  (default 1 s per scenario; at 0.5 s
 * the step scenarios hold for ~125 ms and the spread check gets noisy)
 */
#include <dirent.h>
#include <sys/stat.h>

#include <jansson.h>

#include "guest.h"

#define JSON_PATH	"/tmp/catalogue.json"

static const char *duration = "1";

/* fork/exec "ktstr ARGS..." with stdout to @out (NULL: inherit). */
static pid_t spawn_ktstr(const char *out, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		if (out) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
		}
		execvp("ktstr", argv);
		_exit(127);
	}
	return pid;
}

/* Wait for @pid at most @ms; its wait status, or -1 (then it is killed). */
static int wait_for(pid_t pid, int ms)
{
	int st;

	for (int i = 0; i < ms / 10; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		sleep_ns(10 * MS);
	}
	kill_wait(pid);
	return -1;
}

/* Number of /sys/fs/cgroup/ktstr-* directories (names into @buf). */
static int ktstr_cgroups(char *buf, size_t len)
{
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	int n = 0;

	if (buf && len)
		buf[0] = '\0';
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "ktstr-", 6)) {
			n++;
			if (buf && strlen(buf) + strlen(e->d_name) + 2 < len) {
				strcat(buf, e->d_name);
				strcat(buf, " ");
			}
		}
	closedir(d);
	return n;
}

/* Processes named "ktstr" (the runner and its forked workers). */
static int ktstr_procs(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], comm[64];

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (read_file(path, comm, sizeof(comm)))
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		n += !strcmp(comm, "ktstr");
	}
	closedir(d);
	return n;
}

/* Leftovers may take a moment to be reaped: wait up to 3 s for none. */
static int settle_procs(void)
{
	int n = ktstr_procs();

	for (int i = 0; n && i < 300; i++) {
		sleep_ns(10 * MS);
		n = ktstr_procs();
	}
	return n;
}

/* Wait until the run created its cgroup parent (it is running scenarios). */
static bool wait_running(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/ktstr-%d/cg_0", (int)pid);
	for (int i = 0; i < 3000; i++) {
		if (!stat(path, &st))
			return true;
		sleep_ns(10 * MS);
	}
	return false;
}

static void test_catalogue(void)
{
	/*
	 * Short holds under TCG (one host thread for all vCPUs) make the
	 * off-CPU spread and runnable waits noisy: a 1 s split between two
	 * workers was seen 44 points apart with nothing wrong. The emulated
	 * CI run judges fairness at 50% at least (--assert-relax: the
	 * scenarios' own 35% too; their deliberate 100% stays) and waits at 3 s (scenarios' own wait
	 * limits still win); stuck, starved and isolation checks are as is.
	 */
	char *argv[] = { "ktstr", "run", "--duration", (char *)duration,
			 "--settle", "200", "--assert-relax", "max_spread_pct=50",
			 "--assert", "max_wait_ms=3000",
			 "--json", JSON_PATH, NULL };
	json_t *root, *results, *r;
	json_error_t err;
	uint64_t t0 = now_ns();
	int st, nlist = 0, npass = 0, nskip = 0, nfail = 0;
	size_t i;
	pid_t pid;

	/* How many the catalogue has, from `ktstr list --json`. */
	{
		char *largv[] = { "ktstr", "list", "--json", NULL };

		pid = spawn_ktstr("/tmp/list.json", largv);
		st = wait_for(pid, 30000);
		root = json_load_file("/tmp/list.json", 0, &err);
		nlist = (int)json_array_size(root);
		check(st == 0 && nlist >= 85, "list: 81 ktstr scenarios plus ours",
		      "exit %d, %d scenarios", st, nlist);
		json_decref(root);
	}

	printf("# running the catalogue, %s s per scenario\n", duration);
	fflush(stdout);
	pid = spawn_ktstr("/tmp/catalogue.out", argv);
	st = wait_for(pid, 1500 * 1000);
	printf("# catalogue took %.1f s\n", (now_ns() - t0) / 1e9);
	root = json_load_file(JSON_PATH, 0, &err);
	if (!root) {
		fail("catalogue results", "no JSON (%s), exit status %d", err.text, st);
		return;
	}
	results = json_object_get(root, "results");
	json_array_foreach(results, i, r) {
		const char *name = json_string_value(json_object_get(r, "name"));
		const char *v = json_string_value(json_object_get(r, "verdict"));
		const char *why = json_string_value(json_object_get(r, "reason"));
		char tname[128];

		snprintf(tname, sizeof(tname), "catalogue: %s", name ? name : "?");
		if (v && !strcmp(v, "PASS")) {
			ok(tname);
			npass++;
		} else if (v && !strcmp(v, "SKIP") && why && *why) {
			skip(tname, why);
			nskip++;
		} else {
			fail(tname, "%s: %s", v ? v : "?", why ? why : "");
			nfail++;
		}
	}
	check((int)json_array_size(results) == nlist,
	      "catalogue: every scenario has a result", "%zu results, %d scenarios",
	      json_array_size(results), nlist);
	check(WIFEXITED(st) && WEXITSTATUS(st) == (nfail ? 1 : 0),
	      "catalogue: exit status follows the verdicts", "status %d, %d failed", st, nfail);
	printf("# catalogue: %d passed, %d skipped, %d failed\n", npass, nskip, nfail);

	/* The must-fail scenario failed for the right reason. */
	json_array_foreach(results, i, r) {
		const char *name = json_string_value(json_object_get(r, "name"));
		const char *why = json_string_value(json_object_get(r, "reason"));
		json_t *d;
		size_t k;
		bool named = false;

		if (!name || strcmp(name, "rt_hog_starves_cgroup"))
			continue;
		json_array_foreach(json_object_get(r, "details"), k, d) {
			const char *kind = json_string_value(json_object_get(d, "kind"));
			const char *comm = json_string_value(json_object_get(d, "comm"));
			const char *msg = json_string_value(json_object_get(d, "message"));
			json_int_t p = json_integer_value(json_object_get(d, "pid"));
			char tag[64];

			snprintf(tag, sizeof(tag), "%s[%lld]", comm ? comm : "", (long long)p);
			if (kind && !strcmp(kind, "starvation") && p > 0 && comm && *comm &&
			    msg && strstr(msg, tag))
				named = true;
		}
		check(!strcmp(json_string_value(json_object_get(r, "verdict")), "PASS") &&
		      why && strstr(why, "expected failure detected"),
		      "rt_hog_starves_cgroup: the expected failure is detected", "%s", why);
		check(named, "rt_hog_starves_cgroup: the starvation names the starved task",
		      "no starvation detail with comm[pid]");
	}
	json_decref(root);
}

/* Start a long run, wait until it runs a scenario, send @sig. */
static void test_signal(int sig, int want_status)
{
	char *argv[] = { "ktstr", "run", "--duration", "60", "cgroup_steady",
			 "cgroup_oversubscribed", NULL };
	char name[96], left[256];
	pid_t pid;
	int st;

	snprintf(name, sizeof(name), "%s of ktstr run", strsignal(sig));
	pid = spawn_ktstr("/tmp/signal.out", argv);
	if (!wait_running(pid)) {
		kill_wait(pid);
		fail(name, "the run never created its cgroups");
		return;
	}
	sleep_ns(500 * MS);
	kill(pid, sig);
	st = wait_for(pid, 30000);
	if (want_status >= 0)
		check(WIFEXITED(st) && WEXITSTATUS(st) == want_status, name,
		      "wait status %#x, want exit %d", st, want_status);
	else
		check(WIFSIGNALED(st) && WTERMSIG(st) == sig, name, "wait status %#x", st);

	if (sig == SIGKILL) {
		char *cargv[] = { "ktstr", "cleanup", NULL };

		/* Workers die with their runner (PDEATHSIG); cgroups need cleanup. */
		settle_procs();
		st = wait_for(spawn_ktstr("/tmp/cleanup.out", cargv), 30000);
		check(st == 0, "ktstr cleanup after SIGKILL", "status %#x", st);
	}
	snprintf(name, sizeof(name), "%s: no ktstr-* cgroup left%s", strsignal(sig),
		 sig == SIGKILL ? " after cleanup" : "");
	check(ktstr_cgroups(left, sizeof(left)) == 0, name, "left: %s", left);
	snprintf(name, sizeof(name), "%s: no worker left", strsignal(sig));
	check(settle_procs() == 0, name, "%d ktstr processes", ktstr_procs());
}

int main(int argc, char **argv)
{
	if (argc > 1)
		duration = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		skip("run_catalogue", "no cgroup v2 at /sys/fs/cgroup");
		return 0;
	}
	test_catalogue();
	test_signal(SIGINT, 130);
	test_signal(SIGTERM, 143);
	test_signal(SIGKILL, -1);
	return g_failed ? 1 : 0;
}
