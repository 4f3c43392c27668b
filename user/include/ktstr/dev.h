/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktstr device client: a thin, checked wrapper around the /dev/ktstr ioctls
 * of include/uapi/linux/ktstr.h.
 *
 * Conventions:
 *  - functions return 0 (or a count) on success and a negative errno on
 *    failure; they never print. ktstr_last_error() gives a one-line
 *    human description of the last failure in the calling thread;
 *  - every pointer argument is checked (-EINVAL for NULL or bad values);
 *  - arrays returned through an out pointer are malloc()ed and belong to
 *    the caller (free()); on failure the out pointers are left NULL/0.
 *
 * Session model (from the module): every ktstr_dev_open() is its own
 * session, with its own tracked tasks, records, settings and events; other
 * sessions (other programs, or other opens in this one) never see them.
 * The first ktstr_dev_track_*() starts it tracking, ktstr_dev_reset()
 * stops it and drops its records, ktstr_dev_close() ends it.
 */
#ifndef KTSTR_DEV_H
#define KTSTR_DEV_H

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

/**
 * DOC: KTSTR_DEVICE_ENV
 *
 * KTSTR_DEVICE_ENV is the environment variable that overrides
 * KTSTR_DEVICE_PATH (for tests).
 */
#define KTSTR_DEVICE_ENV	"KTSTR_DEVICE"

/**
 * DOC: starvation threshold and scan interval bounds
 *
 * KTSTR_STARVE_MS_MIN and KTSTR_STARVE_MS_MAX bound
 * ktstr_config.starve_threshold_ns, in ms (the module's range);
 * KTSTR_STARVE_MS_DEFAULT is a collector's threshold until one is set
 * (ktstr_collector_set_starve_ms()).
 * KTSTR_SCAN_MS_MIN and KTSTR_SCAN_MS_MAX bound
 * ktstr_config.scan_interval_ns, in ms. KTSTR_NSEC_PER_MSEC converts ms
 * to ns.
 */
#define KTSTR_STARVE_MS_MIN	1ULL
#define KTSTR_STARVE_MS_MAX	3600000ULL
#define KTSTR_STARVE_MS_DEFAULT	1000ULL
#define KTSTR_SCAN_MS_MIN	1ULL
#define KTSTR_SCAN_MS_MAX	10000ULL

#define KTSTR_NSEC_PER_MSEC	1000000ULL

/**
 * DOC: struct ktstr_dev
 *
 * An open /dev/ktstr whose ABI was checked. Opaque: its fields are
 * read through ktstr_dev_fd(), ktstr_dev_path() and ktstr_dev_version().
 */
struct ktstr_dev;

/**
 * ktstr_dev_open() - open the device
 * @out: the device on success, NULL on failure
 *
 * Opens $KTSTR_DEVICE if set and non-empty, else /dev/ktstr. Reads
 * KTSTR_IOC_VERSION and refuses a module of another ABI major (-EPROTO),
 * then does the KTSTR_IOC_API handshake: it asks for the features this
 * build relies on (one session per open, record sizes) and states this
 * build's event size, so the module may be older or newer than this
 * build; one that lacks a feature is refused (-EPROTO).
 *
 * Return: 0; -ENOENT (no device node: module not loaded), -EACCES/-EPERM
 * (not root / no CAP_SYS_ADMIN), -ENOTTY (the path is not a ktstr
 * device), -EPROTO (see above), other -errno from open(2)/ioctl(2).
 */
int ktstr_dev_open(struct ktstr_dev **out);
/**
 * ktstr_dev_open_path() - open the device at an explicit path
 * @path: the device node
 * @out: the device on success, NULL on failure
 *
 * Same as ktstr_dev_open(), with no environment lookup.
 *
 * Return: as ktstr_dev_open(); -EINVAL for a NULL or empty @path or a
 * NULL @out.
 */
int ktstr_dev_open_path(const char *path, struct ktstr_dev **out);
/**
 * ktstr_dev_close() - close the device, which ends its session
 * @dev: the device; NULL is a no-op
 */
void ktstr_dev_close(struct ktstr_dev *dev);

