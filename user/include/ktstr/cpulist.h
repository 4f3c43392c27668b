/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU sets and cpu-list strings ("0-3,5,7-9").
 *
 * struct ktstr_cpuset is a fixed bitmap of KTSTR_MAX_CPUS bits rather than a
 * wrapper around hwloc_bitmap_t: it is a plain value (copy with '=', compare
 * with ktstr_cpuset_equal), needs no allocation and so has no failure path,
 * and can sit inside other structs (topology tables, cgroup definitions,
 * worker configs) without ownership rules. 1024 bits matches glibc's
 * CPU_SETSIZE, so it converts to cpu_set_t for sched_setaffinity() losslessly.
 * The same type doubles as a NUMA node set (cpuset.mems).
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print. ktstr_last_error() gives a
 * one-line description of the last parse failure in the calling thread.
 */
#ifndef KTSTR_CPULIST_H
#define KTSTR_CPULIST_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/ktstr.h>	/* KTSTR_MAX_CPUS: one limit for module and library */
#include <ktstr/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define KTSTR_CPUSET_WORDS	(KTSTR_MAX_CPUS / 64)

struct ktstr_cpuset {
	uint64_t bits[KTSTR_CPUSET_WORDS];
};

/* Iterate over the set bits of @set in ascending order. */
#define ktstr_cpuset_for_each(cpu, set)					\
	for ((cpu) = ktstr_cpuset_first(set); (cpu) >= 0;		\
	     (cpu) = ktstr_cpuset_next(set, cpu))

void ktstr_cpuset_zero(struct ktstr_cpuset *s);
/* Set/clear one CPU; -ERANGE if cpu is negative or >= KTSTR_MAX_CPUS. */
int ktstr_cpuset_set(struct ktstr_cpuset *s, int cpu);
int ktstr_cpuset_clear(struct ktstr_cpuset *s, int cpu);
/* Set first..last inclusive; -ERANGE if out of bounds or first > last. */
int ktstr_cpuset_set_range(struct ktstr_cpuset *s, int first, int last);
bool ktstr_cpuset_test(const struct ktstr_cpuset *s, int cpu);

/* dst = a OP b; dst may alias a or b. */
void ktstr_cpuset_and(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
		      const struct ktstr_cpuset *b);
void ktstr_cpuset_or(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
		     const struct ktstr_cpuset *b);
void ktstr_cpuset_andnot(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
			 const struct ktstr_cpuset *b);

bool ktstr_cpuset_equal(const struct ktstr_cpuset *a, const struct ktstr_cpuset *b);
/* True if every CPU of @a is in @b (the empty set is a subset of anything). */
bool ktstr_cpuset_subset(const struct ktstr_cpuset *a, const struct ktstr_cpuset *b);
bool ktstr_cpuset_intersects(const struct ktstr_cpuset *a,
			     const struct ktstr_cpuset *b);
bool ktstr_cpuset_empty(const struct ktstr_cpuset *s);
int ktstr_cpuset_count(const struct ktstr_cpuset *s);
/* Lowest CPU, or -1 if empty. */
int ktstr_cpuset_first(const struct ktstr_cpuset *s);
/* Lowest CPU greater than @prev, or -1. */
int ktstr_cpuset_next(const struct ktstr_cpuset *s, int prev);
/* Highest CPU, or -1 if empty. */
int ktstr_cpuset_last(const struct ktstr_cpuset *s);

void ktstr_cpuset_to_cpu_set(const struct ktstr_cpuset *s, cpu_set_t *out);
void ktstr_cpuset_from_cpu_set(struct ktstr_cpuset *s, const cpu_set_t *in);

/*
 * Parse a strict cpu list: comma-separated decimal CPUs or ranges "a-b"
 * with a <= b, no spaces, no empty items, every value < @limit (use
 * KTSTR_MAX_CPUS for "any"; @limit > KTSTR_MAX_CPUS is clamped). The empty
 * string is rejected: an empty set has no cpu-list spelling here, callers
 * that read an empty cpuset.cpus handle "" themselves.
 * Returns 0, or -EINVAL (syntax) / -ERANGE (value too large); on error *out
 * is left empty and the message names the offending item.
 */
int ktstr_cpulist_parse(const char *str, int limit, struct ktstr_cpuset *out);
/*
 * Canonical form: ascending, ranges of 2 or more as "a-b", "" for the empty
 * set. Returns the length of the full string like snprintf (the output is
 * truncated if it does not fit in @len).
 */
int ktstr_cpulist_format(const struct ktstr_cpuset *s, char *buf, size_t len);
/* As above into a malloc()ed string (caller frees); NULL on ENOMEM. */
char *ktstr_cpulist_str(const struct ktstr_cpuset *s);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_CPULIST_H */
