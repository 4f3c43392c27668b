// SPDX-License-Identifier: GPL-2.0
/* Unit tests for shards, JUnit XML and the merge of shards' results. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/results.h>

static void test_shard_parse(void **state)
{
	struct ktstr_shard s;

	(void)state;
	assert_int_equal(ktstr_shard_parse("2/3", &s), 0);
	assert_int_equal(s.k, 2);
	assert_int_equal(s.n, 3);
	assert_int_equal(ktstr_shard_parse("1/1", &s), 0);
	assert_int_equal(ktstr_shard_parse("0/3", &s), -EINVAL);
	assert_int_equal(ktstr_shard_parse("4/3", &s), -EINVAL);
	assert_int_equal(ktstr_shard_parse("1/0", &s), -EINVAL);
	assert_int_equal(ktstr_shard_parse("1/", &s), -EINVAL);
	assert_int_equal(ktstr_shard_parse("1/3x", &s), -EINVAL);
	assert_int_equal(ktstr_shard_parse("-1/3", &s), -EINVAL);
	assert_int_equal(ktstr_shard_parse("1/10001", &s), -EINVAL);
	assert_int_equal(ktstr_shard_parse(NULL, &s), -EINVAL);
}

/* Every item in exactly one shard; sizes differ by at most one. */
static void test_shard_partition(void **state)
{
	(void)state;
	for (unsigned int n = 1; n <= 7; n++) {
		size_t size[8] = { 0 }, items = 85;

		for (size_t i = 0; i < items; i++) {
			int in = 0;

			for (unsigned int k = 1; k <= n; k++) {
				struct ktstr_shard s = { k, n };

				if (ktstr_shard_has(&s, i)) {
					in++;
					size[k]++;
				}
			}
			assert_int_equal(in, 1);
		}
		for (unsigned int k = 1; k <= n; k++)
			assert_true(size[k] == items / n || size[k] == items / n + 1);
	}
	assert_true(ktstr_shard_has(NULL, 5));
}

static json_t *run_doc(const char *names, const char *verdicts)
{
	json_t *res = json_array();

	for (size_t i = 0; names[i]; i++) {
		char name[8] = { 's', names[i], 0 };
		const char *v = verdicts[i] == 'P' ? "PASS" : verdicts[i] == 'F' ? "FAIL" : "SKIP";

		json_array_append_new(res, json_pack(
			"{s:s, s:s, s:s, s:f, s:s, s:[{s:s, s:s}]}", "name", name,
			"category", "basic", "verdict", v, "seconds", 1.25,
			"reason", v[0] == 'P' ? "" : "why <&> \"quoted\"\x01",
			"details", "kind", "stuck", "message", "worker 1 stuck"));
	}
	return json_pack("{s:i, s:i, s:s, s:o, s:{s:i}}", "version", 1, "duration_ms", 1000,
			 "kernel_source", "module", "results", res, "summary", "total", 0);
}

static char *junit(const json_t *doc, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*ret = ktstr_junit_write(f, doc);
	fclose(f);
	return buf;
}

static void test_junit(void **state)
{
	json_t *doc = run_doc("abc", "PFS");
	int ret;
	char *x = junit(doc, &ret);

	(void)state;
	assert_int_equal(ret, 0);
	assert_non_null(strstr(x, "<testsuites name=\"ktstr\" tests=\"3\" failures=\"1\" "
				 "errors=\"0\" skipped=\"1\" time=\"3.750\">"));
	assert_non_null(strstr(x, "<testcase name=\"sa\" classname=\"ktstr.basic\" "
				 "time=\"1.250\"/>"));
	assert_non_null(strstr(x, "<failure type=\"FAIL\" message=\"why &lt;&amp;&gt; "
				 "&quot;quoted&quot;\">"));
	assert_non_null(strstr(x, "[stuck] worker 1 stuck</failure>"));
	assert_non_null(strstr(x, "<skipped message=\"why &lt;&amp;&gt;"));
	assert_non_null(strstr(x, "<property name=\"kernel_source\" value=\"module\"/>"));
	assert_null(strchr(x, '\x01'));
	free(x);
	json_decref(doc);
	doc = json_pack("{s:i}", "version", 1);
	free(junit(doc, &ret));
	assert_int_equal(ret, -EINVAL);
	json_decref(doc);
}

/* The shards of a run merge back to the run's result set. */
static void test_merge(void **state)
{
	json_t *whole = run_doc("abcdefg", "PPFSPPF"), *shard[3], *m;
	const json_t *docs[3];
	char why[256];

	(void)state;
	for (unsigned int k = 1; k <= 3; k++) {
		struct ktstr_shard s = { k, 3 };
		json_t *res = json_array(), *r;
		size_t i;

		json_array_foreach(json_object_get(whole, "results"), i, r)
			if (ktstr_shard_has(&s, i))
				json_array_append(res, r);
		shard[k - 1] = json_deep_copy(whole);
		json_object_set_new(shard[k - 1], "results", res);
		docs[k - 1] = shard[k - 1];
	}
	assert_int_equal(ktstr_results_merge(docs, 3, &m, why, sizeof(why)), 0);
	assert_int_equal(json_array_size(json_object_get(m, "results")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "summary"),
							    "failed")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "summary"),
							    "passed")), 4);
	/* The same set of results as the whole run (shards interleave). */
	for (size_t i = 0; i < 7; i++) {
		const json_t *r = json_array_get(json_object_get(whole, "results"), i);
		bool found = false;

		for (size_t j = 0; j < 7; j++)
			found |= json_equal(r, json_array_get(json_object_get(m, "results"), j));
		assert_true(found);
	}
	json_decref(m);
	/* A gauntlet and a run do not merge. */
	json_object_del(shard[1], "duration_ms");
	assert_int_equal(ktstr_results_merge(docs, 3, &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "input 2"));
	for (int k = 0; k < 3; k++)
		json_decref(shard[k]);
	json_decref(whole);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_shard_parse),
		cmocka_unit_test(test_shard_partition),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
