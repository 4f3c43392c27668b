// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup v2 manager: one parent cgroup per run, controllers enabled from
 * the root down, cgroups created and removed by name, cpusets, task moves
 * and freezing. Every cgroupfs write goes through cg_write() and so is
 * bounded by a timeout.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ktstr/clock.h>
#include <ktstr/cgroup.h>

#include "cgroup_fs.h"

struct cg_mgr {
	struct ktstr_cgroups base;
	struct ktstr_cgroup_opts opts;
	char root[PATH_MAX];
	char parent_rel[PATH_MAX];	/* parent, relative to root */
	char parent[PATH_MAX];		/* absolute */
	int parent_levels_created;	/* deepest levels of parent_rel we made */
	char **created;			/* names below parent, creation order */
	int nr_created, cap_created;
};

static struct cg_mgr *to_mgr(struct ktstr_cgroups *cg)
{
	return (struct cg_mgr *)cg;
}

static int cg_path(struct cg_mgr *m, const char *name, char *buf)
{
	int ret = cg_check_name(name, true);

	if (ret)
		return ret;
	if (snprintf(buf, PATH_MAX, "%s%s%s", m->parent, *name ? "/" : "",
		     name) >= PATH_MAX)
		return cg_fail(-ENAMETOOLONG, "cgroup path too long: %s/%s", m->parent, name);
	return 0;
}

static const char *mgr_parent_path(struct ktstr_cgroups *cg)
{
	return to_mgr(cg)->parent;
}

/* Which controllers children of a cgroup need. */
static int controllers(struct cg_mgr *m, const char **names)
{
	names[0] = "cpuset";
	names[1] = "cpu";
	return m->opts.no_cpu_controller ? 1 : 2;
}

/*
 * Enable our controllers in @dir/cgroup.subtree_control so its children
 * get them. cgroup.controllers is checked first so a missing controller is
 * named instead of surfacing as a bare ENOENT/EINVAL from the write.
 */
static int enable_controllers(struct cg_mgr *m, const char *dir)
{
	const char *want[2];
	int n = controllers(m, want);
	char path[PATH_MAX + 32], avail[512], enabled[512], cmd[64] = "";
	ssize_t r;
	int ret;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	r = cg_read(path, avail, sizeof(avail));
	if (r < 0)
		return cg_fail((int)r, "cannot read %s: %s", path, strerror((int)-r));
	for (int i = 0; i < n; i++)
		if (!cg_has_word(avail, want[i]))
			return cg_fail(-ENODEV, "%s controller not available in %s",
				       want[i], path);

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	r = cg_read(path, enabled, sizeof(enabled));
	if (r < 0)
		return cg_fail((int)r, "cannot read %s: %s", path, strerror((int)-r));
	for (int i = 0; i < n; i++) {
		if (cg_has_word(enabled, want[i]))
			continue;
		strcat(cmd, *cmd ? " +" : "+");
		strcat(cmd, want[i]);
	}
	if (!*cmd)
		return 0;
	ret = cg_write(path, cmd, m->opts.write_timeout_ms);
	if (ret == -EBUSY)
		return cg_fail(ret, "cannot write '%s' to %s: %s has tasks of its own "
			       "(no-internal-process rule)", cmd, path, dir);
	if (ret == -EACCES || ret == -EPERM)
		return cg_fail(ret, "no permission to write %s", path);
	if (ret)
		return cg_fail(ret, "cannot write '%s' to %s: %s", cmd, path, strerror(-ret));
	return 0;
}

/* mkdir one cgroup; 1 if created, 0 if it existed, -errno. */
static int make_cgroup(struct cg_mgr *m, const char *path)
{
	if (mkdir(path, 0755)) {
		if (errno == EEXIST)
			return 0;
		if (errno == EACCES || errno == EPERM)
			return cg_fail(-errno, "no permission to create cgroup %s", path);
		return cg_fail(-errno, "cannot create cgroup %s: %s", path, strerror(errno));
	}
	if (m->opts.after_mkdir) {
		int ret = m->opts.after_mkdir(path, m->opts.hook_arg);

		if (ret)
			return cg_fail(ret, "after_mkdir hook failed for %s", path);
	}
	return 1;
}

