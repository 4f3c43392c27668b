/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ktstr: kernel-precise per-task scheduling accounting, userspace ABI.
 *
 * This header is the only contract between ktstr.ko and userspace. It is
 * plain C99 with fixed-size fields, natural alignment and explicit padding,
 * so the same layout holds for 32-bit and 64-bit callers (compat_ptr_ioctl).
 *
 * Device: /dev/ktstr (misc, mode 0600). Every ioctl also requires
 * CAP_SYS_ADMIN in the initial user namespace of the opener.
 *
 * Session model (the perf_event model): every open() of /dev/ktstr is its
 * own session, with its own tracked set (pids, one cgroup v2 subtree, or
 * every task), its own task records, its own starvation threshold and
 * watchdog, and its own event queue and lost-event count. Sessions never
 * see each other's tasks, records or events, and none can reset another.
 * A session starts tracking with its first KTSTR_IOC_TRACK and stops with
 * KTSTR_IOC_RESET (the file stays usable) or when the file is closed, so a
 * crashed runner leaves nothing hooked. Records of exited tasks stay
 * readable until then. RESET drops the records and the queued events; a
 * task in the middle of a starvation episode gets its KTSTR_EV_STARVE_END
 * (the episode ends for the session), queued after the drop, so a reader
 * still sees every episode it saw begin end. At most max_sessions files (module parameter, see
 * struct ktstr_version) are open at once: a further open() fails with
 * EBUSY. A task tracked by several sessions has one record in each.
 *
 * Within a session the verdict never depends on who read the events: each
 * task record counts its own starvation episodes and keeps its longest one
 * (nr_starvations, max_starve_*), so records alone say whether and how a
 * task starved; events only show episodes as they happen.
 *
 * Pids (records, events, CPU records) are in the pid namespace of the
 * process that opened the file; a task not visible there reports 0.
 *
 * Times are nanoseconds. Timestamps (*_at_ns, first/last seen, event
 * time) are CLOCK_MONOTONIC, comparable with clock_gettime() in userspace.
 * Run and wait durations are taken from the scheduler's own clock edges
 * (the same ones /proc/<pid>/schedstat sums), so they agree with it.
 *
 * Growing the ABI (the copy_struct_from_user() convention of perf_event
 * and clone3): commands are told apart by _IOC_NR alone; the size of the
 * struct a caller passes is _IOC_SIZE of its command, so a program built
 * against an older or a newer header sends its own size.
 *  - A struct passed in (config, track, snapshot, api) is accepted at its
 *    first published size (KTSTR_*_SIZE_VER0) or larger: what an older,
 *    smaller struct lacks reads as zero; a larger struct is accepted only
 *    if the tail the module does not know is zero, else E2BIG. Smaller
 *    than the first published size is EINVAL; above 4096 bytes, E2BIG.
 *  - A struct passed out (version, stats, snapshot) is written up to the
 *    caller's size (a longer one gets a zero tail); its size field says
 *    how much the module filled.
 *  - Records (task, CPU, event) are written at the record size the caller
 *    states (struct ktstr_snapshot.rec_size, struct ktstr_api.event_size):
 *    each record is cut to that size or zero-extended to it, so either
 *    side may be the newer one. The module announces its own sizes.
 *  - KTSTR_IOC_API is the feature handshake (like UFFDIO_API): the caller
 *    names the ABI major and the features it needs, the module refuses
 *    what it lacks and answers everything it has.
 * KTSTR_ABI_MAJOR changes break the layout; KTSTR_ABI_MINOR changes only
 * add fields (in reserved space or at the end of a struct), flags,
 * features or ioctls.
 */
#ifndef _UAPI_LINUX_KTSTR_H
#define _UAPI_LINUX_KTSTR_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KTSTR_ABI_MAJOR		1
#define KTSTR_ABI_MINOR		2

#define KTSTR_DEVICE_PATH	"/dev/ktstr"
#define KTSTR_COMM_LEN		16
/* CPUs a task record can name in its cpus[] bitmap. */
#define KTSTR_MAX_CPUS		1024
/* Wake-to-run latency histogram: log2 buckets of nanoseconds, see below. */
#define KTSTR_HIST_BUCKETS	32

