// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the accelerator choice of ktstr vm (vm_accel.c): the
 * KTSTR_ACCEL override, the per-host verdict kept in $KTSTR_CACHE/accel/
 * (written atomically, keyed by QEMU binary, never read through a
 * symlink).
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

static char base[64];

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/ktstr-accel-test.XXXXXX");
	if (!mkdtemp(base))
		return -1;
	setenv("KTSTR_CACHE", base, 1);
	setenv("KTSTR_QEMU", "/bin/true", 1);
	unsetenv("KTSTR_ACCEL");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static int reset(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/accel'", base);
	setenv("KTSTR_QEMU", "/bin/true", 1);
	unsetenv("KTSTR_ACCEL");
	return system(cmd) == 0 ? 0 : -1;
}

static void test_forced(void **state)
{
	struct ktstr_vm_accel a;
	char path[128];
	struct stat st;

	(void)state;
	setenv("KTSTR_ACCEL", "tcg", 1);
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_false(a.kvm);
	assert_false(a.fallback);
	assert_null(a.path);
	/* A forced choice teaches nothing: no file. */
	assert_int_equal(ktstr_vm_accel_remember(&a, false), 0);
	ktstr_vm_accel_free(&a);

	setenv("KTSTR_ACCEL", "kvm", 1);
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_true(a.kvm);
	assert_false(a.fallback);
	ktstr_vm_accel_free(&a);

	setenv("KTSTR_ACCEL", "KVM", 1);
	assert_int_equal(ktstr_vm_accel_pick(&a), -1);
	snprintf(path, sizeof(path), "%s/accel", base);
	assert_int_equal(stat(path, &st), -1);
}

static void test_verdict_roundtrip(void **state)
{
	struct ktstr_vm_accel a;
	char line[16] = "";
	FILE *f;

	(void)state;
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_false(a.cached);
	assert_non_null(a.path);
	assert_int_equal(strncmp(a.path, base, strlen(base)), 0);
	assert_int_equal(ktstr_vm_accel_remember(&a, false), 0);
	f = fopen(a.path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "tcg\n");
	ktstr_vm_accel_free(&a);

	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_true(a.cached);
	assert_false(a.kvm);
	assert_false(a.fallback);
	/* Overwritten in place by rename: kvm now, with the fallback kept. */
	assert_int_equal(ktstr_vm_accel_remember(&a, true), 0);
	ktstr_vm_accel_free(&a);
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_true(a.cached);
	assert_true(a.kvm);
	assert_true(a.fallback);
	ktstr_vm_accel_free(&a);
	assert_int_equal(system("test $(ls \"$KTSTR_CACHE/accel\" | wc -l) = 1"), 0);
}

/* Another QEMU binary (an upgrade) is another key: probed again. */
static void test_key_follows_qemu(void **state)
{
	struct ktstr_vm_accel a;

	(void)state;
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_int_equal(ktstr_vm_accel_remember(&a, false), 0);
	ktstr_vm_accel_free(&a);
	setenv("KTSTR_QEMU", "/bin/false", 1);
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_false(a.cached);
	ktstr_vm_accel_free(&a);
	setenv("KTSTR_QEMU", "/bin/true", 1);
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_true(a.cached);
	ktstr_vm_accel_free(&a);
}

/* A verdict file that is a symlink is not read, and is replaced, not followed. */
static void test_symlink(void **state)
{
	struct ktstr_vm_accel a;
	char target[128], body[8] = "";
	FILE *f;

	(void)state;
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_int_equal(ktstr_vm_accel_remember(&a, false), 0);
	snprintf(target, sizeof(target), "%s/elsewhere", base);
	assert_int_equal(rename(a.path, target), 0);
	assert_int_equal(symlink(target, a.path), 0);
	ktstr_vm_accel_free(&a);

	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_false(a.cached);
	assert_int_equal(ktstr_vm_accel_remember(&a, true), 0);
	ktstr_vm_accel_free(&a);
	f = fopen(target, "r");
	assert_non_null(f);
	assert_non_null(fgets(body, sizeof(body), f));
	fclose(f);
	assert_string_equal(body, "tcg\n");	/* the symlink's target untouched */
	assert_int_equal(ktstr_vm_accel_pick(&a), 0);
	assert_true(a.cached);
	assert_true(a.kvm);
	ktstr_vm_accel_free(&a);
	unlink(target);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_forced, reset),
		cmocka_unit_test_setup(test_verdict_roundtrip, reset),
		cmocka_unit_test_setup(test_key_follows_qemu, reset),
		cmocka_unit_test_setup(test_symlink, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
