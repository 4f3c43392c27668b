// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the device client (user/lib/collect/ktstr_dev.c).
 *
 * No module is needed: this file defines ioctl(), which the linker picks
 * over libc's for libktstr.a. While `fake.on` is set, ioctls on the fake
 * device fd are answered from `fake`; everything else goes to the kernel.
 * The fake device is a FIFO, so poll()/read() of events are real.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktstr/collector.h>
#include <ktstr/dev.h>
#include <ktstr/ctx.h>

/* ---- fake module ---- */

static struct {
	bool on;
	struct ktstr_version ver;
	int version_errno;	/* fail KTSTR_IOC_VERSION with this */
	uint32_t nr_tasks;	/* table size now */
	uint32_t grow;		/* records added after each task snapshot... */
	int grow_calls;		/* ...for this many calls */
	int task_calls;
	uint32_t nr_cpus;
	struct ktstr_config last_config;
	struct ktstr_track last_track;
	unsigned long last_req;
	bool no_api;		/* a module without KTSTR_IOC_API (ABI 1.0) */
	uint64_t features;	/* what the fake module has */
	struct ktstr_api last_api;
} fake;

static void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.ver.abi_major = KTSTR_ABI_MAJOR;
	fake.ver.abi_minor = KTSTR_ABI_MINOR;
	fake.ver.task_rec_size = sizeof(struct ktstr_task_rec);
	fake.ver.cpu_rec_size = sizeof(struct ktstr_cpu_rec);
	fake.ver.event_size = sizeof(struct ktstr_event);
	fake.ver.nr_cpu_ids = 4;
	fake.ver.capacity = 4096;
	fake.ver.max_cpus = KTSTR_MAX_CPUS;
	fake.features = KTSTR_FEAT_ALL;
	fake.on = true;
}

