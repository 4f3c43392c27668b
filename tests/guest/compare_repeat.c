// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of `ktstr run --repeat` with `ktstr compare`: two repeated
 * runs of the same scenario with the same settings are not a regression,
 * and the same scenario with twice the workers per cgroup is one (the
 * kernel-measured waits grow with the load on the same 2 CPUs).
 */
#include <jansson.h>

#include "guest.h"

/*
 * Emulated 1 s runs: fairness judged at 50% (see run_catalogue.c), so that
 * a sample's spread under TCG does not make a verdict change of its own.
 */
#define RUN "ktstr run --repeat 3 --duration 1 --assert-relax max_spread_pct=50 cgroup_steady"

int main(void)
{
	json_error_t e;
	json_t *doc;
	int a, b, c, same, twice;

	a = system(RUN " --workers 2 --json /tmp/rep-a.json >/tmp/rep-a.out 2>&1");
	b = system(RUN " --workers 2 --json /tmp/rep-b.json >/tmp/rep-b.out 2>&1");
	c = system(RUN " --workers 4 --json /tmp/rep-c.json >/tmp/rep-c.out 2>&1");
	doc = json_load_file("/tmp/rep-a.json", 0, &e);
	check(doc && json_integer_value(json_object_get(doc, "repeat")) == 3 &&
	      json_array_size(json_object_get(doc, "results")) == 3 &&
	      json_integer_value(json_object_get(json_array_get(json_object_get(doc, "results"), 2),
						 "sample")) == 3,
	      "repeat: --repeat 3 keeps 3 samples, numbered", "%s", doc ? "wrong samples" : e.text);
	json_decref(doc);
	if (!check(WIFEXITED(a) && WIFEXITED(b) && WIFEXITED(c), "repeat: the three runs finished",
		   "status %d %d %d", a, b, c))
		return 1;

	/*
	 * Emulated throughput drifts between two runs made one after the
	 * other on a shared host: iterations fell 11.8% from A to B (medians
	 * of 3, spreads 11% and 7%) while two other engineers' builds ran.
	 * Iterations get a 25% gate here; the waits, gaps and spreads keep
	 * theirs, and the next check's regression is on the waits (+193%).
	 */
	same = system("ktstr compare --gate iterations=0,25 /tmp/rep-a.json /tmp/rep-b.json "
		      ">/tmp/rep-ab.out 2>&1");
	system("sed 's/^/#   /' /tmp/rep-ab.out");
	check(WIFEXITED(same) && WEXITSTATUS(same) == 0,
	      "repeat: the same code twice is no regression (exit 0)", "exit %d",
	      WEXITSTATUS(same));
	twice = system("ktstr compare /tmp/rep-a.json /tmp/rep-c.json >/tmp/rep-ac.out 2>&1");
	system("sed 's/^/#   /' /tmp/rep-ac.out");
	check(WIFEXITED(twice) && WEXITSTATUS(twice) == 1 &&
	      !system("grep -q '^REGRESSED cgroup_steady .*medians of 3/3 samples' /tmp/rep-ac.out"),
	      "repeat: twice the workers is a regression, judged on medians (exit 1)", "exit %d",
	      WEXITSTATUS(twice));
	return g_failed ? 1 : 0;
}
