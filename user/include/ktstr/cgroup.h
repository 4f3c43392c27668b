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
 * Names: components separated by single '/', none empty, "." or "..", no
 * leading or trailing '/', shorter than PATH_MAX / 2; "" (the parent) is
 * refused by create and remove. Anything else is -EINVAL, from the real
 * manager and from the no-op double alike (they share one validator), as
 * are a NULL or empty set for set_cpuset/set_mems (clear_* clears) and a
 * pid <= 0 for move_task.
 *
 * Existing and missing cgroups:
 *  - create of a cgroup that already exists succeeds (0) and leaves it
 *    as it was; it is not recorded as created by this manager, so cleanup
 *    does not remove it (remove still does, when asked by name);
 *  - remove of a cgroup that does not exist succeeds (0): removal is
 *    idempotent, and cleanup after a partial removal does not fail;
 *  - drain of a missing cgroup succeeds (nothing to move); set/clear of
 *    cpuset and mems, move_task, move_all and freeze/unfreeze on one fail
 *    with the errno of the cgroupfs access (-ENOENT).
 * The no-op double records every accepted call and knows no cgroupfs: all
 * of them succeed there.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print. ktstr_last_error() describes the
 * last call of this interface in the calling thread: each operation
 * clears it first, so it is "" after a success and the failure's text
 * after a failure.
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

/**
 * struct ktstr_cgroup_ops - what a cgroup manager does
 * @parent_path: absolute path of the run's parent cgroup
 * @setup: mount if needed, enable controllers, create the parent
 * @create: create @name and any missing ancestors below the parent
 * @remove: remove @name and the descendants this manager created
 * @set_cpuset: write @cpus to @name's cpuset.cpus
 * @clear_cpuset: empty @name's cpuset.cpus (inherit the parent's)
 * @set_mems: write @nodes (kernel NUMA node numbers) to cpuset.mems
 * @clear_mems: empty @name's cpuset.mems
 * @move_task: move @pid into @name; a task that already exited is not an
 *	error
 * @move_all: move the tasks in @from now to @to; returns how many moved
 * @drain: move every task of @name to the root cgroup until it is empty
 * @freeze: freeze @name and wait until cgroup.events reports it
 * @unfreeze: thaw @name and wait until cgroup.events reports it
 * @cleanup: remove everything created, newest first, then the parent
 * @destroy: free the object; does not touch cgroupfs (call cleanup first)
 *
 * Each returns 0 (or the count it names) or a negative errno with
 * ktstr_last_error() set. Scenario code calls them through the inline
 * ktstr_cgroup_*() spellings below.
 */
struct ktstr_cgroup_ops {
	const char *(*parent_path)(struct ktstr_cgroups *cg);
	int (*setup)(struct ktstr_cgroups *cg);
	/* Create @name and any missing ancestors below the parent; an
	 * existing one is not an error (see above). */
	int (*create)(struct ktstr_cgroups *cg, const char *name);
	/* Remove @name and the descendants this manager created; a missing
	 * one is not an error (see above). */
	int (*remove)(struct ktstr_cgroups *cg, const char *name);
	int (*set_cpuset)(struct ktstr_cgroups *cg, const char *name,
			  const struct ktstr_cpuset *cpus);
	int (*clear_cpuset)(struct ktstr_cgroups *cg, const char *name);
	int (*set_mems)(struct ktstr_cgroups *cg, const char *name,
			const struct ktstr_cpuset *nodes);
	int (*clear_mems)(struct ktstr_cgroups *cg, const char *name);
	int (*move_task)(struct ktstr_cgroups *cg, const char *name, pid_t pid);
	int (*move_all)(struct ktstr_cgroups *cg, const char *from, const char *to);
	int (*drain)(struct ktstr_cgroups *cg, const char *name);
	int (*freeze)(struct ktstr_cgroups *cg, const char *name);
	int (*unfreeze)(struct ktstr_cgroups *cg, const char *name);
	int (*cleanup)(struct ktstr_cgroups *cg);
	void (*destroy)(struct ktstr_cgroups *cg);
};

