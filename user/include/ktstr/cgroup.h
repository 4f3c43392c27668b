/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cgroup operations for scenarios, as a table of function pointers so that a
 * scenario runs the same against the real cgroup v2 manager (real runs) and
 * against a no-op double that only records the calls (host-only tests).
 *
 * Names are relative to the run's parent cgroup ("cg_0", nested "a/b");
 * "" names the parent itself. The real manager creates the parent
 * (<root>/ktstr-<pid> by default), enables +cpuset and +cpu on every
 * ancestor from the root down, and removes what it created in reverse
 * creation order, draining tasks to the root cgroup first (the parent has
 * controllers enabled, so the no-internal-process rule forbids tasks there).
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print. ktstr_last_error() describes
 * the last failure in the calling thread.
 */
#ifndef KTSTR_CGROUP_H
#define KTSTR_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include <ktstr/cpulist.h>
#include <ktstr/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define KTSTR_CGROUP_ROOT		"/sys/fs/cgroup"
#define KTSTR_CGROUP_PREFIX		"ktstr-"
#define KTSTR_CGROUP_WRITE_TIMEOUT_MS	2000
#define KTSTR_CGROUP_FREEZE_TIMEOUT_MS	2000

struct ktstr_cgroups;

struct ktstr_cgroup_ops {
	/* Absolute path of the run's parent cgroup. */
	const char *(*parent_path)(struct ktstr_cgroups *cg);
	/* Mount if needed, enable controllers, create the parent. */
	int (*setup)(struct ktstr_cgroups *cg);
	/* Create @name and any missing ancestors below the parent. */
	int (*create)(struct ktstr_cgroups *cg, const char *name);
	/* Remove @name and the descendants this manager created. */
	int (*remove)(struct ktstr_cgroups *cg, const char *name);
	int (*set_cpuset)(struct ktstr_cgroups *cg, const char *name,
			  const struct ktstr_cpuset *cpus);
	int (*clear_cpuset)(struct ktstr_cgroups *cg, const char *name);
	/* @nodes holds kernel NUMA node numbers. */
	int (*set_mems)(struct ktstr_cgroups *cg, const char *name,
			const struct ktstr_cpuset *nodes);
	int (*clear_mems)(struct ktstr_cgroups *cg, const char *name);
	/* A task that already exited is not an error. */
	int (*move_task)(struct ktstr_cgroups *cg, const char *name, pid_t pid);
	/* Move the tasks in @from now to @to; returns how many moved. */
	int (*move_all)(struct ktstr_cgroups *cg, const char *from, const char *to);
	/* Move every task of @name to the root cgroup until it is empty. */
	int (*drain)(struct ktstr_cgroups *cg, const char *name);
	/* Freeze/thaw and wait until cgroup.events reports it. */
	int (*freeze)(struct ktstr_cgroups *cg, const char *name);
	int (*unfreeze)(struct ktstr_cgroups *cg, const char *name);
	/* Remove everything created, newest first, then the parent. */
	int (*cleanup)(struct ktstr_cgroups *cg);
	/* Free the object; does not touch cgroupfs (call cleanup first). */
	void (*destroy)(struct ktstr_cgroups *cg);
};

/* Implementations embed this first. */
struct ktstr_cgroups {
	const struct ktstr_cgroup_ops *ops;
};

struct ktstr_cgroup_opts {
	const char *root;		/* cgroup2 mount; KTSTR_CGROUP_ROOT */
	const char *parent;		/* below root; "ktstr-<getpid()>" */
	bool no_cpu_controller;		/* enable +cpuset only */
	unsigned int write_timeout_ms;	/* per cgroupfs write; 2000 */
	unsigned int freeze_timeout_ms;	/* wait for cgroup.events; 2000 */
	/*
	 * Test hooks for a fake cgroupfs made of plain directories: after
	 * every mkdir (to add the control files the kernel would) and before
	 * every rmdir (to delete them, since rmdir needs an empty directory).
	 * When set, the root is not checked for being cgroup2 and nothing is
	 * mounted. NULL on real runs, whose removal is rmdir only.
	 */
	int (*after_mkdir)(const char *path, void *arg);
	int (*before_rmdir)(const char *path, void *arg);
	void *hook_arg;
};

