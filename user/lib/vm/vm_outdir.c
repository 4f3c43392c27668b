// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr vm --outdir: the guest's /work/out comes back as a tar stream on a
 * serial port of its own (COM3), unpacked here as it arrives.
 *
 * The stream is untrusted: the guest's command (or kernel) can write
 * anything to that port. So, whatever arrives:
 *  - only regular files and directories are made; symlinks, hard links,
 *    devices, FIFOs and unknown entry types are refused;
 *  - a name that is absolute, has a ".." component, is empty or too long
 *    is refused;
 *  - every path is walked from the directory fd of DIR one component at a
 *    time with O_NOFOLLOW|O_DIRECTORY, so a symlink already in DIR (or put
 *    there by someone else meanwhile) is never followed; a file is made
 *    with O_CREAT|O_EXCL|O_NOFOLLOW after removing whatever non-directory
 *    had its name, so nothing is opened but the new file;
 *  - the bytes written in all, the number of entries and the number of
 *    directories made on their paths are bounded; a file that does not fit
 *    is refused whole;
 *  - a bad header (checksum) ends the unpacking: the rest is discarded.
 * Refusals are told one line each (up to MAX_SAID, then counted). A file
 * cut short by the end of the stream is removed.
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

#define BLOCK		512
#define NAME_MAX_LEN	4096	/* a GNU long name longer than this is refused */
#define MAX_SAID	20	/* refusal lines; more are only counted */
#define MAX_ENTRIES	100000

enum state {
	ST_HEADER,	/* collecting a 512-byte header */
	ST_LONGNAME,	/* collecting a GNU long name ('L') */
	ST_DATA,	/* file data to write */
	ST_SKIP,	/* data to discard (refused entry) */
	ST_PAD,		/* padding up to the next block */
	ST_END,		/* end of archive, or given up: discard the rest */
};

struct ktstr_vm_untar {
	int root;			/* DIR, O_DIRECTORY */
	uint64_t max_bytes, used;
	enum state st;
	unsigned char blk[BLOCK];
	size_t have;			/* bytes in blk */
	uint64_t left;			/* of the current data / skip / pad */
	uint64_t pad;			/* padding after the current data */
	char *longname;			/* pending GNU long name, for the next entry */
	size_t ln_len, ln_cap;
	int fd, parent;			/* the file being written, and its dir */
	char *cur;			/* its name (for messages and removal) */
	char *leaf;			/* its last component */
	bool complete;			/* the end-of-archive block was seen */
	bool broken;			/* gave up on a bad header */
	bool got_data;
	unsigned long files, dirs, refused, entries;
	unsigned long made;		/* directories made by walk(), bounded too */
	unsigned long said;
};

/* Printable copy of a guest-given name, for one message line. */
static void clean_name(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s && o + 4 < size; s++)
		out[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s)
		out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = '\0';
}

static void refuse(struct ktstr_vm_untar *u, const char *name, const char *why)
{
	char clean[160];

	u->refused++;
	if (u->said++ >= MAX_SAID)
		return;
	clean_name(name, clean, sizeof(clean));
	ktstr_print("ktstr vm: --outdir: refused '%s': %s\n", clean, why);
}

struct ktstr_vm_untar *ktstr_vm_untar_new(int dirfd, uint64_t max_bytes)
{
	struct ktstr_vm_untar *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->root = dirfd;
	u->max_bytes = max_bytes;
	u->fd = u->parent = -1;
	return u;
}

static uint64_t octal(const unsigned char *p, size_t n, bool *ok)
{
	uint64_t v = 0;
	size_t i = 0;

	*ok = true;
	if (n && (p[0] & 0x80)) {	/* GNU base-256: only for huge values */
		*ok = false;
		return 0;
	}
	while (i < n && p[i] == ' ')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60) {
			*ok = false;
			return 0;
		}
		v = v * 8 + (p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			*ok = false;
	return v;
}