/* rmdir one cgroup (after the test hook, if any); a missing one is fine. */
static int unmake_cgroup(struct cg_mgr *m, const char *path)
{
	if (m->opts.before_rmdir && m->opts.before_rmdir(path, m->opts.hook_arg))
		return cg_fail(-EIO, "before_rmdir hook failed for %s", path);
	if (rmdir(path) && errno != ENOENT) {
		if (errno == EACCES || errno == EPERM)
			return cg_fail(-errno, "no permission to remove cgroup %s", path);
		return cg_fail(-errno, "cannot remove cgroup %s: %s", path, strerror(errno));
	}
	return 0;
}

/*
 * Mount cgroup2 on the default root when nothing is mounted there (a
 * minimal guest). Anything else that is not cgroup2 (a v1 or hybrid host)
 * is reported, never mounted over.
 */
static int check_root(struct cg_mgr *m)
{
	struct stat st, up;
	char above[PATH_MAX + 4];

	if (m->opts.after_mkdir || m->opts.before_rmdir || cg_is_cgroup2(m->root))
		return 0;
	snprintf(above, sizeof(above), "%s/..", m->root);
	if (!strcmp(m->root, KTSTR_CGROUP_ROOT) && !stat(m->root, &st) &&
	    !stat(above, &up) && st.st_dev == up.st_dev) {
		if (mount("cgroup2", m->root, "cgroup2", 0, NULL))
			return cg_fail(-errno, "cannot mount cgroup2 on %s: %s",
				       m->root, strerror(errno));
		return 0;
	}
	return cg_fail(-EMEDIUMTYPE, "%s is not a cgroup2 mount (cgroup v1 or hybrid "
		       "host?): use a cgroup2 mount as the root", m->root);
}

static int mgr_setup(struct ktstr_cgroups *cg)
{
	struct cg_mgr *m = to_mgr(cg);
	char path[PATH_MAX];
	int levels = 0, ret;

	KTSTR_CLEAR_ERROR();
	ret = check_root(m);
	if (ret)
		return ret;
	/* Walk root -> parent: enable in each cgroup, then create its child. */
	snprintf(path, sizeof(path), "%s", m->root);
	for (const char *p = m->parent_rel; *p;) {
		size_t len = strcspn(p, "/");

		ret = enable_controllers(m, path);
		if (ret)
			return ret;
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%.*s",
			 (int)len, p);
		ret = make_cgroup(m, path);
		if (ret < 0)
			return ret;
		/* Levels below one we created are ours too. */
		levels = ret ? levels + 1 : 0;
		p += len + (p[len] == '/');
	}
	m->parent_levels_created = levels;
	return enable_controllers(m, m->parent);
}

static int record_created(struct cg_mgr *m, const char *name)
{
	char *dup;

	if (m->nr_created == m->cap_created) {
		int cap = m->cap_created ? m->cap_created * 2 : 16;
		char **tmp = realloc(m->created, sizeof(*tmp) * cap);

		if (!tmp)
			return cg_fail(-ENOMEM, "out of memory");
		m->created = tmp;
		m->cap_created = cap;
	}
	dup = strdup(name);
	if (!dup)
		return cg_fail(-ENOMEM, "out of memory");
	m->created[m->nr_created++] = dup;
	return 0;
}

static int mgr_create(struct ktstr_cgroups *cg, const char *name)
{
	struct cg_mgr *m = to_mgr(cg);
	char rel[PATH_MAX], path[PATH_MAX];
	int ret;

	KTSTR_CLEAR_ERROR();
	ret = cg_check_name(name, false);
	if (ret)
		return ret;
	/* Each ancestor below the parent must exist and pass controllers on. */
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, "/");
		bool last = !p[len];

		snprintf(rel, sizeof(rel), "%.*s", (int)(p + len - name), name);
		cg_path(m, rel, path);
		ret = make_cgroup(m, path);
		if (ret < 0)
			return ret;
		if (ret > 0 && record_created(m, rel))
			return -ENOMEM;
		if (!last) {
			ret = enable_controllers(m, path);
			if (ret)
				return ret;
		}
		p += len + !last;
	}
	return 0;
}

