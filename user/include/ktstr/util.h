/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers every part of libktstr and its users share. */
#ifndef KTSTR_UTIL_H
#define KTSTR_UTIL_H

#pragma GCC visibility push(default)

/* Elements of an array (not a pointer). */
#define KTSTR_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#pragma GCC visibility pop

#endif /* KTSTR_UTIL_H */
