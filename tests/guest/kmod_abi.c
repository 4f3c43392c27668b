// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of the /dev/ktstr ABI: version, hostile ioctl input,
 * privilege checks, truncated snapshots, and a random ioctl storm. The
 * runner checks the kernel log after this test: any oops or warning fails.
 */
#include "guest.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <grp.h>

static void test_version(int fd)
{
	struct ktstr_version v;

	if (!check(kt_ioctl(fd, KTSTR_IOC_VERSION, &v) == 0, "version ioctl", "%s",
		   strerror(errno)))
		return;
	check(v.abi_major == KTSTR_ABI_MAJOR, "ABI major matches", "%u", v.abi_major);
	check(v.task_rec_size == sizeof(struct ktstr_task_rec) &&
	      v.cpu_rec_size == sizeof(struct ktstr_cpu_rec) &&
	      v.event_size == sizeof(struct ktstr_event),
	      "record sizes match the header", "%u %u %u", v.task_rec_size, v.cpu_rec_size,
	      v.event_size);
	check(v.nr_cpu_ids >= (uint32_t)sysconf(_SC_NPROCESSORS_ONLN) && v.capacity >= 16,
	      "nr_cpu_ids and capacity plausible", "%u %u", v.nr_cpu_ids, v.capacity);
	check(v.features & KTSTR_FEAT_SCHED_INFO_CLOCK, "scheduler clock edges in use",
	      "features %#llx", (unsigned long long)v.features);
}

static void test_device_node(void)
{
	struct stat st = {0};

	check(stat(KTSTR_DEVICE_PATH, &st) == 0 && S_ISCHR(st.st_mode) &&
	      (st.st_mode & 0777) == 0600 && st.st_uid == 0,
	      "/dev/ktstr is a root-only 0600 char device", "mode %o", st.st_mode);
}

static void test_bad_ioctls(int fd)
{
	struct ktstr_track tr;
	struct ktstr_config cfg;
	struct ktstr_snapshot s;
	int devnull = open("/dev/null", O_RDONLY);

	check(kt_ioctl(fd, _IO(KTSTR_IOC_MAGIC, 0x7f), NULL) == -ENOTTY,
	      "unknown command is ENOTTY", "errno %d", errno);
	check(kt_ioctl(fd, _IOR('T', 0x13, int), NULL) == -ENOTTY,
	      "foreign command is ENOTTY", "errno %d", errno);
	check(kt_ioctl(fd, KTSTR_IOC_VERSION, (void *)8) == -EFAULT,
	      "version to a bad pointer is EFAULT", "errno %d", errno);
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, NULL) == -EFAULT, "track from NULL is EFAULT", "errno %d", errno);
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, (void *)-4096L) == -EFAULT,
	      "snapshot header at a kernel address is EFAULT", "errno %d", errno);

	memset(&tr, 0, sizeof(tr));
	tr.size = sizeof(tr);
	tr.mode = 0;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "track mode 0 is EINVAL", "errno %d", errno);
	tr.mode = 99;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "track mode 99 is EINVAL", "errno %d", errno);
	tr.mode = KTSTR_TRACK_PID;
	tr.flags = 0x80;
	tr.pid = getpid();
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "unknown track flag is EINVAL", "errno %d", errno);
	tr.flags = 0;
	tr.__pad = 1;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "non-zero padding is EINVAL", "errno %d", errno);
	tr.__pad = 0;
	tr.size = 4;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL,
	      "size field other than the command's size is EINVAL", "errno %d", errno);
	tr.size = sizeof(tr);
	tr.pid = 0;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "pid 0 is EINVAL", "errno %d", errno);
	tr.pid = -5;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "negative pid is EINVAL", "errno %d", errno);
	tr.pid = 4000000;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -ESRCH, "missing pid is ESRCH", "errno %d", errno);
	check(kt_ioctl(fd, KTSTR_IOC_UNTRACK, &tr) == -ESRCH, "untrack missing pid is ESRCH", "errno %d", errno);

	check(kt_track(fd, KTSTR_TRACK_CGROUP, 0, 0, -1) == -EBADF, "cgroup fd -1 is EBADF", "errno %d", errno);
	check(kt_track(fd, KTSTR_TRACK_CGROUP, 0, 0, devnull) == -EBADF,
	      "cgroup fd of /dev/null is EBADF", "errno %d", errno);

	memset(&cfg, 0, sizeof(cfg));
	cfg.size = sizeof(cfg);
	cfg.starve_threshold_ns = 5;
	check(kt_ioctl(fd, KTSTR_IOC_CONFIG, &cfg) == -EINVAL, "5 ns threshold is EINVAL", "errno %d", errno);
	cfg.starve_threshold_ns = 0;
	cfg.scan_interval_ns = 100ULL * 1000 * MS;
	check(kt_ioctl(fd, KTSTR_IOC_CONFIG, &cfg) == -EINVAL, "100 s scan period is EINVAL", "errno %d", errno);
	cfg.scan_interval_ns = 0;
	cfg.flags = 1;
	check(kt_ioctl(fd, KTSTR_IOC_CONFIG, &cfg) == -EINVAL, "config flags is EINVAL", "errno %d", errno);

	memset(&s, 0, sizeof(s));
	s.flags = 1;
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == -EINVAL, "snapshot flags is EINVAL",
	      "errno %d", errno);
	s.flags = 0;
	s.buf_len = 3;
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == -EINVAL,
	      "snapshot length without buffer is EINVAL", "errno %d", errno);
	s.buf = 16;
	kt_track(fd, KTSTR_TRACK_PID, 0, getpid(), -1);	/* a record to copy */
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == -EFAULT,
	      "snapshot into a bad buffer is EFAULT", "errno %d", errno);
	s.buf = 16;
	s.buf_len = 3;
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_CPUS, &s) == -EFAULT,
	      "cpu snapshot into a bad buffer is EFAULT", "errno %d", errno);
	close(devnull);
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
}