/* Repeat passes because tasks may fork while being moved. */
#define DRAIN_PASSES	8

static int drain_path(struct cg_mgr *m, const char *path)
{
	for (int pass = 0; pass < DRAIN_PASSES; pass++) {
		pid_t *pids;
		int n = cg_read_pids(path, &pids);

		if (n == -ENOENT)
			return 0;
		if (n < 0)
			return cg_fail(n, "cannot read %s/cgroup.procs: %s", path, strerror(-n));
		for (int i = 0; i < n; i++) {
			int ret = cg_move_pid(m->root, pids[i], m->opts.write_timeout_ms);

			if (ret < 0) {
				free(pids);
				return ret;
			}
		}
		free(pids);
		if (!n)
			return 0;
		ktstr_sleep_ms(5u << pass);
	}
	return cg_fail(-EBUSY, "tasks remain in %s after %d passes of moving them to %s",
		       path, DRAIN_PASSES, m->root);
}

static int mgr_drain(struct ktstr_cgroups *cg, const char *name)
{
	struct cg_mgr *m = to_mgr(cg);
	char path[PATH_MAX];
	int ret;

	KTSTR_CLEAR_ERROR();
	ret = cg_path(m, name, path);

	return ret ? ret : drain_path(m, path);
}

static int remove_one(struct cg_mgr *m, const char *path)
{
	int ret = drain_path(m, path);

	return ret ? ret : unmake_cgroup(m, path);
}

static void forget_created(struct cg_mgr *m, int i)
{
	free(m->created[i]);
	memmove(&m->created[i], &m->created[i + 1],
		sizeof(*m->created) * (m->nr_created - i - 1));
	m->nr_created--;
}

static bool is_same_or_below(const char *name, const char *top)
{
	size_t len = strlen(top);

	return !strncmp(name, top, len) && (name[len] == '\0' || name[len] == '/');
}

static int mgr_remove(struct ktstr_cgroups *cg, const char *name)
{
	struct cg_mgr *m = to_mgr(cg);
	char path[PATH_MAX];
	bool known = false;
	int ret;

	KTSTR_CLEAR_ERROR();
	ret = cg_check_name(name, false);
	if (ret)
		return ret;
	/* Newest first: children were necessarily created after parents. */
	for (int i = m->nr_created - 1; i >= 0; i--) {
		if (!is_same_or_below(m->created[i], name))
			continue;
		known |= !strcmp(m->created[i], name);
		cg_path(m, m->created[i], path);
		ret = remove_one(m, path);
		if (ret)
			return ret;
		forget_created(m, i);
	}
	if (known)
		return 0;
	/* Not ours (e.g. existed before): still remove it on request. */
	cg_path(m, name, path);
	return remove_one(m, path);
}

static int write_cpuset_file(struct cg_mgr *m, const char *name, const char *file,
			     const struct ktstr_cpuset *set)
{
	char path[PATH_MAX + 32], list[8192];
	int ret = cg_path(m, name, path);

	if (ret)
		return ret;
	strcat(path, "/");
	strcat(path, file);
	if (set) {
		if (ktstr_cpulist_format(set, list, sizeof(list)) >= (int)sizeof(list))
			return cg_fail(-E2BIG, "set too large for %s", path);
	} else {
		/* An empty line clears (inherit the parent's effective set). */
		strcpy(list, "\n");
	}
	ret = cg_write(path, list, m->opts.write_timeout_ms);
	if (!ret)
		return 0;
	if (ret == -EINVAL)
		return cg_fail(ret, "invalid cpuset '%s' for %s (offline, or outside the "
			       "parent's effective set?)", set ? list : "", path);
	if (ret == -ENOENT)
		return cg_fail(ret, "no %s: cgroup missing or cpuset controller not "
			       "enabled for it", path);
	if (ret == -EACCES || ret == -EPERM)
		return cg_fail(ret, "no permission to write %s", path);
	return cg_fail(ret, "cannot write '%s' to %s: %s", set ? list : "", path,
		       strerror(-ret));
}