/**
 * struct ktstr_cgroups - a cgroup manager; implementations embed it first
 * @ops: its operations
 */
struct ktstr_cgroups {
	const struct ktstr_cgroup_ops *ops;
};

/**
 * struct ktstr_cgroup_opts - how ktstr_cgroup_mgr_new() manages cgroups
 * @root: the cgroup2 mount (default KTSTR_CGROUP_ROOT)
 * @parent: the run's parent, below @root (default "ktstr-<getpid()>")
 * @no_cpu_controller: enable +cpuset only, not +cpu
 * @write_timeout_ms: bound of each cgroupfs write (default 2000)
 * @freeze_timeout_ms: bound of the wait for cgroup.events (default 2000)
 * @after_mkdir: test hook, see below
 * @before_rmdir: test hook, see below
 * @hook_arg: the hooks' argument
 *
 * The test hooks serve a fake cgroupfs made of plain directories: after
 * every mkdir (to add the control files the kernel would) and before every
 * rmdir (to delete them, since rmdir needs an empty directory). When set,
 * the root is not checked for being cgroup2 and nothing is mounted. NULL on
 * real runs, whose removal is rmdir only.
 */
struct ktstr_cgroup_opts {
	const char *root;
	const char *parent;
	bool no_cpu_controller;
	unsigned int write_timeout_ms;
	unsigned int freeze_timeout_ms;
	int (*after_mkdir)(const char *path, void *arg);
	int (*before_rmdir)(const char *path, void *arg);
	void *hook_arg;
};

/**
 * ktstr_cgroup_mgr_new() - the cgroup v2 manager
 * @opts: how to manage; NULL for the defaults
 *
 * Nothing is touched in cgroupfs until ktstr_cgroup_setup().
 *
 * Return: the manager (free with ktstr_cgroup_destroy()), or NULL with
 * ktstr_last_error() set.
 */
struct ktstr_cgroups *ktstr_cgroup_mgr_new(const struct ktstr_cgroup_opts *opts);

/**
 * ktstr_cgroup_noop_new() - the recording double, for host-only tests
 *
 * Every call succeeds and is logged as a string (ktstr_cgroup_noop_call()).
 *
 * Return: the double (free with ktstr_cgroup_destroy()), or NULL.
 */
struct ktstr_cgroups *ktstr_cgroup_noop_new(void);

/**
 * ktstr_cgroup_noop_nr_calls() - how many calls the double recorded
 * @cg: a double from ktstr_cgroup_noop_new()
 *
 * Return: the count.
 */
int ktstr_cgroup_noop_nr_calls(struct ktstr_cgroups *cg);

/**
 * ktstr_cgroup_noop_call() - one recorded call of the double
 * @cg: a double from ktstr_cgroup_noop_new()
 * @i: its index, from 0
 *
 * Return: the call as "op arg...", e.g. "create a/b", "set_cpuset a 0-3",
 * "move_task a 42", "move_all a b"; NULL if @i is out of range.
 */
const char *ktstr_cgroup_noop_call(struct ktstr_cgroups *cg, int i);

/**
 * typedef ktstr_cgroup_report_fn - told what ktstr_cgroup_cleanup_stale() did
 * @path: the cgroup acted on
 * @what: what was done ("removed", "kept: pid alive", ...)
 * @arg: the caller's argument
 */
typedef void (*ktstr_cgroup_report_fn)(const char *path, const char *what,
				       void *arg);

/**
 * ktstr_cgroup_cleanup_stale() - remove the cgroups of dead runs
 * @opts: root, write_timeout_ms and the hooks to use; NULL for the defaults
 * @report: called for each cgroup acted on, if set
 * @arg: @report's argument
 *
 * Removes <root>/ktstr-<pid> cgroups whose pid is dead: kills their tasks,
 * waits (bounded) for them to leave, removes children depth-first. Cgroups
 * of live runs are left alone.
 *
 * Return: the number of cgroups removed, or -errno with ktstr_last_error()
 * set.
 */
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
