// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr vm --topology: parse "NnNlNcNt" (or a gauntlet preset name) and map
 * it to QEMU arguments.
 *
 * Mapping (QEMU 7.2, x86): one *socket* per LLC.
 *   -smp cpus=l*c*t,sockets=l,dies=1,cores=c,threads=t
 * QEMU's CPUID reports the L3 as shared by one die (leaf 4 on Intel
 * vendors), or by one socket with the default TCG model (qemu64, an
 * AuthenticAMD vendor without TOPOEXT, where Linux ties the LLC to the
 * package). "dies=l/s" inside a socket gives separate L3s only with an Intel
 * vendor, so it would need a CPU model change and would not hold for
 * "-cpu host" on an AMD host; a socket boundary splits the L3 with every
 * model. So the guest sees l packages, each one LLC of c cores.
 *
 * NUMA (n > 1): the memory is split into n memory-backend-ram objects,
 * "-numa node,nodeid=i,memdev=..." each, and the l/n consecutive sockets of
 * node i are bound to it with "-numa cpu,node-id=i,socket-id=s". QEMU
 * numbers CPUs socket-major, so node i holds CPUs
 * [i*(l/n)*c*t, (i+1)*(l/n)*c*t). No SLIT is passed: Linux and hwloc use
 * 10 local / 20 remote.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktstr/vm.h"
#include "util/ktstr_error.h"

/* The gauntlet presets of the Rust ktstr (x86_64), same names and shapes. */
const struct ktstr_vm_topo_preset ktstr_vm_topo_presets[] = {
	{ "tiny-1llc",          { 1,  1,  4, 1 } },
	{ "tiny-2llc",          { 1,  2,  2, 1 } },
	{ "odd-3llc",           { 1,  3,  3, 1 } },
	{ "odd-5llc",           { 1,  5,  3, 1 } },
	{ "odd-7llc",           { 1,  7,  2, 1 } },
	{ "smt-2llc",           { 1,  2,  2, 2 } },
	{ "smt-3llc",           { 1,  3,  2, 2 } },
	{ "medium-4llc",        { 1,  4,  4, 2 } },
	{ "medium-8llc",        { 1,  8,  4, 2 } },
	{ "large-4llc",         { 1,  4, 16, 2 } },
	{ "large-8llc",         { 1,  8,  8, 2 } },
	{ "near-max-llc",       { 1, 15,  8, 2 } },
	{ "max-cpu",            { 1, 14,  9, 2 } },
	{ "medium-4llc-nosmt",  { 1,  4,  8, 1 } },
	{ "medium-8llc-nosmt",  { 1,  8,  8, 1 } },
	{ "large-4llc-nosmt",   { 1,  4, 32, 1 } },
	{ "large-8llc-nosmt",   { 1,  8, 16, 1 } },
	{ "near-max-llc-nosmt", { 1, 15, 16, 1 } },
	{ "max-cpu-nosmt",      { 1, 14, 18, 1 } },
	{ "numa2-4llc",         { 2,  4,  4, 1 } },
	{ "numa2-8llc",         { 2,  8,  8, 2 } },
	{ "numa2-8llc-nosmt",   { 2,  8, 16, 1 } },
	{ "numa4-8llc",         { 4,  8,  4, 1 } },
	{ "numa4-12llc",        { 4, 12,  8, 2 } },
	{ NULL,                 { 0,  0,  0, 0 } },
};

#define fail(buf, len, ...) ktstr_errorf_buf(buf, len, -1, __VA_ARGS__)

const char *ktstr_vm_topology_str(const struct ktstr_vm_topology *t, char *buf,
				  size_t len)
{
	snprintf(buf, len, "%dn%dl%dc%dt", t->numa_nodes, t->llcs,
		 t->cores_per_llc, t->threads_per_core);
	return buf;
}

/* Decimal digits then the letter want; values above 9999 are junk anyway. */
static const char *number(const char *p, char want, int *out)
{
	long v = 0;
	int digits = 0;

	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (++digits > 4)
			return NULL;
	}
	if (!digits || *p != want)
		return NULL;
	*out = (int)v;
	return p + 1;
}