/**
 * struct ktstr_version - what the loaded module speaks (KTSTR_IOC_VERSION)
 * @abi_major:		KTSTR_ABI_MAJOR of the module
 * @abi_minor:		KTSTR_ABI_MINOR of the module
 * @task_rec_size:	sizeof(struct ktstr_task_rec) in the module
 * @cpu_rec_size:	sizeof(struct ktstr_cpu_rec) in the module
 * @event_size:		sizeof(struct ktstr_event) in the module
 * @nr_cpu_ids:		number of possible CPU ids of the running kernel
 * @capacity:		task records the module can hold (module parameter)
 * @max_cpus:		KTSTR_MAX_CPUS of the module
 * @features:		KTSTR_FEAT_* bits
 * @size:		sizeof(struct ktstr_version) in the module (ABI 1.1)
 * @max_sessions:	open files (sessions) the module allows at once
 *
 * A caller of ABI 1.0 passes the first 40 bytes and gets them.
 */
struct ktstr_version {
	__u32 abi_major;
	__u32 abi_minor;
	__u32 task_rec_size;
	__u32 cpu_rec_size;
	__u32 event_size;
	__u32 nr_cpu_ids;
	__u32 capacity;
	__u32 max_cpus;
	__u64 features;
	__u32 size;
	__u32 max_sessions;
};

#define KTSTR_VERSION_SIZE_VER0	40	/* first published size */

/* Run and wait come from the scheduler's clock (sched_info), not the probe. */
#define KTSTR_FEAT_SCHED_INFO_CLOCK	(1ULL << 0)
/* Tasks moved into a tracked cgroup are followed (cgroup_attach_task). */
#define KTSTR_FEAT_CGROUP_ATTACH	(1ULL << 1)
/* Each open file is its own session (ABI 1.1). */
#define KTSTR_FEAT_SESSIONS		(1ULL << 2)
/* Records and events are written at the record size the caller states. */
#define KTSTR_FEAT_REC_SIZE		(1ULL << 3)
/* Pids are reported in the opener's pid namespace. */
#define KTSTR_FEAT_PID_NS		(1ULL << 4)
/* Task records carry max_starve_* and KTSTR_TASK_CPUS_TRUNCATED. */
#define KTSTR_FEAT_STARVE_REC		(1ULL << 5)
#define KTSTR_FEAT_ALL			((1ULL << 6) - 1)

/**
 * struct ktstr_config - session settings (KTSTR_IOC_CONFIG)
 * @size:		sizeof(struct ktstr_config) as the caller knows it
 * @flags:		must be 0
 * @starve_threshold_ns: a tracked task runnable without running for longer
 *			than this is reported as starving; 0 keeps the current
 *			value (default 1000 ms). Range 1 ms .. 3600 s.
 * @scan_interval_ns:	watchdog scan period; 0 means threshold / 4, clamped
 *			to 10 ms .. 1 s. Range 1 ms .. 10 s.
 * @capacity:		task records of this session (ABI 1.1): 0 keeps the
 *			current value (default: the module's capacity);
 *			16 .. the module's capacity. Only before the session
 *			tracks anything (EBUSY after its first TRACK).
 * @__pad:		must be 0
 *
 * @size is 0 or the size the command encodes (_IOC_SIZE), else EINVAL.
 */
struct ktstr_config {
	__u32 size;
	__u32 flags;
	__u64 starve_threshold_ns;
	__u64 scan_interval_ns;
	__u32 capacity;
	__u32 __pad;
};

#define KTSTR_CONFIG_SIZE_VER0	24	/* first published size */

enum ktstr_track_mode {
	KTSTR_TRACK_PID		= 1,	/* one thread, by pid (tid) */
	KTSTR_TRACK_CGROUP	= 2,	/* every task in a cgroup v2 subtree */
	KTSTR_TRACK_ALL		= 3,	/* every task on the system */
};

/* Children forked (and threads created) by a tracked task are tracked. */
#define KTSTR_TRACK_FOLLOW_FORK	(1U << 0)
#define KTSTR_TRACK_FLAGS_ALL	(KTSTR_TRACK_FOLLOW_FORK)

