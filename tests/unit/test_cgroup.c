// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the cgroup v2 manager against a fake cgroupfs (plain
 * directories and files in a temporary tree, populated by the manager's
 * mkdir/rmdir hooks), the no-op double, and stale-cgroup cleanup.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktstr/cgroup.h>
#include <ktstr/util.h>

static const char *const fake_files[] = {
	"cgroup.controllers", "cgroup.subtree_control", "cgroup.procs",
	"cpuset.cpus", "cpuset.mems", "cgroup.freeze", "cgroup.events",
};

struct fixture {
	char root[64];
	char parent[128];
	char log[64][160];	/* hook calls, "mkdir <rel>" / "rmdir <rel>" */
	int nr_log;
	struct ktstr_cgroup_opts opts;
	struct ktstr_cgroups *cg;
};

static void put(const char *dir, const char *file, const char *val)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(val, f);
	fclose(f);
}

static char *get(const char *dir, const char *file)
{
	static char buf[1024];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool exists(const char *dir, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return !access(path, F_OK);
}

static void log_call(struct fixture *fx, const char *op, const char *path)
{
	const char *rel = path + strlen(fx->root);

	snprintf(fx->log[fx->nr_log++ % 64], sizeof(fx->log[0]), "%s %s", op,
		 *rel == '/' ? rel + 1 : rel);
}

/* What the kernel does on mkdir: the new cgroup gets its control files. */
static int fake_mkdir(const char *path, void *arg)
{
	log_call(arg, "mkdir", path);
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(fake_files); i++)
		put(path, fake_files[i], "");
	put(path, "cgroup.controllers", "cpuset cpu\n");
	put(path, "cgroup.freeze", "0\n");
	put(path, "cgroup.events", "populated 0\nfrozen 0\n");
	return 0;
}

/* A plain directory must be empty for rmdir: drop the control files. */
static int fake_rmdir(const char *path, void *arg)
{
	char file[512];

	log_call(arg, "rmdir", path);
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(fake_files); i++) {
		snprintf(file, sizeof(file), "%s/%s", path, fake_files[i]);
		unlink(file);
	}
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	strcpy(fx->root, "/tmp/ktstr-cgtest-XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	put(fx->root, "cgroup.controllers", "cpuset cpu io memory\n");
	put(fx->root, "cgroup.subtree_control", "");
	put(fx->root, "cgroup.procs", "1\n");
	snprintf(fx->parent, sizeof(fx->parent), "%s/ktstr-%d", fx->root, (int)getpid());
	fx->opts = (struct ktstr_cgroup_opts){
		.root = fx->root,
		.after_mkdir = fake_mkdir,
		.before_rmdir = fake_rmdir,
		.hook_arg = fx,
		.freeze_timeout_ms = 100,
	};
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	ktstr_cgroup_destroy(fx->cg);
	nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct ktstr_cgroups *mgr(struct fixture *fx)
{
	fx->cg = ktstr_cgroup_mgr_new(&fx->opts);
	assert_non_null(fx->cg);
	return fx->cg;
}

static struct ktstr_cgroups *ready(struct fixture *fx)
{
	struct ktstr_cgroups *cg = mgr(fx);

	assert_int_equal(ktstr_cgroup_setup(cg), 0);
	return cg;
}

static void test_setup_enables_controllers(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);

	assert_string_equal(ktstr_cgroup_parent_path(cg), fx->parent);
	assert_string_equal(get(fx->root, "cgroup.subtree_control"), "+cpuset +cpu");
	assert_string_equal(get(fx->parent, "cgroup.subtree_control"), "+cpuset +cpu");
	/* One mkdir, through the hook, for the parent. */
	assert_int_equal(fx->nr_log, 1);
	assert_non_null(strstr(fx->log[0], "mkdir ktstr-"));
}

static void test_setup_nested_parent_and_cleanup(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg;

	fx->opts.parent = "runs/one";
	cg = ready(fx);
	assert_true(exists(fx->root, "runs/one"));
	/* The intermediate level passes controllers on too. */
	assert_string_equal(get(fx->root, "runs/cgroup.subtree_control"), "+cpuset +cpu");
	assert_int_equal(ktstr_cgroup_create(cg, "a"), 0);
	assert_int_equal(ktstr_cgroup_cleanup(cg), 0);
	assert_false(exists(fx->root, "runs"));
	assert_string_equal(fx->log[fx->nr_log - 3], "rmdir runs/one/a");
	assert_string_equal(fx->log[fx->nr_log - 2], "rmdir runs/one");
	assert_string_equal(fx->log[fx->nr_log - 1], "rmdir runs");
}

