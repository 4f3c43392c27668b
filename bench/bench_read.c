// SPDX-License-Identifier: GPL-2.0
/*
 * bench_read - what it costs to read per-task scheduling numbers, and what
 * a tracked task costs in memory.
 *
 * Read cost: N children (processes sharing the parent's memory and fd
 * table, clone CLONE_VM | CLONE_FILES, 16 KiB stacks, so 10 000 of them fit in a small guest) block
 * on one pipe; each is tracked with KTSTR_IOC_TRACK (KTSTR_TRACK_PID). Then,
 * interleaved over several repetitions, we time
 *   - one KTSTR_IOC_SNAPSHOT_TASKS returning all N records, against
 *   - open/read/close of /proc/<pid>/schedstat and /proc/<pid>/status for
 *     the same N tasks, parsing run/wait/timeslices and the voluntary and
 *     involuntary switch counts (the numbers a snapshot record carries).
 *
 * Memory: sizeof(struct ktstr_task_rec) (the ABI record) and the module's
 * kernel-side bytes per record, measured as the change of VmallocUsed
 * (/proc/meminfo) when the module is loaded with capacity=16384 and with
 * capacity=65536 (the record pool and the task hash are vmalloc'd at
 * load): bytes per record = slope between the two, footprint at capacity
 * = the change at 16384 (pool + hash + module image; per-CPU data is not
 * vmalloc'd and not included). The module is reloaded with its defaults
 * afterwards.
 *
 * BPF collector (user/bpf, linked from build/libktstr.a): for each N it
 * is loaded with its default capacity (KTSTR_BPF_CAPACITY = 8192 records,
 * a preallocated hash) before the children are spawned and tracks the
 * bench itself with follow-fork, so each child is tracked from its fork
 * until the map is full (the rest are counted as dropped, not faked).
 * Its map dump, ktstr_bpf_snapshot() (task iterator to refresh the kernel
 * totals, then get_next_key + lookup per record, converted to
 * struct ktstr_task_rec), is timed in the same interleaved rotation as the
 * module snapshot and procfs. Memory: the `tasks` map's memlock (fdinfo,
 * the kernel's map_mem_usage()) divided by its max_entries.
 *
 * Output: a human table and one "@row ID {json}" line per row (see
 * bench/run.sh). Exits non-zero if a row could not be measured, never
 * because a goal was missed.
 *
 * usage: bench_read [--sizes N1,N2] [--reps R] [--mem-reps R] [--module KO]
 */
#include "bench_util.h"
#include <getopt.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <ktstr/collector.h>
#include "collector.h"

/* Parse "a,b,c" of positive integers into v[]; returns the count. */
static int parse_list(const char *s, long *v, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		v[n] = strtol(s, &end, 10);
		if (end == s || v[n] <= 0)
			return -1;
		n++;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n;
}


#define MAX_REPS	101
#define CHILD_STACK	(16 * 1024)
#define GOAL_N		10000
#define GOAL_RATIO	20.0

static const char *module_path = KT_MODULE_PATH;

/* ---- memory ---------------------------------------------------------- */

