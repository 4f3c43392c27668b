// SPDX-License-Identifier: GPL-2.0
/* ktstr merge: the JSON documents of a run's shards joined into one. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ktstr/results.h>
#include "util/ktstr_error.h"

static const char *kind_of(const json_t *doc)
{
	const json_t *res = json_object_get(doc, "results");

	if (!json_is_array(res) || !json_is_integer(json_object_get(doc, "version")))
		return NULL;
	if (json_object_get(doc, "duration_ms"))
		return "run";
	return "gauntlet";
}

int ktstr_results_merge(const json_t *const *docs, size_t n, json_t **out,
			char *why, size_t len)
{
	const char *kind = n ? kind_of(docs[0]) : NULL;
	json_int_t passed = 0, failed = 0, skipped = 0;
	json_t *m, *all;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *k = kind_of(docs[i]);

		if (!k)
			return ktstr_errorf_buf(why, len, -EINVAL,
						"input %zu is not a run or gauntlet JSON document", i + 1);
		if (strcmp(k, kind) || !json_equal(json_object_get(docs[i], "version"),
						   json_object_get(docs[0], "version"))) {
			return ktstr_errorf_buf(why, len, -EINVAL,
				"input %zu is a %s document of version %lld, input 1 a %s of version %lld",
				i + 1, k,
				(long long)json_integer_value(json_object_get(docs[i], "version")),
				kind, (long long)json_integer_value(json_object_get(docs[0], "version")));
		}
	}
	if (!n)
		return ktstr_errorf_buf(why, len, -EINVAL, "nothing to merge");
	m = json_deep_copy(docs[0]);
	all = json_array();
	if (!m || !all || json_object_set(m, "results", all)) {
		json_decref(all);
		json_decref(m);
		return -ENOMEM;
	}
	json_decref(all);	/* m holds it */
	for (size_t i = 0; i < n; i++) {
		const json_t *r;
		size_t j;

		json_array_foreach(json_object_get(docs[i], "results"), j, r) {
			const char *v = json_string_value(json_object_get(r, "verdict"));

			if (json_array_append_new(all, json_deep_copy(r))) {
				json_decref(m);
				return -ENOMEM;
			}
			passed += v && !strcmp(v, "PASS");
			failed += v && !strcmp(v, "FAIL");
			skipped += v && !strcmp(v, "SKIP");
		}
	}
	json_object_del(m, "shard");
	if (json_object_set_new(m, "summary", json_pack("{s:I, s:I, s:I, s:I}", "total",
					(json_int_t)json_array_size(all), "passed", passed,
					"failed", failed, "skipped", skipped))) {
		json_decref(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}