static void test_setup_missing_controller(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = mgr(fx);
	char want[256];

	put(fx->root, "cgroup.controllers", "cpu io\n");
	assert_int_equal(ktstr_cgroup_setup(cg), -ENODEV);
	snprintf(want, sizeof(want),
		 "cpuset controller not available in %s/cgroup.controllers", fx->root);
	assert_string_equal(ktstr_last_error(), want);
	assert_false(exists(fx->parent, ""));
}

static void test_setup_keeps_enabled_and_cpuset_only(void **state)
{
	struct fixture *fx = *state;

	/* Already enabled: no write (the content would become "+cpuset"). */
	put(fx->root, "cgroup.subtree_control", "cpuset cpu\n");
	fx->opts.no_cpu_controller = true;
	put(fx->root, "cgroup.controllers", "cpuset\n");
	ready(fx);
	assert_string_equal(get(fx->root, "cgroup.subtree_control"), "cpuset cpu\n");
	assert_string_equal(get(fx->parent, "cgroup.subtree_control"), "+cpuset");
}

static void test_create_nested_and_names(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);
	const char *bad[] = { "", "/a", "a/", "a//b", "a/../b", "..", "." };

	assert_int_equal(ktstr_cgroup_create(cg, "a/b"), 0);
	assert_true(exists(fx->parent, "a/b"));
	assert_string_equal(get(fx->parent, "a/cgroup.subtree_control"), "+cpuset +cpu");
	/* b is a leaf: nothing enabled below it. */
	assert_string_equal(get(fx->parent, "a/b/cgroup.subtree_control"), "");
	/* Creating an existing cgroup is fine and does not mkdir again. */
	fx->nr_log = 0;
	assert_int_equal(ktstr_cgroup_create(cg, "a"), 0);
	assert_int_equal(fx->nr_log, 0);
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(bad); i++)
		assert_int_equal(ktstr_cgroup_create(cg, bad[i]), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "invalid cgroup name"));
}

static void test_cpusets(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);
	struct ktstr_cpuset s;
	char path[512];

	assert_int_equal(ktstr_cgroup_create(cg, "a"), 0);
	ktstr_cpulist_parse("5,0-3", 0, &s);
	assert_int_equal(ktstr_cgroup_set_cpuset(cg, "a", &s), 0);
	assert_string_equal(get(fx->parent, "a/cpuset.cpus"), "0-3,5");
	assert_int_equal(ktstr_cgroup_clear_cpuset(cg, "a"), 0);
	assert_string_equal(get(fx->parent, "a/cpuset.cpus"), "\n");
	ktstr_cpulist_parse("1", 0, &s);
	assert_int_equal(ktstr_cgroup_set_mems(cg, "a", &s), 0);
	assert_string_equal(get(fx->parent, "a/cpuset.mems"), "1");
	assert_int_equal(ktstr_cgroup_clear_mems(cg, "a"), 0);
	assert_string_equal(get(fx->parent, "a/cpuset.mems"), "\n");
	/* The parent itself is "". */
	assert_int_equal(ktstr_cgroup_set_cpuset(cg, "", &s), 0);
	assert_string_equal(get(fx->parent, "cpuset.cpus"), "1");

	ktstr_cpuset_zero(&s);
	assert_int_equal(ktstr_cgroup_set_cpuset(cg, "a", &s), -EINVAL);
	/* A missing cgroup (or no cpuset controller) is named as such. */
	ktstr_cpulist_parse("0", 0, &s);
	assert_int_equal(ktstr_cgroup_set_cpuset(cg, "nope", &s), -ENOENT);
	assert_non_null(strstr(ktstr_last_error(), "cpuset controller not enabled"));

	/* The kernel's EINVAL names the value: borrow a proc file that says EINVAL. */
	snprintf(path, sizeof(path), "%s/a/cpuset.cpus", fx->parent);
	unlink(path);
	assert_int_equal(symlink("/proc/self/oom_score_adj", path), 0);
	ktstr_cpulist_parse("0-3", 0, &s);
	assert_int_equal(ktstr_cgroup_set_cpuset(cg, "a", &s), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "invalid cpuset '0-3'"));
	unlink(path);
}