/**
 * struct ktstr_track - add tasks to the session (KTSTR_IOC_TRACK)
 * @size:	0 or the size the command encodes (_IOC_SIZE), else EINVAL
 * @mode:	enum ktstr_track_mode
 * @flags:	KTSTR_TRACK_* flags
 * @pid:	for KTSTR_TRACK_PID: the thread id in the caller's pid namespace
 * @cgroup_fd:	for KTSTR_TRACK_CGROUP: an open fd of the cgroup v2 directory.
 *		Only one cgroup can be tracked per session.
 * @__pad:	must be 0
 *
 * KTSTR_IOC_UNTRACK takes the same struct with mode KTSTR_TRACK_PID: the
 * task stops being updated in this session (its record stays readable;
 * an open starvation episode is closed with a KTSTR_EV_STARVE_END).
 *
 * A TRACK that fails leaves the session as it was: a session that tracked
 * nothing before it is not started (no probe stays attached for it).
 */
struct ktstr_track {
	__u32 size;
	__u32 mode;
	__u32 flags;
	__s32 pid;
	__s32 cgroup_fd;
	__u32 __pad;
};

#define KTSTR_TRACK_SIZE_VER0	24	/* first published size */

/* enum ktstr_task_state: what the module last saw of a task. */
enum ktstr_task_state {
	KTSTR_STATE_UNKNOWN	= 0,	/* tracked, no event seen yet */
	KTSTR_STATE_RUNNING	= 1,
	KTSTR_STATE_RUNNABLE	= 2,	/* queued, waiting for a CPU */
	KTSTR_STATE_SLEEPING	= 3,
	KTSTR_STATE_DEAD	= 4,	/* exited */
};

/* ktstr_task_rec.flags */
#define KTSTR_TASK_EXITED	(1U << 0)	/* exit_code is valid */
#define KTSTR_TASK_FREED	(1U << 1)	/* task_struct is gone */
#define KTSTR_TASK_UNTRACKED	(1U << 2)	/* KTSTR_IOC_UNTRACK */
#define KTSTR_TASK_STARVING	(1U << 3)	/* a starvation episode is open */
#define KTSTR_TASK_FROM_FORK	(1U << 4)	/* tracked since its fork */
/* It ran on a CPU >= KTSTR_MAX_CPUS: cpus[] and nr_cpus miss those. */
#define KTSTR_TASK_CPUS_TRUNCATED (1U << 5)

/*
 * Histogram bucket b counts wake-to-run latencies L with
 *   b == 0:			L < 1024 ns
 *   0 < b < BUCKETS - 1:	2^(b-1) * 1024 <= L < 2^b * 1024 ns
 *   b == BUCKETS - 1:		L >= 2^(BUCKETS-2) * 1024 ns
 */

