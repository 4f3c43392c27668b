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

/* Environment variable that overrides KTSTR_DEVICE_PATH (for tests). */
#define KTSTR_DEVICE_ENV	"KTSTR_DEVICE"

/* Bounds of ktstr_config.starve_threshold_ns, in ms (module's range). */
#define KTSTR_STARVE_MS_MIN	1ULL
#define KTSTR_STARVE_MS_MAX	3600000ULL
#define KTSTR_STARVE_MS_DEFAULT	1000ULL
/* Bounds of ktstr_config.scan_interval_ns, in ms. */
#define KTSTR_SCAN_MS_MIN	1ULL
#define KTSTR_SCAN_MS_MAX	10000ULL

#define KTSTR_NSEC_PER_MSEC	1000000ULL

/* An open /dev/ktstr whose ABI was checked. Opaque. */
struct ktstr_dev;

/*
 * Open the device: $KTSTR_DEVICE if set and non-empty, else /dev/ktstr.
 * Reads KTSTR_IOC_VERSION and refuses a module of another ABI major
 * (-EPROTO), then does the KTSTR_IOC_API handshake: it asks for the
 * features this build relies on (one session per open, record sizes) and
 * states this build's event size, so the module may be older or newer
 * than this build; one that lacks a feature is refused (-EPROTO).
 * Errors: -ENOENT (no device node: module not loaded), -EACCES/-EPERM
 * (not root / no CAP_SYS_ADMIN), -ENOTTY (the path is not a ktstr device),
 * other -errno from open(2)/ioctl(2).
 */
int ktstr_dev_open(struct ktstr_dev **out);
/* Same, with an explicit path (no environment lookup). */
int ktstr_dev_open_path(const char *path, struct ktstr_dev **out);
/* Close the device (NULL is a no-op), which ends its session. */
void ktstr_dev_close(struct ktstr_dev *dev);

/* Accessors: the fd (for poll loops), the path and the module's version. */
int ktstr_dev_fd(const struct ktstr_dev *dev);
const char *ktstr_dev_path(const struct ktstr_dev *dev);
const struct ktstr_version *ktstr_dev_version(const struct ktstr_dev *dev);

/*
 * KTSTR_IOC_CONFIG. 0 keeps the current value. starve_threshold_ns must be
 * 0 or within KTSTR_STARVE_MS_MIN..MAX ms, scan_interval_ns 0 or within
 * KTSTR_SCAN_MS_MIN..MAX ms (-EINVAL otherwise, checked before the ioctl).
 */
int ktstr_dev_config(struct ktstr_dev *dev, uint64_t starve_threshold_ns,
		     uint64_t scan_interval_ns);

/* KTSTR_IOC_TRACK with mode PID; follow_fork sets KTSTR_TRACK_FOLLOW_FORK. */
int ktstr_dev_track_pid(struct ktstr_dev *dev, pid_t pid, bool follow_fork);
/* KTSTR_IOC_TRACK with mode CGROUP; cgroup_fd is an open cgroup v2 dir. */
int ktstr_dev_track_cgroup_fd(struct ktstr_dev *dev, int cgroup_fd,
			      bool follow_fork);
/* KTSTR_IOC_TRACK with mode ALL: every task on the system. */
int ktstr_dev_track_all(struct ktstr_dev *dev);
/* KTSTR_IOC_UNTRACK: stop updating one task (its record stays). */
int ktstr_dev_untrack(struct ktstr_dev *dev, pid_t pid);
/* KTSTR_IOC_RESET: end the session and drop every record. */
int ktstr_dev_reset(struct ktstr_dev *dev);
/* KTSTR_IOC_STATS. */
int ktstr_dev_stats(struct ktstr_dev *dev, struct ktstr_stats *st);

/*
 * Copy out every task record. The buffer is sized from nr_total and the
 * call is retried, with a larger buffer, while the table grows between
 * calls. On success *recs (NULL when *n == 0) is the caller's to free();
 * meta (optional) receives the kernel's struct ktstr_snapshot of the
 * successful call (buf cleared). -EAGAIN if the table kept growing past
 * every retry, -ENOMEM, or -errno of the ioctl.
 */
int ktstr_dev_snapshot_tasks(struct ktstr_dev *dev, struct ktstr_task_rec **recs,
			     size_t *n, struct ktstr_snapshot *meta);
/* Same for the per-CPU records. */
int ktstr_dev_snapshot_cpus(struct ktstr_dev *dev, struct ktstr_cpu_rec **recs,
			    size_t *n, struct ktstr_snapshot *meta);

/*
 * Wait up to timeout_ms (-1: forever, 0: don't wait) for events, then read
 * up to max whole records without blocking. Returns the number of records
 * stored in ev (0 on timeout), -EINTR if a signal interrupted the wait,
 * or another -errno.
 */
ssize_t ktstr_dev_read_events(struct ktstr_dev *dev, struct ktstr_event *ev,
			      size_t max, int timeout_ms);

/* ---- helpers on records (pure, no device needed) ---- */

/*
 * Format the rec->cpus bitmap as a CPU list ("0-3,5"; "" when empty) into
 * buf. Like snprintf: returns the length the full string needs (without
 * the NUL), writes at most len bytes, always NUL-terminates when len > 0.
 * -EINVAL if rec is NULL or buf is NULL with len > 0.
 */
int ktstr_task_cpus_list(const struct ktstr_task_rec *rec, char *buf, size_t len);
/* Same on a raw bitmap of nr_bits bits (bit n in word n / 64). */
int ktstr_cpumask_list(const __u64 *words, size_t nr_bits, char *buf,
		       size_t len);
/* Whether the task ran on cpu (false for cpu out of range). */
bool ktstr_task_ran_on(const struct ktstr_task_rec *rec, int cpu);

/*
 * Bounds of histogram bucket b in ns: lo <= L < hi. hi is UINT64_MAX for
 * the last (open-ended) bucket. -EINVAL if b >= KTSTR_HIST_BUCKETS or a
 * pointer is NULL.
 */
int ktstr_hist_bucket_bounds(unsigned int b, uint64_t *lo, uint64_t *hi);

/* Lowercase names: "running", "runnable", ...; "unknown" for bad values. */
const char *ktstr_task_state_name(uint32_t state);
/* "begin", "end", or "unknown". */
const char *ktstr_event_type_name(uint32_t type);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_DEV_H */
