// SPDX-License-Identifier: GPL-2.0
/* ktstr device client: see user/include/ktstr/dev.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <ktstr/dev.h>
#include "util/ktstr_error.h"

struct ktstr_dev {
	int fd;
	char *path;
	struct ktstr_version ver;
};

/* Retries of a snapshot whose table grew between sizing and copying. */
#define SNAPSHOT_TRIES	16


/* Record a description of the failure and return -err (err > 0). */
#define fail(err, ...) KTSTR_FAIL(-(err), __VA_ARGS__)

static int fail_ioctl(const struct ktstr_dev *dev, const char *what, int err)
{
	if (err == EPERM || err == EACCES)
		return fail(err, "%s: %s: %s (needs CAP_SYS_ADMIN)", dev->path,
			    what, strerror(err));
	return fail(err, "%s: %s: %s", dev->path, what, strerror(err));
}

static int open_fail(const char *path, int err)
{
	switch (err) {
	case ENOENT:
		return fail(err, "%s not found: is ktstr.ko loaded?", path);
	case ENXIO:
	case ENODEV:
		return fail(err, "%s: no driver behind the device node (%s): is ktstr.ko loaded?",
			    path, strerror(err));
	case EACCES:
	case EPERM:
		return fail(err, "%s: permission denied: run as root (needs CAP_SYS_ADMIN)",
			    path);
	default:
		return fail(err, "%s: %s", path, strerror(err));
	}
}

/* Features this build relies on: a session per open, record sizes. */
#define WANT_FEATURES	(KTSTR_FEAT_SESSIONS | KTSTR_FEAT_REC_SIZE)

/*
 * KTSTR_IOC_API: ask for what we rely on and state our event size; the
 * module writes each record at the size we know, so either may be newer.
 */
static int api_handshake(struct ktstr_dev *dev)
{
	struct ktstr_api api = {
		.api = KTSTR_ABI_MAJOR,
		.features = WANT_FEATURES,
		.event_size = sizeof(struct ktstr_event),
	};

	if (ioctl(dev->fd, KTSTR_IOC_API, &api) == 0)
		return 0;
	if (errno == ENOTTY)
		return fail(EPROTO, "%s: module speaks ABI %u.%u, without the API handshake "
			    "of 1.1: build ktstr.ko from this source", dev->path,
			    dev->ver.abi_major, dev->ver.abi_minor);
	if (errno == EINVAL)
		return fail(EPROTO, "%s: module (ABI %u.%u) lacks features %#llx this ktstr "
			    "needs: build ktstr.ko from this source", dev->path,
			    dev->ver.abi_major, dev->ver.abi_minor,
			    (unsigned long long)(WANT_FEATURES & ~api.features));
	return fail_ioctl(dev, "api handshake", errno);
}

int ktstr_dev_open_path(const char *path, struct ktstr_dev **out)
{
	struct ktstr_dev *dev;
	int err;

	if (out)
		*out = NULL;
	if (!path || !*path || !out)
		return fail(EINVAL, "ktstr_dev_open: invalid argument");

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return fail(ENOMEM, "ktstr_dev_open: out of memory");
	dev->path = strdup(path);
	if (!dev->path) {
		free(dev);
		return fail(ENOMEM, "ktstr_dev_open: out of memory");
	}
	/* Non-blocking so that read_events() can drain the queue after poll. */
	dev->fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (dev->fd < 0) {
		err = open_fail(path, errno);
		goto err_free;
	}
	if (ioctl(dev->fd, KTSTR_IOC_VERSION, &dev->ver) < 0) {
		err = errno;
		if (err == ENOTTY || err == EINVAL)
			err = fail(err, "%s: not a ktstr device (version ioctl: %s)",
				   path, strerror(err));
		else
			err = fail_ioctl(dev, "version ioctl", err);
		goto err_close;
	}
	if (dev->ver.abi_major != KTSTR_ABI_MAJOR) {
		err = fail(EPROTO,
			   "%s: module speaks ABI %u.%u, this ktstr speaks %u.%u: "
			   "build ktstr and ktstr.ko from the same source",
			   path, dev->ver.abi_major, dev->ver.abi_minor,
			   KTSTR_ABI_MAJOR, KTSTR_ABI_MINOR);
		goto err_close;
	}
	err = api_handshake(dev);
	if (err)
		goto err_close;
	ktstr_error_clear();
	*out = dev;
	return 0;

err_close:
	close(dev->fd);
err_free:
	free(dev->path);
	free(dev);
	return err;
}

