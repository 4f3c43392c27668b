/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel types kmod/ktstr_acct.h uses, for compiling it on the host. */
#ifndef KTSTR_TESTS_KSHIM_H
#define KTSTR_TESTS_KSHIM_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

#endif
