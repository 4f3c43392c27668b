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
 * Each session has its own scan (timer) and its own ring of events, read
 * through read()/poll() of its file. Producers include
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
#include "ktstr.h"

/* Headers without timer_delete_sync() (before 6.2): kmod/Kbuild tells. */
#ifdef KTSTR_NO_TIMER_DELETE_SYNC
#define timer_delete_sync del_timer_sync
#endif

#define KTSTR_SCAN_MIN_NS	(10ULL * NSEC_PER_MSEC)
#define KTSTR_SCAN_MAX_NS	(1000ULL * NSEC_PER_MSEC)
#define KTSTR_READ_BATCH	64
/* Records one scan tick may visit; a longer pass goes on next jiffy. */
#define KTSTR_SCAN_BUDGET	4096

static void ktstr_ring_wake(struct irq_work *w)
{
	struct ktstr_session *s = container_of(w, struct ktstr_session, wake_work);

	wake_up_interruptible(&s->wq);
}

/**
 * ktstr_event_push() - queue an event about a tracked task in its session
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
	struct ktstr_session *s = t->sess;
	struct ktstr_ring *ring = &s->ring;
	struct ktstr_event *ev;
	unsigned long flags;
	bool queued = false;

	raw_spin_lock_irqsave(&ring->lock, flags);
	ring->seq++;
	if (ring->head - ring->tail > ring->mask) {
		ring->lost++;
	} else {
		ev = &ring->slots[ring->head & ring->mask];
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
		ev->seq = ring->seq;
		ring->head++;
		queued = true;
	}
	raw_spin_unlock_irqrestore(&ring->lock, flags);
	if (queued)
		irq_work_queue(&s->wake_work);
}

u64 ktstr_events_queued(struct ktstr_session *s)
{
	unsigned long flags;
	u64 n;

	raw_spin_lock_irqsave(&s->ring.lock, flags);
	n = s->ring.head - s->ring.tail;
	raw_spin_unlock_irqrestore(&s->ring.lock, flags);
	return n;
}

u64 ktstr_events_lost(struct ktstr_session *s)
{
	return READ_ONCE(s->ring.lost);
}

/**
 * ktstr_events_clear() - drop every queued event and restart the sequence
 * @s: the session
 */
void ktstr_events_clear(struct ktstr_session *s)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&s->ring.lock, flags);
	s->ring.head = 0;
	s->ring.tail = 0;
	s->ring.seq = 0;
	s->ring.lost = 0;
	raw_spin_unlock_irqrestore(&s->ring.lock, flags);
}

/*
 * Copy up to @max queued events without consuming them. Slots between
 * tail and head are never rewritten before the tail passes them (a full
 * ring loses new events instead), so the copies stay valid.
 */
static size_t ktstr_events_peek(struct ktstr_session *s, struct ktstr_event *out,
				size_t max, u64 *tail)
{
	struct ktstr_ring *ring = &s->ring;
	unsigned long flags;
	size_t n = 0;

	raw_spin_lock_irqsave(&ring->lock, flags);
	*tail = ring->tail;
	while (n < max && ring->tail + n != ring->head) {
		out[n] = ring->slots[(ring->tail + n) & ring->mask];
		n++;
	}
	raw_spin_unlock_irqrestore(&ring->lock, flags);
	return n;
}

/* Consume @n events peeked at @tail, unless a reset emptied the ring since. */
static void ktstr_events_consume(struct ktstr_session *s, u64 tail, size_t n)
{
	struct ktstr_ring *ring = &s->ring;
	unsigned long flags;

	raw_spin_lock_irqsave(&ring->lock, flags);
	if (ring->tail == tail && ring->head - ring->tail >= n)
		ring->tail += n;
	raw_spin_unlock_irqrestore(&ring->lock, flags);
}

/**
 * ktstr_events_read() - read(2) of /dev/ktstr
 * @s:		the session
 * @buf:	user buffer
 * @count:	its size; whole records of the session's event size only
 * @nonblock:	O_NONBLOCK
 *
 * Events leave the queue only once copied: a fault keeps them queued.
 *
 * Return: bytes copied, -EINVAL if @count holds no record, -EAGAIN when
 * non-blocking and empty, -ERESTARTSYS on a signal, -EFAULT or -ENOMEM.
 */
