/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Collectors: who measures the tasks. One interface over three tracers,
 * all filling the same record, struct ktstr_task_rec, so every consumer
 * (ktstr stat, ktstr run and its Assert engine, the tests, the benchmarks)
 * reads one format whichever produced it:
 *
 *   module     ktstr.ko through /dev/ktstr (<ktstr/dev.h>): exact,
 *              cheapest, all fields, a watchdog that sees starvation while
 *              it lasts and sends events; needs the module loaded
 *   bpf        the BPF collector (user/bpf): the module's tracepoints and
 *              state machine as tp_btf programs, for hosts that cannot load
 *              an out-of-tree module (lockdown, Secure Boot). No watchdog:
 *              starvation is judged from each record's longest wait when a
 *              snapshot is taken (see ktstr_collector_snapshot())
 *   taskstats  the kernel's own taskstats over netlink: run, wait, runs and
 *              switch counts only, read when a snapshot is taken; children
 *              are found by a /proc scan then, and the ones that already
 *              exited by the kernel's exit records (docs/backends.md)
 *
 * ktstr_collector_open(NULL) tries them in that order.
 *
 *	struct ktstr_collector *c;
 *	struct ktstr_task_rec *recs;
 *	size_t n;
 *
 *	if (ktstr_collector_open("bpf", &c))
 *		errx(1, "%s", ktstr_last_error());
 *	ktstr_collector_track_pid(c, pid, true);
 *	...
 *	ktstr_collector_snapshot(c, &recs, &n);
 *	ktstr_collector_close(c);
 *
 * Conventions: 0 (or a count) on success, -errno on failure, never a
 * print; ktstr_last_error() (<ktstr/error.h>) says why in one line.
 */
#ifndef KTSTR_COLLECTOR_H
#define KTSTR_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/ktstr.h>

#include <ktstr/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct ktstr_dev;

/**
 * DOC: KTSTR_HAS_* - what a collector's records carry
 *
 * The bits of ktstr_collector_has(). A field a collector does not measure
 * stays 0 in its records: readers must tell "unknown" from "zero" with
 * these bits, never trust the 0. Every collector has run_ns, wait_ns,
 * nr_runs and the switch counts.
 *
 *  - KTSTR_HAS_MAX_WAIT: max_wait_ns/_cpu, cur_wait_ns
 *  - KTSTR_HAS_WAKEUPS: nr_wakeups
 *  - KTSTR_HAS_MIGRATIONS: nr_migrations
 *  - KTSTR_HAS_CPUS: cpus[], last_cpu
 *  - KTSTR_HAS_HIST: wake-to-run histogram
 *  - KTSTR_HAS_WATCHDOG: a watchdog that sees a starvation while it lasts:
 *    nr_starvations and max_starve_* counted per episode, STARVE_BEGIN/END
 *    events (the module's timer scan). Without it but with
 *    KTSTR_HAS_MAX_WAIT, the collector fills those fields from the longest
 *    wait at each snapshot (at most one episode per task, seen late: see
 *    ktstr_collector_snapshot()).
 *  - KTSTR_HAS_ALL: every bit above
 *  - KTSTR_HAS_STARVATION: starvation can be judged from the records
 *    (watchdog or longest wait)
 */
#define KTSTR_HAS_MAX_WAIT	(1u << 0)
#define KTSTR_HAS_WAKEUPS	(1u << 1)
#define KTSTR_HAS_MIGRATIONS	(1u << 2)
#define KTSTR_HAS_CPUS		(1u << 3)
#define KTSTR_HAS_HIST		(1u << 4)
#define KTSTR_HAS_WATCHDOG	(1u << 5)
#define KTSTR_HAS_ALL		((1u << 6) - 1)
#define KTSTR_HAS_STARVATION	(KTSTR_HAS_WATCHDOG | KTSTR_HAS_MAX_WAIT)

/**
 * ktstr_has_name() - what a KTSTR_HAS_* bit stands for, for messages
 * @has: KTSTR_HAS_* bits
 *
 * Return: what the lowest bit of @has stands for: "the longest wait",
 * "wakeups", "migrations", "CPUs", "wake histograms", "a watchdog"; ""
 * for 0.
 */
const char *ktstr_has_name(unsigned int has);

/**
 * DOC: struct ktstr_collector
 *
 * An open collector: one tracer and its session. Opaque.
 */
struct ktstr_collector;

/**
 * ktstr_collector_open() - start a collector
 * @name: "module", "bpf", "taskstats", or NULL / "auto" for the first of
 *        those three that opens
 * @out: the collector on success, NULL on failure
 *
 * Each open is its own session: with the module, its own /dev/ktstr file
 * (other programs' sessions never mix in); with BPF, its own programs
 * and maps.
 *
 * Return: 0; -EINVAL for an unknown name or NULL @out;
 * otherwise the error of the named collector (-ENOENT: module not
 * loaded, -ENOTSUP: BPF not built in, -EPERM ...), or of the last one
 * tried. ktstr_last_error() says why each one tried failed; after an
 * "auto" open that passed over a better one it says that too ("module:
 * ...; bpf: opened"), and it is "" when the first one opened.
 */
int ktstr_collector_open(const char *name, struct ktstr_collector **out);
/**
 * ktstr_collector_close() - stop tracing and free
 * @c: the collector; NULL is a no-op
 */
void ktstr_collector_close(struct ktstr_collector *c);

/**
 * ktstr_collector_name() - which collector this is
 * @c: the collector
 *
 * Return: "module", "bpf" or "taskstats" ("" for NULL).
 */
const char *ktstr_collector_name(const struct ktstr_collector *c);
/**
 * ktstr_collector_has() - what its records carry
 * @c: the collector
 *
 * Return: the KTSTR_HAS_* bits of its records (0 for NULL).
 */