/**
 * struct ktstr_task_rec - one tracked task (KTSTR_IOC_SNAPSHOT_TASKS)
 * @pid:		thread id (in the opener's pid namespace, 0 if not there)
 * @tgid:		thread group id (same namespace)
 * @state:		enum ktstr_task_state at snapshot time
 * @flags:		KTSTR_TASK_* bits
 * @last_cpu:		CPU it last ran on, or -1
 * @max_wait_cpu:	CPU it waited on in its longest wait, or -1
 * @exit_code:		wait(2)-style status, valid with KTSTR_TASK_EXITED
 * @nr_cpus:		number of distinct CPUs below KTSTR_MAX_CPUS it ran on
 * @comm:		task name (last seen), NUL-terminated
 * @cgroup_id:		cgroup v2 id (inode number) when first tracked
 * @start_time_ns:	task start time (CLOCK_MONOTONIC ns): with @pid, a unique key
 * @first_seen_ns:	when tracking started (CLOCK_MONOTONIC)
 * @last_seen_ns:	last event of this task (CLOCK_MONOTONIC)
 * @run_ns:		time on CPU while tracked
 * @wait_ns:		time runnable but not running (runqueue wait)
 * @max_wait_ns:	longest single wait that ended in a run
 * @max_wait_at_ns:	when that longest wait ended (CLOCK_MONOTONIC)
 * @cur_wait_ns:	the wait in progress at snapshot time, 0 if none
 * @nr_runs:		times it was switched in
 * @nr_voluntary:	switch-outs counted by the kernel as voluntary (nvcsw)
 * @nr_involuntary:	switch-outs counted as involuntary (nivcsw)
 * @nr_wakeups:		wakeups (sched_wakeup, sched_wakeup_new)
 * @nr_migrations:	real migrations: the task's CPU actually changed
 * @nr_starvations:	starvation episodes reported for it (an open one too)
 * @wake_wait_ns:	total wake-to-run latency (sum over @hist)
 * @nr_wake_waits:	waits that began with a wakeup (sum of @hist)
 * @kern_sum_exec_ns:	kernel's se.sum_exec_runtime at snapshot
 * @kern_run_delay_ns:	kernel's sched_info.run_delay at snapshot
 * @kern_pcount:	kernel's sched_info.pcount at snapshot
 * @kern_nvcsw:		kernel's nvcsw at snapshot
 * @kern_nivcsw:	kernel's nivcsw at snapshot
 * @kern_nr_migrations:	kernel's se.nr_migrations at snapshot
 * @max_starve_ns:	longest starvation episode: the whole wait of an
 *			ended one, or the wait so far of the open one (ABI 1.1)
 * @max_starve_start_ns: when that episode's wait began (CLOCK_MONOTONIC)
 * @max_starve_cpu:	CPU whose runqueue it waited on then, -1 if none
 * @__pad:		0
 * @__reserved:	0
 * @hist:		log2 histogram of wake-to-run latency (see above)
 * @cpus:		bitmap of CPUs it ran on, bit n of word n / 64
 *
 * The kern_* fields are read from the task at snapshot time for
 * cross-checking; they are totals since the task started, and stay frozen
 * at their last value once the task is freed.
 */
struct ktstr_task_rec {
	__s32 pid;
	__s32 tgid;
	__u32 state;
	__u32 flags;
	__s32 last_cpu;
	__s32 max_wait_cpu;
	__s32 exit_code;
	__u32 nr_cpus;
	char comm[KTSTR_COMM_LEN];
	__u64 cgroup_id;
	__u64 start_time_ns;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u64 run_ns;
	__u64 wait_ns;
	__u64 max_wait_ns;
	__u64 max_wait_at_ns;
	__u64 cur_wait_ns;
	__u64 nr_runs;
	__u64 nr_voluntary;
	__u64 nr_involuntary;
	__u64 nr_wakeups;
	__u64 nr_migrations;
	__u64 nr_starvations;
	__u64 wake_wait_ns;
	__u64 nr_wake_waits;
	__u64 kern_sum_exec_ns;
	__u64 kern_run_delay_ns;
	__u64 kern_pcount;
	__u64 kern_nvcsw;
	__u64 kern_nivcsw;
	__u64 kern_nr_migrations;
	__u64 max_starve_ns;
	__u64 max_starve_start_ns;
	__s32 max_starve_cpu;
	__u32 __pad;
	__u64 __reserved[5];
	__u32 hist[KTSTR_HIST_BUCKETS];
	__u64 cpus[KTSTR_MAX_CPUS / 64];
};

/**
 * struct ktstr_cpu_rec - one possible CPU (KTSTR_IOC_SNAPSHOT_CPUS)
 * @cpu:		CPU id
 * @online:		1 if online at snapshot time
 * @nr_runnable:	tracked tasks waiting on this CPU's runqueue now
 * @__pad:		0
 * @nr_switches:	context switches on this CPU during the session
 * @busy_ns:		time this CPU ran a non-idle task during the session
 * @max_wait_ns:	longest wait of a tracked task that ended here
 * @max_wait_pid:	the task of @max_wait_ns (0 for a wait still in
 *			progress, or a task outside the opener's namespace)
 * @__pad2:		0
 * @tracked_run_ns:	time this CPU ran tracked tasks
 *
 * Switches and busy time count from the session's first TRACK; the wait
 * and run fields are about the session's own tasks.
 */
