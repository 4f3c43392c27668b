// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - /dev/ktstr, the userspace interface of ktstr.ko.
 *
 * A misc device, mode 0600; open, read and every ioctl also require
 * CAP_SYS_ADMIN, of the opener and of the caller. Every open file is its
 * own session (session.c); closing it ends the session, so a crashed
 * runner leaves no probe attached.
 *
 * Commands are told apart by _IOC_NR alone and the caller's struct size
 * is _IOC_SIZE: structs passed in are read with copy_struct_from_user()
 * (accepted from their first published size up; a larger struct only with
 * a zero tail), structs passed out are written up to the caller's size.
 * Records are written at the record size the caller states.
 *
 * Snapshots copy records in small batches: a record is copied under its
 * own lock into a kernel buffer, and the buffer to userspace with no
 * spinlock held. Memory per call is bounded whatever the caller asks for.
 * The session's mutex is held across those copies (the records must not
 * be freed under them), and only that session's own ioctls wait on it:
 * other sessions, and their close(), never do.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include "ktstr.h"

#define KTSTR_SNAP_BATCH	16
/* The largest struct a command accepts: a page, as perf_event_open. */
#define KTSTR_IOC_SIZE_MAX	4096

/*
 * Both the opener and the caller must be privileged: a descriptor leaked
 * to (or inherited by) an unprivileged process is of no use to it, and an
 * unprivileged opener cannot hand a privileged process a confused fd.
 */
static bool ktstr_allowed(struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) && capable(CAP_SYS_ADMIN);
}