static void test_move_task_and_all(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);

	assert_int_equal(ktstr_cgroup_create(cg, "a"), 0);
	assert_int_equal(ktstr_cgroup_create(cg, "b"), 0);
	assert_int_equal(ktstr_cgroup_move_task(cg, "a", 100), 0);
	assert_int_equal(ktstr_cgroup_move_task(cg, "a", 101), 0);
	assert_string_equal(get(fx->parent, "a/cgroup.procs"), "100101");
	assert_int_equal(ktstr_cgroup_move_task(cg, "a", 0), -EINVAL);

	put(fx->parent, "a/cgroup.procs", "100\n101\n");
	assert_int_equal(ktstr_cgroup_move_all(cg, "a", "b"), 2);
	assert_string_equal(get(fx->parent, "b/cgroup.procs"), "100101");
	assert_int_equal(ktstr_cgroup_move_all(cg, "missing", "b"), -ENOENT);
}

static void test_remove_drains_first(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);

	assert_int_equal(ktstr_cgroup_create(cg, "a"), 0);
	put(fx->parent, "a/cgroup.procs", "4242\n");
	/* A plain file never empties: drain gives up, nothing is rmdir'd. */
	assert_int_equal(ktstr_cgroup_remove(cg, "a"), -EBUSY);
	assert_non_null(strstr(ktstr_last_error(), "tasks remain"));
	assert_true(exists(fx->parent, "a"));
	/* Drained to the root cgroup (the parent may not hold tasks). */
	assert_non_null(strstr(get(fx->root, "cgroup.procs"), "4242"));
	assert_string_equal(get(fx->parent, "cgroup.procs"), "");

	put(fx->parent, "a/cgroup.procs", "");
	assert_int_equal(ktstr_cgroup_remove(cg, "a"), 0);
	assert_false(exists(fx->parent, "a"));
}

static void test_remove_children_newest_first(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);

	assert_int_equal(ktstr_cgroup_create(cg, "a/b"), 0);
	assert_int_equal(ktstr_cgroup_create(cg, "a/c"), 0);
	assert_int_equal(ktstr_cgroup_create(cg, "ab"), 0);
	fx->nr_log = 0;
	assert_int_equal(ktstr_cgroup_remove(cg, "a"), 0);
	assert_int_equal(fx->nr_log, 3);
	assert_non_null(strstr(fx->log[0], "/a/c"));
	assert_non_null(strstr(fx->log[1], "/a/b"));
	assert_non_null(strstr(fx->log[2], "/a"));
	/* "ab" only shares a prefix with "a": untouched. */
	assert_true(exists(fx->parent, "ab"));
	assert_false(exists(fx->parent, "a"));
}

static void test_cleanup_reverse_order(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);
	char want[128];

	assert_int_equal(ktstr_cgroup_create(cg, "x"), 0);
	assert_int_equal(ktstr_cgroup_create(cg, "y/z"), 0);
	fx->nr_log = 0;
	assert_int_equal(ktstr_cgroup_cleanup(cg), 0);
	assert_int_equal(fx->nr_log, 4);
	snprintf(want, sizeof(want), "rmdir ktstr-%d/y/z", (int)getpid());
	assert_string_equal(fx->log[0], want);
	snprintf(want, sizeof(want), "rmdir ktstr-%d/y", (int)getpid());
	assert_string_equal(fx->log[1], want);
	snprintf(want, sizeof(want), "rmdir ktstr-%d/x", (int)getpid());
	assert_string_equal(fx->log[2], want);
	snprintf(want, sizeof(want), "rmdir ktstr-%d", (int)getpid());
	assert_string_equal(fx->log[3], want);
	assert_false(exists(fx->parent, ""));
	/* Idempotent. */
	assert_int_equal(ktstr_cgroup_cleanup(cg), 0);
}

static void test_cleanup_keeps_preexisting_parent(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg;

	assert_int_equal(mkdir(fx->parent, 0755), 0);
	fake_mkdir(fx->parent, fx);
	cg = ready(fx);
	assert_int_equal(ktstr_cgroup_cleanup(cg), 0);
	/* We did not create it, so we do not remove it. */
	assert_true(exists(fx->parent, ""));
	fake_rmdir(fx->parent, fx);
	rmdir(fx->parent);
}

