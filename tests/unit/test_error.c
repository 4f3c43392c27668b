// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the library's one error channel (<ktstr/error.h>). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/cpulist.h>
#include <ktstr/error.h>
#include <ktstr/output.h>
#include <ktstr/workload.h>

#include "util/ktstr_error.h"

/* Failures of different modules land in the same message. */
static void test_one_message(void **state)
{
	struct ktstr_cpuset s;
	struct ktstr_work w;

	(void)state;
	assert_int_equal(ktstr_cpulist_parse("1-x", KTSTR_MAX_CPUS, &s), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "1-x"));
	assert_int_equal(ktstr_work_by_name("NoSuchWork", &w), -ENOENT);
	assert_string_equal(ktstr_last_error(), "unknown work type 'NoSuchWork'");
	assert_int_equal(ktstr_output_check("/nonexistent-ktstr-dir/x.json"), -ENOENT);
	assert_string_equal(ktstr_last_error(),
			    "/nonexistent-ktstr-dir/x.json: No such file or directory");
	ktstr_error_clear();
	assert_string_equal(ktstr_last_error(), "");
}

/* A message may quote the one before it. */
static void test_wrap_own_message(void **state)
{
	(void)state;
	assert_int_equal(ktstr_errorf(-EIO, "inner %d", 1), -EIO);
	assert_int_equal(ktstr_errorf(-EPERM, "outer: %s", ktstr_last_error()), -EPERM);
	assert_string_equal(ktstr_last_error(), "outer: inner 1");
}

/* The caller's buffer and the message get the same text. */
static void test_buffer_too(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(ktstr_errorf_buf(buf, sizeof(buf), -ENOSPC, "%s", "0123456789"), -ENOSPC);
	assert_string_equal(buf, "0123456");
	assert_string_equal(ktstr_last_error(), "0123456789");
}

static void *other_thread(void *arg)
{
	(void)arg;
	ktstr_errorf(-EINVAL, "from the other thread");
	return (void *)(uintptr_t)(strcmp(ktstr_last_error(), "from the other thread") == 0);
}

/* Each thread has its own. */
static void test_per_thread(void **state)
{
	pthread_t t;
	void *ok;

	(void)state;
	ktstr_errorf(-EINVAL, "from this thread");
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	assert_int_equal(pthread_join(t, &ok), 0);
	assert_true(ok != NULL);
	assert_string_equal(ktstr_last_error(), "from this thread");
}

static char printed[256];

static void print_into(const char *fmt, va_list ap)
{
	vsnprintf(printed, sizeof(printed), fmt, ap);
}

/* The library's lines go to the installed print function, else nowhere. */
static void test_print_fn(void **state)
{
	(void)state;
	assert_null(ktstr_set_print(print_into));
	ktstr_print("a %d\n", 1);
	assert_string_equal(printed, "a 1\n");
	assert_ptr_equal(ktstr_set_print(NULL), print_into);
	ktstr_print("b\n");
	assert_string_equal(printed, "a 1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_message),
		cmocka_unit_test(test_wrap_own_message),
		cmocka_unit_test(test_buffer_too),
		cmocka_unit_test(test_per_thread),
		cmocka_unit_test(test_print_fn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
