// SPDX-License-Identifier: GPL-2.0
/*
 * collector.c - user half of the BPF collector: load the skeleton of
 * ktstr_collect.bpf.c, add pids to its `tasks` map, and turn the map into
 * struct ktstr_task_rec, the module's record, so that every consumer
 * reads one format.
 *
 * Built only when the Makefile found clang, bpftool and libbpf
 * (KTSTR_HAVE_BPF); otherwise every entry point says "not built".
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/ktstr.h>
#include <ktstr/clock.h>
#include "util/ktstr_error.h"

typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

#define KTSTR_BPF_INTERNAL
#include "collector.h"


#define fail(err, ...) KTSTR_FAIL(err, __VA_ARGS__)

#ifndef KTSTR_HAVE_BPF

int ktstr_bpf_open(struct ktstr_bpf **out, unsigned int capacity)
{
	(void)capacity;
	if (out)
		*out = NULL;
	return fail(-ENOTSUP, "bpf collector: not built (no clang/bpftool/libbpf at build time)");
}

void ktstr_bpf_close(struct ktstr_bpf *b)
{
	(void)b;
}

int ktstr_bpf_track_pid(struct ktstr_bpf *b, pid_t pid, bool follow)
{
	(void)b, (void)pid, (void)follow;
	return fail(-ENOTSUP, "bpf collector: not built");
}

int ktstr_bpf_reset(struct ktstr_bpf *b)
{
	(void)b;
	return fail(-ENOTSUP, "bpf collector: not built");
}

unsigned long long ktstr_bpf_dropped(const struct ktstr_bpf *b)
{
	(void)b;
	return 0;
}

int ktstr_bpf_snapshot(struct ktstr_bpf *b, struct ktstr_task_rec **recs, size_t *n,
		       unsigned long long *dropped)
{
	(void)b, (void)recs, (void)n, (void)dropped;
	return fail(-ENOTSUP, "bpf collector: not built");
}

#else /* KTSTR_HAVE_BPF */

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ktstr_collect.skel.h"

_Static_assert(sizeof(((struct ktstr_bpf_task *)0)->cpus) ==
	       sizeof(((struct ktstr_task_rec *)0)->cpus), "cpus bitmap size");

struct ktstr_bpf {
	struct ktstr_collect *skel;
};

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("KTSTR_BPF_DEBUG"))
		ktstr_vprint(fmt, ap);
	return 0;
}

int ktstr_bpf_open(struct ktstr_bpf **out, unsigned int capacity)
{
	struct ktstr_bpf *b;
	int err;

	if (!out)
		return fail(-EINVAL, "bpf collector: NULL argument");
	*out = NULL;
	libbpf_set_print(silent_print);
	b = calloc(1, sizeof(*b));
	if (!b)
		return fail(-ENOMEM, "bpf collector: out of memory");
	b->skel = ktstr_collect__open();
	if (!b->skel) {
		err = -errno;
		free(b);
		return fail(err ? err : -EINVAL, "bpf collector: open: %s", strerror(err ? -err : EINVAL));
	}
	if (capacity)
		bpf_map__set_max_entries(b->skel->maps.tasks, capacity);
	err = ktstr_collect__load(b->skel);
	if (!err)
		err = ktstr_collect__attach(b->skel);
	if (err) {
		ktstr_collect__destroy(b->skel);
		free(b);
		return fail(err, "bpf collector: %s: %s (needs CAP_BPF and CAP_PERFMON, and a kernel with BTF)",
			    err == -EPERM ? "load" : "load/attach", strerror(-err));
	}
	*out = b;
	return 0;
}

void ktstr_bpf_close(struct ktstr_bpf *b)
{
	if (!b)
		return;
	ktstr_collect__destroy(b->skel);
	free(b);
}

/* Run the task iterator: set up new pids, refresh the live ones. */
static int run_iter(struct ktstr_bpf *b)
{
	char buf[64];
	ssize_t r;
	int fd;

	fd = bpf_iter_create(bpf_link__fd(b->skel->links.ktstr_sync));
	if (fd < 0)
		return fail(-errno, "bpf collector: task iterator: %s", strerror(errno));
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	if (r < 0)
		return fail(-errno, "bpf collector: task iterator: %s", strerror(errno));
	return 0;
}

