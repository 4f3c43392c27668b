/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to libktstr: how a failing function writes the one message of
 * the calling thread that ktstr_last_error() (<ktstr/error.h>) returns.
 * Not installed.
 *
 *	#define fail(err, ...) KTSTR_FAIL(err, __VA_ARGS__)
 *	return fail(-EINVAL, "cpu %d: out of range", cpu);
 *
 * The arguments may be the message itself (or contain it): "%s",
 * ktstr_last_error() adds context to a callee's message.
 */
#ifndef KTSTR_ERROR_H
#define KTSTR_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include <ktstr/error.h>

/* Set the thread's message to the formatted text; return @err unchanged. */
int ktstr_errorf(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ktstr_verrorf(int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * For the functions that also fill a caller's buffer (@buf, @len bytes,
 * truncated; none if @buf is NULL or @len is 0): both get the text.
 */
int ktstr_errorf_buf(char *buf, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Empty the thread's message (for functions that clear it on success). */
void ktstr_error_clear(void);

/*
 * Messages the thread has recorded so far. Equal before and after a
 * failed call: the callee said nothing, and the message is an older one.
 */
unsigned int ktstr_error_count(void);

/* Empty the thread's message: a public call starts with it, so the text
 * describes the last call only ("" after a success). */
#define KTSTR_CLEAR_ERROR()	ktstr_error_clear()

/* Hand lines to the installed ktstr_print_fn; nothing if there is none. */
void ktstr_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktstr_vprint(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Record a message in the thread's message; evaluates to @err. */
#define KTSTR_FAIL(err, ...) ktstr_errorf((err), __VA_ARGS__)

#endif