static long meminfo_kb(const char *key)
{
	char buf[4096], *p;
	long v = -1;

	if (read_file("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	if (p && sscanf(p + strlen(key), ": %ld", &v) != 1)
		v = -1;
	return v;
}

static long load_delta_kb(const char *params, long *coresize)
{
	char buf[64];
	long v0, v1;
	int fd;

	module_unload();
	sleep_ns(20 * 1000000ULL);
	v0 = meminfo_kb("VmallocUsed");
	module_load(module_path, params);
	/* A session's pool is allocated when it starts tracking. */
	fd = kt_open();
	kt_track(fd, KTSTR_TRACK_PID, 0, getpid(), -1);
	sleep_ns(20 * 1000000ULL);
	v1 = meminfo_kb("VmallocUsed");
	close(fd);
	if (coresize) {
		*coresize = -1;
		if (!read_file("/sys/module/ktstr/coresize", buf, sizeof(buf)))
			*coresize = atol(buf);
	}
	return v0 < 0 || v1 < 0 ? -1 : v1 - v0;
}

static int bench_memory(int reps)
{
	const long c1 = 16384, c2 = 65536;
	double d1[MAX_REPS], d2[MAX_REPS], slope[MAX_REPS];
	struct ktstr_version ver = {0};
	long coresize = -1;
	struct stats s1, sl;
	char p1[32], p2[32];
	int fd, bad = 0;

	snprintf(p1, sizeof(p1), "capacity=%ld", c1);
	snprintf(p2, sizeof(p2), "capacity=%ld", c2);
	for (int r = 0; r < reps; r++) {
		long a = load_delta_kb(p1, &coresize), b = load_delta_kb(p2, NULL);

		if (a < 0 || b < 0) {
			printf("not ok - mem: VmallocUsed not readable in /proc/meminfo\n");
			return 1;
		}
		d1[r] = a;
		d2[r] = b;
		slope[r] = (double)(b - a) * 1024 / (c2 - c1);
	}
	module_unload();
	module_load(module_path, "");
	fd = kt_open();
	if (kt_ioctl(fd, KTSTR_IOC_VERSION, &ver)) {
		printf("not ok - mem: KTSTR_IOC_VERSION failed\n");
		bad++;
	}
	close(fd);
	s1 = stats_of(d1, reps);
	sl = stats_of(slope, reps);

	printf("\n%-20s %12s  %s\n", "row", "value", "what");
	printf("%-20s %12zu  bytes, sizeof(struct ktstr_task_rec) (module says %u)\n",
	       "mem_abi_record", sizeof(struct ktstr_task_rec), ver.task_rec_size);
	printf("@row mem_abi_record {\"bench\":\"memory\",\"id\":\"mem_abi_record\","
	       "\"bytes\":%zu,\"module_task_rec_size\":%u}\n",
	       sizeof(struct ktstr_task_rec), ver.task_rec_size);
	printf("%-20s %12.1f  bytes per record in the kernel (VmallocUsed slope, capacity "
	       "%ld -> %ld; %d reps, range %.1f..%.1f)\n", "mem_kernel_record", sl.median,
	       c1, c2, reps, sl.min, sl.max);
	printf("@row mem_kernel_record {\"bench\":\"memory\",\"id\":\"mem_kernel_record\","
	       "\"bytes\":%.1f,\"min\":%.1f,\"max\":%.1f,\"capacity_lo\":%ld,"
	       "\"capacity_hi\":%ld,\"reps\":%d,\"method\":\"VmallocUsed slope\"}\n",
	       sl.median, sl.min, sl.max, c1, c2, reps);
	printf("%-20s %12.0f  KiB of vmalloc at capacity %ld (pool + hash + module image; "
	       "per-CPU not incl.; module coresize %ld B); default capacity now %u\n",
	       "mem_footprint", s1.median, c1, coresize, ver.capacity);
	printf("@row mem_footprint {\"bench\":\"memory\",\"id\":\"mem_footprint\","
	       "\"capacity\":%ld,\"vmalloc_kib\":%.0f,\"min_kib\":%.0f,\"max_kib\":%.0f,"
	       "\"capacity_hi\":%ld,\"vmalloc_kib_hi\":%.0f,\"coresize_bytes\":%ld}\n",
	       c1, s1.median, s1.min, s1.max, c2, stats_of(d2, reps).median, coresize);
	return bad;
}

/*
 * The collector's `tasks` map (the newest map of that name: the one just
 * loaded): key/value size, max_entries and the fdinfo memlock.
 */
static int bpf_tasks_map(struct bpf_map_info *out, long long *memlock)
{
	__u32 id = 0, best = 0;
	char path[64], buf[1024], *p;
	int fd, found = -ENOENT;

	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {0};
		__u32 len = sizeof(info);

		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, "tasks") &&
		    id >= best) {
			best = id;
			*out = info;
			*memlock = -1;
			snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
			if (!read_file(path, buf, sizeof(buf)) && (p = strstr(buf, "memlock:")))
				*memlock = atoll(p + 8);
			found = 0;
		}
		close(fd);
	}
	return found;
}

static int bench_memory_bpf(void)
{
	struct ktstr_bpf *b = NULL;
	struct bpf_map_info info = {0};
	long long memlock = -1;
	int err;

	err = ktstr_bpf_open(&b, 0);
	if (err) {
		printf("not ok - mem_bpf_record: collector: %s\n", ktstr_last_error());
		return 1;
	}
	err = bpf_tasks_map(&info, &memlock);
	ktstr_bpf_close(b);
	if (err || memlock <= 0 || !info.max_entries) {
		printf("not ok - mem_bpf_record: tasks map not found or no memlock in fdinfo\n");
		return 1;
	}
	printf("%-20s %12.1f  bytes per tracked-task slot of the BPF collector's map (fdinfo "
	       "memlock %lld B / max_entries %u; preallocated hash, key %u B + value %u B)\n",
	       "mem_bpf_record", (double)memlock / info.max_entries, memlock, info.max_entries,
	       info.key_size, info.value_size);
	printf("@row mem_bpf_record {\"bench\":\"memory\",\"id\":\"mem_bpf_record\","
	       "\"bytes\":%.1f,\"memlock_bytes\":%lld,\"max_entries\":%u,\"key_size\":%u,"
	       "\"value_size\":%u,\"method\":\"BPF map fdinfo memlock / max_entries "
	       "(preallocated hash)\"}\n", (double)memlock / info.max_entries, memlock,
	       info.max_entries, info.key_size, info.value_size);
	return 0;
}