int ktstr_bpf_track_pid(struct ktstr_bpf *b, pid_t pid, bool follow)
{
	struct ktstr_bpf_task v;
	__u32 key = (__u32)pid;
	int fd, err;

	if (!b || pid <= 0)
		return fail(-EINVAL, "bpf collector: bad argument");
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return fail(-ESRCH, "bpf collector: no task %d", pid);
	memset(&v, 0, sizeof(v));
	v.pending = 1;
	v.follow = follow;
	v.pid = pid;
	fd = bpf_map__fd(b->skel->maps.tasks);
	if (bpf_map_update_elem(fd, &key, &v, BPF_ANY) < 0)
		return fail(-errno, "bpf collector: track %d: %s", pid, strerror(errno));
	err = run_iter(b);
	if (err)
		return err;
	if (bpf_map_lookup_elem(fd, &key, &v) < 0 || v.pending) {
		bpf_map_delete_elem(fd, &key);
		return fail(-ESRCH, "bpf collector: task %d not found by the iterator", pid);
	}
	return 0;
}

static void fill_rec(const struct ktstr_bpf_task *t, struct ktstr_task_rec *rec, uint64_t now)
{
	const struct ktstr_acct *a = &t->acct;

	memset(rec, 0, sizeof(*rec));
	ktstr_acct_to_rec(a, rec, now);
	rec->pid = t->pid;
	rec->tgid = t->tgid;
	rec->nr_cpus = t->nr_cpus;
	memcpy(rec->comm, t->comm, sizeof(rec->comm));
	rec->comm[KTSTR_COMM_LEN - 1] = '\0';
	rec->cgroup_id = t->cgroup_id;
	rec->start_time_ns = t->start_time;
	/* The slice in progress, as far as the kernel has counted it. */
	if (a->state == KTSTR_STATE_RUNNING && !(a->flags & KTSTR_TASK_EXITED) &&
	    t->kern[KTSTR_BPF_K_SUM_EXEC] > t->sum_exec_mark)
		rec->run_ns += t->kern[KTSTR_BPF_K_SUM_EXEC] - t->sum_exec_mark;
	rec->cur_wait_ns = (a->flags & KTSTR_TASK_EXITED) ? 0 : ktstr_acct_cur_wait(a, now);
	rec->kern_sum_exec_ns = t->kern[KTSTR_BPF_K_SUM_EXEC];
	rec->kern_run_delay_ns = t->kern[KTSTR_BPF_K_RUN_DELAY];
	rec->kern_pcount = t->kern[KTSTR_BPF_K_PCOUNT];
	rec->kern_nvcsw = t->kern[KTSTR_BPF_K_NVCSW];
	rec->kern_nivcsw = t->kern[KTSTR_BPF_K_NIVCSW];
	rec->kern_nr_migrations = t->kern[KTSTR_BPF_K_MIGRATIONS];
	memcpy(rec->cpus, t->cpus, sizeof(rec->cpus));
}

int ktstr_bpf_snapshot(struct ktstr_bpf *b, struct ktstr_task_rec **recs, size_t *n,
		       unsigned long long *dropped)
{
	struct ktstr_task_rec *out = NULL;
	struct ktstr_bpf_task v;
	__u32 key, next, *prev = NULL;
	size_t cnt = 0, cap = 0;
	uint64_t now;
	int fd, err, r;

	if (!b || !recs || !n)
		return fail(-EINVAL, "bpf collector: NULL argument");
	*recs = NULL;
	*n = 0;
	err = run_iter(b);
	if (err)
		return err;
	now = ktstr_now_ns();
	fd = bpf_map__fd(b->skel->maps.tasks);
	while ((r = bpf_map_get_next_key(fd, prev, &next)) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) < 0 || v.pending)
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(out, ncap * sizeof(*out));

			if (!p) {
				free(out);
				return fail(-ENOMEM, "bpf collector: out of memory");
			}
			out = p;
			cap = ncap;
		}
		fill_rec(&v, &out[cnt++], now);
	}
	if (r < 0 && errno != ENOENT) {
		err = -errno;
		free(out);
		return fail(err, "bpf collector: map walk: %s", strerror(-err));
	}
	if (dropped)
		*dropped = b->skel->bss->dropped;
	*recs = cnt ? out : (free(out), NULL);
	*n = cnt;
	return 0;
}

int ktstr_bpf_reset(struct ktstr_bpf *b)
{
	__u32 key;
	int fd, err = 0;

	if (!b)
		return fail(-EINVAL, "bpf collector: NULL argument");
	fd = bpf_map__fd(b->skel->maps.tasks);
	/* Always delete the first key: a deleted one cannot lead the walk. */
	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key) < 0 && errno != ENOENT) {
			err = -errno;
			return fail(err, "bpf collector: reset: %s", strerror(-err));
		}
	b->skel->bss->dropped = 0;
	return 0;
}

unsigned long long ktstr_bpf_dropped(const struct ktstr_bpf *b)
{
	return b ? b->skel->bss->dropped : 0;
}

#endif /* KTSTR_HAVE_BPF */