/**
 * ktstr_dev_fd() - the device's fd, for poll loops
 * @dev: the device
 *
 * Return: the fd, or -EINVAL for NULL.
 */
int ktstr_dev_fd(const struct ktstr_dev *dev);
/**
 * ktstr_dev_path() - the path the device was opened at
 * @dev: the device
 *
 * Return: the path, or NULL for NULL.
 */
const char *ktstr_dev_path(const struct ktstr_dev *dev);
/**
 * ktstr_dev_version() - the module's version
 * @dev: the device
 *
 * Return: the KTSTR_IOC_VERSION reply read at open, or NULL for NULL.
 */
const struct ktstr_version *ktstr_dev_version(const struct ktstr_dev *dev);

/**
 * ktstr_dev_config() - KTSTR_IOC_CONFIG
 * @dev: the device
 * @starve_threshold_ns: 0 or within KTSTR_STARVE_MS_MIN..MAX ms
 * @scan_interval_ns: 0 or within KTSTR_SCAN_MS_MIN..MAX ms
 *
 * 0 keeps the current value.
 *
 * Return: 0; -EINVAL for a value out of range (checked before the ioctl)
 * or NULL @dev; or -errno of the ioctl.
 */
int ktstr_dev_config(struct ktstr_dev *dev, uint64_t starve_threshold_ns,
		     uint64_t scan_interval_ns);

/**
 * ktstr_dev_track_pid() - KTSTR_IOC_TRACK with mode PID
 * @dev: the device
 * @pid: the task
 * @follow_fork: sets KTSTR_TRACK_FOLLOW_FORK
 *
 * Return: 0 or -errno (-EINVAL for NULL @dev or @pid <= 0).
 */
int ktstr_dev_track_pid(struct ktstr_dev *dev, pid_t pid, bool follow_fork);
/**
 * ktstr_dev_track_cgroup_fd() - KTSTR_IOC_TRACK with mode CGROUP
 * @dev: the device
 * @cgroup_fd: an open cgroup v2 directory
 * @follow_fork: sets KTSTR_TRACK_FOLLOW_FORK
 *
 * Return: 0 or -errno (-EINVAL for NULL @dev or a negative @cgroup_fd).
 */
int ktstr_dev_track_cgroup_fd(struct ktstr_dev *dev, int cgroup_fd,
			      bool follow_fork);
/**
 * ktstr_dev_track_all() - KTSTR_IOC_TRACK with mode ALL
 * @dev: the device
 *
 * Tracks every task on the system.
 *
 * Return: 0 or -errno.
 */
int ktstr_dev_track_all(struct ktstr_dev *dev);
/**
 * ktstr_dev_untrack() - KTSTR_IOC_UNTRACK
 * @dev: the device
 * @pid: the task
 *
 * Stops updating one task (its record stays).
 *
 * Return: 0 or -errno (-EINVAL for NULL @dev or @pid <= 0).
 */
int ktstr_dev_untrack(struct ktstr_dev *dev, pid_t pid);
/**
 * ktstr_dev_reset() - KTSTR_IOC_RESET
 * @dev: the device
 *
 * Ends the session and drops every record.
 *
 * Return: 0 or -errno.
 */
int ktstr_dev_reset(struct ktstr_dev *dev);
/**
 * ktstr_dev_stats() - KTSTR_IOC_STATS
 * @dev: the device
 * @st: receives the module's statistics
 *
 * Return: 0 or -errno.
 */
int ktstr_dev_stats(struct ktstr_dev *dev, struct ktstr_stats *st);

/**
 * ktstr_dev_snapshot_tasks() - copy out every task record
 * @dev: the device
 * @recs: on success the records, the caller's to free() (NULL when *@n
 *	is 0)
 * @n: the number of records
 * @meta: optional; receives the kernel's struct ktstr_snapshot of the
 *	successful call (buf cleared)
 *
 * The buffer is sized from nr_total and the call is retried, with a
 * larger buffer, while the table grows between calls.
 *
 * Return: 0; -EAGAIN if the table kept growing past every retry,
 * -ENOMEM, or -errno of the ioctl.
 */