int ktstr_dev_open(struct ktstr_dev **out)
{
	const char *path = getenv(KTSTR_DEVICE_ENV);

	if (!path || !*path)
		path = KTSTR_DEVICE_PATH;
	return ktstr_dev_open_path(path, out);
}

void ktstr_dev_close(struct ktstr_dev *dev)
{
	if (!dev)
		return;
	if (dev->fd >= 0)
		close(dev->fd);
	free(dev->path);
	free(dev);
}

int ktstr_dev_fd(const struct ktstr_dev *dev)
{
	return dev ? dev->fd : -EINVAL;
}

const char *ktstr_dev_path(const struct ktstr_dev *dev)
{
	return dev ? dev->path : NULL;
}

const struct ktstr_version *ktstr_dev_version(const struct ktstr_dev *dev)
{
	return dev ? &dev->ver : NULL;
}

static bool ns_in_ms_range(uint64_t ns, uint64_t min_ms, uint64_t max_ms)
{
	return ns >= min_ms * KTSTR_NSEC_PER_MSEC && ns <= max_ms * KTSTR_NSEC_PER_MSEC;
}

int ktstr_dev_config(struct ktstr_dev *dev, uint64_t starve_threshold_ns,
		     uint64_t scan_interval_ns)
{
	struct ktstr_config cfg = {
		.size = sizeof(cfg),
		.starve_threshold_ns = starve_threshold_ns,
		.scan_interval_ns = scan_interval_ns,
	};

	if (!dev)
		return fail(EINVAL, "ktstr_dev_config: no device");
	if (starve_threshold_ns &&
	    !ns_in_ms_range(starve_threshold_ns, KTSTR_STARVE_MS_MIN, KTSTR_STARVE_MS_MAX))
		return fail(EINVAL, "starvation threshold %llu ns out of range %llu..%llu ms",
			    (unsigned long long)starve_threshold_ns,
			    KTSTR_STARVE_MS_MIN, KTSTR_STARVE_MS_MAX);
	if (scan_interval_ns &&
	    !ns_in_ms_range(scan_interval_ns, KTSTR_SCAN_MS_MIN, KTSTR_SCAN_MS_MAX))
		return fail(EINVAL, "scan interval %llu ns out of range %llu..%llu ms",
			    (unsigned long long)scan_interval_ns,
			    KTSTR_SCAN_MS_MIN, KTSTR_SCAN_MS_MAX);
	if (ioctl(dev->fd, KTSTR_IOC_CONFIG, &cfg) < 0)
		return fail_ioctl(dev, "config", errno);
	return 0;
}

static int do_track(struct ktstr_dev *dev, unsigned long req, uint32_t mode,
		    uint32_t flags, pid_t pid, int cgroup_fd, const char *what)
{
	struct ktstr_track t = {
		.size = sizeof(t),
		.mode = mode,
		.flags = flags,
		.pid = pid,
		.cgroup_fd = cgroup_fd,
	};

	if (ioctl(dev->fd, req, &t) < 0) {
		int err = errno;

		if (err == ESRCH)
			return fail(err, "%s: %s: no such task %d", dev->path, what,
				    (int)pid);
		return fail_ioctl(dev, what, err);
	}
	return 0;
}

int ktstr_dev_track_pid(struct ktstr_dev *dev, pid_t pid, bool follow_fork)
{
	if (!dev || pid <= 0)
		return fail(EINVAL, "ktstr_dev_track_pid: invalid argument");
	return do_track(dev, KTSTR_IOC_TRACK, KTSTR_TRACK_PID,
			follow_fork ? KTSTR_TRACK_FOLLOW_FORK : 0, pid, -1,
			"track pid");
}

int ktstr_dev_track_cgroup_fd(struct ktstr_dev *dev, int cgroup_fd,
			      bool follow_fork)
{
	if (!dev || cgroup_fd < 0)
		return fail(EINVAL, "ktstr_dev_track_cgroup_fd: invalid argument");
	return do_track(dev, KTSTR_IOC_TRACK, KTSTR_TRACK_CGROUP,
			follow_fork ? KTSTR_TRACK_FOLLOW_FORK : 0, 0, cgroup_fd,
			"track cgroup");
}

int ktstr_dev_track_all(struct ktstr_dev *dev)
{
	if (!dev)
		return fail(EINVAL, "ktstr_dev_track_all: no device");
	return do_track(dev, KTSTR_IOC_TRACK, KTSTR_TRACK_ALL, 0, 0, -1,
			"track all");
}

int ktstr_dev_untrack(struct ktstr_dev *dev, pid_t pid)
{
	if (!dev || pid <= 0)
		return fail(EINVAL, "ktstr_dev_untrack: invalid argument");
	return do_track(dev, KTSTR_IOC_UNTRACK, KTSTR_TRACK_PID, 0, pid, -1,
			"untrack");
}

