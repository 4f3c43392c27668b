// SPDX-License-Identifier: GPL-2.0
/*
 * Writer for the cpio "newc" format, which the kernel unpacks as an
 * initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
 * Written by hand so ktstr needs no staging root directory and no cpio(1).
 *
 * The kernel does not create missing parent directories while unpacking,
 * so every entry's parents are emitted before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktstr/vm.h"
#include "util/ktstr_error.h"

static int write_all(struct ktstr_vm_cpio *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(c->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ktstr_print("ktstr vm: writing initramfs: %s\n", strerror(errno));
			return -1;
		}
		p += n;
		len -= n;
		c->off += n;
	}
	return 0;
}

static int pad4(struct ktstr_vm_cpio *c)
{
	static const char zeros[4];

	return write_all(c, zeros, (4 - (c->off & 3)) & 3);
}

/* Guest paths are stored without the leading '/', as cpio(1) does. */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

bool ktstr_vm_cpio_has(const struct ktstr_vm_cpio *c, const char *path)
{
	path = rel(path);
	for (size_t i = 0; i < c->nr_names; i++)
		if (!strcmp(c->names[i], path))
			return true;
	return false;
}

static int remember(struct ktstr_vm_cpio *c, const char *name)
{
	if (c->nr_names == c->cap_names) {
		size_t cap = c->cap_names ? 2 * c->cap_names : 64;
		char **n = realloc(c->names, cap * sizeof(*n));

		if (!n)
			goto oom;
		c->names = n;
		c->cap_names = cap;
	}
	c->names[c->nr_names] = strdup(name);
	if (!c->names[c->nr_names])
		goto oom;
	c->nr_names++;
	return 0;
oom:
	ktstr_print("ktstr vm: out of memory\n");
	return -1;
}

static int header(struct ktstr_vm_cpio *c, const char *name, unsigned int mode,
		  unsigned int nlink, unsigned long long size,
		  unsigned int rmajor, unsigned int rminor, long mtime)
{
	char hdr[111];
	size_t namesize = strlen(name) + 1;

	if (size > 0xffffffffULL || namesize > 4096) {
		ktstr_print("ktstr vm: %s: too large for cpio newc\n", name);
		return -1;
	}
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 c->next_ino++, mode, 0, 0, nlink, (unsigned int)mtime,
		 (unsigned int)size, 0, 0, rmajor, rminor, (unsigned int)namesize, 0);
	if (write_all(c, hdr, 110) || write_all(c, name, namesize) || pad4(c))
		return -1;
	return 0;
}

/* Emit each missing parent directory of name (a relative path). */
static int parents(struct ktstr_vm_cpio *c, const char *name)
{
	char buf[4096];
	size_t len = strlen(name);

	if (len >= sizeof(buf)) {
		ktstr_print("ktstr vm: path too long: %s\n", name);
		return -1;
	}
	memcpy(buf, name, len + 1);
	for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (*buf && !ktstr_vm_cpio_has(c, buf) &&
		    (header(c, buf, S_IFDIR | 0755, 2, 0, 0, 0, 0) || remember(c, buf)))
			return -1;
		*s = '/';
	}
	return 0;
}

/*
 * Common start of every entry: returns 1 if it already exists (the caller
 * skips it: the same library is often needed by several binaries), 0 if the
 * caller should write it, -1 on error.
 */
static int begin(struct ktstr_vm_cpio *c, const char *name)
{
	if (!*name) {
		ktstr_print("ktstr vm: empty initramfs path\n");
		return -1;
	}
	if (ktstr_vm_cpio_has(c, name))
		return 1;
	if (parents(c, name) || remember(c, name))
		return -1;
	return 0;
}

int ktstr_vm_cpio_init(struct ktstr_vm_cpio *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->next_ino = 1;	/* ino 0 is never used by a real archive */
	return 0;
}

int ktstr_vm_cpio_dir(struct ktstr_vm_cpio *c, const char *path, unsigned int mode)
{
	const char *name = rel(path);
	int r = begin(c, name);

	if (r)
		return r < 0 ? -1 : 0;
	return header(c, name, S_IFDIR | (mode & 07777), 2, 0, 0, 0, 0);
}

int ktstr_vm_cpio_data(struct ktstr_vm_cpio *c, const char *path,
		       unsigned int mode, const void *data, size_t len)
{
	const char *name = rel(path);
	int r = begin(c, name);

	if (r)
		return r < 0 ? -1 : 0;
	if (header(c, name, S_IFREG | (mode & 07777), 1, len, 0, 0, 0) ||
	    write_all(c, data, len) || pad4(c))
		return -1;
	return 0;
}

int ktstr_vm_cpio_file(struct ktstr_vm_cpio *c, const char *path,
		       const char *src, unsigned int mode)
{
	int fd = open(src, O_RDONLY | O_NONBLOCK | O_CLOEXEC), err;

	if (fd < 0) {
		ktstr_print("ktstr vm: cannot read %s: %s\n", src, strerror(errno));
		return -1;
	}
	err = ktstr_vm_cpio_fd(c, path, fd, src, mode);
	close(fd);
	return err;
}

int ktstr_vm_cpio_fd(struct ktstr_vm_cpio *c, const char *path, int fd,
		     const char *src, unsigned int mode)
{
	const char *name = rel(path);
	char buf[65536];
	struct stat st;
	off_t left;
	int r;

	r = begin(c, name);
	if (r)
		return r < 0 ? -1 : 0;
	if (fstat(fd, &st)) {
		ktstr_print("ktstr vm: cannot read %s: %s\n", src, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		ktstr_print("ktstr vm: %s: not a regular file\n", src);
		return -1;
	}
	if (!mode)
		mode = st.st_mode;
	if (header(c, name, S_IFREG | (mode & 07777), 1, st.st_size, 0, 0,
		   st.st_mtime))
		return -1;
	/* Copy exactly st_size bytes: the header already promised that many. */
	for (left = st.st_size; left > 0;) {
		off_t off = st.st_size - left;
		ssize_t n = pread(fd, buf, left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf),
				  off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ktstr_print("ktstr vm: reading %s: %s\n", src,
				n ? strerror(errno) : "file shrank while copying");
			return -1;
		}
		if (write_all(c, buf, n))
			return -1;
		left -= n;
	}
	return pad4(c);
}

int ktstr_vm_cpio_symlink(struct ktstr_vm_cpio *c, const char *path,
			  const char *target)
{
	const char *name = rel(path);
	size_t len = strlen(target);
	int r = begin(c, name);

	if (r)
		return r < 0 ? -1 : 0;
	/* A symlink's data is its target, without a trailing NUL. */
	if (header(c, name, S_IFLNK | 0777, 1, len, 0, 0, 0) ||
	    write_all(c, target, len) || pad4(c))
		return -1;
	return 0;
}

int ktstr_vm_cpio_chardev(struct ktstr_vm_cpio *c, const char *path,
			  unsigned int mode, unsigned int major, unsigned int minor)
{
	const char *name = rel(path);
	int r = begin(c, name);

	if (r)
		return r < 0 ? -1 : 0;
	return header(c, name, S_IFCHR | (mode & 07777), 1, 0, major, minor, 0);
}

int ktstr_vm_cpio_finish(struct ktstr_vm_cpio *c)
{
	return header(c, "TRAILER!!!", 0, 1, 0, 0, 0, 0);
}

void ktstr_vm_cpio_free(struct ktstr_vm_cpio *c)
{
	for (size_t i = 0; i < c->nr_names; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->nr_names = c->cap_names = 0;
}
