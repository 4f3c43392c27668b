// SPDX-License-Identifier: GPL-2.0
/* Unit tests for cpu sets and strict cpu-list parsing/formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/cpulist.h>

static void roundtrip(const char *in, const char *canonical, int count)
{
	struct ktstr_cpuset s;
	char *out;

	assert_int_equal(ktstr_cpulist_parse(in, KTSTR_MAX_CPUS, &s), 0);
	assert_int_equal(ktstr_cpuset_count(&s), count);
	out = ktstr_cpulist_str(&s);
	assert_non_null(out);
	assert_string_equal(out, canonical);
	free(out);
}

static void test_parse_format_roundtrip(void **state)
{
	(void)state;
	roundtrip("0-3,5,7-9", "0-3,5,7-9", 8);
	roundtrip("0", "0", 1);
	roundtrip("5,3,4", "3-5", 3);		/* sorted and merged */
	roundtrip("0-1,2-3", "0-3", 4);
	roundtrip("1,3,5", "1,3,5", 3);
	roundtrip("7-7", "7", 1);
	roundtrip("63-64", "63-64", 2);		/* across a word boundary */
	roundtrip("1023", "1023", 1);
	roundtrip("0-1023", "0-1023", 1024);
}

static void reject(const char *in, int limit, int err, const char *needle)
{
	struct ktstr_cpuset s;

	ktstr_cpuset_zero(&s);
	assert_int_equal(ktstr_cpulist_parse(in, limit, &s), err);
	assert_true(ktstr_cpuset_empty(&s));
	if (!strstr(ktstr_last_error(), needle))
		fail_msg("error '%s' does not mention '%s'", ktstr_last_error(),
			 needle);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	reject("", 0, -EINVAL, "empty");
	reject("3-1", 0, -EINVAL, "'3-1'");
	reject("1,,2", 0, -EINVAL, "empty item");
	reject("a", 0, -EINVAL, "'a'");
	reject("1-", 0, -EINVAL, "'1-'");
	reject("1,2x", 0, -EINVAL, "'2x'");
	reject("0-3 ", 0, -EINVAL, "'0-3 '");
	reject(" 1", 0, -EINVAL, "' 1'");
	reject("1,", 0, -EINVAL, "trailing");
	reject(",1", 0, -EINVAL, "empty item");
	reject("-1", 0, -EINVAL, "'-1'");
	reject("+1", 0, -EINVAL, "'+1'");
	reject("0x1", 0, -EINVAL, "'0x1'");
	reject("1-2-3", 0, -EINVAL, "'1-2-3'");
	reject("1024", 0, -ERANGE, "1024");
	reject("0-3,8", 8, -ERANGE, "'8'");
	reject("99999999999999999999", 0, -ERANGE, "99999999999999999999");
	reject("2-4294967297", 0, -ERANGE, "'2-4294967297'");
}

/* The message is the last call's: "" after a success. */
static void test_error_cleared(void **state)
{
	struct ktstr_cpuset s;

	(void)state;
	assert_int_equal(ktstr_cpulist_parse("x", 0, &s), -EINVAL);
	assert_string_not_equal(ktstr_last_error(), "");
	assert_int_equal(ktstr_cpulist_parse("0-1", 0, &s), 0);
	assert_string_equal(ktstr_last_error(), "");
}

static void test_parse_limit(void **state)
{
	struct ktstr_cpuset s;

	(void)state;
	assert_int_equal(ktstr_cpulist_parse("0-7", 8, &s), 0);
	assert_int_equal(ktstr_cpuset_count(&s), 8);
	/* A limit above the bitmap size is clamped, not trusted. */
	assert_int_equal(ktstr_cpulist_parse("1024", 100000, &s), -ERANGE);
}

static void test_format_empty_and_truncation(void **state)
{
	struct ktstr_cpuset s;
	char buf[4];

	(void)state;
	ktstr_cpuset_zero(&s);
	assert_int_equal(ktstr_cpulist_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	ktstr_cpulist_parse("0-3,100", 0, &s);
	/* snprintf-like: full length returned, output cut and terminated. */
	assert_int_equal(ktstr_cpulist_format(&s, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "0-3");
}

static struct ktstr_cpuset set_of(const char *list)
{
	struct ktstr_cpuset s;

	assert_int_equal(ktstr_cpulist_parse(list, 0, &s), 0);
	return s;
}

static void assert_set(const struct ktstr_cpuset *s, const char *list)
{
	char buf[256];

	ktstr_cpulist_format(s, buf, sizeof(buf));
	assert_string_equal(buf, list);
}

static void test_set_ops(void **state)
{
	struct ktstr_cpuset a = set_of("0-7,64"), b = set_of("4-11"), r;
	int cpu, seen = 0;

	(void)state;
	ktstr_cpuset_and(&r, &a, &b);
	assert_set(&r, "4-7");
	ktstr_cpuset_or(&r, &a, &b);
	assert_set(&r, "0-11,64");
	ktstr_cpuset_andnot(&r, &a, &b);
	assert_set(&r, "0-3,64");
	/* dst aliasing an operand */
	r = a;
	ktstr_cpuset_and(&r, &r, &b);
	assert_set(&r, "4-7");

	assert_true(ktstr_cpuset_subset(&r, &a));
	assert_true(ktstr_cpuset_subset(&r, &b));
	assert_false(ktstr_cpuset_subset(&a, &b));
	assert_true(ktstr_cpuset_intersects(&a, &b));
	assert_false(ktstr_cpuset_equal(&a, &b));
	r = set_of("64,0-7");
	assert_true(ktstr_cpuset_equal(&a, &r));

	assert_int_equal(ktstr_cpuset_count(&a), 9);
	assert_int_equal(ktstr_cpuset_first(&a), 0);
	assert_int_equal(ktstr_cpuset_last(&a), 64);
	assert_int_equal(ktstr_cpuset_next(&a, 7), 64);
	assert_int_equal(ktstr_cpuset_next(&a, 64), -1);
	ktstr_cpuset_for_each(cpu, &a)
		seen++;
	assert_int_equal(seen, 9);

	ktstr_cpuset_zero(&r);
	assert_true(ktstr_cpuset_empty(&r));
	assert_int_equal(ktstr_cpuset_first(&r), -1);
	assert_int_equal(ktstr_cpuset_last(&r), -1);
	assert_int_equal(ktstr_cpuset_set(&r, KTSTR_MAX_CPUS), -ERANGE);
	assert_int_equal(ktstr_cpuset_set(&r, -1), -ERANGE);
	assert_int_equal(ktstr_cpuset_set_range(&r, 5, 4), -ERANGE);
	assert_int_equal(ktstr_cpuset_set(&r, 1023), 0);
	assert_true(ktstr_cpuset_test(&r, 1023));
	assert_int_equal(ktstr_cpuset_clear(&r, 1023), 0);
	assert_true(ktstr_cpuset_empty(&r));
}

static void test_cpu_set_t_conversion(void **state)
{
	struct ktstr_cpuset a = set_of("1,3,200-201"), b;
	cpu_set_t cs;

	(void)state;
	ktstr_cpuset_to_cpu_set(&a, &cs);
	assert_int_equal(CPU_COUNT(&cs), 4);
	assert_true(CPU_ISSET(200, &cs));
	ktstr_cpuset_from_cpu_set(&b, &cs);
	assert_true(ktstr_cpuset_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format_roundtrip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_error_cleared),
		cmocka_unit_test(test_parse_limit),
		cmocka_unit_test(test_format_empty_and_truncation),
		cmocka_unit_test(test_set_ops),
		cmocka_unit_test(test_cpu_set_t_conversion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
