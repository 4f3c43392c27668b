// SPDX-License-Identifier: GPL-2.0
/*
 * The library's one error channel, a message per thread, and the print
 * function its diagnostic lines go to (<ktstr/error.h>).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/ktstr_error.h"

#define KTSTR_ERROR_LEN 512

static _Thread_local char last_error[KTSTR_ERROR_LEN];
static _Thread_local unsigned int nr_errors;

const char *ktstr_last_error(void)
{
	return last_error;
}

void ktstr_error_clear(void)
{
	last_error[0] = '\0';
}

unsigned int ktstr_error_count(void)
{
	return nr_errors;
}

int ktstr_verrorf(int err, const char *fmt, va_list ap)
{
	char tmp[KTSTR_ERROR_LEN];

	/* Through tmp: the arguments may point into last_error. */
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	memcpy(last_error, tmp, strlen(tmp) + 1);
	nr_errors++;
	return err;
}

int ktstr_errorf(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktstr_verrorf(err, fmt, ap);
	va_end(ap);
	return err;
}

int ktstr_errorf_buf(char *buf, size_t len, int err, const char *fmt, ...)
{
	va_list ap, aq;

	va_start(ap, fmt);
	if (buf && len) {
		va_copy(aq, ap);
		vsnprintf(buf, len, fmt, aq);
		va_end(aq);
	}
	ktstr_verrorf(err, fmt, ap);
	va_end(ap);
	return err;
}

static ktstr_print_fn print_fn;

ktstr_print_fn ktstr_set_print(ktstr_print_fn fn)
{
	ktstr_print_fn old = print_fn;

	print_fn = fn;
	return old;
}

void ktstr_vprint(const char *fmt, va_list ap)
{
	if (print_fn)
		print_fn(fmt, ap);
}

void ktstr_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktstr_vprint(fmt, ap);
	va_end(ap);
}
