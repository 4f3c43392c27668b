// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the initramfs's --include files: a file is copied, a
 * symlink planted at the name is refused (its target never lands in the
 * guest), and a FIFO is refused without blocking.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktstr/vm.h>

static char dir[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Does the file at path contain needle (a binary-safe search)? */
static bool contains(const char *path, const char *needle)
{
	size_t n = strlen(needle), len = 0;
	char *buf = NULL;
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	buf = malloc(64 << 20);
	assert_non_null(buf);
	len = fread(buf, 1, 64 << 20, f);
	fclose(f);
	for (size_t i = 0; i + n <= len && !found; i++)
		found = !memcmp(buf + i, needle, n);
	free(buf);
	return found;
}

/* Build an initramfs including @inc; its return value. */
static int build(const char *inc, const char *out)
{
	const char *includes[] = { inc };
	char *argv[] = { "true", NULL };
	struct ktstr_vm_opts o = {
		.includes = includes,
		.nr_includes = 1,
		.argv = argv,
	};

	unlink(out);
	return ktstr_vm_initramfs_build(out, &o, NULL);
}

static void test_include(void **state)
{
	char file[128], link[128], fifo[128], victim[128], out[128];
	char secret[32], included[32];

	(void)state;
	/* Made at run time: the binary itself lands in the initramfs too. */
	snprintf(secret, sizeof(secret), "S%08xS%08x", (unsigned int)getpid(), 0x5ec7e7u);
	snprintf(included, sizeof(included), "I%08xI%08x", (unsigned int)getpid(), 0x1c1ade0u);
	if (access("/bin/busybox", X_OK) && access("/usr/bin/busybox", X_OK))
		skip();
	snprintf(file, sizeof(file), "%s/results.txt", dir);
	snprintf(link, sizeof(link), "%s/link.txt", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(out, sizeof(out), "%s/initramfs.cpio", dir);
	write_file(file, included);
	write_file(victim, secret);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	assert_int_equal(build(file, out), 0);
	assert_true(contains(out, included));
	assert_true(contains(out, "work/results.txt"));

	/* A symlink at the name: refused, its target not copied. */
	assert_int_not_equal(build(link, out), 0);
	assert_false(contains(out, secret));

	/* A FIFO: refused at once (no writer would ever come). */
	alarm(10);
	assert_int_not_equal(build(fifo, out), 0);
	alarm(0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ktstr-unit.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_include),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