static void test_freeze(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);

	assert_int_equal(ktstr_cgroup_create(cg, "a"), 0);
	put(fx->parent, "a/cgroup.events", "populated 1\nfrozen 1\n");
	assert_int_equal(ktstr_cgroup_freeze(cg, "a"), 0);
	assert_string_equal(get(fx->parent, "a/cgroup.freeze"), "1");
	/* events still says frozen 1: unfreeze must wait and time out. */
	assert_int_equal(ktstr_cgroup_unfreeze(cg, "a"), -ETIMEDOUT);
	assert_non_null(strstr(ktstr_last_error(), "frozen 0"));
	assert_string_equal(get(fx->parent, "a/cgroup.freeze"), "0");
}

static void test_write_timeout(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg;
	char path[512], buf[8] = "";
	int fd;

	fx->opts.write_timeout_ms = 100;
	cg = ready(fx);
	assert_int_equal(ktstr_cgroup_create(cg, "a"), 0);
	/* A FIFO without a reader blocks open(): the write must not hang us. */
	snprintf(path, sizeof(path), "%s/a/cgroup.freeze", fx->parent);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ktstr_cgroup_freeze(cg, "a"), -ETIMEDOUT);
	/* Release the abandoned writer; it still delivers and frees itself. */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 1);
	assert_string_equal(buf, "1");
	close(fd);
	unlink(path);
}

static void test_noop_records(void **state)
{
	struct ktstr_cgroups *cg = ktstr_cgroup_noop_new();
	struct ktstr_cpuset s;
	const char *want[] = {
		"setup", "create a/b", "set_cpuset a/b 0-3,8", "clear_cpuset a/b",
		"set_mems a/b 1", "move_task a/b 42", "move_all a/b c", "freeze c",
		"unfreeze c", "drain c", "remove a/b", "clear_mems c", "cleanup",
	};

	(void)state;
	assert_non_null(cg);
	ktstr_cgroup_setup(cg);
	ktstr_cgroup_create(cg, "a/b");
	ktstr_cpulist_parse("0-3,8", 0, &s);
	ktstr_cgroup_set_cpuset(cg, "a/b", &s);
	ktstr_cgroup_clear_cpuset(cg, "a/b");
	ktstr_cpulist_parse("1", 0, &s);
	ktstr_cgroup_set_mems(cg, "a/b", &s);
	assert_int_equal(ktstr_cgroup_move_task(cg, "a/b", 42), 0);
	assert_int_equal(ktstr_cgroup_move_all(cg, "a/b", "c"), 0);
	ktstr_cgroup_freeze(cg, "c");
	ktstr_cgroup_unfreeze(cg, "c");
	ktstr_cgroup_drain(cg, "c");
	ktstr_cgroup_remove(cg, "a/b");
	ktstr_cgroup_clear_mems(cg, "c");
	ktstr_cgroup_cleanup(cg);
	assert_int_equal(ktstr_cgroup_noop_nr_calls(cg), 13);
	for (int i = 0; i < 13; i++)
		assert_string_equal(ktstr_cgroup_noop_call(cg, i), want[i]);
	assert_null(ktstr_cgroup_noop_call(cg, 13));
	assert_null(ktstr_cgroup_noop_call(cg, -1));
	ktstr_cgroup_destroy(cg);

	/* The recorder accessors refuse the real manager. */
	cg = ktstr_cgroup_mgr_new(NULL);
	assert_int_equal(ktstr_cgroup_noop_nr_calls(cg), -EINVAL);
	assert_null(ktstr_cgroup_noop_call(cg, 0));
	ktstr_cgroup_destroy(cg);
}

/*
 * The double refuses exactly what the manager refuses before cgroupfs is
 * touched (one validator): names for create (which must not be ""), for
 * set_cpuset ("" is the parent), sets, pids.
 */
