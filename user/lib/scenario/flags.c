// SPDX-License-Identifier: GPL-2.0
/* Scheduler flags: the catalog, parsing, profiles, requirements (flags.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ktstr/flags.h>
#include "util/ktstr_error.h"

/*
 * ktstr's catalog flags. The arguments are the convention a scheduler
 * under test follows ("--<name>"); one that spells them differently is
 * given its own with --sched-arg instead.
 */
const struct ktstr_flag_decl ktstr_flag_catalog[KTSTR_NR_FLAGS] = {
	[KTSTR_FLAG_LLC] = { "llc", { "--llc" }, 0,
		"LLC-aware placement" },
	[KTSTR_FLAG_BORROW] = { "borrow", { "--borrow" }, 0,
		"borrow idle CPUs of other cgroups" },
	[KTSTR_FLAG_STEAL] = { "steal", { "--steal" }, KTSTR_F(LLC),
		"steal work across LLCs" },
	[KTSTR_FLAG_REBAL] = { "rebal", { "--rebal" }, 0,
		"periodic load rebalancing" },
	[KTSTR_FLAG_REJECT_PIN] = { "reject-pin", { "--reject-pin" }, 0,
		"refuse tasks pinned to one CPU" },
	[KTSTR_FLAG_NO_CTRL] = { "no-ctrl", { "--no-ctrl" }, 0,
		"cgroups without controller settings" },
};

#define say(why, len, err, ...) ktstr_errorf_buf(why, len, err, __VA_ARGS__)

int ktstr_flag_find(const char *name)
{
	if (!name)
		return -ENOENT;
	for (int i = 0; i < KTSTR_NR_FLAGS; i++)
		if (!strcmp(ktstr_flag_catalog[i].name, name))
			return i;
	return -ENOENT;
}

static void known(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < KTSTR_NR_FLAGS && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				ktstr_flag_catalog[i].name);
}

int ktstr_flags_validate(uint32_t mask, char *why, size_t len)
{
	if (mask & ~KTSTR_FLAGS_ALL)
		return say(why, len, -EINVAL, "unknown flag bits 0x%x",
			   mask & ~KTSTR_FLAGS_ALL);
	for (int i = 0; i < KTSTR_NR_FLAGS; i++) {
		uint32_t miss;

		if (!(mask & (1U << i)))
			continue;
		miss = ktstr_flag_catalog[i].requires & ~mask;
		if (!miss)
			continue;
		for (int k = 0; k < KTSTR_NR_FLAGS; k++)
			if (miss & (1U << k))
				return say(why, len, -EINVAL, "flag %s requires %s",
					   ktstr_flag_catalog[i].name,
					   ktstr_flag_catalog[k].name);
	}
	return 0;
}

int ktstr_flags_parse(const char *list, uint32_t *mask, char *why, size_t len)
{
	uint32_t m = 0;
	const char *p = list;

	if (!mask)
		return -EINVAL;
	if (!list || !*list || !strcmp(list, "default")) {
		*mask = 0;
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, ",+");
		char name[32], names[128];
		int f;

		if (!n || n >= sizeof(name))
			return say(why, len, -EINVAL, "bad flag list '%s' (want NAME[,NAME...])",
				   list);
		memcpy(name, p, n);
		name[n] = '\0';
		f = ktstr_flag_find(name);
		if (f < 0) {
			known(names, sizeof(names));
			return say(why, len, -EINVAL, "unknown scheduler flag '%s' (known: %s)",
				   name, names);
		}
		if (m & (1U << f))
			return say(why, len, -EINVAL, "flag %s given twice", name);
		m |= 1U << f;
		p += n;
		if (*p) {
			p++;
			if (!*p)
				return say(why, len, -EINVAL,
					   "bad flag list '%s' (trailing separator)", list);
		}
	}
	if (ktstr_flags_validate(m, why, len))
		return -EINVAL;
	*mask = m;
	return 0;
}

const char *ktstr_flags_str(uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;

	if (!buf || !len)
		return "";
	buf[0] = '\0';
	if (!(mask & KTSTR_FLAGS_ALL)) {
		snprintf(buf, len, "default");
		return buf;
	}
	for (int i = 0; i < KTSTR_NR_FLAGS && off < len; i++)
		if (mask & (1U << i))
			off += snprintf(buf + off, len - off, "%s%s", off ? "+" : "",
					ktstr_flag_catalog[i].name);
	return buf;
}

int ktstr_flag_profiles(uint32_t *out)
{
	int n = 0;

	for (int bits = 0; bits <= KTSTR_NR_FLAGS; bits++)
		for (uint32_t m = 0; m <= KTSTR_FLAGS_ALL; m++)
			if (__builtin_popcount(m) == bits &&
			    !ktstr_flags_validate(m, NULL, 0))
				out[n++] = m;
	return n;
}

int ktstr_flags_skip_reason(uint32_t active, uint32_t required,
			    uint32_t excluded, char *why, size_t len)
{
	for (int i = 0; i < KTSTR_NR_FLAGS; i++)
		if ((required & (1U << i)) && !(active & (1U << i)))
			return say(why, len, -ENOSPC, "needs scheduler flag %s",
				   ktstr_flag_catalog[i].name);
	for (int i = 0; i < KTSTR_NR_FLAGS; i++)
		if (excluded & active & (1U << i))
			return say(why, len, -ENOSPC, "excluded by scheduler flag %s",
				   ktstr_flag_catalog[i].name);
	return 0;
}

int ktstr_flags_args(uint32_t mask, const char **args, int max)
{
	int n = 0;

	for (int i = 0; i < KTSTR_NR_FLAGS; i++) {
		if (!(mask & (1U << i)))
			continue;
		for (int k = 0; k < KTSTR_FLAG_MAX_ARGS && ktstr_flag_catalog[i].args[k]; k++) {
			if (n >= max)
				return -ENOSPC;
			args[n++] = ktstr_flag_catalog[i].args[k];
		}
	}
	return n;
}
