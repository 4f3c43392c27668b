// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr_collect.bpf.c - the BPF collector: ktstr.ko's per-task accounting
 * on the same scheduler tracepoints, as tp_btf programs (CO-RE).
 *
 * Every edge comes from the scheduler's own fields, read like the module
 * reads them: run time from prev->se.sum_exec_runtime deltas, waits from
 * sched_info.run_delay/last_queued and se.exec_start, voluntary switches
 * from which of nvcsw/nivcsw moved. Fields are read by direct loads
 * through the tracepoints' BTF pointers: vmlinux.h types carry
 * preserve_access_index, so each load is CO-RE relocated like
 * BPF_CORE_READ, without a bpf_probe_read_kernel() call per field. The state machine is the module's
 * (kmod/ktstr_acct.h), so the two tracers agree by construction.
 *
 * Tracking: user space adds a pid with `pending` set; the task iterator
 * (iter/task) then takes the kernel's totals so far as the task's marks,
 * so counting starts at that instant, like KTSTR_IOC_TRACK. Children of
 * a task tracked with `follow` are added at fork. Records stay after the
 * task exits. Unlike the module there are no locks: the events of one
 * task are serialised by the scheduler (its rq lock and pi_lock).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "collector.h"

char LICENSE[] SEC("license") = "GPL";

/* Tracked tasks, by pid. Preallocated: no allocation in probe context. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KTSTR_BPF_CAPACITY);
	__type(key, __u32);
	__type(value, struct ktstr_bpf_task);
} tasks SEC(".maps");

/* A zeroed value to insert from (too big for the 512-byte stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ktstr_bpf_task);
} scratch SEC(".maps");

/* Tasks that could not be tracked because `tasks` was full. */
__u64 dropped = 0;

static __always_inline s32 task_cpu(struct task_struct *p)
{
	return p->thread_info.cpu;
}

/* The record of p, or NULL if p is not tracked (or a reused pid). */
static __always_inline struct ktstr_bpf_task *lookup(struct task_struct *p)
{
	__u32 pid = p->pid;
	struct ktstr_bpf_task *t = bpf_map_lookup_elem(&tasks, &pid);

	if (!t || t->pending || t->start_time != p->start_time)
		return NULL;
	return t;
}

/* ktstr_task_sync(): name and the kernel's own counters. */
static __always_inline void sync(struct ktstr_bpf_task *t, struct task_struct *p)
{
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), p->comm);
	t->kern[KTSTR_BPF_K_SUM_EXEC] = p->se.sum_exec_runtime;
	t->kern[KTSTR_BPF_K_RUN_DELAY] = p->sched_info.run_delay;
	t->kern[KTSTR_BPF_K_PCOUNT] = p->sched_info.pcount;
	t->kern[KTSTR_BPF_K_NVCSW] = p->nvcsw;
	t->kern[KTSTR_BPF_K_NIVCSW] = p->nivcsw;
	t->kern[KTSTR_BPF_K_MIGRATIONS] = p->se.nr_migrations;
}

