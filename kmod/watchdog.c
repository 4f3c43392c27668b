// SPDX-License-Identifier: GPL-2.0
/*
 * watchdog.c - starvation detection and the event queue of ktstr.ko.
 *
 * A wait measured when the task finally runs never sees a task that never
 * runs, so a periodic scan looks at the wait in progress of every tracked
 * runnable task and reports each episode that passes the threshold once
 * (STARVE_BEGIN). The sched_switch probe reports its end (STARVE_END) with
 * the episode's total when the task runs at last.
 *
 * Events go to a fixed ring read through read()/poll(). Producers include
 * probes holding an rq lock, which must not wake anyone up directly:
 * readers are woken from an irq_work, as the ftrace ring buffer does.
 */
#include <linux/timer.h>
#include <linux/irq_work.h>
#include <linux/wait.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/version.h>
#include "ktstr.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define timer_delete_sync del_timer_sync
#endif

#define KTSTR_SCAN_MIN_NS	(10ULL * NSEC_PER_MSEC)
#define KTSTR_SCAN_MAX_NS	(1000ULL * NSEC_PER_MSEC)
#define KTSTR_READ_BATCH	64

/* The event ring; @lock guards every field. */
static struct {
	raw_spinlock_t lock;
	struct ktstr_event *slots;
	u32 mask;		/* slots - 1, slots a power of two */
	u64 head;		/* next to write */
	u64 tail;		/* next to read */
	u64 seq;		/* events produced, lost ones included */
	u64 lost;
} ring;

static DECLARE_WAIT_QUEUE_HEAD(ring_wq);
static struct irq_work ring_wake_work;

static struct timer_list scan_timer;
static bool scan_running;	/* written under ktstr_sess.lock */
static atomic64_t nr_scans;

static void ktstr_ring_wake(struct irq_work *w)
{
	wake_up_interruptible(&ring_wq);
}

/**
 * ktstr_event_push() - queue an event about a tracked task
 * @type:	enum ktstr_event_type
 * @t:		the task's record, locked by the caller
 * @cpu:	CPU the event is about
 * @now:	detection time (monotonic)
 * @wait:	the wait so far (BEGIN) or in total (END)
 * @wait_start:	when the wait began (monotonic)
 *
 * Any context. A full ring counts the event as lost.
 */
void ktstr_event_push(u32 type, struct ktstr_task *t, s32 cpu, u64 now,
		      u64 wait, u64 wait_start)
{
	struct ktstr_event *ev;
	unsigned long flags;
	bool queued = false;

	raw_spin_lock_irqsave(&ring.lock, flags);
	ring.seq++;
	if (ring.head - ring.tail > ring.mask) {
		ring.lost++;
	} else {
		ev = &ring.slots[ring.head & ring.mask];
		memset(ev, 0, sizeof(*ev));
		ev->type = type;
		ev->cpu = cpu;
		ev->pid = t->pid;
		ev->tgid = t->tgid;
		ev->time_ns = now;
		ev->wait_ns = wait;
		ev->wait_start_ns = wait_start;
		ev->cgroup_id = t->cgroup_id;
		/* The name now: the task may have exec'd since it was tracked. */
		if (t->task)
			memcpy(ev->comm, t->task->comm, sizeof(ev->comm));
		else
			memcpy(ev->comm, t->comm, sizeof(ev->comm));
		ev->comm[sizeof(ev->comm) - 1] = '\0';
		ev->seq = ring.seq;
		ring.head++;
		queued = true;
	}
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	if (queued)
		irq_work_queue(&ring_wake_work);
}

u64 ktstr_events_queued(void)
{
	unsigned long flags;
	u64 n;

	raw_spin_lock_irqsave(&ring.lock, flags);
	n = ring.head - ring.tail;
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	return n;
}

u64 ktstr_events_lost(void)
{
	return READ_ONCE(ring.lost);
}

/* Drop every queued event and restart the sequence. */
void ktstr_events_clear(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ring.lock, flags);
	ring.head = ring.tail = ring.seq = ring.lost = 0;
	raw_spin_unlock_irqrestore(&ring.lock, flags);
}

static size_t ktstr_events_pop(struct ktstr_event *out, size_t max)
{
	unsigned long flags;
	size_t n = 0;

	raw_spin_lock_irqsave(&ring.lock, flags);
	while (n < max && ring.tail != ring.head) {
		out[n++] = ring.slots[ring.tail & ring.mask];
		ring.tail++;
	}
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	return n;
}

/**
 * ktstr_events_read() - read(2) of /dev/ktstr
 * @buf:	user buffer
 * @count:	its size; whole records only
 * @nonblock:	O_NONBLOCK
 *
 * Return: bytes copied, -EINVAL if @count holds no record, -EAGAIN when
 * non-blocking and empty, -ERESTARTSYS on a signal, -EFAULT or -ENOMEM.
 */