struct ktstr_cpu_rec {
	__u32 cpu;
	__u32 online;
	__u32 nr_runnable;
	__u32 __pad;
	__u64 nr_switches;
	__u64 busy_ns;
	__u64 max_wait_ns;
	__s32 max_wait_pid;
	__u32 __pad2;
	__u64 tracked_run_ns;
	__u64 __reserved[4];
};

/* ktstr_snapshot.flags (out) */
#define KTSTR_SNAP_TRUNCATED	(1U << 0)	/* buffer shorter than nr_total */

/**
 * struct ktstr_snapshot - copy out records (KTSTR_IOC_SNAPSHOT_*)
 * @buf:	user pointer to an array of records
 * @buf_len:	in: capacity of @buf in records (0 with @buf 0: count only)
 * @nr_out:	out: records written to @buf
 * @nr_total:	out: records that exist; a larger @buf_len gets them all
 * @flags:	in: 0; out: KTSTR_SNAP_* bits
 * @dropped:	out: tasks that could not be tracked because the table was
 *		full (task snapshot only)
 * @now_ns:	out: CLOCK_MONOTONIC time of the snapshot
 * @rec_size:	in: size of one record in @buf as the caller knows it
 *		(8 .. 65536; 0 means the first published size); each record
 *		is cut to it or zero-extended to it. Out: the module's own
 *		record size (ABI 1.1).
 * @size:	out: bytes of this struct the module filled (ABI 1.1)
 */
struct ktstr_snapshot {
	__u64 buf;
	__u32 buf_len;
	__u32 nr_out;
	__u32 nr_total;
	__u32 flags;
	__u64 dropped;
	__u64 now_ns;
	__u32 rec_size;
	__u32 size;
};

#define KTSTR_SNAPSHOT_SIZE_VER0	40	/* first published size */
#define KTSTR_TASK_REC_SIZE_VER0	552	/* first published record sizes */
#define KTSTR_CPU_REC_SIZE_VER0		88
#define KTSTR_EVENT_SIZE_VER0		88
#define KTSTR_REC_SIZE_MIN		8
#define KTSTR_REC_SIZE_MAX		65536

/**
 * struct ktstr_stats - counters of the caller's session (KTSTR_IOC_STATS)
 * @nr_records:		task records in use (live and exited)
 * @nr_live:		records whose task still exists
 * @capacity:		task records this session can hold
 * @dropped:		tasks not tracked because the table was full
 * @events_lost:	events not queued because the queue was full
 * @events_queued:	events currently waiting to be read
 * @starve_threshold_ns: current starvation threshold
 * @scan_interval_ns:	current watchdog scan period
 * @nr_scans:		watchdog scans done
 * @hits:		tracepoint calls that touched a tracked task, by
 *			tracepoint: switch, wakeup, wakeup_new, migrate, fork,
 *			exit, free, cgroup_attach
 * @active:		1 while this session tracks (has probes attached)
 * @__pad:		0
 * @__reserved:	0
 * @size:		bytes of this struct the module filled (ABI 1.1)
 * @nr_sessions:	sessions tracking module-wide; the probes are
 *			attached while it is not 0 (ABI 1.1)
 * @scan_visits:	records the watchdog looked at: it visits only the
 *			tasks that became runnable since its last pass (ABI 1.1)
 * @scan_ns:		time the watchdog spent scanning, all its timer ticks
 *			together, on its own monotonic clock (ABI 1.2)
 * @scan_max_ns:	its longest single tick (ABI 1.2)
 */
struct ktstr_stats {
	__u64 nr_records;
	__u64 nr_live;
	__u64 capacity;
	__u64 dropped;
	__u64 events_lost;
	__u64 events_queued;
	__u64 starve_threshold_ns;
	__u64 scan_interval_ns;
	__u64 nr_scans;
	__u64 hits[8];
	__u32 active;
	__u32 __pad;
	__u64 __reserved[4];
	__u32 size;
	__u32 nr_sessions;
	__u64 scan_visits;
	__u64 scan_ns;
	__u64 scan_max_ns;
};

#define KTSTR_STATS_SIZE_VER0	176	/* first published size */