/* ---- read cost ------------------------------------------------------- */

static int child_fn(void *arg)
{
	char c;

	/*
	 * Raw syscalls: this child shares the parent's memory and TLS. The fd
	 * table is shared too, so the parent's close of the write end is
	 * everyone's EOF.
	 */
	syscall(SYS_read, (int)(intptr_t)arg, &c, 1);
	syscall(SYS_exit, 0);
	return 0;
}

static uint64_t parse_after(const char *buf, const char *key, int *found)
{
	const char *p = strstr(buf, key);

	if (!p)
		return 0;
	(*found)++;
	return strtoull(p + strlen(key), NULL, 10);
}

/* /proc/@pid/@file into @buf (one read, NUL-terminated); false if unreadable. */
static bool read_proc(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r <= 0)
		return false;
	buf[r] = '\0';
	return true;
}

/* What a procfs-based collector does per task; returns tasks read. */
static long read_procfs(const pid_t *pids, long n, uint64_t *sink)
{
	char buf[4096];
	long good = 0;

	for (long i = 0; i < n; i++) {
		uint64_t run, wait, slices;
		int found = 0;

		if (!read_proc(pids[i], "schedstat", buf, sizeof(buf)) ||
		    sscanf(buf, "%lu %lu %lu", &run, &wait, &slices) != 3 ||
		    !read_proc(pids[i], "status", buf, sizeof(buf)))
			continue;
		*sink += run + wait + slices;
		*sink += parse_after(buf, "\nvoluntary_ctxt_switches:", &found);
		*sink += parse_after(buf, "\nnonvoluntary_ctxt_switches:", &found);
		if (found == 2)
			good++;
	}
	return good;
}

#define KTSTR_BPF_CAPACITY_DEFAULT	8192	/* collector.h KTSTR_BPF_CAPACITY */

/* BPF map dump rows, printed after the module/procfs rows. */
static struct bpf_row {
	const char *id;
	long n, recs, cap;
	unsigned long long dropped;
	struct stats s;
	double per, proc_per, snap_per;
	int reps;
} bpf_rows[2];
static int nr_bpf_rows;

static int print_bpf_rows(void)
{
	printf("\n# read: ktstr_bpf_snapshot() of the BPF collector (its map dump: task iterator + "
	       "get_next_key/lookup per record), same N children, same rotation; the map holds "
	       "%d records (self + children tracked from fork), the rest are dropped\n",
	       KTSTR_BPF_CAPACITY_DEFAULT);
	printf("%-12s %6s %7s %7s %11s %11s %11s %9s %10s %10s\n", "row", "N", "records",
	       "dropped", "dump_med_us", "dump_min", "dump_max", "us/rec", "procfs/rec",
	       "rec/module");
	for (int i = 0; i < nr_bpf_rows; i++) {
		const struct bpf_row *b = &bpf_rows[i];

		printf("%-12s %6ld %7ld %7llu %11.1f %11.1f %11.1f %9.3f %9.1fx %9.1fx\n", b->id,
		       b->n, b->recs, b->dropped, b->s.median, b->s.min, b->s.max, b->per,
		       b->proc_per / b->per, b->per / b->snap_per);
		printf("@row %s {\"bench\":\"read\",\"id\":\"%s\",\"backend\":\"bpf\","
		       "\"n_requested\":%ld,\"records\":%ld,\"dropped\":%llu,\"capacity\":%ld,"
		       "\"reps\":%d,\"dump_us\":{\"median\":%.2f,\"min\":%.2f,\"max\":%.2f,"
		       "\"q1\":%.2f,\"q3\":%.2f},\"dump_us_per_record\":%.4f,"
		       "\"procfs_us_per_task\":%.4f,\"module_snapshot_us_per_task\":%.4f,"
		       "\"procfs_over_bpf_per_task\":%.2f,\"bpf_over_module_per_task\":%.2f}\n",
		       b->id, b->id, b->n, b->recs, b->dropped, b->cap, b->reps, b->s.median,
		       b->s.min, b->s.max, b->s.q1, b->s.q3, b->per, b->proc_per, b->snap_per,
		       b->proc_per / b->per, b->per / b->snap_per);
	}
	return nr_bpf_rows == 2 ? 0 : 1;
}

