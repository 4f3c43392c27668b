// SPDX-License-Identifier: GPL-2.0
/*
 * Pipe pairs: PipeIo and CachePipe. Member 0 and member 1 pass a token
 * carrying the sender's CLOCK_MONOTONIC time, so the receiver measures the
 * handoff latency (send to running again) of every message.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "work_types.h"

/* Wait for the token; 1 with the latency recorded, 0 on stop/EOF, -errno. */
static int receive(struct ktstr_work_ctx *wc, int fd)
{
	while (!ktstr_work_stop(wc)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t ts, now;
		ssize_t n;

		if (poll(&p, 1, KTSTR_STOP_SLICE_NS / 1000000) <= 0)
			continue;
		n = read(fd, &ts, sizeof(ts));
		if (n == 0)
			return 0;	/* the peer is gone */
		if (n < 0)
			return errno == EINTR || errno == EAGAIN ? 0 : -errno;
		now = ktstr_now_ns();
		if (n == sizeof(ts) && now >= ts)
			ktstr_work_wake(wc, now - ts);
		return 1;
	}
	return 0;
}

static int send_token(int fd)
{
	uint64_t ts = ktstr_now_ns();
	ssize_t n;

	do
		n = write(fd, &ts, sizeof(ts));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? 0 : -errno;
	return 1;
}

/* @buf NULL: spin @iters; else touch @iters cache lines of @buf. */
static void burst(unsigned char *buf, size_t len, uint64_t iters, size_t *pos)
{
	if (!buf) {
		ktstr_work_spin(iters);
		return;
	}
	for (uint64_t i = 0; i < iters; i++) {
		((volatile unsigned char *)buf)[*pos]++;
		*pos += 64;
		if (*pos >= len)
			*pos = 0;
	}
}

static int run_pair(struct ktstr_work_ctx *wc, uint64_t iters, size_t buf_len)
{
	int me = wc->group_idx;
	int out = wc->pipes[me][1], in = wc->pipes[1 - me][0];
	unsigned char *buf = NULL;
	size_t pos = 0;
	int ret = 0;

	/* Close the ends that belong to the peer so EOF means it is gone. */
	close(wc->pipes[me][0]);
	close(wc->pipes[1 - me][1]);
	if (buf_len) {
		buf = calloc(1, buf_len);
		if (!buf)
			return -ENOMEM;
	}
	/* Member 0 serves first. */
	if (me == 0) {
		burst(buf, buf_len, iters, &pos);
		ret = send_token(out);
	} else {
		ret = 1;
	}
	while (ret > 0 && !ktstr_work_stop(wc)) {
		ret = receive(wc, in);
		if (ret <= 0)
			break;
		burst(buf, buf_len, iters, &pos);
		ktstr_work_progress(wc, iters);
		ret = send_token(out);
	}
	free(buf);
	return ret < 0 ? ret : 0;
}

int ktstr_run_pipe_io(struct ktstr_work_ctx *wc)
{
	return run_pair(wc, wc->work->pipe_io.burst_iters, 0);
}

int ktstr_run_cache_pipe(struct ktstr_work_ctx *wc)
{
	return run_pair(wc, wc->work->cache_pipe.burst_iters,
			wc->work->cache_pipe.size_kb * 1024);
}