static int mgr_set_cpuset(struct ktstr_cgroups *cg, const char *name,
			  const struct ktstr_cpuset *cpus)
{
	int ret;

	KTSTR_CLEAR_ERROR();
	ret = cg_check_set("set_cpuset", name, cpus);
	return ret ? ret : write_cpuset_file(to_mgr(cg), name, "cpuset.cpus", cpus);
}

static int mgr_clear_cpuset(struct ktstr_cgroups *cg, const char *name)
{
	KTSTR_CLEAR_ERROR();
	return write_cpuset_file(to_mgr(cg), name, "cpuset.cpus", NULL);
}

static int mgr_set_mems(struct ktstr_cgroups *cg, const char *name,
			const struct ktstr_cpuset *nodes)
{
	int ret;

	KTSTR_CLEAR_ERROR();
	ret = cg_check_set("set_mems", name, nodes);
	return ret ? ret : write_cpuset_file(to_mgr(cg), name, "cpuset.mems", nodes);
}

static int mgr_clear_mems(struct ktstr_cgroups *cg, const char *name)
{
	KTSTR_CLEAR_ERROR();
	return write_cpuset_file(to_mgr(cg), name, "cpuset.mems", NULL);
}

static int mgr_move_task(struct ktstr_cgroups *cg, const char *name, pid_t pid)
{
	struct cg_mgr *m = to_mgr(cg);
	char path[PATH_MAX];
	int ret;

	KTSTR_CLEAR_ERROR();
	ret = cg_path(m, name, path);
	if (!ret)
		ret = cg_check_pid(pid);
	if (ret)
		return ret;
	ret = cg_move_pid(path, pid, m->opts.write_timeout_ms);
	return ret < 0 ? ret : 0;
}

static int mgr_move_all(struct ktstr_cgroups *cg, const char *from, const char *to)
{
	struct cg_mgr *m = to_mgr(cg);
	char src[PATH_MAX], dst[PATH_MAX];
	pid_t *pids;
	int n, moved = 0, ret;

	KTSTR_CLEAR_ERROR();
	ret = cg_path(m, from, src);
	if (!ret)
		ret = cg_path(m, to, dst);
	if (ret)
		return ret;
	n = cg_read_pids(src, &pids);
	if (n < 0)
		return cg_fail(n, "cannot read %s/cgroup.procs: %s", src, strerror(-n));
	for (int i = 0; i < n; i++) {
		ret = cg_move_pid(dst, pids[i], m->opts.write_timeout_ms);
		if (ret < 0)
			break;
		moved += ret;
	}
	free(pids);
	return ret < 0 ? ret : moved;
}

/* Poll cgroup.events until "frozen <want>" or the freeze timeout. */
static int set_frozen(struct cg_mgr *m, const char *name, bool frozen)
{
	char path[PATH_MAX + 32], dir[PATH_MAX], events[1024];
	const char *want = frozen ? "frozen 1" : "frozen 0";
	unsigned int waited = 0, step = 1;
	int ret = cg_path(m, name, dir);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
	ret = cg_write(path, frozen ? "1" : "0", m->opts.write_timeout_ms);
	if (ret == -EACCES || ret == -EPERM)
		return cg_fail(ret, "no permission to write %s", path);
	if (ret)
		return cg_fail(ret, "cannot write %s: %s", path, strerror(-ret));

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	for (;;) {
		ssize_t r = cg_read(path, events, sizeof(events));
		char *line;

		if (r < 0)
			return cg_fail((int)r, "cannot read %s: %s", path, strerror((int)-r));
		line = strstr(events, want);
		if (line && (line == events || line[-1] == '\n'))
			return 0;
		if (waited >= m->opts.freeze_timeout_ms)
			return cg_fail(-ETIMEDOUT, "%s did not report '%s' within %u ms",
				       path, want, m->opts.freeze_timeout_ms);
		ktstr_sleep_ms(step);
		waited += step;
		if (step < 50)
			step *= 2;
	}
}

static int mgr_freeze(struct ktstr_cgroups *cg, const char *name)
{
	KTSTR_CLEAR_ERROR();
	return set_frozen(to_mgr(cg), name, true);
}