static int bench_size(const char *id, const char *bpf_id, long n, int reps)
{
	double snap_us[MAX_REPS], proc_us[MAX_REPS], bpf_us[MAX_REPS];
	long bpf_recs = -1, bpf_self = 0;
	unsigned long long bpf_dropped = 0;
	struct ktstr_bpf *bpf = NULL;
	char bpf_err[256] = "";
	struct ktstr_task_rec *recs;
	struct stats ss, ps;
	int pfd[2], fd, bad = 0;
	long spawned = 0;
	uint64_t sink = 0;
	char *stacks;
	pid_t *pids;

	pids = calloc(n, sizeof(*pids));
	recs = calloc(n + 64, sizeof(*recs));
	stacks = mmap(NULL, (size_t)n * CHILD_STACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (!pids || !recs || stacks == MAP_FAILED || pipe(pfd)) {
		printf("not ok - %s: out of memory for N=%ld\n", id, n);
		return 1;
	}
	memset(recs, 0, (n + 64) * sizeof(*recs));	/* fault the buffer in */
	/* BPF collector: default capacity, children tracked from their fork. */
	if (ktstr_bpf_open(&bpf, 0) || ktstr_bpf_track_pid(bpf, getpid(), true)) {
		snprintf(bpf_err, sizeof(bpf_err), "%s", ktstr_last_error());
		ktstr_bpf_close(bpf);
		bpf = NULL;
	}
	for (; spawned < n; spawned++) {
		pid_t p = clone(child_fn, stacks + (size_t)(spawned + 1) * CHILD_STACK,
				CLONE_VM | CLONE_FILES | SIGCHLD, (void *)(intptr_t)pfd[0]);

		if (p < 0) {
			printf("not ok - %s: clone child %ld of %ld: %s\n", id, spawned + 1, n,
			       strerror(errno));
			bad = 1;
			goto out;
		}
		pids[spawned] = p;
	}
	fd = kt_open();
	for (long i = 0; i < n; i++) {
		int err = kt_track(fd, KTSTR_TRACK_PID, 0, pids[i], -1);

		if (err) {
			printf("not ok - %s: track child %ld: %s\n", id, i, strerror(-err));
			bad = 1;
			close(fd);
			goto out;
		}
	}
	sleep_ns(200 * 1000000ULL);	/* let every child reach its read() */

	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < 3; k++) {
			int what = (r + k) % 3;
			bool snap = what == 0;
			uint64_t t0;

			if (what == 2) {
				struct ktstr_task_rec *br = NULL;
				size_t bn = 0;

				if (!bpf)
					continue;
				t0 = now_ns();
				if (ktstr_bpf_snapshot(bpf, &br, &bn, &bpf_dropped)) {
					snprintf(bpf_err, sizeof(bpf_err), "snapshot: %s",
						 ktstr_last_error());
					ktstr_bpf_close(bpf);
					bpf = NULL;
					continue;
				}
				bpf_us[r] = (now_ns() - t0) / 1e3;
				bpf_self = 0;
				for (size_t i = 0; i < bn; i++)
					if (br[i].pid == getpid())
						bpf_self++;
				bpf_recs = (long)bn - bpf_self;
				free(br);
			} else if (snap) {
				struct ktstr_snapshot s = {
					.buf = (uintptr_t)recs, .buf_len = n + 64,
				};
				int err;

				t0 = now_ns();
				err = kt_ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s);
				snap_us[r] = (now_ns() - t0) / 1e3;
				if (err || s.nr_out != n || s.nr_total != n || s.flags) {
					printf("not ok - %s: snapshot: err %d, %u of %u records, "
					       "flags %#x, want %ld\n", id, err, s.nr_out,
					       s.nr_total, s.flags, n);
					bad = 1;
				}
			} else {
				long got;

				t0 = now_ns();
				got = read_procfs(pids, n, &sink);
				proc_us[r] = (now_ns() - t0) / 1e3;
				if (got != n) {
					printf("not ok - %s: procfs read %ld of %ld tasks\n", id,
					       got, n);
					bad = 1;
				}
			}
		}
	}
	/* Every record must be one of ours. */
	for (long i = 0; i < n && !bad; i++)
		if (recs[i].tgid != recs[i].pid || recs[i].pid <= 0) {
			printf("not ok - %s: record %ld has pid %d tgid %d\n", id, i,
			       recs[i].pid, recs[i].tgid);
			bad = 1;
		}
	close(fd);
	if (bpf)
		ktstr_bpf_close(bpf);
	if (!bad && bpf_err[0]) {
		printf("not ok - %s: BPF collector: %s\n", bpf_id, bpf_err);
	} else if (!bad) {
		struct stats bs = stats_of(bpf_us, reps);
		struct stats ss2 = stats_of(snap_us, reps), ps2 = stats_of(proc_us, reps);
		long cap = KTSTR_BPF_CAPACITY_DEFAULT;
		double per = bpf_recs > 0 ? bs.median / (bpf_recs + bpf_self) : 0;

		bpf_rows[nr_bpf_rows++] = (struct bpf_row){
			.id = bpf_id, .n = n, .recs = bpf_recs, .dropped = bpf_dropped,
			.cap = cap, .s = bs, .per = per,
			.proc_per = ps2.median / n, .snap_per = ss2.median / n, .reps = reps,
		};
	}
	if (!bad) {
		double ratio;
		const char *verdict;

		ss = stats_of(snap_us, reps);
		ps = stats_of(proc_us, reps);
		ratio = ps.median / ss.median;
		verdict = n >= GOAL_N ? (ratio >= GOAL_RATIO ? "MET" : "MISSED") :
			  "n/a (goal is stated at N=10000)";
		printf("%-8s %6ld %11.1f %11.1f %11.1f %11.1f %11.1f %11.1f %8.1fx %9.3f %9.3f  "
		       "snapshot >= %.0fx faster at N=%d: %s\n", id, n, ss.median, ss.min,
		       ss.max, ps.median, ps.min, ps.max, ratio, ss.median / n,
		       ps.median / n, GOAL_RATIO, GOAL_N, verdict);
		printf("@row %s {\"bench\":\"read\",\"id\":\"%s\",\"n\":%ld,\"reps\":%d,"
		       "\"snapshot_us\":{\"median\":%.2f,\"min\":%.2f,\"max\":%.2f,\"q1\":%.2f,"
		       "\"q3\":%.2f},\"procfs_us\":{\"median\":%.2f,\"min\":%.2f,\"max\":%.2f,"
		       "\"q1\":%.2f,\"q3\":%.2f},\"ratio\":%.2f,\"snapshot_us_per_task\":%.4f,"
		       "\"procfs_us_per_task\":%.4f,\"goal\":\"snapshot >= %.0fx faster than "
		       "procfs at N=%d\",\"verdict\":\"%s\"}\n", id, id, n, reps, ss.median,
		       ss.min, ss.max, ss.q1, ss.q3, ps.median, ps.min, ps.max, ps.q1, ps.q3,
		       ratio, ss.median / n, ps.median / n, GOAL_RATIO, GOAL_N, verdict);
	}
