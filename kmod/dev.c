// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - /dev/ktstr, the userspace interface of ktstr.ko.
 *
 * A misc device, mode 0600; open, read and every ioctl also require
 * CAP_SYS_ADMIN, of the opener and of the caller. The last close
 * ends the session, so a crashed runner leaves no probe attached.
 *
 * Snapshots copy records in small batches: a record is copied under its
 * own lock into a kernel buffer, and the buffer to userspace with no lock
 * held. Memory per call is bounded whatever the caller asks for.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/cpumask.h>
#include "ktstr.h"

#define KTSTR_SNAP_BATCH	16

static unsigned int ktstr_open_count;	/* under ktstr_sess.lock */

/*
 * Both the opener and the caller must be privileged: a descriptor leaked
 * to (or inherited by) an unprivileged process is of no use to it, and an
 * unprivileged opener cannot hand a privileged process a confused fd.
 */
static bool ktstr_allowed(struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) && capable(CAP_SYS_ADMIN);
}

/*
 * Read an extensible struct whose first __u32 is its size as userspace
 * knows it: smaller than the first version is -EINVAL, larger is accepted
 * only with a zero tail.
 */
static int ktstr_copy_sized(void *dst, size_t ksize, const void __user *src)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)src))
		return -EFAULT;
	if (usize < ksize || usize > PAGE_SIZE)
		return usize < ksize ? -EINVAL : -E2BIG;
	return copy_struct_from_user(dst, ksize, src, usize);
}

static long ktstr_ioc_version(void __user *argp)
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
	};

	if (IS_ENABLED(CONFIG_SCHED_INFO))
		v.features |= KTSTR_FEAT_SCHED_INFO_CLOCK;
	if (ktstr_probes_have_attach())
		v.features |= KTSTR_FEAT_CGROUP_ATTACH;
	return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
}

static long ktstr_ioc_config(void __user *argp)
{
	struct ktstr_config cfg;
	int ret = ktstr_copy_sized(&cfg, sizeof(cfg), argp);

	return ret ? ret : ktstr_session_config(&cfg);
}

static long ktstr_ioc_track(void __user *argp, bool track)
{
	struct ktstr_track tr;
	int ret = ktstr_copy_sized(&tr, sizeof(tr), argp);

	if (ret)
		return ret;
	if (track)
		return ktstr_session_track(&tr);
	if (tr.mode != KTSTR_TRACK_PID || tr.flags || tr.__pad)
		return -EINVAL;
	return ktstr_session_untrack(tr.pid);
}