static void test_noop_accepts_what_mgr_accepts(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *real = ready(fx), *dbl = ktstr_cgroup_noop_new();
	static char long_name[PATH_MAX / 2 + 8];
	const char *names[] = {
		"a", "a/b", "x.y", "..a", "a..", "a/.b", "-", "", "/a", "a/",
		"a//b", "a/../b", "..", ".", "./a", "a/.", long_name, NULL,
	};
	struct ktstr_cpuset one, none;
	int accepted = 0;

	memset(long_name, 'n', sizeof(long_name) - 1);
	ktstr_cpulist_parse("0", 0, &one);
	ktstr_cpuset_zero(&none);
	assert_non_null(dbl);
	assert_int_equal(ktstr_cgroup_create(real, "a"), 0);
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(names); i++) {
		const char *n = names[i];
		int r = ktstr_cgroup_create(real, n), d = ktstr_cgroup_create(dbl, n);

		if ((r == -EINVAL) != (d == -EINVAL))
			fail_msg("create '%.20s': manager %d, double %d", n ? n : "(null)", r, d);
		accepted += !d;
		r = ktstr_cgroup_set_cpuset(real, n, &one);
		d = ktstr_cgroup_set_cpuset(dbl, n, &one);
		if ((r == -EINVAL) != (d == -EINVAL))
			fail_msg("set_cpuset '%.20s': manager %d, double %d", n ? n : "(null)", r, d);
		accepted += !d;
		r = ktstr_cgroup_remove(real, n);
		d = ktstr_cgroup_remove(dbl, n);
		if ((r == -EINVAL) != (d == -EINVAL))
			fail_msg("remove '%.20s': manager %d, double %d", n ? n : "(null)", r, d);
		accepted += !d;
	}
	assert_int_equal(ktstr_cgroup_create(real, "a"), 0);
	assert_int_equal(ktstr_cgroup_set_cpuset(real, "a", &none), -EINVAL);
	assert_int_equal(ktstr_cgroup_set_cpuset(dbl, "a", &none), -EINVAL);
	assert_int_equal(ktstr_cgroup_set_cpuset(real, "a", NULL), -EINVAL);
	assert_int_equal(ktstr_cgroup_set_cpuset(dbl, "a", NULL), -EINVAL);
	assert_int_equal(ktstr_cgroup_set_mems(real, "a", &none), -EINVAL);
	assert_int_equal(ktstr_cgroup_set_mems(dbl, "a", &none), -EINVAL);
	assert_int_equal(ktstr_cgroup_move_task(real, "a", 0), -EINVAL);
	assert_int_equal(ktstr_cgroup_move_task(dbl, "a", 0), -EINVAL);
	assert_int_equal(ktstr_cgroup_move_task(real, "a", -1), -EINVAL);
	assert_int_equal(ktstr_cgroup_move_task(dbl, "a", -1), -EINVAL);
	assert_int_equal(ktstr_cgroup_move_all(real, "a", "../x"), -EINVAL);
	assert_int_equal(ktstr_cgroup_move_all(dbl, "a", "../x"), -EINVAL);
	/* A refused call is not recorded. */
	assert_int_equal(ktstr_cgroup_noop_nr_calls(dbl), accepted);
	ktstr_cgroup_destroy(dbl);
}

/* ktstr_last_error() tells about the last call: "" after a success. */
static void test_last_error_cleared_on_success(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cgs[2] = { ready(fx), ktstr_cgroup_noop_new() };
	struct ktstr_cpuset s;

	ktstr_cpulist_parse("0", 0, &s);
	for (int i = 0; i < 2; i++) {
		struct ktstr_cgroups *cg = cgs[i];

		assert_int_equal(ktstr_cgroup_create(cg, "../x"), -EINVAL);
		assert_string_not_equal(ktstr_last_error(), "");
		assert_int_equal(ktstr_cgroup_create(cg, "a"), 0);
		assert_string_equal(ktstr_last_error(), "");
		assert_int_equal(ktstr_cgroup_move_task(cg, "a", 0), -EINVAL);
		assert_int_equal(ktstr_cgroup_set_cpuset(cg, "a", &s), 0);
		assert_string_equal(ktstr_last_error(), "");
		assert_int_equal(ktstr_cgroup_set_cpuset(cg, "a", NULL), -EINVAL);
		assert_int_equal(ktstr_cgroup_remove(cg, "a"), 0);
		assert_string_equal(ktstr_last_error(), "");
	}
	ktstr_cgroup_destroy(cgs[1]);
}

/* As cgroup.h documents: creating an existing cgroup and removing a
 * missing one succeed; an existing one is not adopted by cleanup. */
