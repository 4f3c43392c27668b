/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to libktstr: the per-module "last error" message. Each module
 * keeps its own thread-local buffer behind its public ktstr_*_last_error()
 * getter and formats failures into it with ktstr_errorf(). Not installed.
 *
 *	KTSTR_LAST_ERROR(ktstr_foo_last_error, 256);
 *	#define fail(err, ...) KTSTR_FAIL(err, __VA_ARGS__)
 */
#ifndef KTSTR_ERROR_H
#define KTSTR_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Format the message into @buf (@len bytes, truncated; nothing is written
 * if @buf is NULL or @len is 0) and return @err unchanged.
 */
int ktstr_errorf(char *buf, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int ktstr_verrorf(char *buf, size_t len, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/*
 * Define this module's thread-local buffer `last_error` (@size bytes) and
 * its public getter `const char *@getter(void)` returning it.
 */
#define KTSTR_LAST_ERROR(getter, size)				\
	static _Thread_local char last_error[size];		\
	const char *getter(void)				\
	{							\
		return last_error;				\
	}							\
	struct ktstr_last_error_semicolon__

/* Empty this module's last_error: a public call starts with it, so the
 * text describes the last call only ("" after a success). */
#define KTSTR_CLEAR_ERROR()	((void)(last_error[0] = '\0'))

/* Record a message in this module's last_error; evaluates to @err. */
#define KTSTR_FAIL(err, ...)					\
	ktstr_errorf(last_error, sizeof(last_error), (err), __VA_ARGS__)

#endif