static int fake_snapshot(struct ktstr_snapshot *s, uint32_t total, size_t recsz,
			 bool tasks)
{
	uint32_t n = total < s->buf_len ? total : s->buf_len;

	if (!s->buf && s->buf_len) {
		errno = EFAULT;
		return -1;
	}
	for (uint32_t i = 0; s->buf && i < n; i++) {
		char *rec = (char *)(uintptr_t)s->buf + (size_t)i * recsz;

		if (tasks) {
			struct ktstr_task_rec *t = (void *)rec;

			t->pid = (int)i + 1;
			t->tgid = 1;
		} else {
			((struct ktstr_cpu_rec *)rec)->cpu = i;
		}
	}
	s->nr_out = s->buf ? n : 0;
	s->nr_total = total;
	s->flags = s->buf && n < total ? KTSTR_SNAP_TRUNCATED : 0;
	s->dropped = 7;
	s->now_ns = 123456789;
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (!fake.on)
		return (int)syscall(SYS_ioctl, fd, req, arg);
	fake.last_req = req;
	switch (req) {
	case KTSTR_IOC_VERSION:
		if (fake.version_errno) {
			errno = fake.version_errno;
			return -1;
		}
		memcpy(arg, &fake.ver, sizeof(fake.ver));
		return 0;
	case KTSTR_IOC_CONFIG:
		memcpy(&fake.last_config, arg, sizeof(fake.last_config));
		return 0;
	case KTSTR_IOC_TRACK:
	case KTSTR_IOC_UNTRACK:
		memcpy(&fake.last_track, arg, sizeof(fake.last_track));
		return 0;
	case KTSTR_IOC_RESET:
		return 0;
	case KTSTR_IOC_API: {
		struct ktstr_api *a = arg;
		bool bad;

		if (fake.no_api) {
			errno = ENOTTY;
			return -1;
		}
		fake.last_api = *a;
		bad = a->api != KTSTR_ABI_MAJOR || (a->features & ~fake.features);
		a->api = KTSTR_ABI_MAJOR;
		a->features = fake.features;
		if (bad) {
			errno = EINVAL;
			return -1;
		}
		return 0;
	}
	case KTSTR_IOC_STATS: {
		struct ktstr_stats *st = arg;

		memset(st, 0, sizeof(*st));
		st->nr_records = fake.nr_tasks;
		st->capacity = fake.ver.capacity;
		return 0;
	}
	case KTSTR_IOC_SNAPSHOT_TASKS: {
		struct ktstr_snapshot *sn = arg;
		int r;

		/* The client states its record size; records go at that stride. */
		if (sn->buf && sn->rec_size != sizeof(struct ktstr_task_rec)) {
			errno = EINVAL;
			return -1;
		}
		r = fake_snapshot(arg, fake.nr_tasks, sizeof(struct ktstr_task_rec), true);

		/* Records appear between calls, as they do under a live module. */
		if (fake.task_calls++ < fake.grow_calls) {
			fake.nr_tasks += fake.grow;
			if (fake.nr_tasks > fake.ver.capacity)
				fake.nr_tasks = fake.ver.capacity;
		}
		return r;
	}
	case KTSTR_IOC_SNAPSHOT_CPUS:
		return fake_snapshot(arg, fake.nr_cpus, sizeof(struct ktstr_cpu_rec), false);
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* A FIFO standing in for /dev/ktstr; the test keeps a write end. */
static char fifo_path[64];
static int fifo_wr = -1;

static int setup_fifo(void **state)
{
	(void)state;
	snprintf(fifo_path, sizeof(fifo_path), "/tmp/ktstr-test-dev.%d", (int)getpid());
	unlink(fifo_path);
	if (mkfifo(fifo_path, 0600) < 0)
		return -1;
	fake_reset();
	return 0;
}

static int teardown_fifo(void **state)
{
	(void)state;
	if (fifo_wr >= 0)
		close(fifo_wr);
	fifo_wr = -1;
	unlink(fifo_path);
	fake.on = false;
	return 0;
}

static struct ktstr_dev *open_fake(void)
{
	struct ktstr_dev *dev = NULL;

	assert_int_equal(ktstr_dev_open_path(fifo_path, &dev), 0);
	assert_non_null(dev);
	fifo_wr = open(fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fifo_wr >= 0);
	return dev;
}

/* ---- cpus list / helpers ---- */

static void set_cpu(struct ktstr_task_rec *t, int cpu)
{
	t->cpus[cpu / 64] |= 1ULL << (cpu % 64);
}

static void test_cpus_list_empty(void **state)
{
	struct ktstr_task_rec t;
	char buf[32];

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ktstr_task_cpus_list(&t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_cpus_list_single_and_ranges(void **state)
{
	struct ktstr_task_rec t;
	char buf[64];

	(void)state;
	memset(&t, 0, sizeof(t));
	set_cpu(&t, 5);
	assert_int_equal(ktstr_task_cpus_list(&t, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "5");

	memset(&t, 0, sizeof(t));
	for (int c = 0; c <= 3; c++)
		set_cpu(&t, c);
	set_cpu(&t, 5);
	set_cpu(&t, 7);
	set_cpu(&t, 8);
	assert_int_equal(ktstr_task_cpus_list(&t, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "0-3,5,7-8");

	/* A range across a word boundary stays one range. */
	memset(&t, 0, sizeof(t));
	set_cpu(&t, 63);
	set_cpu(&t, 64);
	set_cpu(&t, 65);
	ktstr_task_cpus_list(&t, buf, sizeof(buf));
	assert_string_equal(buf, "63-65");
}

static void test_cpus_list_edges(void **state)
{
	struct ktstr_task_rec t;
	char buf[64];

	(void)state;
	memset(&t, 0, sizeof(t));
	set_cpu(&t, 1023);
	assert_int_equal(ktstr_task_cpus_list(&t, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "1023");
	assert_true(ktstr_task_ran_on(&t, 1023));
	assert_false(ktstr_task_ran_on(&t, 1022));
	assert_false(ktstr_task_ran_on(&t, 1024));
	assert_false(ktstr_task_ran_on(&t, -1));

	memset(&t, 0xff, sizeof(t));
	ktstr_task_cpus_list(&t, buf, sizeof(buf));
	assert_string_equal(buf, "0-1023");

	set_cpu(&t, 0);
	memset(t.cpus, 0, sizeof(t.cpus));
	set_cpu(&t, 0);
	set_cpu(&t, 1023);
	ktstr_task_cpus_list(&t, buf, sizeof(buf));
	assert_string_equal(buf, "0,1023");
}

static void test_cpus_list_truncation(void **state)
{
	struct ktstr_task_rec t;
	char buf[4];

	(void)state;
	memset(&t, 0, sizeof(t));
	for (int c = 0; c <= 3; c++)
		set_cpu(&t, c);
	set_cpu(&t, 5);
	/* snprintf semantics: full length returned, output cut and terminated. */
	assert_int_equal(ktstr_task_cpus_list(&t, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "0-3");
	assert_int_equal(ktstr_task_cpus_list(&t, NULL, 0), 5);
	assert_int_equal(ktstr_task_cpus_list(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(ktstr_task_cpus_list(&t, NULL, 8), -EINVAL);
}

static void test_hist_bounds(void **state)
{
	uint64_t lo, hi;

	(void)state;
	assert_int_equal(ktstr_hist_bucket_bounds(0, &lo, &hi), 0);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 1024);
	assert_int_equal(ktstr_hist_bucket_bounds(1, &lo, &hi), 0);
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 2048);
	assert_int_equal(ktstr_hist_bucket_bounds(10, &lo, &hi), 0);
	assert_int_equal(lo, 512 * 1024);
	assert_int_equal(hi, 1024 * 1024);
	assert_int_equal(ktstr_hist_bucket_bounds(KTSTR_HIST_BUCKETS - 1, &lo, &hi), 0);
	assert_int_equal(lo, (1ULL << (KTSTR_HIST_BUCKETS - 2)) * 1024);
	assert_true(hi == UINT64_MAX);
	/* Buckets tile the line: each starts where the previous ended. */
	for (unsigned int b = 1; b < KTSTR_HIST_BUCKETS; b++) {
		uint64_t plo, phi;

		ktstr_hist_bucket_bounds(b - 1, &plo, &phi);
		ktstr_hist_bucket_bounds(b, &lo, &hi);
		assert_int_equal(lo, phi);
	}
	assert_int_equal(ktstr_hist_bucket_bounds(KTSTR_HIST_BUCKETS, &lo, &hi), -EINVAL);
	assert_int_equal(ktstr_hist_bucket_bounds(0, NULL, &hi), -EINVAL);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ktstr_task_state_name(KTSTR_STATE_RUNNABLE), "runnable");
	assert_string_equal(ktstr_task_state_name(KTSTR_STATE_DEAD), "dead");
	assert_string_equal(ktstr_task_state_name(99), "unknown");
	assert_string_equal(ktstr_event_type_name(KTSTR_EV_STARVE_BEGIN), "begin");
	assert_string_equal(ktstr_event_type_name(KTSTR_EV_STARVE_END), "end");
	assert_string_equal(ktstr_event_type_name(0), "unknown");
}

/* ---- open ---- */

static void test_open_nonexistent(void **state)
{
	struct ktstr_dev *dev = (void *)0x1;

	(void)state;
	setenv(KTSTR_DEVICE_ENV, "/nonexistent/ktstr-test-dev", 1);
	assert_int_equal(ktstr_dev_open(&dev), -ENOENT);
	assert_null(dev);
	assert_non_null(strstr(ktstr_last_error(), "/nonexistent/ktstr-test-dev"));
	assert_non_null(strstr(ktstr_last_error(), "loaded"));
	unsetenv(KTSTR_DEVICE_ENV);
}

static void test_open_regular_file(void **state)
{
	char path[] = "/tmp/ktstr-test-regular.XXXXXX";
	struct ktstr_dev *dev = (void *)0x1;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	setenv(KTSTR_DEVICE_ENV, path, 1);
	assert_int_equal(ktstr_dev_open(&dev), -ENOTTY);	/* real ioctl */
	assert_null(dev);
	assert_non_null(strstr(ktstr_last_error(), "not a ktstr device"));
	unsetenv(KTSTR_DEVICE_ENV);
	unlink(path);
}

static void test_open_bad_args(void **state)
{
	struct ktstr_dev *dev = (void *)0x1;

	(void)state;
	assert_int_equal(ktstr_dev_open(NULL), -EINVAL);
	assert_int_equal(ktstr_dev_open_path(NULL, &dev), -EINVAL);
	assert_null(dev);
	assert_int_equal(ktstr_dev_open_path("", &dev), -EINVAL);
	ktstr_dev_close(NULL);	/* no-op, must not crash */
}

static void test_open_abi_mismatch(void **state)
{
	struct ktstr_dev *dev = (void *)0x1;

	(void)state;
	fake.ver.abi_major = KTSTR_ABI_MAJOR + 1;
	assert_int_equal(ktstr_dev_open_path(fifo_path, &dev), -EPROTO);
	assert_null(dev);
	assert_non_null(strstr(ktstr_last_error(), "ABI"));

	/* A newer minor of the same major is fine. */
	fake.ver.abi_major = KTSTR_ABI_MAJOR;
	fake.ver.abi_minor = KTSTR_ABI_MINOR + 3;
	assert_int_equal(ktstr_dev_open_path(fifo_path, &dev), 0);
	assert_int_equal(ktstr_dev_version(dev)->abi_minor, KTSTR_ABI_MINOR + 3);
	ktstr_dev_close(dev);

	/* Same major, another record size: fine, records come at our size. */
	fake.ver.task_rec_size += 8;
	assert_int_equal(ktstr_dev_open_path(fifo_path, &dev), 0);
	assert_int_equal(fake.last_api.event_size, sizeof(struct ktstr_event));
	assert_true(fake.last_api.features & KTSTR_FEAT_SESSIONS);
	ktstr_dev_close(dev);

	/* A module without the handshake (ABI 1.0): refused. */
	fake.no_api = true;
	assert_int_equal(ktstr_dev_open_path(fifo_path, &dev), -EPROTO);
	assert_null(dev);
	assert_non_null(strstr(ktstr_last_error(), "handshake"));

	/* A module without sessions per open: refused, saying which. */
	fake.no_api = false;
	fake.features = KTSTR_FEAT_ALL & ~KTSTR_FEAT_SESSIONS;
	assert_int_equal(ktstr_dev_open_path(fifo_path, &dev), -EPROTO);
	assert_null(dev);
	assert_non_null(strstr(ktstr_last_error(), "lacks features"));
}

static void test_open_permission(void **state)
{
	struct ktstr_dev *dev = (void *)0x1;

	(void)state;
	fake.version_errno = EPERM;
	assert_int_equal(ktstr_dev_open_path(fifo_path, &dev), -EPERM);
	assert_null(dev);
	assert_non_null(strstr(ktstr_last_error(), "CAP_SYS_ADMIN"));
}

/* ---- ioctls on the fake ---- */

static void test_null_dev(void **state)
{
	struct ktstr_task_rec *t = (void *)0x1;
	struct ktstr_cpu_rec *c = (void *)0x1;
	struct ktstr_stats st;
	struct ktstr_event ev;
	size_t n = 99;

	(void)state;
	assert_int_equal(ktstr_dev_config(NULL, 0, 0), -EINVAL);
	assert_int_equal(ktstr_dev_track_pid(NULL, 1, true), -EINVAL);
	assert_int_equal(ktstr_dev_track_cgroup_fd(NULL, 3, false), -EINVAL);
	assert_int_equal(ktstr_dev_track_all(NULL), -EINVAL);
	assert_int_equal(ktstr_dev_untrack(NULL, 1), -EINVAL);
	assert_int_equal(ktstr_dev_reset(NULL), -EINVAL);
	assert_int_equal(ktstr_dev_stats(NULL, &st), -EINVAL);
	assert_int_equal(ktstr_dev_snapshot_tasks(NULL, &t, &n, NULL), -EINVAL);
	assert_null(t);
	assert_int_equal(n, 0);
	assert_int_equal(ktstr_dev_snapshot_cpus(NULL, &c, &n, NULL), -EINVAL);
	assert_null(c);
	assert_int_equal(ktstr_dev_read_events(NULL, &ev, 1, 0), -EINVAL);
	assert_int_equal(ktstr_dev_fd(NULL), -EINVAL);
	assert_null(ktstr_dev_version(NULL));
}

/*
 * ctx.starve_ms: a scenario sets its starvation threshold in the context;
 * the helpers configure the device with it before tracking the workers.
 */
static void test_ctx_starve_ms(void **state)
{
	struct ktstr_cgroups *cg = ktstr_cgroup_noop_new();
	struct ktstr_collector *coll = NULL;
	struct ktstr_handle *h;
	struct ktstr_ctx ctx;
	const char *names[] = { "a" };

	(void)state;
	assert_non_null(cg);
	assert_int_equal(ktstr_ctx_init(&ctx, cg, NULL), 0);
	assert_int_equal(ctx.starve_ms, 0);
	ctx.workers_per_cgroup = 1;
	ctx.settle_ms = 0;
	/* The collector interface over the fake device, as ktstr run opens it. */
	setenv(KTSTR_DEVICE_ENV, fifo_path, 1);
	assert_int_equal(ktstr_collector_open("module", &coll), 0);
	unsetenv(KTSTR_DEVICE_ENV);
	fifo_wr = open(fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fifo_wr >= 0);
	assert_string_equal(ktstr_collector_name(coll), "module");
	assert_non_null(ktstr_collector_dev(coll));
	ctx.collector = coll;

	/* 0: the device keeps its threshold (no CONFIG sent). */
	memset(&fake.last_config, 0, sizeof(fake.last_config));
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 1, &h), 0);
	assert_int_equal(fake.last_config.starve_threshold_ns, 0);
	ktstr_handles_free(h, 1);

	ctx.starve_ms = 200;
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 1, &h), 0);
	assert_int_equal(fake.last_config.size, sizeof(struct ktstr_config));
	assert_int_equal(fake.last_config.starve_threshold_ns, 200 * KTSTR_NSEC_PER_MSEC);
	ktstr_handles_free(h, 1);

	/* Out of the module's range: refused, nothing spawned. */
	memset(&fake.last_config, 0, sizeof(fake.last_config));
	ctx.starve_ms = KTSTR_STARVE_MS_MAX + 1;
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 1, &h), -EINVAL);
	assert_int_equal(fake.last_config.starve_threshold_ns, 0);
	ktstr_collector_close(coll);
	ktstr_cgroup_destroy(cg);
}

static void test_config_and_track(void **state)
{
	struct ktstr_dev *dev = open_fake();

	(void)state;
	assert_int_equal(ktstr_dev_config(dev, 250 * KTSTR_NSEC_PER_MSEC, 0), 0);
	assert_int_equal(fake.last_config.size, sizeof(struct ktstr_config));
	assert_int_equal(fake.last_config.starve_threshold_ns, 250 * KTSTR_NSEC_PER_MSEC);
	assert_int_equal(fake.last_config.flags, 0);

	/* Out of the module's range: refused before the ioctl. */
	fake.last_req = 0;
	assert_int_equal(ktstr_dev_config(dev, 999999, 0), -EINVAL);
	assert_int_equal(ktstr_dev_config(dev, 3600001 * KTSTR_NSEC_PER_MSEC, 0), -EINVAL);
	assert_int_equal(ktstr_dev_config(dev, 0, 10001 * KTSTR_NSEC_PER_MSEC), -EINVAL);
	assert_int_equal(fake.last_req, 0);
	assert_int_equal(ktstr_dev_config(dev, 3600000 * KTSTR_NSEC_PER_MSEC, 0), 0);

	assert_int_equal(ktstr_dev_track_pid(dev, 42, true), 0);
	assert_int_equal(fake.last_req, KTSTR_IOC_TRACK);
	assert_int_equal(fake.last_track.size, sizeof(struct ktstr_track));
	assert_int_equal(fake.last_track.mode, KTSTR_TRACK_PID);
	assert_int_equal(fake.last_track.flags, KTSTR_TRACK_FOLLOW_FORK);
	assert_int_equal(fake.last_track.pid, 42);
	assert_int_equal(fake.last_track.__pad, 0);
	assert_int_equal(ktstr_dev_track_pid(dev, 0, true), -EINVAL);
	assert_int_equal(ktstr_dev_track_pid(dev, -5, false), -EINVAL);

	assert_int_equal(ktstr_dev_track_cgroup_fd(dev, 9, false), 0);
	assert_int_equal(fake.last_track.mode, KTSTR_TRACK_CGROUP);
	assert_int_equal(fake.last_track.cgroup_fd, 9);
	assert_int_equal(fake.last_track.flags, 0);
	assert_int_equal(ktstr_dev_track_cgroup_fd(dev, -1, false), -EINVAL);

	assert_int_equal(ktstr_dev_track_all(dev), 0);
	assert_int_equal(fake.last_track.mode, KTSTR_TRACK_ALL);

	assert_int_equal(ktstr_dev_untrack(dev, 42), 0);
	assert_int_equal(fake.last_req, KTSTR_IOC_UNTRACK);
	assert_int_equal(fake.last_track.mode, KTSTR_TRACK_PID);
	assert_int_equal(fake.last_track.pid, 42);

	assert_int_equal(ktstr_dev_reset(dev), 0);
	assert_int_equal(fake.last_req, KTSTR_IOC_RESET);
	ktstr_dev_close(dev);
}

static void test_snapshot_grows(void **state)
{
	struct ktstr_dev *dev = open_fake();
	struct ktstr_task_rec *t = NULL;
	struct ktstr_snapshot meta;
	size_t n = 0;

	(void)state;
	/* 3 records at sizing time, +500 after each of the next 3 calls. */
	fake.nr_tasks = 3;
	fake.grow = 500;
	fake.grow_calls = 4;
	assert_int_equal(ktstr_dev_snapshot_tasks(dev, &t, &n, &meta), 0);
	assert_int_equal(n, 3 + 4 * 500);
	assert_int_equal(n, fake.nr_tasks);
	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(t[i].pid, (int)i + 1);
	assert_int_equal(meta.nr_out, n);
	assert_int_equal(meta.flags & KTSTR_SNAP_TRUNCATED, 0);
	assert_int_equal(meta.buf, 0);
	assert_int_equal(meta.dropped, 7);
	assert_int_equal(meta.now_ns, 123456789);
	assert_true(fake.task_calls > 2);	/* it did have to retry */
	free(t);
	ktstr_dev_close(dev);
}

static void test_snapshot_capacity_bound(void **state)
{
	struct ktstr_dev *dev = open_fake();
	struct ktstr_task_rec *t = NULL;
	size_t n = 0;

	(void)state;
	/* Grows on every call but stops at capacity: must converge. */
	fake.ver.capacity = 100;
	ktstr_dev_close(dev);
	close(fifo_wr);
	fifo_wr = -1;
	dev = open_fake();
	fake.nr_tasks = 10;
	fake.grow = 40;
	fake.grow_calls = 1000;
	assert_int_equal(ktstr_dev_snapshot_tasks(dev, &t, &n, NULL), 0);
	assert_int_equal(n, 100);
	free(t);
	ktstr_dev_close(dev);
}

static void test_snapshot_empty_and_cpus(void **state)
{
	struct ktstr_dev *dev = open_fake();
	struct ktstr_task_rec *t = (void *)0x1;
	struct ktstr_cpu_rec *c = NULL;
	struct ktstr_snapshot meta;
	size_t n = 99;

	(void)state;
	assert_int_equal(ktstr_dev_snapshot_tasks(dev, &t, &n, &meta), 0);
	assert_null(t);
	assert_int_equal(n, 0);
	assert_int_equal(meta.nr_total, 0);

	fake.nr_cpus = 4;
	assert_int_equal(ktstr_dev_snapshot_cpus(dev, &c, &n, NULL), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(c[i].cpu, i);
	free(c);
	assert_int_equal(ktstr_dev_snapshot_tasks(dev, NULL, &n, NULL), -EINVAL);
	ktstr_dev_close(dev);
}

static void test_read_events(void **state)
{
	struct ktstr_dev *dev = open_fake();
	struct ktstr_event in[3], out[8];

	(void)state;
	memset(in, 0, sizeof(in));
	for (int i = 0; i < 3; i++) {
		in[i].type = i == 2 ? KTSTR_EV_STARVE_END : KTSTR_EV_STARVE_BEGIN;
		in[i].pid = 100 + i;
		in[i].seq = (uint64_t)i + 1;
	}
	/* Nothing queued: timeout expires, 0 records. */
	assert_int_equal(ktstr_dev_read_events(dev, out, 8, 0), 0);
	assert_int_equal(ktstr_dev_read_events(dev, out, 8, 20), 0);

	assert_int_equal(write(fifo_wr, in, sizeof(in)), (ssize_t)sizeof(in));
	assert_int_equal(ktstr_dev_read_events(dev, out, 2, 1000), 2);
	assert_int_equal(out[0].pid, 100);
	assert_int_equal(out[1].pid, 101);
	assert_int_equal(ktstr_dev_read_events(dev, out, 8, 1000), 1);
	assert_int_equal(out[0].pid, 102);
	assert_int_equal(out[0].type, KTSTR_EV_STARVE_END);
	assert_int_equal(ktstr_dev_read_events(dev, out, 8, 0), 0);

	/* A torn record is a protocol error, not silently dropped bytes. */
	assert_int_equal(write(fifo_wr, in, 10), 10);
	assert_int_equal(ktstr_dev_read_events(dev, out, 8, 1000), -EPROTO);

	assert_int_equal(ktstr_dev_read_events(dev, out, 0, 0), -EINVAL);
	assert_int_equal(ktstr_dev_read_events(dev, NULL, 1, 0), -EINVAL);
	assert_int_equal(ktstr_dev_read_events(dev, out, 1, -2), -EINVAL);
	ktstr_dev_close(dev);
}

static void test_stats(void **state)
{
	struct ktstr_dev *dev = open_fake();
	struct ktstr_stats st;

	(void)state;
	fake.nr_tasks = 12;
	assert_int_equal(ktstr_dev_stats(dev, &st), 0);
	assert_int_equal(st.nr_records, 12);
	assert_int_equal(st.capacity, 4096);
	assert_int_equal(ktstr_dev_stats(dev, NULL), -EINVAL);
	ktstr_dev_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus_list_empty),
		cmocka_unit_test(test_cpus_list_single_and_ranges),
		cmocka_unit_test(test_cpus_list_edges),
		cmocka_unit_test(test_cpus_list_truncation),
		cmocka_unit_test(test_hist_bounds),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_open_nonexistent),
		cmocka_unit_test(test_open_regular_file),
		cmocka_unit_test(test_open_bad_args),
		cmocka_unit_test(test_null_dev),
		cmocka_unit_test_setup_teardown(test_open_abi_mismatch, setup_fifo, teardown_fifo),
		cmocka_unit_test_setup_teardown(test_open_permission, setup_fifo, teardown_fifo),
		cmocka_unit_test_setup_teardown(test_config_and_track, setup_fifo, teardown_fifo),
		cmocka_unit_test_setup_teardown(test_snapshot_grows, setup_fifo, teardown_fifo),
		cmocka_unit_test_setup_teardown(test_snapshot_capacity_bound, setup_fifo, teardown_fifo),
		cmocka_unit_test_setup_teardown(test_snapshot_empty_and_cpus, setup_fifo, teardown_fifo),
		cmocka_unit_test_setup_teardown(test_read_events, setup_fifo, teardown_fifo),
		cmocka_unit_test_setup_teardown(test_stats, setup_fifo, teardown_fifo),
		cmocka_unit_test_setup_teardown(test_ctx_starve_ms, setup_fifo, teardown_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