static bool checksum_ok(const unsigned char *b)
{
	uint64_t want, sum = 0;
	bool ok;

	want = octal(b + 148, 8, &ok);
	if (!ok)
		return false;
	for (int i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : b[i];
	return sum == want;
}

static bool all_zero(const unsigned char *b)
{
	for (int i = 0; i < BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * Check @name and make it relative: "./" and "." components dropped.
 * Returns a malloc'd clean path ("" for the top, DIR itself), or NULL
 * with *why set.
 */
static char *clean_path(const char *name, const char **why)
{
	size_t n = strlen(name);
	char *out, *o;
	const char *p = name;

	if (!n) {
		*why = "empty name";
		return NULL;
	}
	if (n >= NAME_MAX_LEN) {
		*why = "name too long";
		return NULL;
	}
	if (name[0] == '/') {
		*why = "absolute path";
		return NULL;
	}
	out = malloc(n + 1);
	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	o = out;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			*why = "'..' in the path";
			return NULL;
		}
		if (len > 255) {
			free(out);
			*why = "a path component too long";
			return NULL;
		}
		if (len && !(len == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	*o = '\0';
	return out;
}

/*
 * Open (making them when @make) the directories of @path under the root,
 * never following a symlink: returns the fd of the last directory before
 * the leaf, *leaf pointing into @path; -1 with *why set.
 */
static int walk(struct ktstr_vm_untar *u, char *path, bool make, char **leaf,
		const char **why)
{
	int dfd = dup(u->root);
	char *p = path, *slash;

	if (dfd < 0) {
		*why = strerror(errno);
		return -1;
	}
	while ((slash = strchr(p, '/'))) {
		int nfd;

		*slash = '\0';
		if (make && u->made >= MAX_ENTRIES) {
			*why = "too many directories made";
			goto fail;
		}
		if (make && !mkdirat(dfd, p, 0755))
			u->made++;
		else if (make && errno != EEXIST) {
			*why = strerror(errno);
			goto fail;
		}
		nfd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			*why = errno == ELOOP || errno == ENOTDIR ?
			       "a directory on its path is a symlink or not a directory" :
			       strerror(errno);
			goto fail;
		}
		*slash = '/';
		close(dfd);
		dfd = nfd;
		p = slash + 1;
	}
	*leaf = p;
	return dfd;
fail:
	*slash = '/';
	close(dfd);
	return -1;
}

static void make_dir(struct ktstr_vm_untar *u, char *path)
{
	const char *why = NULL;
	char *leaf;
	int dfd, fd;

	if (!*path)
		return;		/* DIR itself */
	dfd = walk(u, path, true, &leaf, &why);
	if (dfd < 0) {
		refuse(u, path, why);
		return;
	}
	if (mkdirat(dfd, leaf, 0755) && errno != EEXIST) {
		refuse(u, path, strerror(errno));
	} else {
		fd = openat(dfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			refuse(u, path, "a symlink or a file has its name in DIR");
		else
			u->dirs++, close(fd);
	}
	close(dfd);
}

/* Start writing a file; false (refused, said) to skip its data. */
static bool open_file(struct ktstr_vm_untar *u, char *path, uint64_t size, unsigned int mode)
{
	const char *why = NULL;
	struct stat st;
	char *leaf;
	int dfd;

	if (!*path) {
		refuse(u, ".", "a file in place of DIR");
		return false;
	}
	if (size > u->max_bytes - u->used) {
		char msg[128];

		if (u->max_bytes & ((1 << 20) - 1))
			snprintf(msg, sizeof(msg), "%llu bytes would pass the bound (%llu bytes)",
				 (unsigned long long)size, (unsigned long long)u->max_bytes);
		else
			snprintf(msg, sizeof(msg), "%llu bytes would pass the --outdir-max bound (%llu MB)",
				 (unsigned long long)size,
				 (unsigned long long)(u->max_bytes >> 20));
		refuse(u, path, msg);
		return false;
	}
	dfd = walk(u, path, true, &leaf, &why);
	if (dfd < 0) {
		refuse(u, path, why);
		return false;
	}
	/* Whatever non-directory has the name goes (a symlink is not followed). */
	if (!fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISDIR(st.st_mode)) {
			close(dfd);
			refuse(u, path, "a directory has its name in DIR");
			return false;
		}
		if (unlinkat(dfd, leaf, 0) && errno != ENOENT) {
			why = strerror(errno);
			close(dfd);
			refuse(u, path, why);
			return false;
		}
	}
	u->fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       (mode & 0755) | 0600);
	if (u->fd < 0) {
		why = strerror(errno);
		close(dfd);
		refuse(u, path, why);
		return false;
	}
	u->parent = dfd;
	u->cur = path;
	u->leaf = leaf;
	u->used += size;
	return true;
}

static void close_file(struct ktstr_vm_untar *u, bool remove)
{
	if (u->fd >= 0) {
		if (close(u->fd) && !remove) {
			refuse(u, u->cur, strerror(errno));
			remove = true;
		}
		if (remove)
			unlinkat(u->parent, u->leaf, 0);
		else
			u->files++;
	}
	if (u->parent >= 0)
		close(u->parent);
	free(u->cur);
	u->fd = u->parent = -1;
	u->cur = u->leaf = NULL;
}

/* After a header or long name: the data (if any), then padding. */
static void data_then_pad(struct ktstr_vm_untar *u, enum state st, uint64_t size)
{
	u->left = size;
	u->pad = (BLOCK - size % BLOCK) % BLOCK;
	u->st = size ? st : ST_PAD;
	if (!size)
		u->left = u->pad;
	if (u->st == ST_PAD && !u->left)
		u->st = ST_HEADER;
}

/* A GNU long-name header: the next @size bytes are the next entry's name. */
static void long_name_header(struct ktstr_vm_untar *u, uint64_t size)
{
	free(u->longname);
	u->longname = NULL;
	if (size >= NAME_MAX_LEN) {
		refuse(u, "(long name)", "name too long");
		data_then_pad(u, ST_SKIP, size);
		return;
	}
	u->longname = malloc(size + 1);
	u->ln_len = 0;
	u->ln_cap = size;
	data_then_pad(u, u->longname ? ST_LONGNAME : ST_SKIP, size);
	if (u->longname && !size)
		u->longname[0] = '\0';
}

/*
 * The entry's path, cleaned (malloc()ed), from the long name before it or
 * its header block @b; NULL (refused, said) when it is not acceptable.
 */
static char *entry_path(struct ktstr_vm_untar *u, const unsigned char *b)
{
	char name[256 + 2], *path;
	const char *why = NULL;

	if (u->longname) {
		u->longname[u->ln_len] = '\0';
		path = clean_path(u->longname, &why);
		if (!path)
			refuse(u, u->longname, why);
		free(u->longname);
		u->longname = NULL;
		return path;
	}
	/* ustar: prefix (155 bytes at 345) "/" name (100 bytes). */
	{
		int plen = (int)strnlen((const char *)b + 345, 155);

		if (plen)
			snprintf(name, sizeof(name), "%.*s/%.*s", plen, b + 345,
				 (int)strnlen((const char *)b, 100), b);
		else
			snprintf(name, sizeof(name), "%.*s", (int)strnlen((const char *)b, 100), b);
	}
	path = clean_path(name, &why);
	if (!path)
		refuse(u, name, why);
	return path;
}

static void entry(struct ktstr_vm_untar *u, char *path, char type, uint64_t size,
		  unsigned int mode);

static void header(struct ktstr_vm_untar *u)
{
	const unsigned char *b = u->blk;
	char *path;
	uint64_t size;
	unsigned int mode;
	bool ok, ok2;
	char type;

	if (all_zero(b)) {
		u->complete = true;
		u->st = ST_END;
		return;
	}
	if (!checksum_ok(b) || (memcmp(b + 257, "ustar", 5))) {
		refuse(u, "(archive)", "bad tar header; the rest of the stream is discarded");
		u->broken = true;
		u->st = ST_END;
		return;
	}
	size = octal(b + 124, 12, &ok);
	mode = (unsigned int)octal(b + 100, 8, &ok2);
	type = b[156];
	if (!ok || !ok2) {
		refuse(u, "(archive)", "bad size or mode; the rest of the stream is discarded");
		u->broken = true;
		u->st = ST_END;
		return;
	}
	if (type == 'L') {
		long_name_header(u, size);
		return;
	}
	if (type == 'x' || type == 'g' || type == 'K') {
		/* pax or GNU link-name metadata: not used, skipped. */
		data_then_pad(u, ST_SKIP, size);
		return;
	}
	path = entry_path(u, b);
	if (++u->entries > MAX_ENTRIES) {
		if (path)
			refuse(u, path, "too many entries; the rest of the stream is discarded");
		free(path);
		u->st = ST_END;
		return;
	}
	/* Links, devices and FIFOs carry no data. */
	if (type >= '1' && type <= '6' && type != '5')
		size = 0;
	if (!path) {
		data_then_pad(u, ST_SKIP, type == '5' ? 0 : size);
		return;
	}
	entry(u, path, type, size, mode);
}

/*
 * One entry of @type at @path (malloc()ed: an open file's keeps it, else
 * freed here): a file or a directory is made, anything else refused; its
 * data is kept or skipped.
 */
static void entry(struct ktstr_vm_untar *u, char *path, char type, uint64_t size,
		  unsigned int mode)
{
	switch (type) {
	case '0': case '\0': case '7':
		if (open_file(u, path, size, mode)) {
			data_then_pad(u, ST_DATA, size);
			if (u->st != ST_DATA)
				close_file(u, false);	/* empty file: done */
			return;
		}
		break;
	case '5':
		make_dir(u, path);
		size = 0;
		break;
	case '1':
		refuse(u, path, "a hard link");
		break;
	case '2':
		refuse(u, path, "a symbolic link");
		break;
	case '3': case '4':
		refuse(u, path, "a device");
		break;
	case '6':
		refuse(u, path, "a FIFO");
		break;
	default:
		refuse(u, path, "an entry type that is not a file or a directory");
		break;
	}
	free(path);
	data_then_pad(u, ST_SKIP, size);
}

void ktstr_vm_untar_feed(struct ktstr_vm_untar *u, const char *buf, size_t len)
{
	if (len)
		u->got_data = true;
	while (len) {
		size_t n;

		switch (u->st) {
		case ST_HEADER:
			n = BLOCK - u->have < len ? BLOCK - u->have : len;
			memcpy(u->blk + u->have, buf, n);
			u->have += n;
			if (u->have == BLOCK) {
				u->have = 0;
				header(u);
			}
			break;
		case ST_END:
			return;		/* the rest is discarded */
		default:
			n = u->left < len ? u->left : len;
			if (u->st == ST_LONGNAME) {
				memcpy(u->longname + u->ln_len, buf, n);
				u->ln_len += n;
			} else if (u->st == ST_DATA && u->fd >= 0) {
				const char *p = buf;
				size_t w = n;

				while (w) {
					ssize_t r = write(u->fd, p, w);

					if (r < 0 && errno == EINTR)
						continue;
					if (r <= 0) {
						refuse(u, u->cur, r < 0 ? strerror(errno) : "short write");
						close_file(u, true);
						break;
					}
					p += r;
					w -= r;
				}
			}
			u->left -= n;
			if (!u->left) {
				if (u->st == ST_DATA)
					close_file(u, false);
				if (u->st == ST_PAD) {
					u->st = ST_HEADER;
				} else {
					u->left = u->pad;
					u->st = u->pad ? ST_PAD : ST_HEADER;
				}
			}
			break;
		}
		buf += n;
		len -= n;
	}
}

int ktstr_vm_untar_finish(struct ktstr_vm_untar *u, struct ktstr_vm_untar_stats *stats)
{
	if (u->fd >= 0) {
		refuse(u, u->cur, "cut short by the end of the stream: removed");
		close_file(u, true);
	}
	if (u->said > MAX_SAID)
		ktstr_print("ktstr vm: --outdir: ... %lu more refused\n", u->said - MAX_SAID);
	if (stats) {
		stats->files = u->files;
		stats->dirs = u->dirs;
		stats->bytes = u->used;
		stats->refused = u->refused;
		stats->complete = u->complete;
		stats->got_data = u->got_data;
	}
	return u->refused || (u->got_data && !u->complete) ? -1 : 0;
}

void ktstr_vm_untar_free(struct ktstr_vm_untar *u)
{
	if (!u)
		return;
	close_file(u, true);
	free(u->longname);
	free(u);
}

int ktstr_vm_outdir_open(const char *dir)
{
	int fd;

	if (!*dir) {
		ktstr_print("ktstr vm: bad --outdir '' (empty)\n");
		return -1;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		ktstr_print("ktstr vm: bad --outdir '%s' (cannot create it: %s)\n", dir,
			strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		struct stat st;

		ktstr_print("ktstr vm: bad --outdir '%s' (%s)\n", dir,
			err == ELOOP || (!lstat(dir, &st) && S_ISLNK(st.st_mode)) ?
			"a symbolic link (not followed)" :
			err == ENOTDIR ? "not a directory" : strerror(err));
		return -1;
	}
	return fd;
}
