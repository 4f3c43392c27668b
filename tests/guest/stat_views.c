// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of `ktstr stat --by comm --sort wait --hist` on a real
 * workload (three CPU spinners and a sleeper on 2 CPUs): one row per
 * command with its task count, rows in wait order, and per row a log2
 * histogram whose counts add up to the wakeups the JSON of the same run
 * reports for that command.
 */
#include <jansson.h>

#include "guest.h"

#define OUT	"/tmp/views.txt"
#define JSON	"/tmp/views.json"

static const char *const workload =
	"for i in 1 2 3; do (i=0; while [ $i -lt 40000 ]; do i=$((i+1)); done) & done; "
	"(sleep 0.01; sleep 0.01; sleep 0.02) & wait";

/* The text of file @path (caller frees), NULL if unreadable. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Sum of nr_wake_waits over the JSON's tasks named @comm, and their count. */
static long long json_wakeups(const json_t *doc, const char *comm, int *tasks)
{
	const json_t *t;
	long long sum = 0;
	size_t i;

	*tasks = 0;
	json_array_foreach(json_object_get(doc, "tasks"), i, t)
		if (!strcmp(json_string_value(json_object_get(t, "comm")), comm)) {
			sum += json_integer_value(json_object_get(t, "nr_wake_waits"));
			(*tasks)++;
		}
	return sum;
}

int main(void)
{
	char cmd[1024], *out, *row, *hist;
	json_error_t jerr;
	long long want;
	json_t *doc;
	int tasks, rc;

	snprintf(cmd, sizeof(cmd), "ktstr stat --by comm --sort wait --hist --json %s "
		 "-- sh -c '%s' >%s 2>&1", JSON, workload, OUT);
	rc = system(cmd);
	out = slurp(OUT);
	doc = json_load_file(JSON, 0, &jerr);
	if (!check(rc == 0 && out && doc, "stat views: ktstr stat --by comm --hist runs",
		   "exit %d, output %s, json %s", rc, out ? "read" : "missing",
		   doc ? "read" : jerr.text))
		return 1;
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		printf("#   %s\n", l);
	free(out);
	out = slurp(OUT);

	/* sh: the shell, its 3 subshells (forks of sh); sleep: 3 tasks. */
	json_wakeups(doc, "sh", &tasks);
	row = strstr(out, "\nsh ");
	check(row && tasks >= 4 && atoi(row + 21) == tasks, "stat views: one 'sh' row with its task count",
	      "row %s, %d sh tasks in the JSON", row ? "found" : "missing", tasks);
	json_wakeups(doc, "sleep", &tasks);
	row = strstr(out, "\nsleep ");
	check(row && tasks == 3 && atoi(row + 21) == 3, "stat views: one 'sleep' row of 3 tasks",
	      "row %s, %d sleep tasks in the JSON", row ? "found" : "missing", tasks);
	/* The spinners wait for a CPU far longer than the sleepers: first. */
	check(strstr(out, "\nsh ") && strstr(out, "\nsleep ") &&
	      strstr(out, "\nsh ") < strstr(out, "\nsleep "),
	      "stat views: --sort wait puts the spinners first", "order wrong");

	for (int i = 0; i < 2; i++) {
		const char *comm = i ? "sleep" : "sh";
		char head[64], name[64];
		long long got = -1;

		want = json_wakeups(doc, comm, &tasks);
		snprintf(head, sizeof(head), "\n%s: wake-to-run latency, ", comm);
		hist = strstr(out, head);
		if (hist)
			got = atoll(hist + strlen(head));
		snprintf(name, sizeof(name), "stat views: %s histogram counts its %lld wakeups",
			 comm, want);
		check(hist && got == want && (!want || strstr(hist, "nsecs")), name,
		      "histogram %s, %lld wakeups", hist ? "found" : "missing", got);
	}
	json_decref(doc);
	free(out);
	return g_failed ? 1 : 0;
}
