// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for ktstr vm --outdir's unpacker (vm_outdir.c), on archives
 * made here block by block: a good one fed a byte at a time, one cut short,
 * a bad checksum, a GNU long name, a FIFO and a symlink already at a
 * file's name in DIR, the size bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktstr/vm.h>

static char base[64];

/* An archive being built in memory. */
struct ar {
	char *buf;
	size_t len;
};

static void put(struct ar *a, const void *p, size_t n)
{
	a->buf = realloc(a->buf, a->len + n);
	assert_non_null(a->buf);
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

/* One ustar header (and @size bytes of @data, padded) of @type. */
static void entry(struct ar *a, const char *name, char type, const char *data, size_t size)
{
	unsigned char h[512] = { 0 };
	unsigned int sum = 0;
	char pad[512] = { 0 };

	strncpy((char *)h, name, 100);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 124, 12, "%011o", (unsigned int)size);
	h[156] = type;
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	put(a, h, sizeof(h));
	if (size) {
		put(a, data, size);
		put(a, pad, (512 - size % 512) % 512);
	}
}

static void end(struct ar *a)
{
	char z[1024] = { 0 };

	put(a, z, sizeof(z));
}

/* A fresh DIR under base; its fd. */
static int fresh(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	fd = ktstr_vm_outdir_open(path);
	assert_true(fd >= 0);
	return fd;
}

static char *slurp(int dir, const char *name)
{
	static char buf[256];
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int unpack(int dir, const struct ar *a, size_t len, size_t chunk, uint64_t max,
		  struct ktstr_vm_untar_stats *st)
{
	struct ktstr_vm_untar *u = ktstr_vm_untar_new(dir, max);
	int ret;

	assert_non_null(u);
	for (size_t off = 0; off < len; off += chunk)
		ktstr_vm_untar_feed(u, a->buf + off, len - off < chunk ? len - off : chunk);
	ret = ktstr_vm_untar_finish(u, st);
	ktstr_vm_untar_free(u);
	return ret;
}

static void test_good_bytewise(void **state)
{
	struct ktstr_vm_untar_stats st;
	struct ar a = { 0 };
	int dir = fresh("good");

	(void)state;
	entry(&a, "./", '5', NULL, 0);
	entry(&a, "./sub/", '5', NULL, 0);
	entry(&a, "./sub/f.json", '0', "{}\n", 3);
	entry(&a, "./empty", '0', NULL, 0);
	entry(&a, "top", '0', "hello", 5);
	end(&a);
	assert_int_equal(unpack(dir, &a, a.len, 1, 1 << 20, &st), 0);
	assert_true(st.complete);
	assert_int_equal(st.files, 3);
	assert_int_equal(st.refused, 0);
	assert_string_equal(slurp(dir, "sub/f.json"), "{}\n");
	assert_string_equal(slurp(dir, "top"), "hello");
	assert_string_equal(slurp(dir, "empty"), "");
	free(a.buf);
	close(dir);
}

static void test_cut_short(void **state)
{
	struct ktstr_vm_untar_stats st;
	struct ar a = { 0 };
	char data[2000];
	int dir = fresh("cut");

	(void)state;
	memset(data, 'x', sizeof(data));
	entry(&a, "whole", '0', "w", 1);
	entry(&a, "part", '0', data, sizeof(data));
	/* The stream stops in the middle of part's data. */
	assert_int_equal(unpack(dir, &a, 1024 + 512 + 700, 100, 1 << 20, &st), -1);
	assert_false(st.complete);
	assert_string_equal(slurp(dir, "whole"), "w");
	assert_null(slurp(dir, "part"));
	free(a.buf);
	close(dir);
}

static void test_bad_checksum(void **state)
{
	struct ktstr_vm_untar_stats st;
	struct ar a = { 0 };
	int dir = fresh("sum");

	(void)state;
	entry(&a, "first", '0', "1", 1);
	entry(&a, "second", '0', "2", 1);
	entry(&a, "third", '0', "3", 1);
	end(&a);
	a.buf[1024 + 10] ^= 1;	/* second's header */
	assert_int_equal(unpack(dir, &a, a.len, 4096, 1 << 20, &st), -1);
	assert_string_equal(slurp(dir, "first"), "1");
	assert_null(slurp(dir, "second"));
	assert_null(slurp(dir, "third"));	/* the rest is discarded */
	free(a.buf);
	close(dir);
}

static void test_long_name(void **state)
{
	struct ktstr_vm_untar_stats st;
	char name[300], path[300];
	struct ar a = { 0 };
	int dir = fresh("long");

	(void)state;
	memset(name, 'n', 200);
	strcpy(name + 200, "/leaf");
	entry(&a, "././@LongLink", 'L', name, strlen(name) + 1);
	entry(&a, "truncated-name", '0', "L", 1);
	/* A long name with '..' in it is refused like a short one. */
	entry(&a, "././@LongLink", 'L', "a/../../up", 11);
	entry(&a, "innocent", '0', "U", 1);
	end(&a);
	assert_int_equal(unpack(dir, &a, a.len, 333, 1 << 20, &st), -1);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.files, 1);
	snprintf(path, sizeof(path), "%s", name);
	assert_string_equal(slurp(dir, path), "L");
	assert_null(slurp(dir, "truncated-name"));
	assert_null(slurp(dir, "innocent"));
	free(a.buf);
	close(dir);
}

/* A FIFO or a symlink at a file's name is replaced, never opened or followed. */
static void test_replaces_special(void **state)
{
	struct ktstr_vm_untar_stats st;
	char path[256], outside[256];
	struct ar a = { 0 };
	struct stat sb;
	int dir = fresh("special");

	(void)state;
	snprintf(outside, sizeof(outside), "%s/outside", base);
	assert_int_equal(mkfifoat(dir, "fifo", 0644), 0);
	assert_int_equal(symlinkat(outside, dir, "link"), 0);
	entry(&a, "fifo", '0', "f", 1);
	entry(&a, "link", '0', "l", 1);
	end(&a);
	assert_int_equal(unpack(dir, &a, a.len, 512, 1 << 20, &st), 0);
	assert_int_equal(fstatat(dir, "fifo", &sb, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(fstatat(dir, "link", &sb, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_string_equal(slurp(dir, "link"), "l");
	snprintf(path, sizeof(path), "%s", outside);
	assert_int_equal(access(path, F_OK), -1);
	free(a.buf);
	close(dir);
}

static void test_bound(void **state)
{
	struct ktstr_vm_untar_stats st;
	char data[3000];
	struct ar a = { 0 };
	int dir = fresh("bound");

	(void)state;
	memset(data, 'b', sizeof(data));
	entry(&a, "a", '0', data, 2000);
	entry(&a, "b", '0', data, 3000);	/* 2000 + 3000 > 4096 */
	entry(&a, "c", '0', data, 2000);	/* 4000: fits */
	entry(&a, "d", '0', data, 97);		/* 4097: does not */
	end(&a);
	assert_int_equal(unpack(dir, &a, a.len, 700, 4096, &st), -1);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.bytes, 4000);
	assert_non_null(slurp(dir, "a"));
	assert_null(slurp(dir, "b"));
	assert_non_null(slurp(dir, "c"));
	assert_null(slurp(dir, "d"));
	free(a.buf);
	close(dir);
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/ktstr-test-outdir.XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_bytewise),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_replaces_special),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