static void test_truncated_snapshot(int fd)
{
	struct ktstr_task_rec one;
	struct ktstr_snapshot s = { .buf = (uintptr_t)&one, .buf_len = 1 };
	struct ktstr_cpu_rec cpus[64];
	struct ktstr_snapshot c = { .buf = (uintptr_t)cpus, .buf_len = 64 };

	kt_track(fd, KTSTR_TRACK_ALL, 0, 0, -1);
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == 0 && s.nr_out == 1 &&
	      s.nr_total > 1 && (s.flags & KTSTR_SNAP_TRUNCATED),
	      "short buffer: one record, the total, and TRUNCATED", "out %u total %u flags %#x",
	      s.nr_out, s.nr_total, s.flags);
	memset(&s, 0, sizeof(s));
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == 0 && s.nr_out == 0 && s.nr_total > 1,
	      "count-only snapshot", "out %u total %u", s.nr_out, s.nr_total);
	sleep_ns(100 * MS);
	{
		uint64_t switches = 0, busy = 0;
		int ret = kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_CPUS, &c);

		for (uint32_t i = 0; !ret && i < c.nr_out; i++) {
			switches += cpus[i].nr_switches;
			busy += cpus[i].busy_ns;
		}
		check(!ret && c.nr_out == c.nr_total && c.nr_out >= 1 && cpus[0].online == 1,
		      "cpu snapshot returns every possible CPU", "ret %d out %u total %u", ret,
		      c.nr_out, c.nr_total);
		check(switches > 0 && busy > 0 && busy <= c.nr_out * 2000 * MS,
		      "cpu snapshot counts switches and busy time", "switches %lu busy %lu",
		      (unsigned long)switches, (unsigned long)busy);
	}
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
}

