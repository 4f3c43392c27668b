/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to libktstr: the table each tracer fills so that one
 * collector interface (<ktstr/collector.h>) drives all three. Callers
 * outside user/lib/collect/ use struct ktstr_collector, never this.
 */
#ifndef KTSTR_BACKEND_PRIV_H
#define KTSTR_BACKEND_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ktstr/collector.h>

/**
 * struct ktstr_backend - one tracer (a constant table; state lives in *st)
 * @name:	"module", "bpf" or "taskstats"
 * @has:	KTSTR_HAS_* bits: what its records carry
 * @open:	start it; *st is its state. 0 or -errno (-ENOTSUP: not built
 *		in, -ENOENT: not available on this system)
 * @close:	stop and free (NULL st is a no-op)
 * @track_pid:	track a thread from now on; @follow: and what it forks
 * @track_cgroup_fd: track every task in a cgroup v2 subtree (NULL: the
 *		tracer cannot; callers track pids instead)
 * @reset:	forget every tracked task and record
 * @set_starve_ns: the watchdog's threshold (NULL: no watchdog)
 * @snapshot:	every record so far (malloc()ed array, caller frees)
 * @read_events: starvation events as in ktstr_dev_read_events() (NULL:
 *		no events)
 * @dropped:	tasks or records lost so far (NULL: none are)
 *
 * A call that fails says why in ktstr_last_error(), the library's only
 * error channel; for one that says nothing the collector writes a line
 * naming the backend and the call.
 */
struct ktstr_backend {
	const char *name;
	unsigned int has;
	int (*open)(void **st);
	void (*close)(void *st);
	int (*track_pid)(void *st, pid_t pid, bool follow);
	int (*track_cgroup_fd)(void *st, int fd, bool follow);
	int (*reset)(void *st);
	int (*set_starve_ns)(void *st, uint64_t ns);
	int (*snapshot)(void *st, struct ktstr_task_rec **recs, size_t *n);
	ssize_t (*read_events)(void *st, struct ktstr_event *ev, size_t max,
			       int timeout_ms);
	uint64_t (*dropped)(void *st);
};

extern const struct ktstr_backend ktstr_backend_module;
extern const struct ktstr_backend ktstr_backend_bpf;
extern const struct ktstr_backend ktstr_backend_taskstats;

/*
 * A collector over @be with state @st, already open (tests drive the
 * collector with a fake table this way). NULL on -ENOMEM.
 */
struct ktstr_collector *ktstr__collector_wrap(const struct ktstr_backend *be, void *st);

/* The taskstats backend's lost exit records (also its ->dropped). */
uint64_t ktstr_backend_taskstats_dropped(void *st);

#endif /* KTSTR_BACKEND_PRIV_H */
