// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the ktstr vm temp dirs: owner file, stale cleanup. */
#include <errno.h>
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

#include <ktstr/vm.h>

static char base[64];

/* A temp dir @name under base, with an owner file saying @pid (0: none). */
static void make_dir(const char *name, pid_t pid)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s/initramfs.cpio", base, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("data", f);
	fclose(f);
	if (!pid)
		return;
	snprintf(path, sizeof(path), "%s/%s/" KTSTR_VM_OWNER, base, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
}

static bool exists(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	return !stat(path, &st);
}

/* A pid that was ours and is gone (forked, exited, reaped). */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void count_cb(const char *path, const char *what, void *arg)
{
	(void)path;
	assert_non_null(strstr(what, "removed (owner"));
	(*(int *)arg)++;
}

static void test_own(void **state)
{
	char dir[128], path[192], buf[32] = "";
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/" KTSTR_VM_TMP_PREFIX "own", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(ktstr_vm_tmpdir_own(dir), 0);
	snprintf(path, sizeof(path), "%s/" KTSTR_VM_OWNER, dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(atoi(buf), (int)getpid());
	/* Written once: a second owner is refused. */
	assert_int_equal(ktstr_vm_tmpdir_own(dir), -EEXIST);
	assert_int_equal(ktstr_vm_tmpdir_remove(dir), 0);
	assert_int_equal(ktstr_vm_tmpdir_remove(dir), -ENOENT);
}

static void test_cleanup_stale(void **state)
{
	int calls = 0;

	(void)state;
	make_dir(KTSTR_VM_TMP_PREFIX "dead", dead_pid());
	make_dir(KTSTR_VM_TMP_PREFIX "live", getpid());
	make_dir(KTSTR_VM_TMP_PREFIX "noowner", 0);
	make_dir("other.dead", dead_pid());
	assert_int_equal(ktstr_vm_cleanup_stale(base, count_cb, &calls), 1);
	assert_int_equal(calls, 1);
	assert_false(exists(KTSTR_VM_TMP_PREFIX "dead"));
	assert_true(exists(KTSTR_VM_TMP_PREFIX "live"));
	assert_true(exists(KTSTR_VM_TMP_PREFIX "noowner"));
	assert_true(exists("other.dead"));
	/* Nothing left to do the second time. */
	assert_int_equal(ktstr_vm_cleanup_stale(base, NULL, NULL), 0);
	assert_int_equal(ktstr_vm_cleanup_stale("/nonexistent/dir", NULL, NULL), -ENOENT);
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/ktstr-unit.XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own),
		cmocka_unit_test(test_cleanup_stale),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
