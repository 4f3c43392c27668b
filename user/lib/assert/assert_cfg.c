// SPDX-License-Identifier: GPL-2.0
/*
 * Assert configuration: optional thresholds, three-layer merge (last set
 * wins), text and JSON forms (docs/assert.md).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "assert_priv.h"

enum ftype { F_BOOL, F_U64, F_DBL };

struct field {
	const char *name;
	enum ftype type;
	size_t off;
};

#define FB(n)	[KTSTR_AF_##n] = { #n, F_BOOL, offsetof(struct ktstr_assert, n) }
#define FU(n)	[KTSTR_AF_##n] = { #n, F_U64, offsetof(struct ktstr_assert, n) }
#define FD(n)	[KTSTR_AF_##n] = { #n, F_DBL, offsetof(struct ktstr_assert, n) }

static const struct field fields[KTSTR_AF__COUNT] = {
	FB(not_stuck),
	FU(max_gap_ms),
	FD(max_spread_pct),
	FB(isolation),
	FD(max_throughput_cv),
	FD(min_work_rate),
	FU(max_p99_wake_latency_ns),
	FD(max_wake_latency_cv),
	FD(min_iteration_rate),
	FD(max_migration_ratio),
	FD(min_page_locality),
	FB(fail_on_starvation),
	FU(max_wait_ms),
	FU(max_cgroup_wait_ms),
	FD(max_wait_spread_pct),
	FB(kernel_isolation),
	FD(max_kernel_migration_ratio),
};

void ktstr_assert_none(struct ktstr_assert *a)
{
	if (a)
		memset(a, 0, sizeof(*a));
}

void ktstr_assert_defaults(struct ktstr_assert *a)
{
	if (!a)
		return;
	ktstr_assert_none(a);
	KTSTR_ASSERT_SET(a, not_stuck, true);
	KTSTR_ASSERT_SET(a, max_gap_ms, KTSTR_ASSERT_DFL_MAX_GAP_MS);
	KTSTR_ASSERT_SET(a, max_spread_pct, KTSTR_ASSERT_DFL_MAX_SPREAD_PCT);
	KTSTR_ASSERT_SET(a, fail_on_starvation, true);
	KTSTR_ASSERT_SET(a, max_wait_ms, KTSTR_ASSERT_DFL_MAX_WAIT_MS);
}

void ktstr_assert_merge(struct ktstr_assert *dst, const struct ktstr_assert *src)
{
	if (!dst || !src)
		return;
	for (int f = 0; f < KTSTR_AF__COUNT; f++) {
		const struct field *fd = &fields[f];
		size_t sz;

		if (!(src->has & KTSTR_ASSERT_BIT(f)))
			continue;
		sz = fd->type == F_BOOL ? sizeof(bool) :
		     fd->type == F_U64 ? sizeof(uint64_t) : sizeof(double);
		memcpy((char *)dst + fd->off, (const char *)src + fd->off, sz);
		dst->has |= KTSTR_ASSERT_BIT(f);
	}
}

/* Loosest of two limits: upper bounds (max_*) take the larger, floors the smaller. */
static void relax_num(const struct field *fd, void *d, const void *s)
{
	bool upper = !strncmp(fd->name, "max_", 4);

	if (fd->type == F_U64) {
		uint64_t a = *(uint64_t *)d, b = *(const uint64_t *)s;

		*(uint64_t *)d = upper ? (a > b ? a : b) : (a < b ? a : b);
	} else {
		double a = *(double *)d, b = *(const double *)s;

		*(double *)d = upper ? (a > b ? a : b) : (a < b ? a : b);
	}
}

void ktstr_assert_relax(struct ktstr_assert *dst, const struct ktstr_assert *src)
{
	if (!dst || !src)
		return;
	for (int f = 0; f < KTSTR_AF__COUNT; f++) {
		const struct field *fd = &fields[f];
		char *d = (char *)dst + fd->off;
		const char *s = (const char *)src + fd->off;

		/* A check that is off is already as loose as it gets. */
		if (!(src->has & dst->has & KTSTR_ASSERT_BIT(f)))
			continue;
		if (fd->type == F_BOOL)
			*(bool *)d = *(bool *)d && *(const bool *)s;
		else
			relax_num(fd, d, s);
	}
}