static void test_unprivileged(void)
{
	int fd = kt_open();
	pid_t pid = fork();
	int st;

	if (!pid) {
		struct ktstr_version v;
		int code = 0;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (open(KTSTR_DEVICE_PATH, O_RDWR) >= 0 || errno != EACCES)
			code |= 1;
		if (ioctl(fd, KTSTR_IOC_VERSION, &v) == 0 || errno != EPERM)
			code |= 2;
		_exit(code);
	}
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) != 10, "drop privileges", "status %#x", st);
	check(WIFEXITED(st) && !(WEXITSTATUS(st) & 1), "unprivileged open refused", "errno %d", errno);
	check(WIFEXITED(st) && !(WEXITSTATUS(st) & 2),
	      "inherited fd is refused to an unprivileged caller (EPERM)", "errno %d", errno);
	close(fd);
}

/* A command as a program built against another header sends it. */
#define IOC_SIZED(cmd, size) _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), (size))

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/*
 * Every struct-in command at its first published size (with garbage
 * beyond it that must not be read), grown with a zero tail (accepted),
 * grown with a non-zero tail (E2BIG), below the first size (EINVAL) and
 * above a page (E2BIG).
 */
static void test_struct_in_sizes(void)
{
	static const struct {
		const char *name;
		unsigned long cmd;
		uint32_t ver0, ksize;
	} cmds[] = {
		{ "config", KTSTR_IOC_CONFIG, KTSTR_CONFIG_SIZE_VER0, sizeof(struct ktstr_config) },
		{ "track", KTSTR_IOC_TRACK, KTSTR_TRACK_SIZE_VER0, sizeof(struct ktstr_track) },
		{ "untrack", KTSTR_IOC_UNTRACK, KTSTR_TRACK_SIZE_VER0, sizeof(struct ktstr_track) },
		{ "task snapshot", KTSTR_IOC_SNAPSHOT_TASKS, KTSTR_SNAPSHOT_SIZE_VER0,
		  sizeof(struct ktstr_snapshot) },
		{ "cpu snapshot", KTSTR_IOC_SNAPSHOT_CPUS, KTSTR_SNAPSHOT_SIZE_VER0,
		  sizeof(struct ktstr_snapshot) },
		{ "api", KTSTR_IOC_API, KTSTR_API_SIZE_VER0, sizeof(struct ktstr_api) },
	};
	static unsigned char buf[8192];
	int fd = kt_open();
	char name[128];

	for (size_t c = 0; c < KTSTR_ARRAY_SIZE(cmds); c++) {
		unsigned long cmd = cmds[c].cmd;
		uint32_t sizes[2] = { cmds[c].ver0, cmds[c].ksize + 16 };

		for (int v = 0; v < 2; v++) {
			uint32_t sz = sizes[v];

			/* Valid content; 0xff garbage beyond the size sent. */
			memset(buf, 0xff, sizeof(buf));
			memset(buf, 0, sz);
			switch (_IOC_NR(cmd)) {
			case _IOC_NR(KTSTR_IOC_TRACK):
			case _IOC_NR(KTSTR_IOC_UNTRACK): {
				struct ktstr_track *t = (void *)buf;

				t->mode = KTSTR_TRACK_PID;
				t->pid = getpid();
				t->size = sz;
				break;
			}
			case _IOC_NR(KTSTR_IOC_CONFIG):
				((struct ktstr_config *)buf)->size = sz;
				break;
			case _IOC_NR(KTSTR_IOC_API):
				((struct ktstr_api *)buf)->api = KTSTR_ABI_MAJOR;
				break;
			}
			if (_IOC_NR(cmd) == _IOC_NR(KTSTR_IOC_UNTRACK))
				kt_track(fd, KTSTR_TRACK_PID, 0, getpid(), -1);
			snprintf(name, sizeof(name), "%s: %s struct (%u bytes) accepted", cmds[c].name,
				 v ? "grown, zero-tailed" : "first published", sz);
			check(kt_ioctl(fd, IOC_SIZED(cmd, sz), buf) == 0, name, "%s",
			      strerror(errno));
			if (_IOC_DIR(cmd) & _IOC_READ) {
				snprintf(name, sizeof(name), "%s: answer written up to %u bytes only",
					 cmds[c].name, sz);
				check(all_bytes(buf + sz, 64, 0xff) &&
				      (v == 0 || all_bytes(buf + cmds[c].ksize, 16, 0)), name,
				      "bytes past the caller's size changed");
			}
			if (!v)
				continue;
			/* The same grown struct with one non-zero byte in its tail. */
			buf[sz - 1] = 1;
			snprintf(name, sizeof(name), "%s: grown struct with a non-zero tail is E2BIG",
				 cmds[c].name);
			check(kt_ioctl(fd, IOC_SIZED(cmd, sz), buf) == -E2BIG, name, "errno %d",
			      errno);
		}
		snprintf(name, sizeof(name), "%s: below the first published size is EINVAL",
			 cmds[c].name);
		memset(buf, 0, sizeof(buf));
		check(kt_ioctl(fd, IOC_SIZED(cmd, cmds[c].ver0 - 8), buf) == -EINVAL, name,
		      "errno %d", errno);
		snprintf(name, sizeof(name), "%s: above a page is E2BIG", cmds[c].name);
		check(kt_ioctl(fd, IOC_SIZED(cmd, 8192), buf) == -E2BIG, name, "errno %d", errno);
	}
	/* Zero-filled: an old config leaves the new capacity at its default. */
	{
		struct ktstr_stats st;

		check(kt_ioctl(fd, KTSTR_IOC_STATS, &st) == 0 && st.capacity > 16,
		      "old-size config left the capacity alone (tail read as zero)",
		      "capacity %llu", (unsigned long long)st.capacity);
	}
	close(fd);
}