int ktstr_dev_snapshot_tasks(struct ktstr_dev *dev, struct ktstr_task_rec **recs,
			     size_t *n, struct ktstr_snapshot *meta);
/**
 * ktstr_dev_snapshot_cpus() - copy out every per-CPU record
 * @dev: the device
 * @recs: on success the records, the caller's to free() (NULL when *@n
 *	is 0)
 * @n: the number of records
 * @meta: optional; receives the kernel's struct ktstr_snapshot of the
 *	successful call (buf cleared)
 *
 * Same as ktstr_dev_snapshot_tasks(), for the per-CPU records.
 *
 * Return: as ktstr_dev_snapshot_tasks().
 */
int ktstr_dev_snapshot_cpus(struct ktstr_dev *dev, struct ktstr_cpu_rec **recs,
			    size_t *n, struct ktstr_snapshot *meta);

/**
 * ktstr_dev_read_events() - wait for and read starvation events
 * @dev: the device
 * @ev: receives the records
 * @max: room in @ev, in records
 * @timeout_ms: how long to wait: -1 forever, 0 don't wait
 *
 * Waits up to @timeout_ms for events, then reads up to @max whole records
 * without blocking.
 *
 * Return: the number of records stored in @ev (0 on timeout), -EINTR if a
 * signal interrupted the wait, or another -errno.
 */
ssize_t ktstr_dev_read_events(struct ktstr_dev *dev, struct ktstr_event *ev,
			      size_t max, int timeout_ms);

/* ---- helpers on records (pure, no device needed) ---- */

/**
 * ktstr_task_cpus_list() - a task record's CPUs as a CPU list
 * @rec: the record
 * @buf: receives the list
 * @len: size of @buf
 *
 * Formats the rec->cpus bitmap as a CPU list ("0-3,5"; "" when empty) into
 * @buf. Like snprintf: writes at most @len bytes, always NUL-terminates
 * when @len > 0.
 *
 * Return: the length the full string needs (without the NUL); -EINVAL if
 * @rec is NULL or @buf is NULL with @len > 0.
 */
int ktstr_task_cpus_list(const struct ktstr_task_rec *rec, char *buf, size_t len);
/**
 * ktstr_cpumask_list() - a raw CPU bitmap as a CPU list
 * @words: the bitmap: bit n in word n / 64
 * @nr_bits: its size in bits
 * @buf: receives the list
 * @len: size of @buf
 *
 * Same as ktstr_task_cpus_list() on a raw bitmap of @nr_bits bits.
 *
 * Return: as ktstr_task_cpus_list(); -EINVAL if @words is NULL with
 * @nr_bits > 0 or @buf is NULL with @len > 0.
 */
int ktstr_cpumask_list(const __u64 *words, size_t nr_bits, char *buf,
		       size_t len);
/**
 * ktstr_task_ran_on() - whether the task ran on a CPU
 * @rec: the task's record
 * @cpu: the CPU
 *
 * Return: true if it did; false if not, for @cpu out of range, or for a
 * NULL @rec.
 */
bool ktstr_task_ran_on(const struct ktstr_task_rec *rec, int cpu);

/**
 * ktstr_hist_bucket_bounds() - bounds of a histogram bucket
 * @b: the bucket
 * @lo: receives its lower bound in ns
 * @hi: receives its upper bound in ns: UINT64_MAX for the last
 *	(open-ended) bucket
 *
 * A latency L falls in bucket @b when lo <= L < hi.
 *
 * Return: 0; -EINVAL if @b >= KTSTR_HIST_BUCKETS or a pointer is NULL.
 */
int ktstr_hist_bucket_bounds(unsigned int b, uint64_t *lo, uint64_t *hi);

/**
 * ktstr_task_state_name() - the name of a task state
 * @state: a KTSTR_STATE_* value
 *
 * Return: a lowercase name: "running", "runnable", ...; "unknown" for bad
 * values.
 */
const char *ktstr_task_state_name(uint32_t state);
/**
 * ktstr_event_type_name() - the name of an event type
 * @type: a KTSTR_EV_* value
 *
 * Return: "begin", "end", or "unknown".
 */
const char *ktstr_event_type_name(uint32_t type);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_DEV_H */