int ktstr_dev_reset(struct ktstr_dev *dev)
{
	if (!dev)
		return fail(EINVAL, "ktstr_dev_reset: no device");
	if (ioctl(dev->fd, KTSTR_IOC_RESET) < 0)
		return fail_ioctl(dev, "reset", errno);
	return 0;
}

int ktstr_dev_stats(struct ktstr_dev *dev, struct ktstr_stats *st)
{
	if (!dev || !st)
		return fail(EINVAL, "ktstr_dev_stats: invalid argument");
	memset(st, 0, sizeof(*st));
	if (ioctl(dev->fd, KTSTR_IOC_STATS, st) < 0)
		return fail_ioctl(dev, "stats", errno);
	return 0;
}

/*
 * Generic snapshot: size from nr_total (plus slack), copy, and retry with a
 * bigger buffer while the kernel says the buffer was short. bound (when
 * non-zero) is the most records that can exist, so a buffer of that size
 * can never be truncated and the loop converges.
 */
static int snapshot(struct ktstr_dev *dev, unsigned long req, size_t recsz,
		    uint32_t bound, void **recs, size_t *n,
		    struct ktstr_snapshot *meta, const char *what)
{
	struct ktstr_snapshot s = { 0 };
	uint64_t want;
	void *buf = NULL;

	if (recs)
		*recs = NULL;
	if (n)
		*n = 0;
	if (!dev || !recs || !n)
		return fail(EINVAL, "%s snapshot: invalid argument", what);

	/* Count only: buf 0, buf_len 0. */
	if (ioctl(dev->fd, req, &s) < 0)
		return fail_ioctl(dev, what, errno);
	want = s.nr_total;

	for (int i = 0; want && i < SNAPSHOT_TRIES; i++) {
		uint64_t cap = want + want / 8 + 8;

		if (bound && cap > bound)
			cap = want > bound ? want : bound;
		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		buf = calloc(cap, recsz);
		if (!buf)
			return fail(ENOMEM, "%s snapshot: out of memory for %llu records",
				    what, (unsigned long long)cap);
		memset(&s, 0, sizeof(s));
		s.buf = (uint64_t)(uintptr_t)buf;
		s.buf_len = (uint32_t)cap;
		s.rec_size = (uint32_t)recsz;
		if (ioctl(dev->fd, req, &s) < 0) {
			int err = errno;

			free(buf);
			return fail_ioctl(dev, what, err);
		}
		if (s.nr_out > cap) {
			free(buf);
			return fail(EPROTO, "%s: %s: module wrote %u records into a buffer of %llu",
				    dev->path, what, s.nr_out, (unsigned long long)cap);
		}
		/* Complete: not truncated, and either all of them or room left. */
		if (!(s.flags & KTSTR_SNAP_TRUNCATED) &&
		    (s.nr_out >= s.nr_total || s.nr_out < cap))
			goto done;
		free(buf);
		buf = NULL;
		want = s.nr_total > cap ? s.nr_total : cap * 2;
	}
	if (want)
		return fail(EAGAIN, "%s: %s: table kept growing after %d tries",
			    dev->path, what, SNAPSHOT_TRIES);
done:
	if (buf && !s.nr_out) {
		free(buf);
		buf = NULL;
	}
	*recs = buf;
	*n = s.nr_out;
	if (meta) {
		*meta = s;
		meta->buf = 0;
	}
	return 0;
}

int ktstr_dev_snapshot_tasks(struct ktstr_dev *dev, struct ktstr_task_rec **recs,
			     size_t *n, struct ktstr_snapshot *meta)
{
	void *p = NULL;
	int ret;

	ret = snapshot(dev, KTSTR_IOC_SNAPSHOT_TASKS, sizeof(**recs),
		       dev ? dev->ver.capacity : 0, recs ? &p : NULL, n, meta,
		       "task snapshot");
	if (recs)
		*recs = p;
	return ret;
}

int ktstr_dev_snapshot_cpus(struct ktstr_dev *dev, struct ktstr_cpu_rec **recs,
			    size_t *n, struct ktstr_snapshot *meta)
{
	void *p = NULL;
	int ret;

	ret = snapshot(dev, KTSTR_IOC_SNAPSHOT_CPUS, sizeof(**recs),
		       dev ? dev->ver.nr_cpu_ids : 0, recs ? &p : NULL, n, meta,
		       "cpu snapshot");
	if (recs)
		*recs = p;
	return ret;
}

