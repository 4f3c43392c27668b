// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of `ktstr run` on each collector, the module unloaded
 * first: by default it takes the BPF collector, says so once on stderr,
 * passes, and its JSON says kernel_source "bpf" with per-cgroup figures
 * from every worker; the catalogue's kernel scenarios are judged with the
 * BPF records (--backend bpf: none skipped, the FIFO hog's victim found
 * starved from its longest wait) and with taskstats' (--backend taskstats:
 * wait_fairness judged, the three needing a longest wait, CPUs or
 * histograms skipped naming what taskstats lacks); --backend module fails
 * in one line. With the module reloaded, the default run and the kernel
 * scenarios say kernel_source "module".
 *
 * Usage: run_fallback
 */
#include <sys/stat.h>

#include <jansson.h>

#include "guest.h"

#define FB_JSON		"/tmp/fb.json"
#define FB_ERR		"/tmp/fb.err"
#define MOD_JSON	"/tmp/fb_module.json"
#define NOTICE		"ktstr run: collector bpf (module: "
#define KJSON		"/tmp/fb_kernel.json"

/* Run "ktstr ARGS..." with stdout to /dev/null's place @out, stderr to @err;
 * its wait status, or -1. Killed after @ms. */
static int run_ktstr(char *const argv[], const char *out, const char *err, int ms)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fo >= 0)
			dup2(fo, 1);
		if (fe >= 0)
			dup2(fe, 2);
		execvp("ktstr", argv);
		_exit(127);
	}
	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		sleep_ns(10 * MS);
	}
	kill_wait(pid);
	return -1;
}

static void show(const char *path)
{
	char buf[8192];

	if (read_file(path, buf, sizeof(buf)) >= 0)
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			printf("# %s\n", l);
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/*
 * Every result of @j has kernel_source @src and, for "taskstats", every
 * cgroup a "kernel" object from all its workers with a positive total wait
 * and null max_wait_ns. Returns 0 or writes why into @why.
 */
static int check_json(const json_t *j, const char *src, int want_results,
		      char *why, size_t len)
{
	const json_t *results = json_object_get(j, "results"), *r;
	size_t i;

	if (strcmp(jstr(j, "kernel_source"), src)) {
		snprintf(why, len, "run kernel_source \"%s\"", jstr(j, "kernel_source"));
		return -1;
	}
	if ((int)json_array_size(results) != want_results) {
		snprintf(why, len, "%zu results", json_array_size(results));
		return -1;
	}
	json_array_foreach(results, i, r) {
		const json_t *cgs = json_object_get(r, "cgroups"), *c;
		size_t k;

		if (strcmp(jstr(r, "kernel_source"), src)) {
			snprintf(why, len, "%s: kernel_source \"%s\"", jstr(r, "name"),
				 jstr(r, "kernel_source"));
			return -1;
		}
		if (!json_array_size(cgs)) {
			snprintf(why, len, "%s: no cgroups", jstr(r, "name"));
			return -1;
		}
		json_array_foreach(cgs, k, c) {
			const json_t *kn = json_object_get(c, "kernel");
			json_int_t workers = json_integer_value(json_object_get(c, "workers"));

			if (!json_is_object(kn)) {
				snprintf(why, len, "%s/%s: no kernel figures",
					 jstr(r, "name"), jstr(c, "name"));
				return -1;
			}
			if (json_integer_value(json_object_get(kn, "tasks")) != workers ||
			    json_integer_value(json_object_get(kn, "total_wait_ns")) <= 0) {
				snprintf(why, len, "%s/%s: %lld tasks of %lld workers, wait %lld ns",
					 jstr(r, "name"), jstr(c, "name"),
					 (long long)json_integer_value(json_object_get(kn, "tasks")),
					 (long long)workers,
					 (long long)json_integer_value(json_object_get(kn, "total_wait_ns")));
				return -1;
			}
			if (!strcmp(src, "taskstats") &&
			    (strcmp(jstr(kn, "source"), "taskstats") ||
			     !json_is_null(json_object_get(kn, "max_wait_ns")))) {
				snprintf(why, len, "%s/%s: source \"%s\", max_wait_ns not null",
					 jstr(r, "name"), jstr(c, "name"), jstr(kn, "source"));
				return -1;
			}
			printf("# %s/%s: %lld workers, total wait %.1f ms (%s)\n",
			       jstr(r, "name"), jstr(c, "name"), (long long)workers,
			       json_integer_value(json_object_get(kn, "total_wait_ns")) / 1e6,
			       src);
		}
	}
	return 0;
}

/*
 * The --json file @path judged by check_json(): test @name ok or failed.
 * Returns the document for more checks (the caller's to json_decref()),
 * NULL when it did not load.
 */
static json_t *judge_json(const char *path, const char *name, const char *src,
			  int want_results)
{
	char why[512];
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);

	if (!j) {
		fail(name, "%s: %s", path, jerr.text);
		return NULL;
	}
	if (check_json(j, src, want_results, why, sizeof(why)))
		fail(name, "%s", why);
	else
		ok(name);
	return j;
}