static long ktstr_ioc_snapshot_tasks(struct ktstr_snapshot *s)
{
	struct ktstr_task_rec __user *ubuf = u64_to_user_ptr(s->buf);
	struct ktstr_task_rec *kbuf;
	u32 total, n, i, j, m;
	long ret = 0;

	kbuf = kmalloc_array(KTSTR_SNAP_BATCH, sizeof(*kbuf), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	s->now_ns = ktstr_now();
	total = ktstr_table_used();
	n = min(total, s->buf_len);
	for (i = 0; i < n; i += m) {
		m = min_t(u32, KTSTR_SNAP_BATCH, n - i);
		memset(kbuf, 0, m * sizeof(*kbuf));
		for (j = 0; j < m; j++)
			ktstr_task_fill_rec(ktstr_table_at(i + j), &kbuf[j], s->now_ns);
		if (copy_to_user(ubuf + i, kbuf, m * sizeof(*kbuf))) {
			ret = -EFAULT;
			break;
		}
	}
	kfree(kbuf);
	s->nr_out = n;
	s->nr_total = total;
	s->flags = n < total ? KTSTR_SNAP_TRUNCATED : 0;
	s->dropped = ktstr_table_dropped();
	return ret;
}

/* Runnable tracked tasks and the longest wait in progress, per CPU. */
static void ktstr_count_runnable(u32 *nr, u64 *cur_max, u64 now)
{
	u32 i, n = ktstr_table_used();

	for (i = 0; i < n; i++) {
		struct ktstr_task *t = ktstr_table_at(i);
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

static void ktstr_fill_cpu_rec(int cpu, struct ktstr_cpu_rec *rec, u32 nr_runnable,
			       u64 cur_max, u64 now)
{
	const struct ktstr_cpu *c = per_cpu_ptr(ktstr_cpu_pcpu, cpu);
	int busy = READ_ONCE(c->busy);
	u64 since = READ_ONCE(c->busy_since);

	rec->cpu = cpu;
	rec->online = cpu_online(cpu);
	rec->nr_runnable = nr_runnable;
	rec->nr_switches = READ_ONCE(c->nr_switches);
	rec->busy_ns = READ_ONCE(c->busy_ns);
	if (busy == 1 && now > since)
		rec->busy_ns += now - since;
	rec->max_wait_ns = READ_ONCE(c->max_wait_ns);
	rec->max_wait_pid = READ_ONCE(c->max_wait_pid);
	if (cur_max > rec->max_wait_ns) {
		rec->max_wait_ns = cur_max;
		rec->max_wait_pid = 0;
	}
	rec->tracked_run_ns = READ_ONCE(c->tracked_run_ns);
}

static long ktstr_ioc_snapshot_cpus(struct ktstr_snapshot *s)
{
	struct ktstr_cpu_rec __user *ubuf = u64_to_user_ptr(s->buf);
	u32 n = min_t(u32, nr_cpu_ids, s->buf_len);
	struct ktstr_cpu_rec rec;
	u64 *cur_max = NULL;
	u32 *nr = NULL;
	long ret = 0;
	u32 cpu;

	s->now_ns = ktstr_now();
	if (n) {
		nr = kcalloc(nr_cpu_ids, sizeof(*nr), GFP_KERNEL);
		cur_max = kcalloc(nr_cpu_ids, sizeof(*cur_max), GFP_KERNEL);
		if (!nr || !cur_max) {
			ret = -ENOMEM;
			goto out;
		}
		ktstr_count_runnable(nr, cur_max, s->now_ns);
	}
	for (cpu = 0; cpu < n; cpu++) {
		memset(&rec, 0, sizeof(rec));
		if (cpu_possible(cpu))
			ktstr_fill_cpu_rec(cpu, &rec, nr[cpu], cur_max[cpu], s->now_ns);
		else
			rec.cpu = cpu;
		if (copy_to_user(ubuf + cpu, &rec, sizeof(rec))) {
			ret = -EFAULT;
			goto out;
		}
	}
out:
	kfree(nr);
	kfree(cur_max);
	s->nr_out = n;
	s->nr_total = nr_cpu_ids;
	s->flags = n < nr_cpu_ids ? KTSTR_SNAP_TRUNCATED : 0;
	s->dropped = 0;
	return ret;
}

static long ktstr_ioc_snapshot(void __user *argp, bool tasks)
{
	struct ktstr_snapshot s;
	long ret;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (s.flags || (s.buf_len && !s.buf))
		return -EINVAL;
	mutex_lock(&ktstr_sess.lock);
	ret = tasks ? ktstr_ioc_snapshot_tasks(&s) : ktstr_ioc_snapshot_cpus(&s);
	mutex_unlock(&ktstr_sess.lock);
	if (ret)
		return ret;
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

static long ktstr_ioc_stats(void __user *argp)
{
	struct ktstr_stats st = {};
	unsigned int h;
	int cpu;

	mutex_lock(&ktstr_sess.lock);
	st.nr_records = ktstr_table_used();
	st.nr_live = ktstr_table_live();
	st.capacity = ktstr_capacity;
	st.dropped = ktstr_table_dropped();
	st.events_lost = ktstr_events_lost();
	st.events_queued = ktstr_events_queued();
	st.starve_threshold_ns = ktstr_sess.starve_threshold_ns;
	st.scan_interval_ns = ktstr_scan_period();
	st.nr_scans = ktstr_watchdog_scans();
	st.active = ktstr_sess.active;
	for_each_possible_cpu(cpu)
		for (h = 0; h < KTSTR_NR_HITS; h++)
			st.hits[h] += READ_ONCE(per_cpu_ptr(ktstr_cpu_pcpu, cpu)->hits[h]);
	mutex_unlock(&ktstr_sess.lock);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long ktstr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	if (!ktstr_allowed(file))
		return -EPERM;
	switch (cmd) {
	case KTSTR_IOC_VERSION:
		return ktstr_ioc_version(argp);
	case KTSTR_IOC_CONFIG:
		return ktstr_ioc_config(argp);
	case KTSTR_IOC_TRACK:
		return ktstr_ioc_track(argp, true);
	case KTSTR_IOC_UNTRACK:
		return ktstr_ioc_track(argp, false);
	case KTSTR_IOC_RESET:
		mutex_lock(&ktstr_sess.lock);
		ktstr_session_reset();
		mutex_unlock(&ktstr_sess.lock);
		return 0;
	case KTSTR_IOC_SNAPSHOT_TASKS:
		return ktstr_ioc_snapshot(argp, true);
	case KTSTR_IOC_SNAPSHOT_CPUS:
		return ktstr_ioc_snapshot(argp, false);
	case KTSTR_IOC_STATS:
		return ktstr_ioc_stats(argp);
	default:
		return -ENOTTY;
	}
}

static int ktstr_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	mutex_lock(&ktstr_sess.lock);
	ktstr_open_count++;
	mutex_unlock(&ktstr_sess.lock);
	return nonseekable_open(inode, file);
}

static int ktstr_release(struct inode *inode, struct file *file)
{
	mutex_lock(&ktstr_sess.lock);
	if (!--ktstr_open_count)
		ktstr_session_reset();
	mutex_unlock(&ktstr_sess.lock);
	return 0;
}

static ssize_t ktstr_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	if (!ktstr_allowed(file))
		return -EPERM;
	return ktstr_events_read(buf, count, file->f_flags & O_NONBLOCK);
}

static const struct file_operations ktstr_fops = {
	.owner		= THIS_MODULE,
	.open		= ktstr_open,
	.release	= ktstr_release,
	.read		= ktstr_read,
	.poll		= ktstr_events_poll,
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
