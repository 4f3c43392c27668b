// SPDX-License-Identifier: GPL-2.0
/* Unit tests for scheduler flags: parsing, requires, profiles, gating. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/flags.h>
#include <ktstr/scenario.h>

static void test_parse(void **state)
{
	uint32_t m = 99;
	char why[256] = "";

	(void)state;
	assert_int_equal(ktstr_flags_parse("llc,borrow", &m, why, sizeof(why)), 0);
	assert_int_equal(m, KTSTR_F(LLC) | KTSTR_F(BORROW));
	assert_int_equal(ktstr_flags_parse("llc+steal", &m, why, sizeof(why)), 0);
	assert_int_equal(m, KTSTR_F(LLC) | KTSTR_F(STEAL));
	assert_int_equal(ktstr_flags_parse("default", &m, why, sizeof(why)), 0);
	assert_int_equal(m, 0);
	assert_int_equal(ktstr_flags_parse("", &m, why, sizeof(why)), 0);
	assert_int_equal(m, 0);
	assert_int_equal(ktstr_flags_parse("reject-pin,no-ctrl,rebal", &m, why, sizeof(why)), 0);
	assert_int_equal(m, KTSTR_F(REJECT_PIN) | KTSTR_F(NO_CTRL) | KTSTR_F(REBAL));

	m = 7;
	assert_int_equal(ktstr_flags_parse("llc,bogus", &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown scheduler flag 'bogus'"));
	assert_non_null(strstr(why, "no-ctrl"));
	assert_null(strchr(why, '\n'));
	assert_int_equal(m, 7);
	assert_int_equal(ktstr_flags_parse("steal", &m, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "flag steal requires llc");
	assert_int_equal(ktstr_flags_parse("llc,llc", &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "twice"));
	assert_int_equal(ktstr_flags_parse("llc,", &m, why, sizeof(why)), -EINVAL);
	assert_int_equal(ktstr_flags_parse(",llc", &m, why, sizeof(why)), -EINVAL);
}

static void test_str_and_args(void **state)
{
	char buf[KTSTR_FLAGS_STR_MAX];
	const char *args[16];

	(void)state;
	assert_string_equal(ktstr_flags_str(0, buf, sizeof(buf)), "default");
	assert_string_equal(ktstr_flags_str(KTSTR_F(BORROW) | KTSTR_F(LLC), buf, sizeof(buf)),
			    "llc+borrow");
	assert_string_equal(ktstr_flags_str(KTSTR_FLAGS_ALL, buf, sizeof(buf)),
			    "llc+borrow+steal+rebal+reject-pin+no-ctrl");
	assert_int_equal(ktstr_flags_args(KTSTR_F(LLC) | KTSTR_F(STEAL), args, 16), 2);
	assert_string_equal(args[0], "--llc");
	assert_string_equal(args[1], "--steal");
	assert_int_equal(ktstr_flags_args(0, args, 16), 0);
	assert_int_equal(ktstr_flags_args(KTSTR_F(LLC) | KTSTR_F(STEAL), args, 1), -ENOSPC);
	assert_int_equal(ktstr_flag_find("reject-pin"), KTSTR_FLAG_REJECT_PIN);
	assert_int_equal(ktstr_flag_find("nope"), -ENOENT);
}

static void test_profiles(void **state)
{
	uint32_t p[KTSTR_MAX_PROFILES];
	char buf[KTSTR_FLAGS_STR_MAX];
	int n;

	(void)state;
	n = ktstr_flag_profiles(p);
	/* 2^6 combinations, minus the 16 with steal and without llc. */
	assert_int_equal(n, 48);
	assert_int_equal(p[0], 0);
	assert_string_equal(ktstr_flags_str(p[1], buf, sizeof(buf)), "llc");
	assert_int_equal(p[n - 1], KTSTR_FLAGS_ALL);
	for (int i = 0; i < n; i++) {
		assert_int_equal(ktstr_flags_validate(p[i], NULL, 0), 0);
		assert_false((p[i] & KTSTR_F(STEAL)) && !(p[i] & KTSTR_F(LLC)));
		for (int k = 0; k < i; k++)
			assert_int_not_equal(p[i], p[k]);
		if (i)	/* by size */
			assert_true(__builtin_popcount(p[i - 1]) <= __builtin_popcount(p[i]));
	}
}

static void test_skip_reason(void **state)
{
	char why[128];
	const struct ktstr_scenario *s;

	(void)state;
	assert_int_equal(ktstr_flags_skip_reason(0, 0, 0, why, sizeof(why)), 0);
	assert_int_equal(ktstr_flags_skip_reason(0, KTSTR_F(LLC), 0, why, sizeof(why)),
			 -ENOSPC);
	assert_string_equal(why, "needs scheduler flag llc");
	assert_int_equal(ktstr_flags_skip_reason(KTSTR_F(LLC) | KTSTR_F(BORROW),
						 KTSTR_F(LLC), KTSTR_F(BORROW), why,
						 sizeof(why)), -ENOSPC);
	assert_string_equal(why, "excluded by scheduler flag borrow");
	assert_int_equal(ktstr_flags_skip_reason(KTSTR_F(LLC), KTSTR_F(LLC),
						 KTSTR_F(BORROW), why, sizeof(why)), 0);

	/* The catalogue declares them where ktstr does. */
	s = ktstr_scenario_find("cgroup_cpuset_llc_steady");
	assert_non_null(s);
	assert_int_equal(s->required_flags, KTSTR_F(LLC));
	s = ktstr_scenario_find("cgroup_no_ctrl_imbalance");
	assert_non_null(s);
	assert_int_equal(s->required_flags, KTSTR_F(NO_CTRL));
	s = ktstr_scenario_find("cgroup_steady");
	assert_non_null(s);
	assert_int_equal(s->required_flags | s->excluded_flags, 0);
	/* Every declaration is satisfiable by some profile. */
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		s = ktstr_scenario_at(i);
		assert_int_equal(s->required_flags & s->excluded_flags, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_str_and_args),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_skip_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
