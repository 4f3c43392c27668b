// SPDX-License-Identifier: GPL-2.0
/* Unit test of the one definition of a worker's kernel record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/worker.h>

static void test_newest(void **state)
{
	struct ktstr_task_rec r[4];

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].pid = 10;
	r[0].start_time_ns = 500;
	r[0].first_seen_ns = 900;	/* tracked late: still the older task */
	r[1].pid = 11;
	r[1].start_time_ns = 700;
	r[2].pid = 10;			/* pid 10 reused by a newer task */
	r[2].start_time_ns = 800;
	r[2].first_seen_ns = 850;
	r[3].pid = 12;
	assert_ptr_equal(ktstr_task_rec_newest(r, 4, 10), &r[2]);
	assert_ptr_equal(ktstr_task_rec_newest(r, 4, 11), &r[1]);
	assert_null(ktstr_task_rec_newest(r, 4, 13));
	assert_null(ktstr_task_rec_newest(NULL, 0, 10));
	assert_ptr_equal(ktstr_task_rec_newest(r, 1, 10), &r[0]);
}

int main(void)
{
	const struct CMUnitTest t[] = { cmocka_unit_test(test_newest) };

	return cmocka_run_group_tests(t, NULL, NULL);
}
