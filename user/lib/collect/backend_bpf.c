// SPDX-License-Identifier: GPL-2.0
/*
 * backend_bpf.c - the BPF collector (user/bpf) as a collector. When ktstr
 * was built without clang/bpftool, open() fails with -ENOTSUP ("not built").
 */
#include <errno.h>

#include "collect/backend_priv.h"
#include <ktstr/error.h>
#include "collector.h"

static int bpf_open(void **st)
{
	struct ktstr_bpf *b;
	int r = ktstr_bpf_open(&b, 0);

	if (r < 0)
		return r;
	*st = b;
	return 0;
}

static void bpf_close(void *st)
{
	ktstr_bpf_close(st);
}

static int bpf_track_pid(void *st, pid_t pid, bool follow)
{
	return ktstr_bpf_track_pid(st, pid, follow);
}

static int bpf_reset(void *st)
{
	return ktstr_bpf_reset(st);
}

static int bpf_snapshot(void *st, struct ktstr_task_rec **recs, size_t *n)
{
	return ktstr_bpf_snapshot(st, recs, n, NULL);
}

static uint64_t bpf_dropped(void *st)
{
	return ktstr_bpf_dropped(st);
}

const struct ktstr_backend ktstr_backend_bpf = {
	.name = "bpf",
	/* The module's accounting, without its timer scan. */
	.has = KTSTR_HAS_ALL & ~KTSTR_HAS_WATCHDOG,
	.open = bpf_open,
	.close = bpf_close,
	.track_pid = bpf_track_pid,
	.reset = bpf_reset,
	.snapshot = bpf_snapshot,
	.dropped = bpf_dropped,
};