int ktstr_vm_topology_parse(const char *s, struct ktstr_vm_topology *t,
			    char *err, size_t err_len)
{
	struct ktstr_vm_topology v;
	const char *p = s, *preset = NULL;
	char buf[48];
	long cpus;

	if (!s || !*s)
		return fail(err, err_len, "empty topology (want NnNlNcNt, e.g. 1n2l4c1t, or a preset name)");
	for (const struct ktstr_vm_topo_preset *pr = ktstr_vm_topo_presets; pr->name; pr++) {
		if (!strcmp(pr->name, s)) {
			v = pr->topo;
			preset = pr->name;
			break;
		}
	}
	if (!preset) {
		if (!(p = number(p, 'n', &v.numa_nodes)) ||
		    !(p = number(p, 'l', &v.llcs)) ||
		    !(p = number(p, 'c', &v.cores_per_llc)) ||
		    !(p = number(p, 't', &v.threads_per_core)) || *p)
			return fail(err, err_len,
				    "bad topology '%s' (want NnNlNcNt, e.g. 1n2l4c1t, or a preset name such as tiny-2llc)",
				    s);
	}
	if (v.numa_nodes < 1 || v.llcs < 1 || v.cores_per_llc < 1 || v.threads_per_core < 1)
		return fail(err, err_len, "topology '%s': every count must be at least 1", s);
	if (v.llcs % v.numa_nodes)
		return fail(err, err_len,
			    "topology '%s': LLCs (%d) must be a multiple of NUMA nodes (%d)",
			    s, v.llcs, v.numa_nodes);
	cpus = (long)v.llcs * v.cores_per_llc * v.threads_per_core;
	if (cpus > KTSTR_VM_TOPO_MAX_CPUS)
		return fail(err, err_len, "topology '%s'%s%s%s has %ld CPUs; ktstr vm allows at most %d",
			    s, preset ? " (" : "", preset ? ktstr_vm_topology_str(&v, buf, sizeof(buf)) : "",
			    preset ? ")" : "", cpus, KTSTR_VM_TOPO_MAX_CPUS);
	*t = v;
	return 0;
}

void ktstr_vm_topology_args_free(char **args)
{
	if (!args)
		return;
	for (char **a = args; *a; a++)
		free(*a);
	free(args);
}

struct argv_buf {
	char **v;
	size_t nr, cap;
	bool oom;
};

static void push(struct argv_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	if (b->oom)
		return;
	if (b->nr + 2 > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		char **v = realloc(b->v, cap * sizeof(*v));

		if (!v) {
			b->oom = true;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		b->oom = true;
		return;
	}
	b->v[b->nr++] = s;
	b->v[b->nr] = NULL;
}

int ktstr_vm_topology_qemu_args(const struct ktstr_vm_topology *t, int memory_mb,
				char ***args, size_t *nr, char *err, size_t err_len)
{
	struct argv_buf b = { 0 };
	int n = t->numa_nodes, per_node, llcs_per_node = t->llcs / n;

	*args = NULL;
	*nr = 0;
	/* Whole 2 MiB per node (huge-page aligned boundaries); the last takes the rest. */
	per_node = (memory_mb / n) & ~1;
	if (n > 1 && per_node < KTSTR_VM_TOPO_MIN_NODE_MB)
		return fail(err, err_len,
			    "%d MB of guest memory is too little for %d NUMA nodes (at least %d MB each): raise --memory",
			    memory_mb, n, KTSTR_VM_TOPO_MIN_NODE_MB);

	push(&b, "-smp");
	push(&b, "cpus=%d,sockets=%d,dies=1,cores=%d,threads=%d", ktstr_vm_topo_cpus(t),
	     t->llcs, t->cores_per_llc, t->threads_per_core);
	if (n > 1) {
		for (int i = 0; i < n; i++) {
			int mb = i == n - 1 ? memory_mb - per_node * (n - 1) : per_node;

			push(&b, "-object");
			push(&b, "memory-backend-ram,id=ktstr-mem%d,size=%dM", i, mb);
			push(&b, "-numa");
			push(&b, "node,nodeid=%d,memdev=ktstr-mem%d", i, i);
		}
		for (int s = 0; s < t->llcs; s++) {
			push(&b, "-numa");
			push(&b, "cpu,node-id=%d,socket-id=%d", s / llcs_per_node, s);
		}
	}
	if (b.oom) {
		ktstr_vm_topology_args_free(b.v);
		return fail(err, err_len, "out of memory");
	}
	*args = b.v;
	*nr = b.nr;
	return 0;
}
