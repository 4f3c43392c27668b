// SPDX-License-Identifier: GPL-2.0
/*
 * Which shared objects an executable needs, so the initramfs can carry them
 * at the same absolute paths as on the host: then the guest's dynamic
 * loader finds them through its built-in search path, without ld.so.cache.
 *
 * ldd does the real resolution (DT_NEEDED, RUNPATH, ld.so.cache,
 * recursively), which is much more than is worth re-implementing. We only
 * look at the ELF program headers first, to call ldd just for dynamically
 * linked files: ldd on a static binary or a script is an error.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktstr/vm.h"
#include "util/ktstr_error.h"

/* 1 if @fd is an ELF with a PT_INTERP (dynamically linked), 0 if not. */
static int elf_is_dynamic(int fd)
{
	Elf64_Ehdr eh;
	int dyn = 0;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		goto out;	/* not a 64-bit ELF: nothing to resolve */
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP) {
			dyn = 1;
			break;
		}
	}
out:
	return dyn;
}

static int add(char ***libs, size_t *nr, const char *p, size_t len)
{
	char **n = realloc(*libs, (*nr + 1) * sizeof(*n));

	if (!n || !(n[*nr] = strndup(p, len))) {
		if (n)
			*libs = n;
		ktstr_print("ktstr vm: out of memory\n");
		return -1;
	}
	*libs = n;
	(*nr)++;
	return 0;
}

/*
 * One line of ldd output is one of:
 *	linux-vdso.so.1 (0x...)				no file: skipped
 *	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)
 *	/lib64/ld-linux-x86-64.so.2 (0x...)		the loader
 *	libfoo.so.1 => not found			an error
 */
static int parse_line(const char *path, char *line, char ***libs, size_t *nr)
{
	char *p = strstr(line, "=> "), *end;

	if (p)
		p += 3;
	else
		p = line + strspn(line, " \t");
	if (!strncmp(p, "not found", 9)) {
		line[strcspn(line, "\n")] = '\0';
		ktstr_print("ktstr vm: %s needs a library that is not found:%s\n",
			path, line);
		return -1;
	}
	if (*p != '/')
		return 0;
	end = p + strcspn(p, " \t\n");
	return add(libs, nr, p, end - p);
}

int ktstr_vm_libs(const char *path, char ***libs, size_t *nr)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), err;

	*libs = NULL;
	*nr = 0;
	if (fd < 0) {
		ktstr_print("ktstr vm: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	err = ktstr_vm_libs_fd(fd, path, libs, nr);
	close(fd);
	return err;
}

int ktstr_vm_libs_fd(int fd, const char *path, char ***libs, size_t *nr)
{
	char *line = NULL;
	size_t cap = 0;
	int pfd[2], status, dyn, err = 0;
	FILE *f;
	pid_t pid;

	*libs = NULL;
	*nr = 0;
	dyn = elf_is_dynamic(fd);
	if (dyn <= 0)
		return dyn;
	if (pipe2(pfd, O_CLOEXEC)) {
		ktstr_print("ktstr vm: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		ktstr_print("ktstr vm: fork: %s\n", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		char self[64];
		sigset_t none;
		/* ldd reads the file we hold open, whatever the path names now. */
		int keep = dup(fd);

		/* Our caller may block SIGINT/SIGTERM; ldd should not inherit that. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(pfd[1], STDOUT_FILENO);
		snprintf(self, sizeof(self), "/proc/self/fd/%d", keep);
		execlp("ldd", "ldd", "--", self, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f) {
		close(pfd[0]);
		err = -1;
	}
	while (f && getline(&line, &cap, f) > 0)
		if (!err && parse_line(path, line, libs, nr))
			err = -1;	/* keep reading so ldd does not block */
	free(line);
	if (f)
		fclose(f);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		ktstr_print("ktstr vm: ldd %s failed%s\n", path,
			WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			" (is ldd installed?)" : "");
		err = -1;
	}
	if (err) {
		ktstr_vm_libs_free(*libs, *nr);
		*libs = NULL;
		*nr = 0;
	}
	return err;
}

void ktstr_vm_libs_free(char **libs, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(libs[i]);
	free(libs);
}