static void test_existing_and_missing(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroups *cg = ready(fx);
	char path[512];
	struct ktstr_cpuset s;

	snprintf(path, sizeof(path), "%s/mine", fx->parent);
	assert_int_equal(mkdir(path, 0755), 0);
	fake_mkdir(path, fx);
	assert_int_equal(ktstr_cgroup_create(cg, "mine"), 0);
	assert_int_equal(ktstr_cgroup_remove(cg, "ghost"), 0);
	assert_int_equal(ktstr_cgroup_remove(cg, "ghost/child"), 0);
	assert_int_equal(ktstr_cgroup_drain(cg, "ghost"), 0);
	ktstr_cpulist_parse("0", 0, &s);
	assert_int_equal(ktstr_cgroup_set_cpuset(cg, "ghost", &s), -ENOENT);
	/* An existing cgroup is removed when asked by name, and once gone,
	 * removing it again succeeds. */
	assert_int_equal(ktstr_cgroup_remove(cg, "mine"), 0);
	assert_false(exists(fx->parent, "mine"));
	assert_int_equal(ktstr_cgroup_remove(cg, "mine"), 0);
	assert_int_equal(ktstr_cgroup_cleanup(cg), 0);
}

struct report_log {
	int removed, kept;
	char last_removed[256];
};

static void on_report(const char *path, const char *what, void *arg)
{
	struct report_log *r = arg;

	if (!strcmp(what, "removed")) {
		r->removed++;
		snprintf(r->last_removed, sizeof(r->last_removed), "%s", path);
	} else if (!strncmp(what, "kept", 4)) {
		r->kept++;
	}
}

static void test_cleanup_stale(void **state)
{
	struct fixture *fx = *state;
	struct report_log log = { 0 };
	char dead[256], live[256], path[512];
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);	/* now a dead pid */
	snprintf(dead, sizeof(dead), "%s/ktstr-%d", fx->root, (int)pid);
	snprintf(live, sizeof(live), "%s/ktstr-%d", fx->root, (int)getpid());
	mkdir(dead, 0755);
	fake_mkdir(dead, fx);
	snprintf(path, sizeof(path), "%s/a", dead);
	mkdir(path, 0755);
	fake_mkdir(path, fx);
	strcat(path, "/b");
	mkdir(path, 0755);
	fake_mkdir(path, fx);
	mkdir(live, 0755);
	snprintf(path, sizeof(path), "%s/ktstr-12x", fx->root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/other-1", fx->root);
	mkdir(path, 0755);

	fx->nr_log = 0;
	assert_int_equal(ktstr_cgroup_cleanup_stale(&fx->opts, on_report, &log), 3);
	assert_int_equal(log.removed, 3);
	assert_int_equal(log.kept, 1);
	/* Depth-first: the run's parent goes last. */
	assert_string_equal(log.last_removed, dead);
	assert_non_null(strstr(fx->log[0], "/a/b"));
	assert_false(exists(dead, ""));
	assert_true(exists(live, ""));
	assert_true(exists(fx->root, "ktstr-12x"));
	assert_true(exists(fx->root, "other-1"));
}

static void test_cleanup_stale_needs_cgroup2(void **state)
{
	struct fixture *fx = *state;
	struct ktstr_cgroup_opts opts = { .root = fx->root };

	assert_int_equal(ktstr_cgroup_cleanup_stale(&opts, NULL, NULL), -EMEDIUMTYPE);
	assert_non_null(strstr(ktstr_last_error(), "not a cgroup2 mount"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_setup_enables_controllers),
		T(test_setup_nested_parent_and_cleanup),
		T(test_setup_missing_controller),
		T(test_setup_keeps_enabled_and_cpuset_only),
		T(test_create_nested_and_names),
		T(test_cpusets),
		T(test_move_task_and_all),
		T(test_remove_drains_first),
		T(test_remove_children_newest_first),
		T(test_cleanup_reverse_order),
		T(test_cleanup_keeps_preexisting_parent),
		T(test_freeze),
		T(test_write_timeout),
		T(test_noop_records),
		T(test_noop_accepts_what_mgr_accepts),
		T(test_last_error_cleared_on_success),
		T(test_existing_and_missing),
		T(test_cleanup_stale),
		T(test_cleanup_stale_needs_cgroup2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