ssize_t ktstr_events_read(char __user *buf, size_t count, bool nonblock)
{
	size_t max = min_t(size_t, count / sizeof(struct ktstr_event), KTSTR_READ_BATCH);
	struct ktstr_event *kbuf;
	ssize_t ret;
	size_t n;

	if (!max)
		return -EINVAL;
	kbuf = kmalloc_array(max, sizeof(*kbuf), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	for (;;) {
		n = ktstr_events_pop(kbuf, max);
		if (n)
			break;
		if (nonblock) {
			ret = -EAGAIN;
			goto out;
		}
		ret = wait_event_interruptible(ring_wq, ktstr_events_queued() > 0);
		if (ret)
			goto out;
	}
	ret = n * sizeof(*kbuf);
	if (copy_to_user(buf, kbuf, ret))
		ret = -EFAULT;
out:
	kfree(kbuf);
	return ret;
}

__poll_t ktstr_events_poll(struct file *file, struct poll_table_struct *wait)
{
	poll_wait(file, &ring_wq, wait);
	return ktstr_events_queued() ? EPOLLIN | EPOLLRDNORM : 0;
}

/**
 * ktstr_scan_period() - the watchdog period in use
 *
 * Return: the configured period, or a quarter of the threshold clamped to
 * 10 ms .. 1 s.
 */
u64 ktstr_scan_period(void)
{
	u64 scan = READ_ONCE(ktstr_sess.scan_interval_ns);

	if (scan)
		return scan;
	return clamp_t(u64, READ_ONCE(ktstr_sess.starve_threshold_ns) / 4,
		       KTSTR_SCAN_MIN_NS, KTSTR_SCAN_MAX_NS);
}

static void ktstr_scan_arm(void)
{
	mod_timer(&scan_timer, jiffies + max_t(unsigned long, 1,
					       nsecs_to_jiffies(ktstr_scan_period())));
}

/*
 * The scan runs from a timer (softirq), not a kworker: a kworker waits in
 * the very runqueues it should watch, so an RT hog on every CPU would
 * silence it. Runnable tasks are picked out without locks first (a stale
 * read only delays a report to the next scan), then confirmed under the
 * record's lock, so a scan costs a few nanoseconds per record.
 */
static void ktstr_scan(struct timer_list *timer)
{
	u64 thr = READ_ONCE(ktstr_sess.starve_threshold_ns);
	u32 i, n = ktstr_table_used();
	u64 now = ktstr_now();

	for (i = 0; i < n; i++) {
		struct ktstr_task *t = ktstr_table_at(i);
		unsigned long flags;

		if (!READ_ONCE(t->task) || READ_ONCE(t->acct.state) != KTSTR_STATE_RUNNABLE ||
		    ktstr_acct_cur_wait(&t->acct, now) < thr)
			continue;
		raw_spin_lock_irqsave(&t->lock, flags);
		if (t->task && ktstr_acct_check_starving(&t->acct, now, thr))
			ktstr_event_push(KTSTR_EV_STARVE_BEGIN, t, t->acct.wait_cpu, now,
					 ktstr_acct_cur_wait(&t->acct, now), t->acct.wait_start);
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
	atomic64_inc(&nr_scans);
	if (READ_ONCE(scan_running))
		ktstr_scan_arm();
}

u64 ktstr_watchdog_scans(void)
{
	return atomic64_read(&nr_scans);
}

/* Caller holds ktstr_sess.lock. */
void ktstr_watchdog_start(void)
{
	if (scan_running)
		return;
	atomic64_set(&nr_scans, 0);
	WRITE_ONCE(scan_running, true);
	ktstr_scan_arm();
}

/*
 * Caller holds ktstr_sess.lock. A scan running now may re-arm the timer
 * once more; timer_delete_sync() waits for it and removes that too.
 */
void ktstr_watchdog_stop(void)
{
	if (!scan_running)
		return;
	WRITE_ONCE(scan_running, false);
	timer_delete_sync(&scan_timer);
}

/**
 * ktstr_watchdog_init() - allocate the event ring (module parameter
 * event_slots, rounded up to a power of two)
 *
 * Return: 0 or -ENOMEM.
 */
int ktstr_watchdog_init(void)
{
	u32 slots = roundup_pow_of_two(ktstr_event_slots);

	raw_spin_lock_init(&ring.lock);
	ring.slots = vzalloc(array_size(slots, sizeof(*ring.slots)));
	if (!ring.slots)
		return -ENOMEM;
	ring.mask = slots - 1;
	init_irq_work(&ring_wake_work, ktstr_ring_wake);
	timer_setup(&scan_timer, ktstr_scan, 0);
	return 0;
}

/* After the probes are detached and the scan stopped. */
void ktstr_watchdog_exit(void)
{
	irq_work_sync(&ring_wake_work);
	vfree(ring.slots);
}
