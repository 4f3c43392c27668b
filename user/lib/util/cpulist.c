// SPDX-License-Identifier: GPL-2.0
/* CPU set bitmap operations and strict cpu-list parsing/formatting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/cpulist.h>
#include "util/ktstr_error.h"


#define fail(err, ...) KTSTR_FAIL(err, __VA_ARGS__)

void ktstr_cpuset_zero(struct ktstr_cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

static bool in_range(int cpu)
{
	return cpu >= 0 && cpu < KTSTR_MAX_CPUS;
}

int ktstr_cpuset_set(struct ktstr_cpuset *s, int cpu)
{
	if (!in_range(cpu))
		return -ERANGE;
	s->bits[cpu / 64] |= 1ULL << (cpu % 64);
	return 0;
}

int ktstr_cpuset_clear(struct ktstr_cpuset *s, int cpu)
{
	if (!in_range(cpu))
		return -ERANGE;
	s->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
	return 0;
}

int ktstr_cpuset_set_range(struct ktstr_cpuset *s, int first, int last)
{
	if (!in_range(first) || !in_range(last) || first > last)
		return -ERANGE;
	for (int cpu = first; cpu <= last; cpu++)
		s->bits[cpu / 64] |= 1ULL << (cpu % 64);
	return 0;
}

bool ktstr_cpuset_test(const struct ktstr_cpuset *s, int cpu)
{
	return in_range(cpu) && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

void ktstr_cpuset_and(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
		      const struct ktstr_cpuset *b)
{
	for (int i = 0; i < KTSTR_CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

void ktstr_cpuset_or(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
		     const struct ktstr_cpuset *b)
{
	for (int i = 0; i < KTSTR_CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

void ktstr_cpuset_andnot(struct ktstr_cpuset *dst, const struct ktstr_cpuset *a,
			 const struct ktstr_cpuset *b)
{
	for (int i = 0; i < KTSTR_CPUSET_WORDS; i++)
		dst->bits[i] = a->bits[i] & ~b->bits[i];
}

bool ktstr_cpuset_equal(const struct ktstr_cpuset *a, const struct ktstr_cpuset *b)
{
	return !memcmp(a->bits, b->bits, sizeof(a->bits));
}

bool ktstr_cpuset_subset(const struct ktstr_cpuset *a, const struct ktstr_cpuset *b)
{
	for (int i = 0; i < KTSTR_CPUSET_WORDS; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

bool ktstr_cpuset_intersects(const struct ktstr_cpuset *a,
			     const struct ktstr_cpuset *b)
{
	for (int i = 0; i < KTSTR_CPUSET_WORDS; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

bool ktstr_cpuset_empty(const struct ktstr_cpuset *s)
{
	for (int i = 0; i < KTSTR_CPUSET_WORDS; i++)
		if (s->bits[i])
			return false;
	return true;
}

int ktstr_cpuset_count(const struct ktstr_cpuset *s)
{
	int n = 0;

	for (int i = 0; i < KTSTR_CPUSET_WORDS; i++)
		n += __builtin_popcountll(s->bits[i]);
	return n;
}

int ktstr_cpuset_next(const struct ktstr_cpuset *s, int prev)
{
	int cpu = prev < 0 ? 0 : prev + 1;

	while (cpu < KTSTR_MAX_CPUS) {
		uint64_t w = s->bits[cpu / 64] >> (cpu % 64);

		if (w)
			return cpu + __builtin_ctzll(w);
		cpu = (cpu / 64 + 1) * 64;
	}
	return -1;
}

int ktstr_cpuset_first(const struct ktstr_cpuset *s)
{
	return ktstr_cpuset_next(s, -1);
}

int ktstr_cpuset_last(const struct ktstr_cpuset *s)
{
	for (int i = KTSTR_CPUSET_WORDS - 1; i >= 0; i--)
		if (s->bits[i])
			return i * 64 + 63 - __builtin_clzll(s->bits[i]);
	return -1;
}

void ktstr_cpuset_to_cpu_set(const struct ktstr_cpuset *s, cpu_set_t *out)
{
	int cpu;

	CPU_ZERO(out);
	ktstr_cpuset_for_each(cpu, s)
		if (cpu < CPU_SETSIZE)
			CPU_SET(cpu, out);
}

void ktstr_cpuset_from_cpu_set(struct ktstr_cpuset *s, const cpu_set_t *in)
{
	ktstr_cpuset_zero(s);
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu < KTSTR_MAX_CPUS; cpu++)
		if (CPU_ISSET(cpu, in))
			ktstr_cpuset_set(s, cpu);
}

/*
 * Parse one decimal number at *p. Hand-rolled rather than strtol() because
 * strtol accepts leading spaces, signs and "0x", which are not cpu lists.
 */