ssize_t ktstr_events_read(struct ktstr_session *s, char __user *buf, size_t count,
			  bool nonblock)
{
	size_t esize = READ_ONCE(s->event_size);
	size_t max = min_t(size_t, count / esize, KTSTR_READ_BATCH);
	size_t n, i, part = min(esize, sizeof(struct ktstr_event));
	struct ktstr_event *kbuf;
	ssize_t ret;
	u64 tail;

	if (!max)
		return -EINVAL;
	kbuf = kmalloc_array(max, sizeof(*kbuf), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	if (mutex_lock_interruptible(&s->read_lock)) {
		ret = -ERESTARTSYS;
		goto out_free;
	}
	for (;;) {
		n = ktstr_events_peek(s, kbuf, max, &tail);
		if (n)
			break;
		if (nonblock) {
			ret = -EAGAIN;
			goto out;
		}
		ret = wait_event_interruptible(s->wq, ktstr_events_queued(s) > 0);
		if (ret)
			goto out;
	}
	ret = n * esize;
	for (i = 0; i < n; i++) {
		if (copy_to_user(buf + i * esize, &kbuf[i], part) ||
		    (esize > part && clear_user(buf + i * esize + part, esize - part))) {
			ret = -EFAULT;
			goto out;
		}
	}
	ktstr_events_consume(s, tail, n);
out:
	mutex_unlock(&s->read_lock);
out_free:
	kfree(kbuf);
	return ret;
}

__poll_t ktstr_events_poll(struct ktstr_session *s, struct file *file,
			   struct poll_table_struct *wait)
{
	poll_wait(file, &s->wq, wait);
	return ktstr_events_queued(s) ? EPOLLIN | EPOLLRDNORM : 0;
}

/**
 * ktstr_scan_period() - the watchdog period of a session
 * @s: the session
 *
 * Return: the configured period, or a quarter of the threshold clamped to
 * 10 ms .. 1 s.
 */
u64 ktstr_scan_period(struct ktstr_session *s)
{
	u64 scan = READ_ONCE(s->scan_interval_ns);

	if (scan)
		return scan;
	return clamp_t(u64, READ_ONCE(s->starve_threshold_ns) / 4,
		       KTSTR_SCAN_MIN_NS, KTSTR_SCAN_MAX_NS);
}

static void ktstr_scan_arm(struct ktstr_session *s)
{
	mod_timer(&s->timer, jiffies + max_t(unsigned long, 1,
					     nsecs_to_jiffies(ktstr_scan_period(s))));
}

/*
 * The scan runs from a timer (softirq), not a kworker: a kworker waits in
 * the very runqueues it should watch, so an RT hog on every CPU would
 * silence it. It visits only the records marked runnable (a bitmap over
 * the pool, so its cost follows the runnable tasks, not the capacity), at
 * most KTSTR_SCAN_BUDGET per tick: a longer pass resumes at the next
 * jiffy. A visit confirms the state under the record's lock and clears the
 * mark of a record that is no longer runnable.
 */
static void ktstr_scan(struct timer_list *timer)
{
	struct ktstr_session *s = container_of(timer, struct ktstr_session, timer);
	u64 thr = READ_ONCE(s->starve_threshold_ns);
	u32 n = ktstr_table_used(s), budget = KTSTR_SCAN_BUDGET;
	unsigned long i = s->scan_cursor;
	u64 now = ktstr_now(), visits = 0, took;
	bool more;

	for (i = find_next_bit(s->runnable, n, i); i < n && budget;
	     i = find_next_bit(s->runnable, n, i + 1)) {
		struct ktstr_task *t = ktstr_table_at(s, i);
		unsigned long flags;

		budget--;
		visits++;
		raw_spin_lock_irqsave(&t->lock, flags);
		if (!t->task || t->acct.state != KTSTR_STATE_RUNNABLE)
			clear_bit(i, s->runnable);
		else if (ktstr_acct_check_starving(&t->acct, now, thr))
			ktstr_event_push(KTSTR_EV_STARVE_BEGIN, t, t->acct.wait_cpu, now,
					 ktstr_acct_cur_wait(&t->acct, now), t->acct.wait_start);
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
	more = i < n;
	s->scan_cursor = more ? i : 0;
	atomic64_add(visits, &s->scan_visits);
	/* What the scan costs, measured (the scan-cost bench row reads it). */
	took = ktstr_now() - now;
	atomic64_add(took, &s->scan_ns);
	if (took > s->scan_max_ns)
		WRITE_ONCE(s->scan_max_ns, took);
	if (!more)
		atomic64_inc(&s->nr_scans);
	if (!READ_ONCE(s->scan_running))
		return;
	if (more)
		mod_timer(&s->timer, jiffies + 1);
	else
		ktstr_scan_arm(s);
}

/**
 * ktstr_watchdog_start() - start a session's scan
 * @s: the session, locked by the caller
 */
void ktstr_watchdog_start(struct ktstr_session *s)
{
	if (s->scan_running)
		return;
	atomic64_set(&s->nr_scans, 0);
	atomic64_set(&s->scan_ns, 0);
	WRITE_ONCE(s->scan_max_ns, 0);
	WRITE_ONCE(s->scan_running, true);
	ktstr_scan_arm(s);
}

/**
 * ktstr_watchdog_stop() - stop a session's scan
 * @s: the session, locked by the caller
 *
 * A scan running now may re-arm the timer once more; timer_delete_sync()
 * waits for it and removes that too.
 */
void ktstr_watchdog_stop(struct ktstr_session *s)
{
	if (!s->scan_running)
		return;
	WRITE_ONCE(s->scan_running, false);
	timer_delete_sync(&s->timer);
}

/**
 * ktstr_ring_init() - a session's event ring (module parameter
 * event_slots, rounded up to a power of two), its wakeup and its timer
 * @s: the session
 *
 * Return: 0 or -ENOMEM.
 */
int ktstr_ring_init(struct ktstr_session *s)
{
	u32 slots = roundup_pow_of_two(ktstr_event_slots);

	raw_spin_lock_init(&s->ring.lock);
	s->ring.slots = vzalloc(array_size(slots, sizeof(*s->ring.slots)));
	if (!s->ring.slots)
		return -ENOMEM;
	s->ring.mask = slots - 1;
	init_waitqueue_head(&s->wq);
	init_irq_work(&s->wake_work, ktstr_ring_wake);
	timer_setup(&s->timer, ktstr_scan, 0);
	return 0;
}

/**
 * ktstr_ring_exit() - free a session's ring
 * @s: the session, stopped (no probe, no scan can push any more)
 */
void ktstr_ring_exit(struct ktstr_session *s)
{
	irq_work_sync(&s->wake_work);
	vfree(s->ring.slots);
}