/* The cgroup v2 manager; @opts may be NULL for the defaults. */
struct ktstr_cgroups *ktstr_cgroup_mgr_new(const struct ktstr_cgroup_opts *opts);

/* The recording double: every call succeeds and is logged as a string. */
struct ktstr_cgroups *ktstr_cgroup_noop_new(void);
int ktstr_cgroup_noop_nr_calls(struct ktstr_cgroups *cg);
/*
 * Call @i as "op arg...", e.g. "create a/b", "set_cpuset a 0-3",
 * "move_task a 42", "move_all a b"; NULL if out of range.
 */
const char *ktstr_cgroup_noop_call(struct ktstr_cgroups *cg, int i);

/*
 * Remove <root>/ktstr-<pid> cgroups whose pid is dead: kill their tasks,
 * wait (bounded) for them to leave, remove children depth-first. Cgroups
 * of live runs are left alone. @report, if set, is called for each cgroup
 * acted on with what was done ("removed", "kept: pid alive", ...).
 * Uses root, write_timeout_ms and the hooks from @opts (may be NULL).
 * Returns the number of cgroups removed, or -errno.
 */
typedef void (*ktstr_cgroup_report_fn)(const char *path, const char *what,
				       void *arg);
int ktstr_cgroup_cleanup_stale(const struct ktstr_cgroup_opts *opts,
			       ktstr_cgroup_report_fn report, void *arg);

/* Short spellings for scenario code: ktstr_cgroup_create(ctx->cgroups, "cg_0"). */
static inline int ktstr_cgroup_setup(struct ktstr_cgroups *cg)
{ return cg->ops->setup(cg); }
static inline int ktstr_cgroup_create(struct ktstr_cgroups *cg, const char *name)
{ return cg->ops->create(cg, name); }
static inline int ktstr_cgroup_remove(struct ktstr_cgroups *cg, const char *name)
{ return cg->ops->remove(cg, name); }
static inline int ktstr_cgroup_set_cpuset(struct ktstr_cgroups *cg, const char *name,
				      const struct ktstr_cpuset *cpus)
{ return cg->ops->set_cpuset(cg, name, cpus); }
static inline int ktstr_cgroup_clear_cpuset(struct ktstr_cgroups *cg, const char *name)
{ return cg->ops->clear_cpuset(cg, name); }
static inline int ktstr_cgroup_set_mems(struct ktstr_cgroups *cg, const char *name,
				    const struct ktstr_cpuset *nodes)
{ return cg->ops->set_mems(cg, name, nodes); }
static inline int ktstr_cgroup_clear_mems(struct ktstr_cgroups *cg, const char *name)
{ return cg->ops->clear_mems(cg, name); }
static inline int ktstr_cgroup_move_task(struct ktstr_cgroups *cg, const char *name,
				     pid_t pid)
{ return cg->ops->move_task(cg, name, pid); }
static inline int ktstr_cgroup_move_all(struct ktstr_cgroups *cg, const char *from,
				    const char *to)
{ return cg->ops->move_all(cg, from, to); }
static inline int ktstr_cgroup_drain(struct ktstr_cgroups *cg, const char *name)
{ return cg->ops->drain(cg, name); }
static inline int ktstr_cgroup_freeze(struct ktstr_cgroups *cg, const char *name)
{ return cg->ops->freeze(cg, name); }
static inline int ktstr_cgroup_unfreeze(struct ktstr_cgroups *cg, const char *name)
{ return cg->ops->unfreeze(cg, name); }
static inline int ktstr_cgroup_cleanup(struct ktstr_cgroups *cg)
{ return cg->ops->cleanup(cg); }
static inline void ktstr_cgroup_destroy(struct ktstr_cgroups *cg)
{ if (cg) cg->ops->destroy(cg); }
static inline const char *ktstr_cgroup_parent_path(struct ktstr_cgroups *cg)
{ return cg->ops->parent_path(cg); }

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_CGROUP_H */
