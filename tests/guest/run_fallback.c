// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of `ktstr run` without /dev/ktstr: with the module unloaded
 * it says so once on stderr, runs with the userspace checks plus taskstats
 * wait times, passes, and its JSON says kernel_source "taskstats" with
 * per-cgroup wait figures from every worker; with the module reloaded the
 * same run says kernel_source "module".
 *
 * Usage: run_fallback
 */
#include <sys/stat.h>

#include <jansson.h>

#include "guest.h"

#define FB_JSON		"/tmp/fb.json"
#define FB_ERR		"/tmp/fb.err"
#define MOD_JSON	"/tmp/fb_module.json"
#define NOTICE		"ktstr run: /dev/ktstr not found (ktstr.ko not loaded): " \
			"userspace checks plus taskstats wait times"

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
	char *const mod_argv[] = { "ktstr", "run", "--duration", "1", "--json", MOD_JSON,
				   "--assert-relax", "max_spread_pct=50", "cgroup_steady", NULL };
	char err[8192], why[512];
	json_error_t jerr;
	json_t *j;
	int st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(KTSTR_DEVICE_PATH, F_OK)) {
		skip("fallback_module_unloaded", "no /dev/ktstr to start with");
	} else {
		int r = -1, e = 0;

		/*
		 * A process that earlier tests killed may still be exiting with
		 * /dev/ktstr open (its workers inherit the fd): EBUSY until its
		 * last file is closed. Wait for that, a few seconds at most.
		 */
		for (int i = 0; i < 500; i++) {
			r = (int)syscall(SYS_delete_module, "ktstr", O_NONBLOCK);
			e = errno;
			if (!r || e != EBUSY)
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
	check(count_str(err, NOTICE "\n") == 1 && count_str(err, "/dev/ktstr") == 1,
	      "fallback_notice_once", "%d notices, %d mentions of /dev/ktstr",
	      count_str(err, NOTICE "\n"), count_str(err, "/dev/ktstr"));
	j = json_load_file(FB_JSON, 0, &jerr);
	if (!j) {
		fail("fallback_json_taskstats", "%s: %s", FB_JSON, jerr.text);
	} else {
		if (check_json(j, "taskstats", 2, why, sizeof(why)))
			fail("fallback_json_taskstats", "%s", why);
		else
			ok("fallback_json_taskstats");
		check(json_is_false(json_object_get(j, "kernel_module")),
		      "fallback_json_no_module", "kernel_module not false");
		json_decref(j);
	}

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
	j = json_load_file(MOD_JSON, 0, &jerr);
	if (!j) {
		fail("module_json_module", "%s: %s", MOD_JSON, jerr.text);
	} else {
		if (check_json(j, "module", 1, why, sizeof(why)))
			fail("module_json_module", "%s", why);
		else
			ok("module_json_module");
		json_decref(j);
	}
	return g_failed ? 1 : 0;
}