/* Struct-out commands: an old caller gets its prefix, a newer a zero tail. */
static void test_struct_out_sizes(int fd)
{
	unsigned char buf[256];
	struct ktstr_version *v = (void *)buf;
	struct ktstr_stats *st = (void *)buf;

	memset(buf, 0xff, sizeof(buf));
	check(kt_ioctl(fd, IOC_SIZED(KTSTR_IOC_VERSION, KTSTR_VERSION_SIZE_VER0), buf) == 0 &&
	      v->abi_major == KTSTR_ABI_MAJOR && all_bytes(buf + KTSTR_VERSION_SIZE_VER0, 64, 0xff),
	      "version at its 1.0 size: 40 bytes written, no more", "major %u", v->abi_major);
	memset(buf, 0xff, sizeof(buf));
	check(kt_ioctl(fd, IOC_SIZED(KTSTR_IOC_VERSION, sizeof(*v) + 24), buf) == 0 &&
	      v->size == sizeof(*v) && v->max_sessions >= 2 &&
	      all_bytes(buf + sizeof(*v), 24, 0) && all_bytes(buf + sizeof(*v) + 24, 32, 0xff),
	      "version grown by 24 bytes: zero tail, size and max_sessions set",
	      "size %u max_sessions %u", v->size, v->max_sessions);
	check(kt_ioctl(fd, IOC_SIZED(KTSTR_IOC_VERSION, 32), buf) == -EINVAL,
	      "version below its first size is EINVAL", "errno %d", errno);
	memset(buf, 0xff, sizeof(buf));
	check(kt_ioctl(fd, IOC_SIZED(KTSTR_IOC_STATS, KTSTR_STATS_SIZE_VER0), buf) == 0 &&
	      all_bytes(buf + KTSTR_STATS_SIZE_VER0, 64, 0xff),
	      "stats at its 1.0 size: no byte past it written", "bytes past 176 changed");
	memset(buf, 0xff, sizeof(buf));
	check(kt_ioctl(fd, IOC_SIZED(KTSTR_IOC_STATS, sizeof(*st) + 8), buf) == 0 &&
	      st->size == sizeof(*st) && all_bytes(buf + sizeof(*st), 8, 0),
	      "stats grown: zero tail and its size", "size %u", st->size);
	check(kt_ioctl(fd, IOC_SIZED(KTSTR_IOC_VERSION, 40) & ~(unsigned long)_IOC(_IOC_READ, 0, 0, 0),
		       buf) == -ENOTTY,
	      "a known number with the wrong direction is ENOTTY", "errno %d", errno);
}

