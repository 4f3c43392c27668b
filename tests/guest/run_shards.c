// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of `ktstr run --shard K/N --json --junit` and `ktstr
 * merge`: the three shards of a run of the affinity category run each
 * scenario exactly once, as `ktstr list --shard` said they would, and
 * their merge has every scenario of the category once, with a JUnit file
 * of one testcase per result.
 */
#include <jansson.h>

#include "guest.h"

#define SHARDS	3

/* Names of the "name" fields of @arr (a list or a results array), sorted. */
static char *names_of(const json_t *arr)
{
	json_t *sorted = json_array(), *x;
	size_t i;
	char *s;

	json_array_foreach(arr, i, x)
		json_array_append(sorted, json_object_get(x, "name"));
	/* Insertion sort: a handful of names. */
	for (i = 1; i < json_array_size(sorted); i++)
		for (size_t j = i; j > 0; j--) {
			json_t *a = json_array_get(sorted, j - 1), *b = json_array_get(sorted, j);

			if (strcmp(json_string_value(a), json_string_value(b)) <= 0)
				break;
			json_incref(a);
			json_array_set(sorted, j - 1, b);
			json_array_set_new(sorted, j, a);
		}
	s = json_dumps(sorted, JSON_COMPACT);
	json_decref(sorted);
	return s;
}

static json_t *load(const char *path)
{
	json_error_t e;

	return json_load_file(path, 0, &e);
}

int main(void)
{
	char cmd[512], path[64], name[128];
	json_t *all_list, *merged;
	char *want, *got;
	int total = 0, rc;

	rc = system("ktstr list --filter affinity --json >/tmp/shard-list.json");
	all_list = load("/tmp/shard-list.json");
	if (!check(!rc && all_list && json_array_size(all_list) >= SHARDS,
		   "shards: ktstr list --filter affinity", "exit %d", rc))
		return 1;
	for (int k = 1; k <= SHARDS; k++) {
		json_t *list, *run;
		char *a, *b;

		snprintf(cmd, sizeof(cmd), "ktstr list --filter affinity --shard %d/%d --json "
			 ">/tmp/shard-list%d.json", k, SHARDS, k);
		rc = system(cmd);
		snprintf(cmd, sizeof(cmd), "ktstr run --filter affinity --duration 0.5 "
			 "--shard=%d/%d --json /tmp/shard%d.json --junit /tmp/shard%d.xml "
			 ">/tmp/shard%d.out 2>&1", k, SHARDS, k, k, k);
		rc |= system(cmd) & ~(1 << 8);	/* a scenario FAIL (exit 1) is not our test */
		snprintf(path, sizeof(path), "/tmp/shard-list%d.json", k);
		list = load(path);
		snprintf(path, sizeof(path), "/tmp/shard%d.json", k);
		run = load(path);
		a = list ? names_of(list) : NULL;
		b = run ? names_of(json_object_get(run, "results")) : NULL;
		snprintf(name, sizeof(name), "shards: run --shard %d/%d runs what list --shard shows",
			 k, SHARDS);
		check(!rc && a && b && !strcmp(a, b), name, "exit %d, list %s, run %s", rc,
		      a ? a : "-", b ? b : "-");
		total += run ? (int)json_array_size(json_object_get(run, "results")) : 0;
		free(a);
		free(b);
		json_decref(list);
		json_decref(run);
	}
	check(total == (int)json_array_size(all_list), "shards: the shards add up to the category",
	      "%d results, %zu scenarios", total, json_array_size(all_list));

	rc = system("ktstr merge /tmp/shard1.json /tmp/shard2.json /tmp/shard3.json "
		    "-o /tmp/merged.json --junit /tmp/merged.xml");
	merged = load("/tmp/merged.json");
	want = names_of(all_list);
	got = merged ? names_of(json_object_get(merged, "results")) : NULL;
	check(!rc && got && !strcmp(want, got), "shards: the merge has every scenario once",
	      "exit %d, want %s, got %s", rc, want, got ? got : "-");
	snprintf(cmd, sizeof(cmd), "test \"$(grep -c '<testcase ' /tmp/merged.xml)\" = %zu",
		 json_array_size(all_list));
	check(!system(cmd), "shards: merged JUnit has one testcase per scenario", "count differs");
	free(want);
	free(got);
	json_decref(merged);
	json_decref(all_list);
	return g_failed ? 1 : 0;
}
