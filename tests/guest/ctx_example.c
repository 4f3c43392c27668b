// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest run of the shipped guide example (scenarios/examples/
 * custom_guide.c, compiled in here with its main renamed so the test runs
 * exactly that code): it passes on the real cgroup v2 manager and leaves
 * no ktstr-* cgroup behind.
 */
#include <dirent.h>

#include "guest.h"

#define main custom_guide_main
#include "../../scenarios/examples/custom_guide.c"
#undef main

/* Number of ktstr-* directories under the cgroup root, -1 on error. */
static int leftovers(char *names, size_t len)
{
	DIR *d = opendir(KTSTR_CGROUP_ROOT);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	names[0] = '\0';
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, KTSTR_CGROUP_PREFIX,
			     strlen(KTSTR_CGROUP_PREFIX))) {
			n++;
			snprintf(names + strlen(names), len - strlen(names),
				 " %s", e->d_name);
		}
	closedir(d);
	return n;
}

int main(void)
{
	char *args[] = { "custom_guide", "--duration-ms", "1000", NULL };
	char names[512];
	int st, n;

	st = custom_guide_main(3, args);
	fflush(stdout);
	check(st == 0, "custom_guide example passes", "exit %d", st);
	n = leftovers(names, sizeof(names));
	check(n == 0, "custom_guide example leaves no ktstr-* cgroup",
	      "%d left:%s", n, names);
	return g_failed ? 1 : 0;
}
