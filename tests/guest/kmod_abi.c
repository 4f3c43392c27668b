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
	struct {
		struct ktstr_track tr;
		uint64_t tail;
	} big;
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
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "short struct size is EINVAL", "errno %d", errno);
	tr.size = 1 << 20;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -E2BIG, "huge struct size is E2BIG", "errno %d", errno);
	tr.size = sizeof(tr);
	tr.pid = 0;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "pid 0 is EINVAL", "errno %d", errno);
	tr.pid = -5;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -EINVAL, "negative pid is EINVAL", "errno %d", errno);
	tr.pid = 4000000;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &tr) == -ESRCH, "missing pid is ESRCH", "errno %d", errno);
	check(kt_ioctl(fd, KTSTR_IOC_UNTRACK, &tr) == -ESRCH, "untrack missing pid is ESRCH", "errno %d", errno);

	/* A newer, larger struct: accepted with a zero tail, refused otherwise. */
	memset(&big, 0, sizeof(big));
	big.tr.size = sizeof(big);
	big.tr.mode = KTSTR_TRACK_PID;
	big.tr.pid = getpid();
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &big) == 0, "larger struct with zero tail accepted",
	      "%s", strerror(errno));
	big.tail = 1;
	check(kt_ioctl(fd, KTSTR_IOC_TRACK, &big) == -E2BIG,
	      "larger struct with non-zero tail is E2BIG", "errno %d", errno);

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
				/* A plausible size field, else nothing gets past it. */
				memcpy(buf, &(uint32_t){ 24 }, 4);
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
	test_unprivileged();
	test_ioctl_storm(fd);
	close(fd);
	return g_failed ? 1 : 0;
}