static int parse_num(const char **p, int limit, const char *item, int item_len,
		     int *out)
{
	const char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9')
		return fail(-EINVAL, "bad cpu list item '%.*s': expected a number",
			    item_len, item);
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v >= limit) {
			while (*s >= '0' && *s <= '9')
				s++;
			return fail(-ERANGE, "cpu list item '%.*s': %.*s is not below %d",
				    item_len, item, (int)(s - *p), *p, limit);
		}
		s++;
	}
	*p = s;
	*out = (int)v;
	return 0;
}

int ktstr_cpulist_parse(const char *str, int limit, struct ktstr_cpuset *out)
{
	const char *p = str;
	int ret;

	KTSTR_CLEAR_ERROR();
	if (!str || !out)
		return fail(-EINVAL, "cpu list: NULL argument");
	ktstr_cpuset_zero(out);
	if (limit <= 0 || limit > KTSTR_MAX_CPUS)
		limit = KTSTR_MAX_CPUS;
	if (!*p)
		return fail(-EINVAL, "empty cpu list");

	for (;;) {
		const char *item = p;
		int item_len = (int)strcspn(item, ",");
		int first, last;

		if (item_len == 0) {
			ret = fail(-EINVAL, "empty item at offset %d in cpu list '%s'",
				   (int)(item - str), str);
			goto err;
		}
		ret = parse_num(&p, limit, item, item_len, &first);
		if (ret)
			goto err;
		last = first;
		if (*p == '-') {
			p++;
			ret = parse_num(&p, limit, item, item_len, &last);
			if (ret)
				goto err;
			if (last < first) {
				ret = fail(-EINVAL, "bad cpu list item '%.*s': range is reversed",
					   item_len, item);
				goto err;
			}
		}
		if (*p != ',' && *p != '\0') {
			ret = fail(-EINVAL, "bad cpu list item '%.*s': unexpected '%c'",
				   item_len, item, *p);
			goto err;
		}
		ktstr_cpuset_set_range(out, first, last);
		if (*p == '\0')
			return 0;
		p++;
		if (*p == '\0') {
			ret = fail(-EINVAL, "trailing ',' in cpu list '%s'", str);
			goto err;
		}
	}
err:
	ktstr_cpuset_zero(out);
	return ret;
}

int ktstr_cpulist_format(const struct ktstr_cpuset *s, char *buf, size_t len)
{
	size_t pos = 0;
	int cpu = ktstr_cpuset_first(s);

	if (len)
		buf[0] = '\0';
	while (cpu >= 0) {
		int end = cpu;
		int n;

		while (ktstr_cpuset_test(s, end + 1))
			end++;
		n = snprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0,
			     end > cpu ? "%s%d-%d" : "%s%d", pos ? "," : "", cpu, end);
		pos += n;
		cpu = ktstr_cpuset_next(s, end);
	}
	return (int)pos;
}

char *ktstr_cpulist_str(const struct ktstr_cpuset *s)
{
	int n = ktstr_cpulist_format(s, NULL, 0);
	char *buf = malloc(n + 1);

	if (buf)
		ktstr_cpulist_format(s, buf, n + 1);
	return buf;
}
