// SPDX-License-Identifier: GPL-2.0
/* The "provenance" object of every JSON output (ktstr/provenance.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <ktstr/provenance.h>
#include <ktstr/sched_ext.h>
#include <ktstr/topo.h>
#include <ktstr/vm.h>

#ifndef KTSTR_VERSION
#error "KTSTR_VERSION comes from the Makefile's VERSION"
#endif

const char *ktstr_version(void)
{
	return KTSTR_VERSION;
}

static void scheduler(char *buf, size_t len)
{
	char state[32] = "";
	FILE *f;

	snprintf(buf, len, "default");
	if (ktstr_scx_state(state, sizeof(state)) || strcmp(state, "enabled"))
		return;
	f = fopen(KTSTR_SCX_SYSFS "/root/ops", "re");
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	else
		snprintf(buf, len, "sched_ext");
	if (f)
		fclose(f);
}

json_t *ktstr_provenance_json(void)
{
	const char *accel = getenv(KTSTR_VM_ACCEL_VAR);
	struct ktstr_topo *t = ktstr_topo_load(NULL);
	char topo[96] = "unknown", sched[64];
	struct utsname u;
	json_t *p;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	if (t)
		snprintf(topo, sizeof(topo), "%d node%s, %d LLC%s, %d CPU%s", t->nr_nodes,
			 t->nr_nodes == 1 ? "" : "s", t->nr_llcs, t->nr_llcs == 1 ? "" : "s",
			 t->nr_cpus, t->nr_cpus == 1 ? "" : "s");
	scheduler(sched, sizeof(sched));
	p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "ktstr_version", KTSTR_VERSION,
		      "kernel", u.release, "machine", u.machine,
		      "accelerator", accel && *accel ? accel : "none", "topology", topo,
		      "cpus", t ? t->nr_cpus : 0, "scheduler", sched);
	ktstr_topo_free(t);
	return p;
}

int ktstr_provenance_diff(const json_t *a, const json_t *b, char *buf, size_t len)
{
	const char *key;
	json_t *va;
	size_t used = 0;
	int n = 0;

	if (len)
		buf[0] = '\0';
	if (!json_is_object(a) || !json_is_object(b))
		return 0;
	json_object_foreach((json_t *)a, key, va) {
		if (!strcmp(key, "cpus") || json_equal(va, json_object_get(b, key)))
			continue;	/* cpus: part of topology */
		n++;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", n > 1 ? ", " : "",
						 key);
	}
	return n;
}
