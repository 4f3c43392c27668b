// SPDX-License-Identifier: GPL-2.0
/*
 * backend_bpf.c - the BPF collector (user/bpf) as a backend. When ktstr
 * was built without clang/bpftool, open() fails with -ENOTSUP ("not built").
 */
#include <errno.h>

#include <ktstr/backend.h>
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

static int bpf_track_pid(void *st, pid_t pid, bool follow)
{
	return ktstr_bpf_track_pid(st, pid, follow);
}

static int bpf_snapshot(void *st, struct ktstr_task_rec **recs, size_t *n)
{
	return ktstr_bpf_snapshot(st, recs, n, NULL);
}

static void bpf_close(void *st)
{
	ktstr_bpf_close(st);
}

const struct ktstr_backend ktstr_backend_bpf = {
	.name = "bpf",
	.open = bpf_open,
	.track_pid = bpf_track_pid,
	.snapshot = bpf_snapshot,
	.close = bpf_close,
	.last_error = ktstr_last_error,
	/* The module's accounting, without its timer scan. */
	.has = KTSTR_HAS_ALL & ~KTSTR_HAS_WATCHDOG,
};
