/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scheduler flags (ktstr's FlagDecl): named features of the scheduler under
 * test, each mapped to the arguments that turn it on and the flags it
 * requires. A set of flags is a bit mask (KTSTR_F(LLC) | ...); a *profile*
 * is a valid set (every flag's requirements in it), named "llc+borrow", or
 * "default" when empty. Scenarios declare the flags they need and the ones
 * they cannot run with (scenario.h: required_flags, excluded_flags).
 *
 * Conventions: functions return 0 (or a count) or a negative errno, with a
 * one-line reason in @why where they take one; they never print.
 */
#ifndef KTSTR_FLAGS_H
#define KTSTR_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* The catalog flags, in catalog order (the bit of each). */
enum ktstr_flag {
	KTSTR_FLAG_LLC,		/* LLC-aware placement */
	KTSTR_FLAG_BORROW,	/* borrow idle CPUs from other cgroups */
	KTSTR_FLAG_STEAL,	/* steal work across LLCs (requires llc) */
	KTSTR_FLAG_REBAL,	/* periodic rebalancing */
	KTSTR_FLAG_REJECT_PIN,	/* refuse tasks pinned to one CPU */
	KTSTR_FLAG_NO_CTRL,	/* cgroups without cpu controller settings */
	KTSTR_NR_FLAGS,
};

#define KTSTR_F(x)		(1U << KTSTR_FLAG_##x)
#define KTSTR_FLAGS_ALL		((1U << KTSTR_NR_FLAGS) - 1)
#define KTSTR_FLAG_MAX_ARGS	4
/* Every valid combination of the catalog flags: 2^6 - 16 (steal without llc). */
#define KTSTR_MAX_PROFILES	(1 << KTSTR_NR_FLAGS)
/* "llc+borrow+steal+rebal+reject-pin+no-ctrl" and its NUL. */
#define KTSTR_FLAGS_STR_MAX	64

struct ktstr_flag_decl {
	const char *name;
	/* The scheduler arguments turning it on, NULL-terminated. */
	const char *args[KTSTR_FLAG_MAX_ARGS];
	uint32_t requires;	/* KTSTR_F() bits */
	const char *description;
};

/* The catalog: llc, borrow, steal (requires llc), rebal, reject-pin, no-ctrl. */
extern const struct ktstr_flag_decl ktstr_flag_catalog[KTSTR_NR_FLAGS];

/**
 * ktstr_flag_find() - a flag by name
 * @name: the name
 *
 * Return: the flag's index (enum ktstr_flag), or -ENOENT.
 */
int ktstr_flag_find(const char *name);

/**
 * ktstr_flags_parse() - parse a list of flag names
 * @list: names separated by ',' or '+' ("llc,borrow", "llc+borrow"); ""
 *	and "default" are the empty set
 * @mask: receives the KTSTR_F() bits
 * @why: receives the reason of a failure (as does ktstr_last_error())
 * @len: size of @why
 *
 * Return: 0, or -EINVAL for an unknown or repeated name, or a missing
 * requirement ("flag steal requires llc").
 */
int ktstr_flags_parse(const char *list, uint32_t *mask, char *why, size_t len);

/**
 * ktstr_flags_validate() - has every flag its requirements
 * @mask: KTSTR_F() bits
 * @why: receives the reason of a failure
 * @len: size of @why
 *
 * Return: 0 when every flag of @mask has its requirements in @mask,
 * -EINVAL otherwise.
 */
int ktstr_flags_validate(uint32_t mask, char *why, size_t len);

/**
 * ktstr_flags_str() - the profile name of some flags
 * @mask: KTSTR_F() bits
 * @buf: receives "llc+borrow" in catalog order, "default" for 0
 * @len: size of @buf (KTSTR_FLAGS_STR_MAX is enough)
 *
 * Return: @buf ("" when @buf is NULL or @len 0).
 */
const char *ktstr_flags_str(uint32_t mask, char *buf, size_t len);

/**
 * ktstr_flag_profiles() - every valid profile
 * @out: receives them, "default" first, then by number of flags, then by
 *	catalog order; room for KTSTR_MAX_PROFILES
 *
 * Return: the count.
 */
int ktstr_flag_profiles(uint32_t *out);

/**
 * ktstr_flags_skip_reason() - can a scenario run with some flags
 * @active: the run's flags
 * @required: the flags the scenario needs
 * @excluded: the flags it cannot run with
 * @why: receives the reason ("needs scheduler flag llc", "excluded by
 *	scheduler flag borrow")
 * @len: size of @why
 *
 * Return: 0, or -ENOSPC with the reason.
 */
int ktstr_flags_skip_reason(uint32_t active, uint32_t required,
			    uint32_t excluded, char *why, size_t len);

/**
 * ktstr_flags_args() - the scheduler arguments of some flags
 * @mask: KTSTR_F() bits
 * @args: the arguments of every flag of @mask are appended, in catalog
 *	order
 * @max: room in @args
 *
 * Return: the number added, or -ENOSPC.
 */
int ktstr_flags_args(uint32_t mask, const char **args, int max);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_FLAGS_H */