/* ktstr_task_setup(): count from now on. */
static __always_inline void setup(struct ktstr_bpf_task *t, struct task_struct *p,
				  bool from_fork)
{
	/*
	 * on_cpu is an int on 6.12 and a u8 on 7.2: read it at its size
	 * (the macro's own local is named p, hence tsk).
	 */
	struct task_struct *tsk = p;
	bool queued = p->__state == 0 && !BPF_CORE_READ_BITFIELD(tsk, on_cpu) && !from_fork;
	__u64 now = bpf_ktime_get_ns();

	t->pid = p->pid;
	t->tgid = p->tgid;
	t->start_time = p->start_time;
	t->cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
	t->sum_exec_mark = p->se.sum_exec_runtime;
	t->run_delay_mark = p->sched_info.run_delay;
	t->nvcsw_seen = p->nvcsw;
	ktstr_acct_init(&t->acct, now, queued, task_cpu(p));
	if (from_fork)
		t->acct.flags |= KTSTR_TASK_FROM_FORK;
	sync(t, p);
	t->pending = 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(ktstr_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct ktstr_bpf_task *tp = lookup(prev), *tn = lookup(next);
	s32 cpu = bpf_get_smp_processor_id();
	__u64 now = 0, sum, delta = 0, nvcsw, wait;
	bool runnable, voluntary;

	if (tp) {
		now = bpf_ktime_get_ns();
		/* prev->__state, not the tracepoint's prev_state (see kernel-notes §7). */
		runnable = preempt || prev->__state == 0;
		sum = prev->se.sum_exec_runtime;
		if (sum > tp->sum_exec_mark)
			delta = sum - tp->sum_exec_mark;
		tp->sum_exec_mark = sum;
		/* __schedule() already bumped nvcsw or nivcsw for this switch. */
		nvcsw = prev->nvcsw;
		voluntary = nvcsw != tp->nvcsw_seen;
		tp->nvcsw_seen = nvcsw;
		ktstr_acct_switch_out(&tp->acct, now, delta, voluntary, runnable, cpu);
	}
	if (tn) {
		if (!now)
			now = bpf_ktime_get_ns();
		wait = ktstr_wait_from_sched_info(next->sched_info.run_delay,
						  next->sched_info.last_queued,
						  next->se.exec_start,
						  &tn->run_delay_mark);
		tn->sum_exec_mark = next->se.sum_exec_runtime;
		if (cpu >= 0 && cpu < KTSTR_MAX_CPUS) {
			__u32 w = ((__u32)cpu / 64) & (KTSTR_MAX_CPUS / 64 - 1);
			__u64 bit = 1ULL << (cpu % 64);

			if (!(tn->cpus[w] & bit)) {
				tn->cpus[w] |= bit;
				tn->nr_cpus++;
			}
		}
		ktstr_acct_switch_in(&tn->acct, now, wait, cpu);
	}
	return 0;
}

static __always_inline void wakeup(struct task_struct *p)
{
	struct ktstr_bpf_task *t = lookup(p);

	if (t)
		ktstr_acct_wakeup(&t->acct, bpf_ktime_get_ns(), task_cpu(p));
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(ktstr_wakeup, struct task_struct *p)
{
	wakeup(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(ktstr_wakeup_new, struct task_struct *p)
{
	wakeup(p);
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(ktstr_migrate, struct task_struct *p, int dest_cpu)
{
	struct ktstr_bpf_task *t = lookup(p);

	if (t)
		ktstr_acct_migrate(&t->acct, task_cpu(p), dest_cpu);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ktstr_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ktstr_bpf_task *t = lookup(parent), *z;
	__u32 pid, zero = 0;

	if (!t || !t->follow)
		return 0;
	z = bpf_map_lookup_elem(&scratch, &zero);
	if (!z)
		return 0;
	pid = child->pid;
	/* A reused pid replaces the record of its exited predecessor. */
	if (bpf_map_update_elem(&tasks, &pid, z, BPF_ANY)) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	t = bpf_map_lookup_elem(&tasks, &pid);
	if (!t)
		return 0;
	t->follow = 1;
	setup(t, child, true);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ktstr_exit, struct task_struct *p)
{
	struct ktstr_bpf_task *t = lookup(p);

	if (!t)
		return 0;
	ktstr_acct_exit(&t->acct, bpf_ktime_get_ns(), p->exit_code);
	sync(t, p);
	return 0;
}

/*
 * Run from user space (a read of an iterator link): set up the tasks it
 * just added, and refresh name and kernel totals of the live ones, which
 * a snapshot reports.
 */
SEC("iter/task")
int ktstr_sync(struct bpf_iter__task *ctx)
{
	struct task_struct *p = ctx->task;
	struct ktstr_bpf_task *t;
	__u32 pid;

	if (!p)
		return 0;
	pid = p->pid;
	t = bpf_map_lookup_elem(&tasks, &pid);
	if (!t)
		return 0;
	if (t->pending)
		setup(t, p, false);
	else if (t->start_time == p->start_time && !(t->acct.flags & KTSTR_TASK_EXITED))
		sync(t, p);
	return 0;
}
