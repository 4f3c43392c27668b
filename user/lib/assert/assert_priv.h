/* SPDX-License-Identifier: GPL-2.0 */
/* Internals shared by the assert*.c files. */
#ifndef KTSTR_ASSERT_PRIV_H
#define KTSTR_ASSERT_PRIV_H

#include <stdarg.h>

#include <ktstr/assert.h>

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

/* Append a detail built from the arguments; verdict FAIL unless SKIP. */
__attribute__((format(printf, 7, 8)))
int ktstr__detail(struct ktstr_assert_result *r, enum ktstr_detail_kind kind,
		  const char *cgroup, pid_t pid, int cpu, uint64_t duration_ns,
		  const char *fmt, ...);
/* The same with a comm. */
__attribute__((format(printf, 8, 9)))
int ktstr__detail_comm(struct ktstr_assert_result *r,
		       enum ktstr_detail_kind kind, const char *cgroup,
		       pid_t pid, const char *comm, int cpu,
		       uint64_t duration_ns, const char *fmt, ...);
/* Append a copy of @s to r->cgroups and fold it into r->stats. */
int ktstr__add_cgroup_stats(struct ktstr_assert_result *r,
			    const struct ktstr_cgroup_stats *s);
/* Raise the verdict of @r to at least @v. */
void ktstr__verdict(struct ktstr_assert_result *r, enum ktstr_verdict v);

/* Kernel part of ktstr_assert_cgroup(): fills the kernel stats of @s. */
int ktstr__assert_kernel_cgroup(const struct ktstr_assert *cfg,
				const struct ktstr_assert_cgroup_in *in,
				struct ktstr_cgroup_stats *s,
				struct ktstr_assert_result *r);

/* "comm[pid]" into buf. */
const char *ktstr__task_name(char *buf, size_t len, const char *comm, pid_t pid);

#endif
