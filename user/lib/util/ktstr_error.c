// SPDX-License-Identifier: GPL-2.0
/* The per-module "last error" message (see ktstr_error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "util/ktstr_error.h"

int ktstr_verrorf(char *buf, size_t len, int err, const char *fmt, va_list ap)
{
	if (buf && len)
		vsnprintf(buf, len, fmt, ap);
	return err;
}

int ktstr_errorf(char *buf, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktstr_verrorf(buf, len, err, fmt, ap);
	va_end(ap);
	return err;
}
