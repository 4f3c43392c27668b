/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The library's one error channel (user/lib/util/ktstr_error.c).
 *
 * Functions of libktstr report failure by their return value: a negative
 * errno (or NULL, or false, as each one documents). A failing function
 * also leaves a one-line description of what went wrong in a message of
 * the calling thread, which ktstr_last_error() returns. The library never
 * prints: the caller decides whether and where the message goes.
 *
 *	if (ktstr_cgroup_create(cg, "a") < 0)
 *		fprintf(stderr, "ktstr: %s\n", ktstr_last_error());
 *
 * The few parts that report progress or more than one line while they
 * run (the VM runner, the kernel cache) hand those lines to a print
 * function the caller installs with ktstr_set_print(), as libbpf's
 * libbpf_set_print(); without one they stay silent.
 */
#ifndef KTSTR_ERROR_H_PUBLIC
#define KTSTR_ERROR_H_PUBLIC

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/**
 * ktstr_last_error() - the message of the calling thread's last failure
 *
 * The message is set by every failing function of the library and kept
 * until the next failure of the same thread (a few functions, which say
 * so, clear it when they succeed). Each thread has its own.
 *
 * Return: a NUL-terminated line without a trailing newline; "" when
 * nothing has failed in this thread yet. The pointer stays valid for the
 * thread's life; its text changes with the next failure.
 */
const char *ktstr_last_error(void);

/**
 * typedef ktstr_print_fn - receives the library's diagnostic lines
 * @fmt: printf format of one or more whole lines, each ending in '\n'
 * @ap: its arguments
 *
 * Called in the thread (or forked child) that has something to say.
 */
typedef void (*ktstr_print_fn)(const char *fmt, va_list ap);

/**
 * ktstr_set_print() - install the print function for the whole process
 * @fn: the new function; NULL silences the library (the default)
 *
 * Not synchronised: install it once, before the library's threads start.
 *
 * Return: the previous function (NULL if none).
 */
ktstr_print_fn ktstr_set_print(ktstr_print_fn fn);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_ERROR_H_PUBLIC */
