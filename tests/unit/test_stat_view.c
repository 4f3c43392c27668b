// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for stat views (ktstr stat --by/--sort/--top/--hist):
 * percentiles from the log2 histogram, roll-ups, order, cut, the runqlat
 * layout and the 80-column width.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/stat.h>

static struct ktstr_task_rec tasks[4];

static void set_task(int i, int pid, int tgid, const char *comm, uint64_t run_ms,
		     uint64_t max_wait_ms, uint64_t cgroup)
{
	struct ktstr_task_rec *t = &tasks[i];

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tgid = tgid;
	strncpy(t->comm, comm, sizeof(t->comm));
	t->run_ns = run_ms * 1000000;
	t->wait_ns = max_wait_ms * 2000000;
	t->max_wait_ns = max_wait_ms * 1000000;
	t->cgroup_id = cgroup;
	t->nr_migrations = (uint64_t)i;
}

static char *view(const struct ktstr_stat_view *v)
{
	struct ktstr_stat_report r = { .tasks = tasks, .nr_tasks = 4 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ktstr_stat_print_view(f, &r, v), 0);
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	set_task(0, 100, 100, "server", 50, 3, 7);
	set_task(1, 101, 100, "server", 70, 9, 7);
	set_task(2, 200, 200, "client", 10, 1, 8);
	set_task(3, 201, 200, "client", 20, 40, 8);
	/* server: 9 wakeups under 1024 ns and 1 in [2^9 KiB, 2^10 KiB) ns. */
	tasks[0].hist[0] = 9;
	tasks[1].hist[10] = 1;
	tasks[2].hist[3] = 4;
	tasks[3].hist[5] = 4;
	return 0;
}

static void test_percentile(void **state)
{
	uint32_t h[KTSTR_HIST_BUCKETS] = { 0 };

	(void)state;
	assert_int_equal(ktstr_stat_hist_percentile(h, 50), 0);
	h[0] = 90;
	h[10] = 10;
	/* 90% of samples are < 1024 ns: p50 and p90 are bucket 0's bound. */
	assert_int_equal(ktstr_stat_hist_percentile(h, 50), 1024);
	assert_int_equal(ktstr_stat_hist_percentile(h, 90), 1024);
	/* p99 is in bucket 10: [2^9 * 1024, 2^10 * 1024). */
	assert_int_equal(ktstr_stat_hist_percentile(h, 99), 1024u << 10);
	/* The open last bucket reports its lower bound. */
	memset(h, 0, sizeof(h));
	h[KTSTR_HIST_BUCKETS - 1] = 1;
	assert_int_equal(ktstr_stat_hist_percentile(h, 99), (uint64_t)1024 << 30);
	assert_int_equal(ktstr_stat_hist_percentile(h, 0), 0);
	assert_int_equal(ktstr_stat_hist_percentile(h, 101), 0);
}

static void test_parse(void **state)
{
	enum ktstr_stat_by by;
	enum ktstr_stat_key key;

	(void)state;
	assert_int_equal(ktstr_stat_by_parse("comm", &by), 0);
	assert_int_equal(by, KTSTR_STAT_BY_COMM);
	assert_int_equal(ktstr_stat_by_parse("cgroup", &by), 0);
	assert_int_equal(by, KTSTR_STAT_BY_CGROUP);
	assert_int_equal(ktstr_stat_by_parse("pid", &by), -EINVAL);
	assert_int_equal(ktstr_stat_key_parse("max-wait", &key), 0);
	assert_int_equal(key, KTSTR_STAT_KEY_MAX_WAIT);
	assert_int_equal(ktstr_stat_key_parse("none", &key), -EINVAL);
	assert_int_equal(ktstr_stat_key_parse(NULL, &key), -EINVAL);
}

static void test_by_comm_sorted(void **state)
{
	struct ktstr_stat_view v = { .by = KTSTR_STAT_BY_COMM, .sort = KTSTR_STAT_KEY_RUN };
	char *out = view(&v), *server, *client, *line;

	(void)state;
	server = strstr(out, "\nserver ");
	client = strstr(out, "\nclient ");
	assert_non_null(server);
	assert_non_null(client);
	/* run 120 ms before 30 ms; two tasks each; the longest wait the max. */
	assert_true(server < client);
	assert_non_null(strstr(server, "    2    120.0     24.0      9.0"));
	assert_non_null(strstr(client, "    2     30.0     82.0     40.0"));
	/* Every line fits 80 columns. */
	for (line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		assert_true(strcspn(line, "\n") <= 80);
	free(out);
}

/* A backend without max wait, histogram or migrations (taskstats): "-". */
static void test_view_unknown(void **state)
{
	struct ktstr_stat_report r = { .tasks = tasks, .nr_tasks = 4,
				       .lacks = KTSTR_HAS_ALL, .backend = "taskstats" };
	struct ktstr_stat_view v = { .by = KTSTR_STAT_BY_COMM, .sort = KTSTR_STAT_KEY_RUN,
				     .hist = true };
	char *buf = NULL, *server;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(ktstr_stat_print_view(f, &r, &v), 0);
	fclose(f);
	server = strstr(buf, "\nserver ");
	assert_non_null(server);
	assert_non_null(strstr(server, "    2    120.0     24.0        -      -      -     -     -\n"));
	assert_non_null(strstr(buf, "no wake-to-run histogram: backend taskstats"));
	assert_null(strstr(buf, "nsecs"));
	free(buf);
}

static void test_top_and_by_tgid(void **state)
{
	struct ktstr_stat_view v = { .by = KTSTR_STAT_BY_TASK, .sort = KTSTR_STAT_KEY_MAX_WAIT,
				     .top = 2 };
	char *out = view(&v);

	(void)state;
	/* The two longest waits: client[201] (40 ms), then server[101]. */
	assert_non_null(strstr(out, "client[201]"));
	assert_non_null(strstr(out, "server[101]"));
	assert_true(strstr(out, "client[201]") < strstr(out, "server[101]"));
	assert_null(strstr(out, "server[100]"));
	assert_null(strstr(out, "client[200]"));
	free(out);
	v = (struct ktstr_stat_view){ .by = KTSTR_STAT_BY_TGID };
	out = view(&v);
	assert_non_null(strstr(out, "100 server"));
	assert_non_null(strstr(out, "200 client"));
	free(out);
	v = (struct ktstr_stat_view){ .by = KTSTR_STAT_BY_CGROUP };
	out = view(&v);
	assert_non_null(strstr(out, "\n7 "));
	assert_non_null(strstr(out, "\n8 "));
	free(out);
}

static void test_hist_layout(void **state)
{
	struct ktstr_stat_view v = { .by = KTSTR_STAT_BY_COMM, .hist = true };
	char *out = view(&v), *server;

	(void)state;
	server = strstr(out, "server: wake-to-run latency, 10 wakeups");
	assert_non_null(server);
	assert_non_null(strstr(server, "p50 <= 1.0 us"));
	assert_non_null(strstr(server, "p99 <= 1048.6 us"));
	/* Buckets from the first used to the last, 40 stars for the largest. */
	assert_non_null(strstr(server, "0 -> 1023 : 9        |****************************************|"));
	assert_non_null(strstr(server, "524288 -> 1048575 : 1        |*****"));
	assert_non_null(strstr(server, "1024 -> 2047 : 0"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup(test_by_comm_sorted, setup),
		cmocka_unit_test_setup(test_top_and_by_tgid, setup),
		cmocka_unit_test_setup(test_view_unknown, setup),
		cmocka_unit_test_setup(test_hist_layout, setup),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