static int mgr_unfreeze(struct ktstr_cgroups *cg, const char *name)
{
	KTSTR_CLEAR_ERROR();
	return set_frozen(to_mgr(cg), name, false);
}

/* Best effort: keep going past failures, report the first. */
static int mgr_cleanup(struct ktstr_cgroups *cg)
{
	struct cg_mgr *m = to_mgr(cg);
	char path[PATH_MAX];
	int first = 0, ret;

	KTSTR_CLEAR_ERROR();
	for (int i = m->nr_created - 1; i >= 0; i--) {
		cg_path(m, m->created[i], path);
		ret = remove_one(m, path);
		if (ret && !first)
			first = ret;
		if (!ret)
			forget_created(m, i);
	}
	if (first)
		return first;
	snprintf(path, sizeof(path), "%s", m->parent);
	for (; m->parent_levels_created > 0; m->parent_levels_created--) {
		ret = remove_one(m, path);
		if (ret)
			return ret;
		*strrchr(path, '/') = '\0';
	}
	return 0;
}

static void mgr_destroy(struct ktstr_cgroups *cg)
{
	struct cg_mgr *m = to_mgr(cg);

	for (int i = 0; i < m->nr_created; i++)
		free(m->created[i]);
	free(m->created);
	free(m);
}

static const struct ktstr_cgroup_ops mgr_ops = {
	.parent_path	= mgr_parent_path,
	.setup		= mgr_setup,
	.create		= mgr_create,
	.remove		= mgr_remove,
	.set_cpuset	= mgr_set_cpuset,
	.clear_cpuset	= mgr_clear_cpuset,
	.set_mems	= mgr_set_mems,
	.clear_mems	= mgr_clear_mems,
	.move_task	= mgr_move_task,
	.move_all	= mgr_move_all,
	.drain		= mgr_drain,
	.freeze		= mgr_freeze,
	.unfreeze	= mgr_unfreeze,
	.cleanup	= mgr_cleanup,
	.destroy	= mgr_destroy,
};

struct ktstr_cgroups *ktstr_cgroup_mgr_new(const struct ktstr_cgroup_opts *opts)
{
	struct cg_mgr *m = calloc(1, sizeof(*m));
	size_t len;

	KTSTR_CLEAR_ERROR();
	if (!m) {
		cg_fail(-ENOMEM, "out of memory");
		return NULL;
	}
	m->base.ops = &mgr_ops;
	if (opts)
		m->opts = *opts;
	if (!m->opts.write_timeout_ms)
		m->opts.write_timeout_ms = KTSTR_CGROUP_WRITE_TIMEOUT_MS;
	if (!m->opts.freeze_timeout_ms)
		m->opts.freeze_timeout_ms = KTSTR_CGROUP_FREEZE_TIMEOUT_MS;

	snprintf(m->root, sizeof(m->root), "%s",
		 m->opts.root ? m->opts.root : KTSTR_CGROUP_ROOT);
	len = strlen(m->root);
	while (len > 1 && m->root[len - 1] == '/')
		m->root[--len] = '\0';
	if (m->opts.parent)
		snprintf(m->parent_rel, sizeof(m->parent_rel), "%s", m->opts.parent);
	else
		snprintf(m->parent_rel, sizeof(m->parent_rel), KTSTR_CGROUP_PREFIX "%d",
			 (int)getpid());
	if (cg_check_name(m->parent_rel, false) || m->root[0] != '/') {
		cg_fail(-EINVAL, "invalid cgroup root '%s' or parent '%s'", m->root,
			m->parent_rel);
		free(m);
		return NULL;
	}
	if (snprintf(m->parent, sizeof(m->parent), "%s/%s",
		     strcmp(m->root, "/") ? m->root : "", m->parent_rel) >=
	    (int)sizeof(m->parent)) {
		cg_fail(-ENAMETOOLONG, "cgroup parent path too long");
		free(m);
		return NULL;
	}
	m->opts.root = NULL;	/* copies above; do not keep caller pointers */
	m->opts.parent = NULL;
	return &m->base;
}