ssize_t ktstr_dev_read_events(struct ktstr_dev *dev, struct ktstr_event *ev,
			      size_t max, int timeout_ms)
{
	struct pollfd pfd;
	size_t cnt;
	ssize_t r;

	if (!dev || !ev || !max || timeout_ms < -1)
		return fail(EINVAL, "ktstr_dev_read_events: invalid argument");

	pfd.fd = dev->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0) {
		int err = errno;

		return fail(err, "%s: poll: %s", dev->path, strerror(err));
	}
	if (r == 0)
		return 0;
	if (pfd.revents & POLLNVAL)
		return fail(EBADF, "%s: poll: invalid fd", dev->path);
	if (pfd.revents & POLLERR)
		return fail(EIO, "%s: poll: error on the device", dev->path);

	cnt = max;
	if (cnt > SSIZE_MAX / sizeof(*ev))
		cnt = SSIZE_MAX / sizeof(*ev);
	r = read(dev->fd, ev, cnt * sizeof(*ev));
	if (r < 0) {
		int err = errno;

		if (err == EAGAIN || err == EWOULDBLOCK)
			return 0;
		return fail(err, "%s: read: %s", dev->path, strerror(err));
	}
	if ((size_t)r % sizeof(*ev))
		return fail(EPROTO, "%s: read returned %zd bytes, not whole %zu-byte events",
			    dev->path, r, sizeof(*ev));
	return r / (ssize_t)sizeof(*ev);
}

/* ---- helpers ---- */

/* snprintf-like appender: tracks the full length, writes what fits. */
struct sbuf {
	char *buf;
	size_t len;
	size_t pos;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	char *dst = NULL;
	size_t room = 0;
	va_list ap;
	int r;

	if (sb->pos < sb->len) {
		dst = sb->buf + sb->pos;
		room = sb->len - sb->pos;
	}
	va_start(ap, fmt);
	r = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (r > 0)
		sb->pos += (size_t)r;
}

static bool bit_set(const __u64 *words, size_t bit)
{
	return (words[bit / 64] >> (bit % 64)) & 1;
}

int ktstr_cpumask_list(const __u64 *words, size_t nr_bits, char *buf,
		       size_t len)
{
	struct sbuf sb = { .buf = buf, .len = len, .pos = 0 };
	bool first = true;

	if ((!words && nr_bits) || (!buf && len))
		return -EINVAL;
	if (len)
		buf[0] = '\0';
	for (size_t b = 0; b < nr_bits; b++) {
		size_t end;

		if (!bit_set(words, b))
			continue;
		end = b;
		while (end + 1 < nr_bits && bit_set(words, end + 1))
			end++;
		if (end == b)
			sb_printf(&sb, "%s%zu", first ? "" : ",", b);
		else
			sb_printf(&sb, "%s%zu-%zu", first ? "" : ",", b, end);
		first = false;
		b = end;
	}
	if (sb.pos > INT_MAX)
		return -EOVERFLOW;
	return (int)sb.pos;
}

int ktstr_task_cpus_list(const struct ktstr_task_rec *rec, char *buf, size_t len)
{
	if (!rec)
		return -EINVAL;
	return ktstr_cpumask_list(rec->cpus, KTSTR_MAX_CPUS, buf, len);
}

bool ktstr_task_ran_on(const struct ktstr_task_rec *rec, int cpu)
{
	if (!rec || cpu < 0 || cpu >= KTSTR_MAX_CPUS)
		return false;
	return bit_set(rec->cpus, (size_t)cpu);
}

int ktstr_hist_bucket_bounds(unsigned int b, uint64_t *lo, uint64_t *hi)
{
	if (b >= KTSTR_HIST_BUCKETS || !lo || !hi)
		return -EINVAL;
	*lo = b == 0 ? 0 : (1ULL << (b - 1)) * 1024;
	*hi = b == KTSTR_HIST_BUCKETS - 1 ? UINT64_MAX : (1ULL << b) * 1024;
	return 0;
}

const char *ktstr_task_state_name(uint32_t state)
{
	switch (state) {
	case KTSTR_STATE_RUNNING:	return "running";
	case KTSTR_STATE_RUNNABLE:	return "runnable";
	case KTSTR_STATE_SLEEPING:	return "sleeping";
	case KTSTR_STATE_DEAD:		return "dead";
	default:			return "unknown";
	}
}

const char *ktstr_event_type_name(uint32_t type)
{
	switch (type) {
	case KTSTR_EV_STARVE_BEGIN:	return "begin";
	case KTSTR_EV_STARVE_END:	return "end";
	default:			return "unknown";
	}
}