/* A result of @j by name, or NULL. */
static const json_t *result(const json_t *j, const char *name)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(j, "results"), i, r)
		if (!strcmp(jstr(r, "name"), name))
			return r;
	return NULL;
}

/* Whether @r has a starvation detail naming its task as comm[pid]. */
static bool names_starved(const json_t *r)
{
	const json_t *d;
	size_t k;

	json_array_foreach(json_object_get(r, "details"), k, d) {
		char tag[64];

		snprintf(tag, sizeof(tag), "%s[%lld]", jstr(d, "comm"),
			 (long long)json_integer_value(json_object_get(d, "pid")));
		if (!strcmp(jstr(d, "kind"), "starvation") && *jstr(d, "comm") &&
		    strstr(jstr(d, "message"), tag))
			return true;
	}
	return false;
}

static const char *const kernel_scenarios[] = {
	"rt_hog_starves_cgroup", "wake_latency_fanout", "kernel_isolation_cpuset",
	"wait_fairness",
};

/*
 * The kernel scenarios on collector @be: each judged (PASS; the hog's
 * victim found starved) unless @skip_all_but_wait, when only wait_fairness
 * runs and the others SKIP naming @be.
 */
static void kernel_on(const char *be, bool skip_all_but_wait)
{
	char *const argv[] = { "ktstr", "run", "--backend", (char *)be, "--duration", "1",
			       "--json", KJSON, "--assert-relax", "max_spread_pct=50",
			       "rt_hog_starves_cgroup", "wake_latency_fanout",
			       "kernel_isolation_cpuset", "wait_fairness", NULL };
	char t[128];
	json_error_t jerr;
	json_t *j;
	int st;

	unlink(KJSON);
	st = run_ktstr(argv, "/tmp/fb_k.out", "/tmp/fb_k.err", 180000);
	show("/tmp/fb_k.out");
	show("/tmp/fb_k.err");
	snprintf(t, sizeof(t), "kernel scenarios on %s: exit 0", be);
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, t, "status 0x%x", st);
	j = json_load_file(KJSON, 0, &jerr);
	snprintf(t, sizeof(t), "kernel scenarios on %s: JSON", be);
	if (!check(j != NULL, t, "%s", jerr.text))
		return;
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(kernel_scenarios); i++) {
		const char *name = kernel_scenarios[i];
		const json_t *r = result(j, name);
		bool skip = skip_all_but_wait && strcmp(name, "wait_fairness");

		if (!r) {
			snprintf(t, sizeof(t), "%s on %s: a result", name, be);
			fail(t, "none");
			continue;
		}
		snprintf(t, sizeof(t), "%s on %s: %s", name, be, skip ? "SKIP naming it" :
			 "judged (PASS) from its records");
		if (skip) {
			check(!strcmp(jstr(r, "verdict"), "SKIP") && strstr(jstr(r, "reason"), be),
			      t, "%s: %s", jstr(r, "verdict"), jstr(r, "reason"));
			continue;
		}
		check(!strcmp(jstr(r, "verdict"), "PASS") &&
		      !strcmp(jstr(r, "kernel_source"), be), t, "%s, kernel_source %s: %s",
		      jstr(r, "verdict"), jstr(r, "kernel_source"), jstr(r, "reason"));
		if (!strcmp(name, "rt_hog_starves_cgroup")) {
			snprintf(t, sizeof(t), "rt_hog_starves_cgroup on %s: starvation names the task",
				 be);
			check(names_starved(r) && strstr(jstr(r, "reason"), "expected failure detected"),
			      t, "%s", jstr(r, "reason"));
		}
	}
	json_decref(j);
}