unsigned int ktstr_collector_has(const struct ktstr_collector *c);
/**
 * ktstr_collector_known() - whether a collector exists in this build
 * @name: its name
 *
 * Return: true if a collector called @name exists in this build's table.
 */
bool ktstr_collector_known(const char *name);

/**
 * ktstr_collector_set_starve_ms() - the starvation threshold
 * @c: the collector
 * @ms: a task runnable without running for longer has starved;
 *      KTSTR_STARVE_MS_MIN..KTSTR_STARVE_MS_MAX (<ktstr/dev.h>)
 *
 * The module's watchdog is configured with it; the others judge their
 * records' longest wait against it at each snapshot. Set it before
 * tracking. Until set: KTSTR_STARVE_MS_DEFAULT.
 *
 * Return: 0; -EINVAL for NULL @c or @ms out of range; or the
 * collector's error when it cannot take the threshold.
 */
int ktstr_collector_set_starve_ms(struct ktstr_collector *c, uint64_t ms);
/**
 * ktstr_collector_starve_ns() - the starvation threshold in ns
 * @c: the collector
 *
 * Return: the threshold in ns (0 for NULL).
 */
uint64_t ktstr_collector_starve_ns(const struct ktstr_collector *c);

/**
 * ktstr_collector_track_pid() - track a thread from now on
 * @c: the collector
 * @pid: the thread
 * @follow: and every task it forks later
 *
 * Return: 0 or -errno (-EINVAL for NULL @c or @pid <= 0).
 */
int ktstr_collector_track_pid(struct ktstr_collector *c, pid_t pid, bool follow);
/**
 * ktstr_collector_track_cgroup_fd() - track a cgroup subtree
 * @c: the collector
 * @cgroup_fd: the cgroup v2 subtree, an open directory
 * @follow: and what those tasks fork and what joins later
 *
 * Tracks every task in the cgroup v2 subtree @cgroup_fd.
 * ktstr_collector_tracks_cgroup() tells whether a collector did.
 *
 * Return: 0; -EOPNOTSUPP for collectors that track pids only (bpf,
 * taskstats): track each pid instead; -EINVAL for NULL @c or a negative
 * @cgroup_fd; or another -errno.
 */
int ktstr_collector_track_cgroup_fd(struct ktstr_collector *c, int cgroup_fd,
				    bool follow);
/**
 * ktstr_collector_tracks_cgroup() - whether a cgroup subtree is tracked
 * @c: the collector
 *
 * Return: true once a cgroup subtree is tracked (new tasks there need no
 * pid), until ktstr_collector_reset(); false for NULL.
 */
bool ktstr_collector_tracks_cgroup(const struct ktstr_collector *c);
/**
 * ktstr_collector_reset() - forget every tracked task and record
 * @c: the collector
 *
 * The threshold stays.
 *
 * Return: 0 or -errno (-EINVAL for NULL).
 */
int ktstr_collector_reset(struct ktstr_collector *c);

/**
 * ktstr_collector_snapshot() - every record so far
 * @c: the collector
 * @recs: a malloc()ed array the caller frees (NULL when *@n is 0)
 * @n: the number of records
 *
 * Without a watchdog (KTSTR_HAS_WATCHDOG clear) but with the longest wait
 * (KTSTR_HAS_MAX_WAIT), a record whose longest wait, or the wait still in
 * progress, is above the threshold gets nr_starvations 1 and that wait as
 * max_starve_ns/max_starve_cpu: one episode per task at most (the
 * longest), seen when a snapshot is taken, never when it began.
 *
 * Return: 0 or -errno (-EINVAL for a NULL pointer).
 */
int ktstr_collector_snapshot(struct ktstr_collector *c,
			     struct ktstr_task_rec **recs, size_t *n);
/**
 * ktstr_collector_read_events() - starvation events
 * @c: the collector
 * @ev: receives the records
 * @max: room in @ev, in records
 * @timeout_ms: how long to wait: -1 forever, 0 don't wait
 *
 * Starvation events as ktstr_dev_read_events() returns them; only the
 * module has them (KTSTR_HAS_WATCHDOG). Events are for showing live:
 * verdicts come from the records.
 *
 * Return: as ktstr_dev_read_events(); the others return -EOPNOTSUPP.
 */
ssize_t ktstr_collector_read_events(struct ktstr_collector *c,
				    struct ktstr_event *ev, size_t max,
				    int timeout_ms);
/**
 * ktstr_collector_dropped() - what this collector lost so far
 * @c: the collector
 *
 * Return: tasks or records this collector lost so far (map full, socket
 * overrun); 0 for NULL.
 */
uint64_t ktstr_collector_dropped(const struct ktstr_collector *c);
/**
 * ktstr_collector_dev() - the module collector's device
 * @c: the collector
 *
 * The device gives the CPU records, stats and version.
 *
 * Return: the device, owned by @c; NULL for the others.
 */
struct ktstr_dev *ktstr_collector_dev(const struct ktstr_collector *c);

/**
 * ktstr_task_rec_starved() - starvation judged from a record alone
 * @t: the record
 * @threshold_ns: the starvation threshold
 * @wait_ns: gets that wait (may be NULL)
 * @cpu: gets its CPU (may be NULL)
 *
 * For collectors without a watchdog.
 *
 * Return: true when the task's longest wait, or the wait in progress at
 * the snapshot, passed @threshold_ns (strictly); false otherwise and for
 * a NULL @t.
 */
bool ktstr_task_rec_starved(const struct ktstr_task_rec *t, uint64_t threshold_ns,
			    uint64_t *wait_ns, int *cpu);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_COLLECTOR_H */
