// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr_nullprobe.c - the tracepoint floor for bench_pingpong.
 *
 * On load this module attaches EMPTY probes to exactly the tracepoints
 * ktstr.ko attaches during a session (kmod/probes.c: the sched_* ones and,
 * if the kernel has it, cgroup_attach_task), found the same way
 * (for_each_kernel_tracepoint() by name, tracepoint_probe_register()). On
 * unload it detaches them and waits with tracepoint_synchronize_unregister().
 *
 * What the probes cost is then the tracepoint mechanism alone: the static
 * key turned on at each call site, the load of the probe array, the
 * preempt_disable/enable_notrace() pair around it and the call into the
 * probe (a direct static_call when one probe is attached, as in the bench,
 * else __traceiter_* walking the array with one indirect call per probe),
 * plus the probe's own prologue/return. Whatever ktstr's untracked state
 * costs above that is ktstr's own early-exit code.
 *
 * Never load it together with a ktstr session: both would then sit on the
 * same tracepoints and the kernel would switch to the iterator.
 */
#include <linux/module.h>
#include <linux/tracepoint.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <trace/events/sched.h>
#include <trace/events/cgroup.h>

#ifdef KTSTR_SWITCH_HAS_PREV_STATE
#define NP_SWITCH_PROTO	bool preempt, struct task_struct *prev, \
			struct task_struct *next, unsigned int prev_state
#else
#define NP_SWITCH_PROTO	bool preempt, struct task_struct *prev, \
			struct task_struct *next
#endif

#ifdef KTSTR_EXIT_HAS_GROUP_DEAD
#define NP_EXIT_PROTO	struct task_struct *p, bool group_dead
#else
#define NP_EXIT_PROTO	struct task_struct *p
#endif

/*
 * Empty bodies. noipa keeps the compiler from folding the identical ones
 * into one function reached through a thunk (an extra jump ktstr's
 * distinct probes do not have).
 */
#define NP_PROBE __attribute__((__noipa__))

static NP_PROBE void np_switch(void *data, NP_SWITCH_PROTO)
{
}

static NP_PROBE void np_wakeup(void *data, struct task_struct *p)
{
}

static NP_PROBE void np_wakeup_new(void *data, struct task_struct *p)
{
}

static NP_PROBE void np_migrate(void *data, struct task_struct *p, int dest_cpu)
{
}

static NP_PROBE void np_fork(void *data, struct task_struct *parent,
			     struct task_struct *child)
{
}

static NP_PROBE void np_exit(void *data, NP_EXIT_PROTO)
{
}

static NP_PROBE void np_free(void *data, struct task_struct *p)
{
}

static NP_PROBE void np_attach(void *data, struct cgroup *dst, const char *path,
			       struct task_struct *task, bool threadgroup)
{
}

/* The prototypes are the kernel's (sizeof: nothing is referenced). */
static_assert(sizeof(register_trace_sched_switch(np_switch, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_wakeup(np_wakeup, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_wakeup_new(np_wakeup_new, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_migrate_task(np_migrate, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_process_fork(np_fork, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_process_exit(np_exit, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_process_free(np_free, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_cgroup_attach_task(np_attach, NULL)) == sizeof(int));

struct np_tp {
	const char *name;
	void *probe;
	bool optional;
	struct tracepoint *tp;
	bool attached;
};

/* ktstr's list and order (kmod/probes.c). */
static struct np_tp np_tps[] = {
	{ "sched_process_free",	np_free },
	{ "sched_process_fork",	np_fork },
	{ "sched_process_exit",	np_exit },
	{ "sched_wakeup",	np_wakeup },
	{ "sched_wakeup_new",	np_wakeup_new },
	{ "sched_migrate_task",	np_migrate },
	{ "sched_switch",	np_switch },
	{ "cgroup_attach_task",	np_attach, true },
};

static void np_match(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(np_tps); i++)
		if (!strcmp(tp->name, np_tps[i].name))
			np_tps[i].tp = tp;
}

static void np_detach(void)
{
	int i;

	for (i = ARRAY_SIZE(np_tps) - 1; i >= 0; i--) {
		if (!np_tps[i].attached)
			continue;
		WARN_ON_ONCE(tracepoint_probe_unregister(np_tps[i].tp, np_tps[i].probe, NULL));
		np_tps[i].attached = false;
	}
	tracepoint_synchronize_unregister();
}

static int __init np_init(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(np_match, NULL);
	for (i = 0; i < ARRAY_SIZE(np_tps); i++) {
		if (np_tps[i].tp || np_tps[i].optional)
			continue;
		pr_err("ktstr_nullprobe: tracepoint %s not found\n", np_tps[i].name);
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(np_tps); i++) {
		if (!np_tps[i].tp)
			continue;
		ret = tracepoint_probe_register(np_tps[i].tp, np_tps[i].probe, NULL);
		if (ret) {
			pr_err("ktstr_nullprobe: cannot attach to %s: %d\n", np_tps[i].name, ret);
			np_detach();
			return ret;
		}
		np_tps[i].attached = true;
	}
	return 0;
}

static void __exit np_exit_module(void)
{
	np_detach();
}

module_init(np_init);
module_exit(np_exit_module);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ktstr bench: empty probes on ktstr's tracepoints (the tracepoint floor)");
