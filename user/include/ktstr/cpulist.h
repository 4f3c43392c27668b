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

/**
 * struct ktstr_cpuset - a set of CPUs (or of NUMA nodes)
 * @bits: bit i is CPU i, for i < KTSTR_MAX_CPUS
 */
struct ktstr_cpuset {
	uint64_t bits[KTSTR_CPUSET_WORDS];
};

/* Iterate over the set bits of @set in ascending order. */
#define ktstr_cpuset_for_each(cpu, set)					\
	for ((cpu) = ktstr_cpuset_first(set); (cpu) >= 0;		\
	     (cpu) = ktstr_cpuset_next(set, cpu))

/**
 * ktstr_cpuset_zero() - empty a set
 * @s: the set
 */
void ktstr_cpuset_zero(struct ktstr_cpuset *s);

/**
 * ktstr_cpuset_set() - add one CPU
 * @s: the set
 * @cpu: the CPU
 *
 * Return: 0, or -ERANGE if @cpu is negative or >= KTSTR_MAX_CPUS.
 */
int ktstr_cpuset_set(struct ktstr_cpuset *s, int cpu);

/**
 * ktstr_cpuset_clear() - remove one CPU
 * @s: the set
 * @cpu: the CPU
 *
 * Return: 0, or -ERANGE if @cpu is negative or >= KTSTR_MAX_CPUS.
 */
int ktstr_cpuset_clear(struct ktstr_cpuset *s, int cpu);

/**
 * ktstr_cpuset_set_range() - add a range of CPUs
 * @s: the set
 * @first: the first CPU
 * @last: the last, inclusive
 *
 * Return: 0, or -ERANGE if out of bounds or @first > @last.
 */
int ktstr_cpuset_set_range(struct ktstr_cpuset *s, int first, int last);

/**
 * ktstr_cpuset_test() - is a CPU in a set
 * @s: the set
 * @cpu: the CPU (out of range: not in it)
 *
 * Return: true if it is.
 */
bool ktstr_cpuset_test(const struct ktstr_cpuset *s, int cpu);

/**
 * ktstr_cpuset_and() - intersection
 * @dst: receives @a AND @b; may alias @a or @b
 * @a: one set
 * @b: the other
 */
void ktstr_cpuset_and(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
		      const struct ktstr_cpuset *b);

/**
 * ktstr_cpuset_or() - union
 * @dst: receives @a OR @b; may alias @a or @b
 * @a: one set
 * @b: the other
 */
void ktstr_cpuset_or(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
		     const struct ktstr_cpuset *b);

/**
 * ktstr_cpuset_andnot() - difference
 * @dst: receives @a AND NOT @b; may alias @a or @b
 * @a: the set
 * @b: what to take away
 */
void ktstr_cpuset_andnot(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
			 const struct ktstr_cpuset *b);

/**
 * ktstr_cpuset_equal() - are two sets equal
 * @a: one set
 * @b: the other
 *
 * Return: true if they are.
 */
bool ktstr_cpuset_equal(const struct ktstr_cpuset *a, const struct ktstr_cpuset *b);

/**
 * ktstr_cpuset_subset() - is one set in another
 * @a: the smaller set
 * @b: the larger
 *
 * Return: true if every CPU of @a is in @b (the empty set is a subset of
 * anything).
 */
bool ktstr_cpuset_subset(const struct ktstr_cpuset *a, const struct ktstr_cpuset *b);

/**
 * ktstr_cpuset_intersects() - have two sets a CPU in common
 * @a: one set
 * @b: the other
 *
 * Return: true if they have.
 */
bool ktstr_cpuset_intersects(const struct ktstr_cpuset *a,
			     const struct ktstr_cpuset *b);

/**
 * ktstr_cpuset_empty() - is a set empty
 * @s: the set
 *
 * Return: true if it is.
 */
bool ktstr_cpuset_empty(const struct ktstr_cpuset *s);

/**
 * ktstr_cpuset_count() - how many CPUs a set has
 * @s: the set
 *
 * Return: the count.
 */
int ktstr_cpuset_count(const struct ktstr_cpuset *s);

/**
 * ktstr_cpuset_first() - the lowest CPU of a set
 * @s: the set
 *
 * Return: the CPU, or -1 if @s is empty.
 */
int ktstr_cpuset_first(const struct ktstr_cpuset *s);

/**
 * ktstr_cpuset_next() - the next CPU of a set
 * @s: the set
 * @prev: the CPU before
 *
 * Return: the lowest CPU greater than @prev, or -1.
 */
int ktstr_cpuset_next(const struct ktstr_cpuset *s, int prev);

/**
 * ktstr_cpuset_last() - the highest CPU of a set
 * @s: the set
 *
 * Return: the CPU, or -1 if @s is empty.
 */
int ktstr_cpuset_last(const struct ktstr_cpuset *s);

/**
 * ktstr_cpuset_to_cpu_set() - a set as the C library's cpu_set_t
 * @s: the set
 * @out: receives it
 */
void ktstr_cpuset_to_cpu_set(const struct ktstr_cpuset *s, cpu_set_t *out);

/**
 * ktstr_cpuset_from_cpu_set() - a set from the C library's cpu_set_t
 * @s: receives it
 * @in: the cpu_set_t
 */
void ktstr_cpuset_from_cpu_set(struct ktstr_cpuset *s, const cpu_set_t *in);

/**
 * ktstr_cpulist_parse() - parse a strict cpu list
 * @str: comma-separated decimal CPUs or ranges "a-b" with a <= b, no
 *	spaces, no empty items; the empty string is rejected (an empty set has
 *	no cpu-list spelling here: callers that read an empty cpuset.cpus
 *	handle "" themselves)
 * @limit: every value must be below it (KTSTR_MAX_CPUS for "any"; larger
 *	is clamped)
 * @out: receives the set; left empty on error
 *
 * Return: 0, or -EINVAL (syntax) / -ERANGE (value too large) with
 * ktstr_last_error() naming the offending item.
 */
int ktstr_cpulist_parse(const char *str, int limit, struct ktstr_cpuset *out);

/**
 * ktstr_cpulist_format() - a set in canonical cpu-list form
 * @s: the set
 * @buf: receives it: ascending, ranges of 2 or more as "a-b", "" for the
 *	empty set (truncated if it does not fit)
 * @len: size of @buf
 *
 * Return: the length of the full string, as snprintf().
 */
int ktstr_cpulist_format(const struct ktstr_cpuset *s, char *buf, size_t len);

/**
 * ktstr_cpulist_str() - ktstr_cpulist_format() into a malloc()ed string
 * @s: the set
 *
 * Return: the string (the caller frees it), or NULL when out of memory.
 */
char *ktstr_cpulist_str(const struct ktstr_cpuset *s);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_CPULIST_H */
