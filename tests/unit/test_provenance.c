// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the provenance object of JSON outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <cmocka.h>

#include <ktstr/provenance.h>

static void test_fields(void **state)
{
	json_t *p;
	struct utsname u;

	(void)state;
	setenv("KTSTR_VM_ACCEL", "tcg", 1);
	p = ktstr_provenance_json();
	assert_non_null(p);
	assert_int_equal(uname(&u), 0);
	assert_string_equal(json_string_value(json_object_get(p, "kernel")), u.release);
	assert_string_equal(json_string_value(json_object_get(p, "machine")), u.machine);
	assert_string_equal(json_string_value(json_object_get(p, "accelerator")), "tcg");
	assert_string_equal(json_string_value(json_object_get(p, "ktstr_version")),
			    ktstr_version());
	assert_non_null(strstr(json_string_value(json_object_get(p, "topology")), "CPU"));
	assert_true(json_integer_value(json_object_get(p, "cpus")) >= 1);
	assert_non_null(json_string_value(json_object_get(p, "scheduler")));
	json_decref(p);
	unsetenv("KTSTR_VM_ACCEL");
	p = ktstr_provenance_json();
	assert_string_equal(json_string_value(json_object_get(p, "accelerator")), "none");
	json_decref(p);
}

static void test_diff(void **state)
{
	json_t *a = json_pack("{s:s, s:s, s:i}", "kernel", "6.12", "accelerator", "tcg",
			      "cpus", 2);
	json_t *b = json_pack("{s:s, s:s, s:i}", "kernel", "7.2", "accelerator", "tcg",
			      "cpus", 4);
	char buf[64];

	(void)state;
	assert_int_equal(ktstr_provenance_diff(a, a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* cpus is part of topology: not a difference of its own. */
	assert_int_equal(ktstr_provenance_diff(a, b, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "kernel");
	json_object_set_new(b, "accelerator", json_string("kvm"));
	assert_int_equal(ktstr_provenance_diff(a, b, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "kernel, accelerator");
	/* A run without provenance (older ktstr) is not a difference. */
	assert_int_equal(ktstr_provenance_diff(a, NULL, buf, sizeof(buf)), 0);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
