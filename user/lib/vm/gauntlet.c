// SPDX-License-Identifier: GPL-2.0
/* The gauntlet's pure parts: topologies, fit, results, tally (gauntlet.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ktstr/gauntlet.h>
#include "util/ktstr_error.h"

#define say(why, len, err, ...) ktstr_errorf_buf(why, len, err, __VA_ARGS__)

int ktstr_gauntlet_parse_topos(const char *list, struct ktstr_gauntlet_topo *out,
			       int max, char *why, size_t len)
{
	const char *p = list;
	int n = 0;

	if (!list || !*list)
		return say(why, len, -EINVAL, "empty topology list");
	while (*p) {
		size_t k = strcspn(p, ",");
		char name[32], err[256];

		if (!k || k >= sizeof(name))
			return say(why, len, -EINVAL, "bad topology list '%s'", list);
		if (n >= max)
			return say(why, len, -EINVAL, "more than %d topologies", max);
		memcpy(name, p, k);
		name[k] = '\0';
		if (ktstr_vm_topology_parse(name, &out[n].topo, err, sizeof(err)))
			return say(why, len, -EINVAL, "%s", err);
		if (ktstr_vm_topo_cpus(&out[n].topo) > KTSTR_VM_TOPO_MAX_CPUS)
			return say(why, len, -EINVAL, "topology %s has %d CPUs (at most %d)",
				   name, ktstr_vm_topo_cpus(&out[n].topo),
				   KTSTR_VM_TOPO_MAX_CPUS);
		for (int i = 0; i < n; i++)
			if (!strcmp(out[i].name, name))
				return say(why, len, -EINVAL, "topology %s given twice", name);
		snprintf(out[n].name, sizeof(out[n].name), "%s", name);
		n++;
		p += k;
		if (*p && !*++p)
			return say(why, len, -EINVAL, "bad topology list '%s' (trailing ',')",
				   list);
	}
	return n;
}

int ktstr_gauntlet_fits(const struct ktstr_scenario *s,
			const struct ktstr_vm_topology *t, char *why, size_t len)
{
	int cpus = ktstr_vm_topo_cpus(t);

	if (cpus < s->min_cpus)
		return say(why, len, -ENOSPC, "needs %d CPUs, topology has %d",
			   s->min_cpus, cpus);
	if (t->llcs < s->min_llcs)
		return say(why, len, -ENOSPC, "needs %d LLCs, topology has %d",
			   s->min_llcs, t->llcs);
	if (t->numa_nodes < s->min_nodes)
		return say(why, len, -ENOSPC, "needs %d NUMA nodes, topology has %d",
			   s->min_nodes, t->numa_nodes);
	return 0;
}

int ktstr_gauntlet_extract(const char *output, char **json)
{
	size_t plen = strlen(KTSTR_GAUNTLET_PREFIX), total = 0;
	const char *p = output;
	char *buf = NULL;
	size_t cap = 0;
	bool found = false;

	*json = NULL;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if (n >= plen && !memcmp(p, KTSTR_GAUNTLET_PREFIX, plen)) {
			size_t add = n - plen;

			if (total + add + 2 > cap) {
				char *nb;

				cap = (total + add + 2) * 2;
				nb = realloc(buf, cap);
				if (!nb) {
					free(buf);
					return -ENOMEM;
				}
				buf = nb;
			}
			memcpy(buf + total, p + plen, add);
			total += add;
			buf[total++] = '\n';
			buf[total] = '\0';
			found = true;
		}
		p = eol ? eol + 1 : NULL;
	}
	if (!found)
		return -ENOENT;
	*json = buf;
	return 0;
}

static void row(struct ktstr_gauntlet_row *r, const char *name, const char *topo,
		enum ktstr_verdict v, double secs, const char *reason)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scenario, sizeof(r->scenario), "%s", name);
	snprintf(r->topology, sizeof(r->topology), "%s", topo);
	r->verdict = v;
	r->seconds = secs;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
}

static const char *vm_rc_str(int rc, char *buf, size_t len)
{
	if (rc == KTSTR_VM_EXIT_TIMEOUT)
		snprintf(buf, len, "guest timed out (ktstr vm exit %d)", rc);
	else if (rc == KTSTR_VM_EXIT_FAIL)
		snprintf(buf, len, "guest failed: panic, BUG/WARNING in dmesg, module or QEMU (ktstr vm exit %d)",
			 rc);
	else
		snprintf(buf, len, "guest exited %d", rc);
	return buf;
}

int ktstr_gauntlet_collect(const char *const *names, int n, const char *topology,
			   const char *output, int vm_rc,
			   struct ktstr_gauntlet_row *rows)
{
	char *text = NULL, rcbuf[160], why[256];
	json_t *root = NULL, *results = NULL;
	json_error_t jerr;
	const char *sched = "";
	int nr = 0;

	why[0] = '\0';
	if (ktstr_gauntlet_extract(output ? output : "", &text)) {
		snprintf(why, sizeof(why), "no results from the guest: %s",
			 vm_rc_str(vm_rc, rcbuf, sizeof(rcbuf)));
	} else {
		root = json_loads(text, 0, &jerr);
		results = root ? json_object_get(root, "results") : NULL;
		if (!json_is_array(results))
			snprintf(why, sizeof(why), "unreadable results from the guest: %s",
				 root ? "no \"results\" array" : jerr.text);
		else if (json_is_string(json_object_get(json_object_get(root, "scheduler"),
							  "name")))
			sched = json_string_value(json_object_get(json_object_get(root,
								  "scheduler"), "name"));
	}
	for (int i = 0; i < n; i++) {
		struct ktstr_outcome o;
		bool found = false;
		size_t k;
		json_t *e;

		if (why[0]) {
			row(&rows[nr++], names[i], topology, KTSTR_VERDICT_FAIL, 0, why);
			continue;
		}
		json_array_foreach(results, k, e) {
			if (!json_is_string(json_object_get(e, "name")) ||
			    strcmp(json_string_value(json_object_get(e, "name")), names[i]))
				continue;
			if (ktstr_outcome_from_json(e, &o))
				break;
			row(&rows[nr++], names[i], topology, o.verdict, o.seconds, o.reason);
			snprintf(rows[nr - 1].scheduler, sizeof(rows[nr - 1].scheduler), "%s",
				 sched);
			ktstr_outcome_free(&o);
			found = true;
			break;
		}
		if (!found) {
			snprintf(rcbuf, sizeof(rcbuf), "no result in the guest's run (%s)",
				 vm_rc ? "run stopped early" : "missing entry");
			row(&rows[nr++], names[i], topology, KTSTR_VERDICT_FAIL, 0, rcbuf);
		}
	}
	if (vm_rc != 0 && vm_rc != 1 && !why[0])
		row(&rows[nr++], "(guest)", topology, KTSTR_VERDICT_FAIL, 0,
		    vm_rc_str(vm_rc, rcbuf, sizeof(rcbuf)));
	json_decref(root);
	free(text);
	return nr;
}

void ktstr_gauntlet_tally(const struct ktstr_gauntlet_row *rows, int n,
			  struct ktstr_gauntlet_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < n; i++) {
		sum->total++;
		sum->passed += rows[i].verdict == KTSTR_VERDICT_PASS;
		sum->failed += rows[i].verdict == KTSTR_VERDICT_FAIL;
		sum->skipped += rows[i].verdict == KTSTR_VERDICT_SKIP;
	}
}

int ktstr_gauntlet_exit_code(const struct ktstr_gauntlet_summary *sum)
{
	return sum->failed ? 1 : 0;
}