enum ktstr_event_type {
	KTSTR_EV_STARVE_BEGIN	= 1,	/* wait passed the threshold */
	KTSTR_EV_STARVE_END	= 2,	/* the task ran (or exited) at last */
};

/**
 * struct ktstr_event - one record returned by read(2) on /dev/ktstr
 * @type:	enum ktstr_event_type
 * @cpu:	CPU whose runqueue the task waited on (BEGIN), or ran on (END)
 * @pid:	thread id
 * @tgid:	thread group id
 * @time_ns:	when the event was detected (CLOCK_MONOTONIC)
 * @wait_ns:	BEGIN: wait so far; END: the whole wait of the episode
 * @wait_start_ns: when the wait began (CLOCK_MONOTONIC)
 * @cgroup_id:	cgroup v2 id of the task
 * @comm:	task name
 * @seq:	event sequence number in the session, from 1; gaps mean
 *		events were lost
 *
 * read() returns whole records of the session's event size (the module's
 * own, or what KTSTR_IOC_API set): a buffer smaller than one record gets
 * -EINVAL; with O_NONBLOCK and nothing queued, -EAGAIN. An event leaves
 * the queue only once copied: a faulting buffer gets -EFAULT and the
 * events stay queued. poll() reports EPOLLIN while events are queued.
 */
struct ktstr_event {
	__u32 type;
	__s32 cpu;
	__s32 pid;
	__s32 tgid;
	__u64 time_ns;
	__u64 wait_ns;
	__u64 wait_start_ns;
	__u64 cgroup_id;
	char comm[KTSTR_COMM_LEN];
	__u64 seq;
	__u64 __reserved[2];
};

/**
 * struct ktstr_api - the feature handshake (KTSTR_IOC_API)
 * @api:		in: the KTSTR_ABI_MAJOR the caller speaks; out: the
 *			module's
 * @minor:		out: the module's KTSTR_ABI_MINOR
 * @features:		in: KTSTR_FEAT_* bits the caller needs; out: every
 *			feature the module has
 * @event_size:		in: sizeof(struct ktstr_event) as the caller knows it
 *			(0: keep; 8 .. 65536): read() returns records of this
 *			size from now on; out: the module's own event size
 * @task_rec_size:	out: the module's sizeof(struct ktstr_task_rec)
 * @cpu_rec_size:	out: the module's sizeof(struct ktstr_cpu_rec)
 * @__pad:		must be 0
 *
 * A major the module does not speak, or a feature it lacks, is EINVAL and
 * changes nothing; the struct is written back in every case, so the
 * caller sees what the module has.
 */
struct ktstr_api {
	__u32 api;
	__u32 minor;
	__u64 features;
	__u32 event_size;
	__u32 task_rec_size;
	__u32 cpu_rec_size;
	__u32 __pad;
};

#define KTSTR_API_SIZE_VER0	32	/* first published size */

#define KTSTR_IOC_MAGIC		0xB9

#define KTSTR_IOC_VERSION	_IOR(KTSTR_IOC_MAGIC, 0x00, struct ktstr_version)
#define KTSTR_IOC_CONFIG	_IOW(KTSTR_IOC_MAGIC, 0x01, struct ktstr_config)
#define KTSTR_IOC_TRACK		_IOW(KTSTR_IOC_MAGIC, 0x02, struct ktstr_track)
#define KTSTR_IOC_UNTRACK	_IOW(KTSTR_IOC_MAGIC, 0x03, struct ktstr_track)
#define KTSTR_IOC_RESET		_IO(KTSTR_IOC_MAGIC, 0x04)
#define KTSTR_IOC_SNAPSHOT_TASKS _IOWR(KTSTR_IOC_MAGIC, 0x05, struct ktstr_snapshot)
#define KTSTR_IOC_SNAPSHOT_CPUS	_IOWR(KTSTR_IOC_MAGIC, 0x06, struct ktstr_snapshot)
#define KTSTR_IOC_STATS		_IOR(KTSTR_IOC_MAGIC, 0x07, struct ktstr_stats)
#define KTSTR_IOC_API		_IOWR(KTSTR_IOC_MAGIC, 0x08, struct ktstr_api)

#endif /* _UAPI_LINUX_KTSTR_H */
