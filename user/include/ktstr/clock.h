/* SPDX-License-Identifier: GPL-2.0 */
/* Time for the whole library: one clock, one sleep (user/lib/util/clock.c). */
#ifndef KTSTR_CLOCK_H
#define KTSTR_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/**
 * ktstr_now_ns() - the library's clock
 *
 * Return: CLOCK_MONOTONIC in ns: the clock of the module's timestamps too.
 */
uint64_t ktstr_now_ns(void);

/**
 * ktstr_sleep_ms() - sleep against an absolute CLOCK_MONOTONIC deadline
 * @ms: how long, in milliseconds
 *
 * A signal neither shortens nor stretches it.
 */
void ktstr_sleep_ms(uint64_t ms);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_CLOCK_H */