/* The feature handshake. */
static void test_api(void)
{
	int fd = kt_open();
	struct ktstr_api a = { .api = KTSTR_ABI_MAJOR + 1 };

	check(kt_ioctl(fd, KTSTR_IOC_API, &a) == -EINVAL && a.api == KTSTR_ABI_MAJOR &&
	      (a.features & KTSTR_FEAT_SESSIONS),
	      "api: another major is EINVAL, answered with ours and our features",
	      "api %u features %#llx", a.api, (unsigned long long)a.features);
	memset(&a, 0, sizeof(a));
	a.api = KTSTR_ABI_MAJOR;
	a.features = 1ULL << 62;
	check(kt_ioctl(fd, KTSTR_IOC_API, &a) == -EINVAL && !(a.features & (1ULL << 62)) &&
	      (a.features & KTSTR_FEAT_REC_SIZE),
	      "api: an unknown feature is EINVAL, the answer lists what exists",
	      "features %#llx", (unsigned long long)a.features);
	memset(&a, 0, sizeof(a));
	a.api = KTSTR_ABI_MAJOR;
	a.features = KTSTR_FEAT_SESSIONS | KTSTR_FEAT_REC_SIZE | KTSTR_FEAT_PID_NS |
		     KTSTR_FEAT_STARVE_REC;
	check(kt_ioctl(fd, KTSTR_IOC_API, &a) == 0 && a.minor == KTSTR_ABI_MINOR &&
	      a.task_rec_size == sizeof(struct ktstr_task_rec) &&
	      a.cpu_rec_size == sizeof(struct ktstr_cpu_rec) &&
	      a.event_size == sizeof(struct ktstr_event),
	      "api: the 1.1 features granted, sizes answered", "%s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.api = KTSTR_ABI_MAJOR;
	a.event_size = 4;
	check(kt_ioctl(fd, KTSTR_IOC_API, &a) == -EINVAL, "api: a 4-byte event is EINVAL",
	      "errno %d", errno);
	close(fd);
}

/* Task and CPU records at the caller's size, smaller and larger. */
static void test_record_sizes(void)
{
	const size_t ks = sizeof(struct ktstr_task_rec), big = ks + 56, small = 64;
	int fd = kt_open();
	struct ktstr_task_rec *ref;
	struct ktstr_snapshot s;
	unsigned char *buf;
	uint32_t n;
	bool ok;

	kt_track(fd, KTSTR_TRACK_ALL, 0, 0, -1);
	ref = kt_tasks(fd, &n);
	buf = malloc((n + 64) * big);
	if (!ref || !buf || n < 2) {
		fail("record sizes", "no records (%u)", n);
		goto out;
	}
	/* A newer caller: records at its stride, zero beyond ours. */
	memset(buf, 0xff, (n + 64) * big);
	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.buf_len = n;
	s.rec_size = big;
	ok = kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == 0 && s.nr_out == n && s.rec_size == ks;
	for (uint32_t i = 0; ok && i < n; i++) {
		const struct ktstr_task_rec *r = (void *)(buf + i * big);

		ok = r->pid == ref[i].pid && r->start_time_ns == ref[i].start_time_ns &&
		     all_bytes((const unsigned char *)r + ks, big - ks, 0);
	}
	check(ok, "task records for a newer caller: its stride, zero tail, same tasks",
	      "out %u of %u, module size %u", s.nr_out, n, s.rec_size);
	/* An older caller: records cut to its size, nothing written past them. */
	memset(buf, 0xff, (n + 64) * big);
	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.buf_len = n;
	s.rec_size = small;
	ok = kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == 0 && s.nr_out == n;
	for (uint32_t i = 0; ok && i < n; i++) {
		const struct ktstr_task_rec *r = (void *)(buf + i * small);

		ok = r->pid == ref[i].pid && r->tgid == ref[i].tgid &&
		     !memcmp(r->comm, ref[i].comm, 8);
	}
	check(ok && all_bytes(buf + n * small, small, 0xff),
	      "task records for an older caller: cut to its size, packed at its stride",
	      "out %u of %u", s.nr_out, n);
	{
		struct ktstr_cpu_rec *c;
		size_t cs = sizeof(*c), cbig = cs + 24;
		uint32_t nc = (uint32_t)sysconf(_SC_NPROCESSORS_CONF);

		memset(buf, 0xff, (n + 64) * big);
		memset(&s, 0, sizeof(s));
		s.buf = (uintptr_t)buf;
		s.buf_len = nc;
		s.rec_size = cbig;
		ok = kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_CPUS, &s) == 0 && s.nr_out == nc &&
		     s.rec_size == cs;
		for (uint32_t i = 0; ok && i < s.nr_out; i++) {
			c = (void *)(buf + i * cbig);
			ok = c->cpu == i && all_bytes((unsigned char *)c + cs, cbig - cs, 0);
		}
		check(ok, "cpu records for a newer caller: its stride, zero tail", "out %u",
		      s.nr_out);
		memset(buf, 0xff, (n + 64) * big);
		s.rec_size = 8;
		ok = kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_CPUS, &s) == 0 && s.nr_out == nc;
		for (uint32_t i = 0; ok && i < s.nr_out; i++)
			ok = ((struct ktstr_cpu_rec *)(buf + i * 8))->cpu == i;
		check(ok && all_bytes(buf + nc * 8, 8, 0xff),
		      "cpu records for an older caller: 8 bytes each", "out %u", s.nr_out);
	}
	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.buf_len = 1;
	s.rec_size = 4;
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == -EINVAL,
	      "record size below 8 is EINVAL", "errno %d", errno);
	s.rec_size = KTSTR_REC_SIZE_MAX + 8;
	check(kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s) == -EINVAL,
	      "record size above 64 KiB is EINVAL", "errno %d", errno);