static void reload(void)
{
	int fd, r;

	if (!access(KTSTR_DEVICE_PATH, F_OK))
		return;
	fd = open("/lib/ktstr/ktstr.ko", O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -1 : (int)syscall(SYS_finit_module, fd, "", 0);
	check(r == 0, "fallback_module_reloaded", "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 100 && access(KTSTR_DEVICE_PATH, F_OK); i++)
		sleep_ns(10 * MS);
}

int main(void)
{
	/* Emulated 1 s runs: fairness judged at 50% (see run_catalogue.c). */
	char *const fb_argv[] = { "ktstr", "run", "--duration", "1", "--json", FB_JSON,
				  "--assert-relax", "max_spread_pct=50",
				  "cgroup_steady", "sched_mixed", NULL };
	char *const ts_argv[] = { "ktstr", "run", "--backend", "taskstats", "--duration", "1",
				  "--json", FB_JSON, "--assert-relax", "max_spread_pct=50",
				  "cgroup_steady", "sched_mixed", NULL };
	char *const need_mod_argv[] = { "ktstr", "run", "--backend", "module",
					"cgroup_steady", NULL };
	char *const mod_argv[] = { "ktstr", "run", "--duration", "1", "--json", MOD_JSON,
				   "--assert-relax", "max_spread_pct=50", "cgroup_steady", NULL };
	char err[8192];
	json_t *j;
	int st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(KTSTR_DEVICE_PATH, F_OK)) {
		skip("fallback_module_unloaded", "no /dev/ktstr to start with");
	} else {
		int r = -1, e = 0;

		/*
		 * A process that earlier tests killed may still be exiting with
		 * /dev/ktstr open (its workers inherit the fd): the module is
		 * in use (EWOULDBLOCK while a file holds it, EBUSY while it is
		 * going) until its last file is closed. Wait for that, 10 s at
		 * most.
		 */
		for (int i = 0; i < 1000; i++) {
			r = (int)syscall(SYS_delete_module, "ktstr", O_NONBLOCK);
			e = errno;
			if (!r || (e != EBUSY && e != EWOULDBLOCK))
				break;
			sleep_ns(10 * MS);
		}
		if (!check(!r, "fallback_module_unloaded", "%s", strerror(e)))
			return 1;
	}
	check(access(KTSTR_DEVICE_PATH, F_OK) && errno == ENOENT,
	      "fallback_dev_gone", "/dev/ktstr still there");

	unlink(FB_JSON);
	st = run_ktstr(fb_argv, "/tmp/fb.out", FB_ERR, 120000);
	show("/tmp/fb.out");
	show(FB_ERR);
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "fallback_run_exit_0",
	      "status 0x%x", st);
	if (read_file(FB_ERR, err, sizeof(err)) < 0)
		err[0] = '\0';
	check(count_str(err, NOTICE) == 1 && count_str(err, "/dev/ktstr") == 1,
	      "fallback_notice_once", "%d notices, %d mentions of /dev/ktstr",
	      count_str(err, NOTICE), count_str(err, "/dev/ktstr"));
	j = judge_json(FB_JSON, "fallback_json_bpf", "bpf", 2);
	if (j) {
		check(json_is_false(json_object_get(j, "kernel_module")),
		      "fallback_json_no_module", "kernel_module not false");
		json_decref(j);
	}
	kernel_on("bpf", false);
	kernel_on("taskstats", true);

	/* taskstats on the default scenarios: its figures, unknowns null. */
	unlink(FB_JSON);
	st = run_ktstr(ts_argv, "/tmp/fb.out", FB_ERR, 120000);
	show(FB_ERR);
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "taskstats_run_exit_0",
	      "status 0x%x", st);
	json_decref(judge_json(FB_JSON, "taskstats_json", "taskstats", 2));

	/* The module asked for by name, but not loaded: one line, exit 1. */
	st = run_ktstr(need_mod_argv, "/tmp/fb.out", FB_ERR, 60000);
	if (read_file(FB_ERR, err, sizeof(err)) < 0)
		err[0] = '\0';
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1 && count_str(err, "\n") == 1 &&
	      strstr(err, "--backend module"), "backend_module_missing_fails",
	      "status 0x%x: %s", st, err);

	reload();
	check(!access(KTSTR_DEVICE_PATH, F_OK), "fallback_dev_back", "%s",
	      strerror(errno));
	unlink(MOD_JSON);
	st = run_ktstr(mod_argv, "/tmp/fb_module.out", "/tmp/fb_module.err", 120000);
	show("/tmp/fb_module.out");
	show("/tmp/fb_module.err");
	check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "module_run_exit_0",
	      "status 0x%x", st);
	if (read_file("/tmp/fb_module.err", err, sizeof(err)) < 0)
		err[0] = '\0';
	check(!strstr(err, "not found"), "module_run_no_notice", "%s", err);
	json_decref(judge_json(MOD_JSON, "module_json_module", "module", 1));
	kernel_on("module", false);
	return g_failed ? 1 : 0;
}
