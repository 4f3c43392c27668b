// SPDX-License-Identifier: GPL-2.0
/*
 * Which accelerator ktstr vm boots with, and the per-host verdict kept in
 * the cache.
 *
 * KTSTR_ACCEL=kvm|tcg forces one, with no fallback. Otherwise a verdict
 * remembered for this host is used; without one, KVM is tried when the
 * one-`hlt` probe (vm_kvm.c) passes, and vm_run.c falls back to TCG when
 * QEMU under KVM fails before the guest's init ran, then remembers "tcg".
 *
 * A verdict is one small file, $KTSTR_CACHE/accel/<hash of key>:
 *	line 1	"kvm" or "tcg"
 *	line 2	"key <key>"
 * where the key names the host, its kernel (release and build) and the QEMU
 * binary (path, inode, size, mtime): a kernel or QEMU upgrade changes the
 * key, so the next run probes again. The file is written to a temp file
 * and renamed over, both opened with O_NOFOLLOW.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ktstr/kernel.h"
#include "ktstr/vm.h"
#include "util/ktstr_error.h"

#define VERDICT_MAX	4096

const char *ktstr_vm_qemu_binary(void)
{
	const char *env = getenv("KTSTR_QEMU");

	return env && *env ? env : "qemu-system-x86_64";
}

/* The file execvp() would run for name, or NULL. */
static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH"), *p;
	char *full = NULL;

	if (strchr(name, '/'))
		return realpath(name, NULL);
	for (p = path && *path ? path : "/bin:/usr/bin"; ; p++) {
		size_t n = strcspn(p, ":");

		if (asprintf(&full, "%.*s/%s", n ? (int)n : 1, n ? p : ".", name) < 0)
			return NULL;
		if (!access(full, X_OK)) {
			char *real = realpath(full, NULL);

			free(full);
			return real;
		}
		free(full);
		p += n;
		if (!*p)
			return NULL;
	}
}

static char *verdict_key(void)
{
	struct utsname u;
	struct stat st = { 0 };
	char *qemu = find_in_path(ktstr_vm_qemu_binary()), *key;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	if (qemu && stat(qemu, &st))
		memset(&st, 0, sizeof(st));
	if (asprintf(&key, "host=%s kernel=%s/%s qemu=%s/%ju/%jd/%jd", u.nodename, u.release,
		     u.version, qemu ? qemu : ktstr_vm_qemu_binary(), (uintmax_t)st.st_ino,
		     (intmax_t)st.st_size, (intmax_t)st.st_mtime) < 0)
		key = NULL;
	free(qemu);
	/* One line in the file: no newline may hide in it. */
	for (char *c = key; c && *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	return key;
}

/* FNV-1a, 64 bits: a file name for the key. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The verdict kept under a->path for a->key: 1 kvm, 0 tcg, -1 none. */
static int read_verdict(const struct ktstr_vm_accel *a)
{
	char buf[VERDICT_MAX], want[VERDICT_MAX];
	int fd = open(a->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), v = -1;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	snprintf(want, sizeof(want), "\nkey %s\n", a->key);
	if (!strstr(buf, want))
		return -1;	/* another host, kernel or QEMU: probe again */
	if (!strncmp(buf, "kvm\n", 4))
		v = 1;
	else if (!strncmp(buf, "tcg\n", 4))
		v = 0;
	return v;
}

int ktstr_vm_accel_pick(struct ktstr_vm_accel *a)
{
	const char *env = getenv("KTSTR_ACCEL");
	char *cache;
	int v;

	memset(a, 0, sizeof(*a));
	if (env && *env) {
		if (strcmp(env, "kvm") && strcmp(env, "tcg")) {
			ktstr_print("ktstr vm: KTSTR_ACCEL must be kvm or tcg, not '%s'\n", env);
			return -1;
		}
		a->kvm = !strcmp(env, "kvm");
		a->why = a->kvm ? "forced by KTSTR_ACCEL=kvm" : "forced by KTSTR_ACCEL=tcg";
		return 0;
	}
	cache = ktstr_kernel_cache_dir();
	a->key = verdict_key();
	if (!cache || !a->key ||
	    asprintf(&a->path, "%s/accel/%016" PRIx64, cache, fnv1a(a->key)) < 0) {
		free(cache);
		ktstr_print("ktstr vm: out of memory\n");
		return -1;
	}
	free(cache);
	v = read_verdict(a);
	a->cached = v >= 0;
	if (v == 0) {
		a->why = "KVM failed on this host before: verdict cached";
		return 0;
	}
	if (v == 1) {
		a->kvm = a->fallback = true;
		a->why = "KVM worked on this host before: verdict cached";
		return 0;
	}
	a->kvm = a->fallback = ktstr_vm_kvm_usable();
	a->why = a->kvm ? "the KVM probe passed" : "no usable /dev/kvm";
	return 0;
}

/* mkdir -p for the cache's accel dir; 0 or -errno. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			int err = -errno;

			*p = c;
			return err;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

int ktstr_vm_accel_remember(struct ktstr_vm_accel *a, bool kvm)
{
	char *dir = NULL, *tmp = NULL, *slash;
	int fd = -1, err = 0, len;
	char body[VERDICT_MAX];
	ssize_t n;

	if (!a->path || !a->key)
		return 0;	/* forced: nothing learnt */
	len = snprintf(body, sizeof(body), "%s\nkey %s\n", kvm ? "kvm" : "tcg", a->key);
	if (len < 0 || len >= (int)sizeof(body))
		return -ENAMETOOLONG;
	dir = strdup(a->path);
	if (!dir || asprintf(&tmp, "%s.tmp%d", a->path, (int)getpid()) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto out;
	}
	slash = strrchr(dir, '/');
	*slash = '\0';
	err = make_dirs(dir);
	if (err)
		goto out;
	unlink(tmp);	/* ours from a recycled pid; O_EXCL below refuses anything else */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	n = write(fd, body, len);
	if (n != len || fsync(fd)) {
		err = n < 0 || n == len ? -errno : -EIO;
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		err = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, a->path))
		err = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (err && tmp)
		unlink(tmp);
	if (err)
		ktstr_print("ktstr vm: cannot keep the accelerator verdict in %s: %s\n",
			a->path, strerror(-err));
	free(tmp);
	free(dir);
	return err;
}

void ktstr_vm_accel_free(struct ktstr_vm_accel *a)
{
	free(a->path);
	free(a->key);
	a->path = a->key = NULL;
}