out:
	free(ref);
	free(buf);
	close(fd);
}

static pid_t spinner_on(int cpu, uint64_t ns)
{
	pid_t pid = fork();

	if (!pid) {
		pin_cpu(cpu);
		spin_ns(ns);
		_exit(0);
	}
	return pid;
}

/* Read events of a session whose event size is @esz; 0 if none came. */
static ssize_t read_sized(int fd, unsigned char *buf, size_t len, int timeout_ms)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * MS;
	ssize_t r;

	do {
		r = read(fd, buf, len);
		if (r > 0 || errno != EAGAIN)
			return r;
		sleep_ns(10 * MS);
	} while (now_ns() < end);
	return 0;
}

/*
 * Events at the size the caller states through KTSTR_IOC_API: two
 * spinners sharing a CPU under a 1 ms threshold make events quickly.
 */
static void test_event_sizes(void)
{
	static unsigned char buf[64 * 256];
	int fd = open(KTSTR_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	pid_t a = spinner_on(0, 1500 * MS), b = spinner_on(0, 1500 * MS);
	struct ktstr_api api = { .api = KTSTR_ABI_MAJOR, .event_size = 40 };
	ssize_t r;
	bool ok;

	kt_config(fd, MS, MS);
	kt_track(fd, KTSTR_TRACK_PID, 0, a, -1);
	kt_track(fd, KTSTR_TRACK_PID, 0, b, -1);
	check(kt_ioctl(fd, KTSTR_IOC_API, &api) == 0, "api: 40-byte events", "%s",
	      strerror(errno));
	memset(buf, 0xff, sizeof(buf));
	r = read_sized(fd, buf, 10 * 40, 1000);
	ok = r > 0 && r % 40 == 0 && r <= 400;
	for (ssize_t i = 0; ok && i < r / 40; i++) {
		const struct ktstr_event *e = (void *)(buf + i * 40);

		ok = (e->type == KTSTR_EV_STARVE_BEGIN || e->type == KTSTR_EV_STARVE_END) &&
		     (e->pid == a || e->pid == b) && e->wait_ns >= MS;
	}
	check(ok && all_bytes(buf + r, 40, 0xff),
	      "events for an older reader: 40 bytes each, fields in place", "read %zd", r);
	check(read(fd, buf, 39) < 0 && errno == EINVAL,
	      "read() shorter than the session's event size is EINVAL", "errno %d", errno);
	api.event_size = sizeof(struct ktstr_event) + 40;
	check(kt_ioctl(fd, KTSTR_IOC_API, &api) == 0, "api: 128-byte events", "%s",
	      strerror(errno));
	memset(buf, 0xff, sizeof(buf));
	r = read_sized(fd, buf, 8 * 128, 1000);
	ok = r > 0 && r % 128 == 0;
	for (ssize_t i = 0; ok && i < r / 128; i++) {
		const struct ktstr_event *e = (void *)(buf + i * 128);

		ok = (e->pid == a || e->pid == b) && all_bytes(buf + i * 128 + 88, 40, 0) &&
		     (i == 0 || e->seq > ((const struct ktstr_event *)(buf + (i - 1) * 128))->seq);
	}
	check(ok, "events for a newer reader: 128 bytes each, zero tail, rising seq",
	      "read %zd", r);
	close(fd);
	kill_wait(a);
	kill_wait(b);
}

/* A storm of random commands, sizes and pointers: only errors, no oops. */
static void test_ioctl_storm(int fd)
{
	unsigned char *buf = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *out = mmap(NULL, 100 * sizeof(struct ktstr_task_rec), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int seed = 12345;
	struct ktstr_version v;
	int calls = 0;

	for (int i = 0; i < 3000; i++) {
		unsigned int dir = rand_r(&seed) % 4, nr = rand_r(&seed) % 12;
		unsigned int size = rand_r(&seed) % 700;
		unsigned long cmd = _IOC(dir, KTSTR_IOC_MAGIC, nr, size);
		void *arg;

		for (int j = 0; j < 1024; j++)
			buf[j] = rand_r(&seed);
		switch (rand_r(&seed) % 6) {
		case 0: arg = NULL; break;
		case 1: arg = (void *)0xffff888000000000UL; break;
		case 2: arg = buf + 65536 - 8; break;	/* runs off the mapping */
		case 3: arg = buf + 1; break;		/* unaligned */
		default: arg = buf; break;
		}
		/* Real commands with random content too. */
		if (i % 3 == 0) {
			static const unsigned long real[] = {
				KTSTR_IOC_CONFIG, KTSTR_IOC_TRACK, KTSTR_IOC_UNTRACK,
				KTSTR_IOC_SNAPSHOT_TASKS, KTSTR_IOC_SNAPSHOT_CPUS,
			};
			cmd = real[rand_r(&seed) % 5];
			arg = buf;
			if (cmd == KTSTR_IOC_SNAPSHOT_TASKS || cmd == KTSTR_IOC_SNAPSHOT_CPUS) {
				/* Output only into memory that may be scribbled on. */
				struct ktstr_snapshot *s = (void *)buf;
				static const uint64_t bufs[] = { 0, 0xffff888000000000ULL, 16 };

				s->buf = rand_r(&seed) % 2 ? (uintptr_t)out :
					 bufs[rand_r(&seed) % 3];
				s->buf_len = rand_r(&seed) % 100;
				s->flags = rand_r(&seed) % 4 == 0;
			} else {
				/* A size field of 0 gets past the size check. */
				memset(buf, 0, 4);
			}
		}
		ioctl(fd, cmd, arg);
		calls++;
	}
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
	check(kt_ioctl(fd, KTSTR_IOC_VERSION, &v) == 0 && v.abi_major == KTSTR_ABI_MAJOR,
	      "device still works after 3000 random ioctls", "%d calls", calls);
	munmap(buf, 65536);
	munmap(out, 100 * sizeof(struct ktstr_task_rec));
}

int main(void)
{
	int fd = kt_open();

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_device_node();
	test_version(fd);
	test_bad_ioctls(fd);
	test_truncated_snapshot(fd);
	test_struct_in_sizes();
	test_struct_out_sizes(fd);
	test_api();
	test_record_sizes();
	test_event_sizes();
	test_unprivileged();
	test_ioctl_storm(fd);
	close(fd);
	return g_failed ? 1 : 0;
}