out:
	close(pfd[1]);			/* EOF: every child's read() returns */
	for (long i = 0; i < spawned; i++)
		waitpid(pids[i], NULL, 0);
	close(pfd[0]);
	munmap(stacks, (size_t)n * CHILD_STACK);
	free(recs);
	free(pids);
	if (sink == 1)			/* keep the parsing from being optimised out */
		printf("#\n");
	return bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_read [--sizes N1,N2] [--reps R] [--mem-reps R] [--module KO]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "mem-reps", required_argument, NULL, 'M' },
		{ "module", required_argument, NULL, 'm' },
		{ 0 }
	};
	long sizes[2] = { 1000, 10000 };
	int reps = 7, mem_reps = 3, o, bad = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (parse_list(optarg, sizes, 2) != 2)
				usage();
			break;
		case 'r': reps = atoi(optarg); break;
		case 'M': mem_reps = atoi(optarg); break;
		case 'm': module_path = optarg; break;
		default: usage();
		}
	}
	if (reps < 1 || reps > MAX_REPS || mem_reps < 1 || mem_reps > MAX_REPS ||
	    optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Memory first: it reloads the module and wants a quiet system. */
	mkdir("/sys/fs/bpf", 0755);
	mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL);	/* harmless if there already */
	bad |= bench_memory(mem_reps);
	bad |= bench_memory_bpf();

	printf("\n# read: one KTSTR_IOC_SNAPSHOT_TASKS of all N records vs procfs "
	       "(schedstat + status) of the same N tasks; %d reps, interleaved\n", reps);
	printf("%-8s %6s %11s %11s %11s %11s %11s %11s %9s %9s %9s  %s\n", "row", "N",
	       "snap_med_us", "snap_min", "snap_max", "proc_med_us", "proc_min", "proc_max",
	       "ratio", "snap_us/t", "proc_us/t", "goal");
	bad |= bench_size("read_n1", "read_bpf_n1", sizes[0], reps);
	bad |= bench_size("read_n2", "read_bpf_n2", sizes[1], reps);
	bad |= print_bpf_rows();
	return bad ? 1 : 0;
}