/* Write a struct out up to the caller's size, with a zero tail beyond ours. */
static int ktstr_copy_out(void __user *dst, size_t usize, const void *src, size_t ksize)
{
	if (copy_to_user(dst, src, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/* Write @n records of @ksize bytes at the caller's record size @rsize. */
static int ktstr_copy_recs(void __user *dst, u32 rsize, const void *src, size_t ksize,
			   u32 n)
{
	u32 i;

	if (rsize == ksize)
		return copy_to_user(dst, src, (size_t)n * ksize) ? -EFAULT : 0;
	for (i = 0; i < n; i++)
		if (ktstr_copy_out(dst + (size_t)i * rsize, rsize, src + i * ksize, ksize))
			return -EFAULT;
	return 0;
}

static u64 ktstr_features(void)
{
	u64 f = KTSTR_FEAT_SESSIONS | KTSTR_FEAT_REC_SIZE | KTSTR_FEAT_PID_NS |
		KTSTR_FEAT_STARVE_REC;

	if (IS_ENABLED(CONFIG_SCHED_INFO))
		f |= KTSTR_FEAT_SCHED_INFO_CLOCK;
	if (ktstr_probes_have_attach())
		f |= KTSTR_FEAT_CGROUP_ATTACH;
	return f;
}

static long ktstr_ioc_version(void __user *argp, u32 usize)
{
	struct ktstr_version v = {
		.abi_major = KTSTR_ABI_MAJOR,
		.abi_minor = KTSTR_ABI_MINOR,
		.task_rec_size = sizeof(struct ktstr_task_rec),
		.cpu_rec_size = sizeof(struct ktstr_cpu_rec),
		.event_size = sizeof(struct ktstr_event),
		.nr_cpu_ids = nr_cpu_ids,
		.capacity = ktstr_capacity,
		.max_cpus = KTSTR_MAX_CPUS,
		.features = ktstr_features(),
		.size = sizeof(struct ktstr_version),
		.max_sessions = ktstr_max_sessions,
	};

	return ktstr_copy_out(argp, usize, &v, sizeof(v));
}

static long ktstr_ioc_api(struct ktstr_session *s, void __user *argp, u32 usize)
{
	struct ktstr_api a;
	u64 have = ktstr_features();
	long ret;

	ret = copy_struct_from_user(&a, sizeof(a), argp, usize);
	if (ret)
		return ret;
	ret = 0;
	if (a.api != KTSTR_ABI_MAJOR || (a.features & ~have) || a.__pad ||
	    (a.event_size && (a.event_size < KTSTR_REC_SIZE_MIN ||
			      a.event_size > KTSTR_REC_SIZE_MAX)))
		ret = -EINVAL;
	else if (a.event_size)
		WRITE_ONCE(s->event_size, a.event_size);
	a.api = KTSTR_ABI_MAJOR;
	a.minor = KTSTR_ABI_MINOR;
	a.features = have;
	a.event_size = sizeof(struct ktstr_event);
	a.task_rec_size = sizeof(struct ktstr_task_rec);
	a.cpu_rec_size = sizeof(struct ktstr_cpu_rec);
	a.__pad = 0;
	if (ktstr_copy_out(argp, usize, &a, sizeof(a)))
		return -EFAULT;
	return ret;
}

static long ktstr_ioc_config(struct ktstr_session *s, void __user *argp, u32 usize)
{
	struct ktstr_config cfg;
	int ret = copy_struct_from_user(&cfg, sizeof(cfg), argp, usize);

	if (ret)
		return ret;
	if (cfg.size && cfg.size != usize)
		return -EINVAL;
	return ktstr_session_config(s, &cfg);
}

static long ktstr_ioc_track(struct ktstr_session *s, void __user *argp, u32 usize,
			    bool track)
{
	struct ktstr_track tr;
	int ret = copy_struct_from_user(&tr, sizeof(tr), argp, usize);

	if (ret)
		return ret;
	if (tr.size && tr.size != usize)
		return -EINVAL;
	if (track)
		return ktstr_session_track(s, &tr);
	if (tr.mode != KTSTR_TRACK_PID || tr.flags || tr.__pad)
		return -EINVAL;
	return ktstr_session_untrack(s, tr.pid);
}

/* Caller holds s->lock. */
static long ktstr_ioc_snapshot_tasks(struct ktstr_session *s, struct ktstr_snapshot *sn,
				     u32 rsize)
{
	void __user *ubuf = u64_to_user_ptr(sn->buf);
	struct ktstr_task_rec *kbuf;
	u32 total, n, i, j, m;
	long ret = 0;

	kbuf = kmalloc_array(KTSTR_SNAP_BATCH, sizeof(*kbuf), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	sn->now_ns = ktstr_now();
	total = ktstr_table_used(s);
	n = min(total, sn->buf_len);
	for (i = 0; i < n; i += m) {
		m = min_t(u32, KTSTR_SNAP_BATCH, n - i);
		memset(kbuf, 0, m * sizeof(*kbuf));
		for (j = 0; j < m; j++)
			ktstr_task_fill_rec(ktstr_table_at(s, i + j), &kbuf[j], sn->now_ns);
		ret = ktstr_copy_recs(ubuf + (size_t)i * rsize, rsize, kbuf, sizeof(*kbuf), m);
		if (ret)
			break;
	}
	kfree(kbuf);
	sn->nr_out = n;
	sn->nr_total = total;
	sn->flags = n < total ? KTSTR_SNAP_TRUNCATED : 0;
	sn->dropped = s->pool ? atomic64_read(&s->dropped) : 0;
	return ret;
}

/* Runnable tracked tasks and the longest wait in progress, per CPU. */
static void ktstr_count_runnable(struct ktstr_session *s, u32 *nr, u64 *cur_max, u64 now)
{
	u32 i, n = ktstr_table_used(s);

	for (i = 0; i < n; i++) {
		struct ktstr_task *t = ktstr_table_at(s, i);
		unsigned long flags;
		s32 cpu;
		u64 w;

		if (!READ_ONCE(t->task))
			continue;
		raw_spin_lock_irqsave(&t->lock, flags);
		cpu = t->acct.wait_cpu;
		if (t->task && t->acct.state == KTSTR_STATE_RUNNABLE &&
		    cpu >= 0 && cpu < nr_cpu_ids) {
			nr[cpu]++;
			w = ktstr_acct_cur_wait(&t->acct, now);
			if (w > cur_max[cpu])
				cur_max[cpu] = w;
		}
		raw_spin_unlock_irqrestore(&t->lock, flags);
		if (!(i & 255))
			cond_resched();
	}
}

static void ktstr_fill_cpu_rec(struct ktstr_session *s, int cpu, struct ktstr_cpu_rec *rec,
			       u32 nr_runnable, u64 cur_max, u64 now)
{
	const struct ktstr_sess_cpu *sc = per_cpu_ptr(s->pcpu, cpu);
	const struct ktstr_cpu *c = per_cpu_ptr(&ktstr_cpus, cpu);
	u64 busy;

	rec->cpu = cpu;
	rec->online = cpu_online(cpu);
	if (!s->active)
		return;
	rec->nr_runnable = nr_runnable;
	rec->nr_switches = READ_ONCE(c->nr_switches) - sc->switches_base;
	busy = ktstr_cpu_busy_ns(cpu, now);
	rec->busy_ns = busy > sc->busy_base ? busy - sc->busy_base : 0;
	rec->max_wait_ns = READ_ONCE(sc->max_wait_ns);
	rec->max_wait_pid = READ_ONCE(sc->max_wait_pid);
	if (cur_max > rec->max_wait_ns) {
		rec->max_wait_ns = cur_max;
		rec->max_wait_pid = 0;
	}
	rec->tracked_run_ns = READ_ONCE(sc->tracked_run_ns);
}

/* Caller holds s->lock. */
static long ktstr_ioc_snapshot_cpus(struct ktstr_session *s, struct ktstr_snapshot *sn,
				    u32 rsize)
{
	void __user *ubuf = u64_to_user_ptr(sn->buf);
	u32 n = min_t(u32, nr_cpu_ids, sn->buf_len);
	struct ktstr_cpu_rec rec;
	u64 *cur_max = NULL;
	u32 *nr = NULL;
	long ret = 0;
	u32 cpu;

	sn->now_ns = ktstr_now();
	if (n) {
		nr = kcalloc(nr_cpu_ids, sizeof(*nr), GFP_KERNEL);
		cur_max = kcalloc(nr_cpu_ids, sizeof(*cur_max), GFP_KERNEL);
		if (!nr || !cur_max) {
			ret = -ENOMEM;
			goto out;
		}
		ktstr_count_runnable(s, nr, cur_max, sn->now_ns);
	}
	for (cpu = 0; cpu < n; cpu++) {
		memset(&rec, 0, sizeof(rec));
		if (cpu_possible(cpu))
			ktstr_fill_cpu_rec(s, cpu, &rec, nr[cpu], cur_max[cpu], sn->now_ns);
		else
			rec.cpu = cpu;
		ret = ktstr_copy_recs(ubuf + (size_t)cpu * rsize, rsize, &rec, sizeof(rec), 1);
		if (ret)
			goto out;
	}
out:
	kfree(nr);
	kfree(cur_max);
	sn->nr_out = n;
	sn->nr_total = nr_cpu_ids;
	sn->flags = n < nr_cpu_ids ? KTSTR_SNAP_TRUNCATED : 0;
	sn->dropped = 0;
	return ret;
}

static long ktstr_ioc_snapshot(struct ktstr_session *s, void __user *argp, u32 usize,
			       bool tasks)
{
	struct ktstr_snapshot sn;
	u32 rsize;
	long ret;

	ret = copy_struct_from_user(&sn, sizeof(sn), argp, usize);
	if (ret)
		return ret;
	rsize = sn.rec_size;
	if (!rsize)
		rsize = tasks ? KTSTR_TASK_REC_SIZE_VER0 : KTSTR_CPU_REC_SIZE_VER0;
	if (sn.flags || (sn.buf_len && !sn.buf) || rsize < KTSTR_REC_SIZE_MIN ||
	    rsize > KTSTR_REC_SIZE_MAX)
		return -EINVAL;
	if (mutex_lock_killable(&s->lock))
		return -EINTR;
	ret = tasks ? ktstr_ioc_snapshot_tasks(s, &sn, rsize) :
		      ktstr_ioc_snapshot_cpus(s, &sn, rsize);
	mutex_unlock(&s->lock);
	if (ret)
		return ret;
	sn.rec_size = tasks ? sizeof(struct ktstr_task_rec) : sizeof(struct ktstr_cpu_rec);
	sn.size = sizeof(sn);
	return ktstr_copy_out(argp, usize, &sn, sizeof(sn));
}

static long ktstr_ioc_stats(struct ktstr_session *s, void __user *argp, u32 usize)
{
	struct ktstr_stats st = {};
	unsigned int h;
	int cpu;

	if (mutex_lock_killable(&s->lock))
		return -EINTR;
	st.nr_records = ktstr_table_used(s);
	st.nr_live = ktstr_table_live(s);
	st.capacity = s->capacity;
	st.dropped = s->pool ? atomic64_read(&s->dropped) : 0;
	st.events_lost = ktstr_events_lost(s);
	st.events_queued = ktstr_events_queued(s);
	st.starve_threshold_ns = s->starve_threshold_ns;
	st.scan_interval_ns = ktstr_scan_period(s);
	st.nr_scans = s->active ? atomic64_read(&s->nr_scans) : 0;
	st.active = s->active;
	if (s->active) {
		for_each_possible_cpu(cpu)
			for (h = 0; h < KTSTR_NR_HITS; h++)
				st.hits[h] += READ_ONCE(per_cpu_ptr(s->pcpu, cpu)->hits[h]);
	}
	mutex_unlock(&s->lock);
	st.scan_visits = s->active ? atomic64_read(&s->scan_visits) : 0;
	st.scan_ns = s->active ? atomic64_read(&s->scan_ns) : 0;
	st.scan_max_ns = s->active ? READ_ONCE(s->scan_max_ns) : 0;
	st.size = sizeof(st);
	st.nr_sessions = ktstr_sessions_tracking();
	return ktstr_copy_out(argp, usize, &st, sizeof(st));
}

/**
 * struct ktstr_ioc_desc - what a command number takes
 * @dir:	_IOC_NONE, _IOC_READ, _IOC_WRITE or both
 * @min_size:	first published size of its struct (0: no struct)
 */
struct ktstr_ioc_desc {
	u32 dir;
	u32 min_size;
};

static const struct ktstr_ioc_desc ktstr_iocs[] = {
	[_IOC_NR(KTSTR_IOC_VERSION)] = { _IOC_READ, KTSTR_VERSION_SIZE_VER0 },
	[_IOC_NR(KTSTR_IOC_CONFIG)] = { _IOC_WRITE, KTSTR_CONFIG_SIZE_VER0 },
	[_IOC_NR(KTSTR_IOC_TRACK)] = { _IOC_WRITE, KTSTR_TRACK_SIZE_VER0 },
	[_IOC_NR(KTSTR_IOC_UNTRACK)] = { _IOC_WRITE, KTSTR_TRACK_SIZE_VER0 },
	[_IOC_NR(KTSTR_IOC_RESET)] = { _IOC_NONE, 0 },
	[_IOC_NR(KTSTR_IOC_SNAPSHOT_TASKS)] = { _IOC_READ | _IOC_WRITE, KTSTR_SNAPSHOT_SIZE_VER0 },
	[_IOC_NR(KTSTR_IOC_SNAPSHOT_CPUS)] = { _IOC_READ | _IOC_WRITE, KTSTR_SNAPSHOT_SIZE_VER0 },
	[_IOC_NR(KTSTR_IOC_STATS)] = { _IOC_READ, KTSTR_STATS_SIZE_VER0 },
	[_IOC_NR(KTSTR_IOC_API)] = { _IOC_READ | _IOC_WRITE, KTSTR_API_SIZE_VER0 },
};

static long ktstr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ktstr_session *s = file->private_data;
	void __user *argp = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);
	u32 usize = _IOC_SIZE(cmd);

	if (!ktstr_allowed(file))
		return -EPERM;
	if (_IOC_TYPE(cmd) != KTSTR_IOC_MAGIC || nr >= ARRAY_SIZE(ktstr_iocs) ||
	    _IOC_DIR(cmd) != ktstr_iocs[nr].dir)
		return -ENOTTY;
	if (ktstr_iocs[nr].min_size) {
		if (usize < ktstr_iocs[nr].min_size)
			return -EINVAL;
		if (usize > KTSTR_IOC_SIZE_MAX)
			return -E2BIG;
	} else if (usize) {
		return -EINVAL;
	}

	switch (nr) {
	case _IOC_NR(KTSTR_IOC_VERSION):
		return ktstr_ioc_version(argp, usize);
	case _IOC_NR(KTSTR_IOC_CONFIG):
		return ktstr_ioc_config(s, argp, usize);
	case _IOC_NR(KTSTR_IOC_TRACK):
		return ktstr_ioc_track(s, argp, usize, true);
	case _IOC_NR(KTSTR_IOC_UNTRACK):
		return ktstr_ioc_track(s, argp, usize, false);
	case _IOC_NR(KTSTR_IOC_RESET):
		if (mutex_lock_killable(&s->lock))
			return -EINTR;
		ktstr_session_reset(s);
		mutex_unlock(&s->lock);
		return 0;
	case _IOC_NR(KTSTR_IOC_SNAPSHOT_TASKS):
		return ktstr_ioc_snapshot(s, argp, usize, true);
	case _IOC_NR(KTSTR_IOC_SNAPSHOT_CPUS):
		return ktstr_ioc_snapshot(s, argp, usize, false);
	case _IOC_NR(KTSTR_IOC_STATS):
		return ktstr_ioc_stats(s, argp, usize);
	case _IOC_NR(KTSTR_IOC_API):
		return ktstr_ioc_api(s, argp, usize);
	default:
		return -ENOTTY;
	}
}

static int ktstr_open(struct inode *inode, struct file *file)
{
	struct ktstr_session *s;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	s = ktstr_session_open();
	if (IS_ERR(s))
		return PTR_ERR(s);
	file->private_data = s;
	return stream_open(inode, file);
}

static int ktstr_release(struct inode *inode, struct file *file)
{
	ktstr_session_release(file->private_data);
	return 0;
}

static ssize_t ktstr_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	if (!ktstr_allowed(file))
		return -EPERM;
	return ktstr_events_read(file->private_data, buf, count, file->f_flags & O_NONBLOCK);
}

static __poll_t ktstr_poll(struct file *file, struct poll_table_struct *wait)
{
	return ktstr_events_poll(file->private_data, file, wait);
}

static const struct file_operations ktstr_fops = {
	.owner		= THIS_MODULE,
	.open		= ktstr_open,
	.release	= ktstr_release,
	.read		= ktstr_read,
	.poll		= ktstr_poll,
	.unlocked_ioctl	= ktstr_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice ktstr_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ktstr",
	.fops	= &ktstr_fops,
	.mode	= 0600,
};

int ktstr_dev_init(void)
{
	return misc_register(&ktstr_misc);
}

void ktstr_dev_exit(void)
{
	misc_deregister(&ktstr_misc);
}
