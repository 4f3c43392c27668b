// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the benchmarks (bench_*.c): order statistics of a
 * sample, and unloading/reloading ktstr.ko in the guest. Header-only
 * (static inline), like tests/guest/guest.h which it builds on.
 */
#ifndef KTSTR_BENCH_UTIL_H
#define KTSTR_BENCH_UTIL_H

#include "guest.h"

#define KT_MODULE_NAME	"ktstr"
#define KT_MODULE_PATH	"/lib/ktstr/ktstr.ko"

struct stats {
	double median, min, max, q1, q3;
};

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks, on a sorted array. */
static inline double quantile(const double *s, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)pos;

	if (lo >= n - 1)
		return s[n - 1];
	return s[lo] + (pos - lo) * (s[lo + 1] - s[lo]);
}

static inline struct stats stats_of(const double *v, int n)
{
	double *s = malloc(sizeof(*s) * n);
	struct stats st;

	if (!s) {
		perror("malloc");
		exit(1);
	}
	memcpy(s, v, sizeof(*s) * n);
	qsort(s, n, sizeof(*s), cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.median = quantile(s, n, 0.5);
	st.q1 = quantile(s, n, 0.25);
	st.q3 = quantile(s, n, 0.75);
	free(s);
	return st;
}

static inline bool module_loaded(void)
{
	return access("/sys/module/" KT_MODULE_NAME, F_OK) == 0;
}

/* rmmod: fails (and exits) if /dev/ktstr is still open somewhere. */
static inline void module_unload(void)
{
	if (!module_loaded())
		return;
	if (syscall(SYS_delete_module, KT_MODULE_NAME, O_NONBLOCK)) {
		fprintf(stderr, "bench: delete_module(ktstr): %s\n", strerror(errno));
		exit(1);
	}
	for (int i = 0; i < 1000 && module_loaded(); i++)
		sleep_ns(1000000);
	if (module_loaded()) {
		fprintf(stderr, "bench: ktstr still in /sys/module after delete_module\n");
		exit(1);
	}
}

/* insmod with params ("" for the defaults); waits for /dev/ktstr. */
static inline void module_load(const char *path, const char *params)
{
	int fd;

	if (module_loaded())
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "bench: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (syscall(SYS_finit_module, fd, params, 0)) {
		fprintf(stderr, "bench: finit_module(%s, \"%s\"): %s\n", path, params,
			strerror(errno));
		exit(1);
	}
	close(fd);
	for (int i = 0; i < 2000 && access(KTSTR_DEVICE_PATH, F_OK); i++)
		sleep_ns(1000000);
	if (access(KTSTR_DEVICE_PATH, F_OK)) {
		fprintf(stderr, "bench: %s did not appear after loading\n", KTSTR_DEVICE_PATH);
		exit(1);
	}
}

#endif