void ktstr_assert_resolve(struct ktstr_assert *out,
			  const struct ktstr_assert *sched,
			  const struct ktstr_assert *scenario)
{
	if (!out)
		return;
	ktstr_assert_defaults(out);
	ktstr_assert_merge(out, sched);
	ktstr_assert_merge(out, scenario);
}

const char *ktstr_assert_field_name(enum ktstr_assert_field f)
{
	if ((int)f < 0 || f >= KTSTR_AF__COUNT)
		return NULL;
	return fields[f].name;
}

int ktstr_assert_field_lookup(const char *name)
{
	if (!name)
		return -ENOENT;
	for (int f = 0; f < KTSTR_AF__COUNT; f++)
		if (!strcmp(fields[f].name, name))
			return f;
	return -ENOENT;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const t[] = { "true", "1", "yes", "on" };
	static const char *const n[] = { "false", "0", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, t[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, n[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int ktstr_assert_set_str(struct ktstr_assert *a, const char *name,
			 const char *value)
{
	int f = ktstr_assert_field_lookup(name);
	const struct field *fd;
	char *end;

	if (f < 0)
		return f;
	if (!a || !value || !*value)
		return -EINVAL;
	fd = &fields[f];
	switch (fd->type) {
	case F_BOOL: {
		bool b;

		if (parse_bool(value, &b))
			return -EINVAL;
		*(bool *)((char *)a + fd->off) = b;
		break;
	}
	case F_U64: {
		unsigned long long v;

		if (*value < '0' || *value > '9')	/* no sign or blanks */
			return -EINVAL;
		errno = 0;
		v = strtoull(value, &end, 10);
		if (errno || *end)
			return -EINVAL;
		*(uint64_t *)((char *)a + fd->off) = v;
		break;
	}
	case F_DBL: {
		double v;

		/* Plain decimal: no sign, blanks, hex, inf or nan. */
		if (!((*value >= '0' && *value <= '9') || *value == '.') ||
		    strpbrk(value, "xX"))
			return -EINVAL;
		errno = 0;
		v = strtod(value, &end);
		if (errno || *end || !isfinite(v) || v < 0)
			return -EINVAL;
		*(double *)((char *)a + fd->off) = v;
		break;
	}
	}
	a->has |= KTSTR_ASSERT_BIT(f);
	return 0;
}

int ktstr_assert_unset_str(struct ktstr_assert *a, const char *name)
{
	int f = ktstr_assert_field_lookup(name);

	if (f < 0)
		return f;
	if (!a)
		return -EINVAL;
	a->has &= ~KTSTR_ASSERT_BIT(f);
	return 0;
}

/* snprintf that keeps going past the end of buf and returns the total. */
__attribute__((format(printf, 4, 5)))
static void app(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL,
		      *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

int ktstr_assert_format(const struct ktstr_assert *a, char *buf, size_t len)
{
	size_t pos = 0;

	if (buf && len)
		buf[0] = '\0';
	if (!buf)
		len = 0;
	if (!a)
		return 0;
	for (int f = 0; f < KTSTR_AF__COUNT; f++) {
		const struct field *fd = &fields[f];
		const char *p = (const char *)a + fd->off;

		if (!(a->has & KTSTR_ASSERT_BIT(f)))
			continue;
		switch (fd->type) {
		case F_BOOL:
			app(buf, len, &pos, "%s = %s\n", fd->name,
			    *(const bool *)p ? "true" : "false");
			break;
		case F_U64:
			app(buf, len, &pos, "%s = %llu\n", fd->name,
			    (unsigned long long)*(const uint64_t *)p);
			break;
		case F_DBL:
			app(buf, len, &pos, "%s = %g\n", fd->name,
			    *(const double *)p);
			break;
		}
	}
	return (int)pos;
}

struct json_t *ktstr_assert_to_json(const struct ktstr_assert *a)
{
	json_t *o = json_object();

	if (!o || !a)
		return o;
	for (int f = 0; f < KTSTR_AF__COUNT; f++) {
		const struct field *fd = &fields[f];
		const char *p = (const char *)a + fd->off;
		json_t *v = NULL;

		if (!(a->has & KTSTR_ASSERT_BIT(f)))
			continue;
		switch (fd->type) {
		case F_BOOL:
			v = json_boolean(*(const bool *)p);
			break;
		case F_U64:
			v = json_integer((json_int_t)*(const uint64_t *)p);
			break;
		case F_DBL:
			v = json_real(*(const double *)p);
			break;
		}
		if (!v || json_object_set_new(o, fd->name, v)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}
