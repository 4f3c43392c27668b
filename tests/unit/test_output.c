// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the one writer of output files (ktstr/output.h). */
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

#include <ktstr/output.h>

static char dir[64];

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int entries(void)
{
	char cmd[128];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static int fill_hello(FILE *fp, void *arg)
{
	(void)arg;
	return fputs("hello\n", fp) == EOF ? -EIO : 0;
}

static int fill_fail(FILE *fp, void *arg)
{
	(void)arg;
	fputs("half", fp);
	return -ENOSPC;
}

static void test_replaces_atomically(void **state)
{
	char path[128], buf[64];
	struct stat st;
	mode_t old;

	(void)state;
	path_of(path, sizeof(path), "out.txt");
	old = umask(027);
	assert_int_equal(ktstr_output_write(path, fill_hello, NULL), 0);
	umask(old);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "hello\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* A failing writer leaves the old file and no temp file. */
	assert_int_equal(ktstr_output_write(path, fill_fail, NULL), -ENOSPC);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "hello\n");
	assert_int_equal(entries(), 1);
	unlink(path);
}

static void test_refuses_symlink(void **state)
{
	char path[128], victim[128], buf[64];
	FILE *f;

	(void)state;
	path_of(victim, sizeof(victim), "victim");
	path_of(path, sizeof(path), "link.json");
	f = fopen(victim, "w");
	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(ktstr_output_write(path, fill_hello, NULL), -ELOOP);
	read_file(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious");
	assert_int_equal(entries(), 2);	/* no temp file left */
	unlink(path);
	unlink(victim);
}

static void test_refuses_special(void **state)
{
	char path[128];

	(void)state;
	/* A FIFO at the name is refused, not opened (which would block). */
	path_of(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ktstr_output_write(path, fill_hello, NULL), -EEXIST);
	unlink(path);
	assert_int_equal(ktstr_output_write(dir, fill_hello, NULL), -EISDIR);
	path_of(path, sizeof(path), "missing/out");
	assert_int_equal(ktstr_output_write(path, fill_hello, NULL), -ENOENT);
	assert_int_equal(ktstr_output_write("", fill_hello, NULL), -EINVAL);
	assert_int_equal(ktstr_output_write(NULL, fill_hello, NULL), -EINVAL);
	assert_int_equal(entries(), 0);
}

static void test_json_and_stdout(void **state)
{
	char path[128], buf[64];
	json_t *doc = json_pack("{s:i}", "a", 1);
	int fd, saved;

	(void)state;
	path_of(path, sizeof(path), "doc.json");
	assert_int_equal(ktstr_output_json(path, doc), 0);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "{\n  \"a\": 1\n}\n");
	/* "-" is standard output. */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	assert_int_equal(ktstr_output_json("-", doc), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "{\n  \"a\": 1\n}\n");
	unlink(path);
	json_decref(doc);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ktstr-unit.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaces_atomically),
		cmocka_unit_test(test_refuses_symlink),
		cmocka_unit_test(test_refuses_special),
		cmocka_unit_test(test_json_and_stdout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
