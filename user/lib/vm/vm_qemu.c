// SPDX-License-Identifier: GPL-2.0
/*
 * Run QEMU for one ktstr vm invocation:
 *  - COM1 (the console) is QEMU's stdout, a pipe we forward to our stdout as
 *    it arrives and scan for kernel panics and oopses;
 *  - COM2 is a file in the temp dir where the guest's /init writes
 *    "KTSTR-RESULT ..." (and "KTSTR-DMESG ..." lines), read after QEMU exits;
 *  - COM3, with --outdir, is a pipe (QEMU's fd 3) carrying the guest's
 *    out/ as a tar stream, unpacked as it arrives (vm_outdir.c);
 *  - QEMU's stdin is /dev/null, or with --shell a pipe we feed from our
 *    stdin once the guest's shell is there (our terminal in raw mode,
 *    Ctrl-A x to quit; a piped stdin's end becomes a Ctrl-D);
 *  - QEMU's stderr is a pipe, copied to a file (its first error line is
 *    quoted when QEMU fails) and watched for "KVM internal error" (so is
 *    the console until the guest's init runs), after which QEMU never runs
 *    the guest again: it is killed at once.
 * Under KVM with q->fallback, QEMU failing before the guest's /init wrote
 * its marker on COM2 is handed back to the caller (kvm_failed) to retry
 * with TCG, not reported.
 * QEMU gets its own process group and dies with us (PR_SET_PDEATHSIG), so a
 * Ctrl-C reaches only us and we decide how it ends; on a timeout or a signal
 * we SIGKILL it and reap it before returning.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ktstr/clock.h>
#include "ktstr/vm.h"
#include "util/ktstr_error.h"

#define BASE_APPEND	"console=ttyS0 panic=-1 quiet loglevel=4 printk.time=1"
/*
 * Kernel lines only (they carry the printk timestamp, forced on above), so
 * that a command merely printing "BUG:" does not fail the run.
 */
#define CONSOLE_BAD	"\\[ *[0-9]+\\.[0-9]+\\].*(Kernel panic|BUG:|Oops|kernel BUG at)"
#define LINE_MAX_LEN	1024

struct scan {
	regex_t re;
	char line[LINE_MAX_LEN];
	size_t len;
	char *panic;		/* first "Kernel panic" line */
	char *oops;		/* first other bad line */
	char *kvm;		/* first "KVM internal error" line */
};

/* QEMU's stderr: copied to a file, watched for KVM's internal error. */
struct errs {
	int fd;			/* the copy, or -1 */
	char line[LINE_MAX_LEN];
	size_t len;
	char kvm[256];		/* its "KVM internal error" line, once seen */
};

#define KVM_ERROR	"KVM internal error"

static void copy_line(char *buf, size_t size, const char *line)
{
	size_t n = strnlen(line, size - 1);

	memcpy(buf, line, n);
	buf[n] = '\0';
}

static void errs_chunk(struct errs *e, const char *buf, size_t len)
{
	if (e->fd >= 0 && write(e->fd, buf, len) != (ssize_t)len) {
		close(e->fd);
		e->fd = -1;	/* disk full: the copy stops, the watch goes on */
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n' && e->len < LINE_MAX_LEN - 1) {
			e->line[e->len++] = buf[i];
			continue;
		}
		e->line[e->len] = '\0';
		e->len = 0;
		if (!e->kvm[0] && strstr(e->line, KVM_ERROR))
			copy_line(e->kvm, sizeof(e->kvm), e->line);
	}
}

static void scan_line(struct scan *s)
{
	s->line[s->len] = '\0';
	s->len = 0;
	if (!s->kvm && strstr(s->line, KVM_ERROR))
		s->kvm = strdup(s->line);
	if (regexec(&s->re, s->line, 0, NULL, 0))
		return;
	if (strstr(s->line, "Kernel panic")) {
		if (!s->panic)
			s->panic = strdup(s->line);
	} else if (!s->oops) {
		s->oops = strdup(s->line);
	}
}

static void write_out(const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* stdout gone (EPIPE): keep running, stop echoing */
		p += n;
		len -= n;
	}
}

/*
 * Forward console bytes, dropping the tty's '\r' (unless @raw: a shell on
 * our terminal, whose line editing needs them), and feed the scanner.
 */
static void console_chunk(struct scan *s, char *buf, size_t len, bool raw)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];

		if (ch == '\r' && !raw)
			continue;
		buf[o++] = ch;
		if (ch == '\r')
			continue;
		if (ch == '\n' || s->len == LINE_MAX_LEN - 1)
			scan_line(s);
		else
			s->line[s->len++] = ch;
	}
	write_out(buf, o);
}

/* QEMU option values are comma-separated: a literal ',' is written ",,". */
static char *qemu_escape(const char *prefix, const char *s)
{
	size_t n = strlen(prefix) + 2 * strlen(s) + 1;
	char *out = malloc(n), *p;

	if (!out)
		return NULL;
	p = stpcpy(out, prefix);
	for (; *s; s++) {
		*p++ = *s;
		if (*s == ',')
			*p++ = ',';
	}
	*p = '\0';
	return out;
}

static void kill_reap(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * QEMU's first error line in its stderr copy: the first line saying
 * "error", else the first non-blank one; "" if none. '\r' and '\n' stripped.
 */
static void error_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	char line[LINE_MAX_LEN];

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strcasestr(line, "error")) {
			copy_line(buf, size, line);
			break;
		}
		if (!*buf && line[strspn(line, " \t")])
			copy_line(buf, size, line);
	}
	fclose(f);
}

/* The one line naming the accelerator of this boot. */
static void say_accel(struct ktstr_vm_qemu *q)
{
	if (q->accel_said)
		return;
	ktstr_print("ktstr vm: accelerator %s (%s)\n", q->kvm ? "kvm" : "tcg",
		q->accel_why ? q->accel_why : "chosen by the caller");
	q->accel_said = true;
}

/* Did the guest's /init write @marker (a line of its own) on COM2? */
static bool com2_has(const char *com2, const char *marker)
{
	FILE *f = fopen(com2, "re");
	char line[LINE_MAX_LEN];
	bool ran = false;

	while (f && !ran && fgets(line, sizeof(line), f))
		ran = !strncmp(line, marker, strlen(marker));
	if (f)
		fclose(f);
	return ran;
}

static bool init_ran(const char *com2)
{
	return com2_has(com2, KTSTR_VM_INIT_MARKER);
}

/*
 * Read COM2. Returns 1 with *rc set for "rc=N", 2 for "error=module", 3 for
 * another guest-side error, 0 if there was no result line. *dirty is set if
 * the guest reported dmesg=dirty; the offending lines go to *dmesg.
 */
static int read_result(const char *path, int *rc, bool *dirty, char **dmesg,
		       size_t *dmesg_len, char *out, size_t out_size)
{
	FILE *f = fopen(path, "re"), *d = open_memstream(dmesg, dmesg_len);
	char *line = NULL;
	size_t cap = 0;
	int res = 0;

	*dirty = false;
	while (f && getline(&line, &cap, f) > 0) {
		char *p;

		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "KTSTR-DMESG ", 12)) {
			if (d)
				fprintf(d, "  %s\n", line + 12);
		} else if ((p = strstr(line, "KTSTR-RESULT "))) {
			p += 13;
			if (sscanf(p, "rc=%d", rc) == 1) {
				res = 1;
				*dirty = strstr(p, "dmesg=dirty") != NULL;
				/* --outdir: "out=sent", "out=none" or "out=fail". */
				if (out && (p = strstr(p, " out=")))
					snprintf(out, out_size, "%.*s", (int)strcspn(p + 5, " "),
						 p + 5);
			} else {
				res = strstr(p, "error=module") ? 2 : 3;
			}
		}
	}
	free(line);
	if (f)
		fclose(f);
	if (d)
		fclose(d);
	return res;
}

/*
 * Start QEMU with @in_fd as its stdin (-1: /dev/null), @out_fd and @err_fd
 * as stdout and stderr, and @chan_fd (-1: none) as fd 3, --outdir's port.
 */
static pid_t spawn(char *const *argv, int in_fd, int out_fd, int err_fd, int chan_fd)
{
	int epipe[2], child_errno = 0;
	pid_t parent = getpid(), pid;
	ssize_t n;

	/* The child reports a failed exec through this close-on-exec pipe. */
	if (pipe2(epipe, O_CLOEXEC)) {
		ktstr_print("ktstr vm: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		ktstr_print("ktstr vm: fork: %s\n", strerror(errno));
		close(epipe[0]);
		close(epipe[1]);
		return -1;
	}
	if (!pid) {
		int src[4] = { in_fd, out_fd, err_fd, chan_fd };
		sigset_t none;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);	/* we died before the prctl took hold */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (src[0] < 0)
			src[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		/* Out of the way of 0-3 first, so no dup2 clobbers a source. */
		for (int i = 0; i < 4; i++)
			if (src[i] >= 0 && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10)) < 0)
				goto fail;
		for (int i = 0; i < 4; i++)
			if (src[i] >= 0 && dup2(src[i], i) < 0)
				goto fail;
		execvp(argv[0], argv);
fail:
		child_errno = errno;
		if (write(epipe[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}
	close(epipe[1]);
	do
		n = read(epipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(epipe[0]);
	if (n > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		ktstr_print("ktstr vm: cannot run %s: %s%s\n", argv[0],
			strerror(child_errno),
			child_errno == ENOENT ? " (install qemu-system-x86: make deps)" : "");
		return -1;
	}
	return pid;
}

static struct timespec until(double deadline)
{
	double left = deadline - (ktstr_now_ns() / 1e9);
	struct timespec ts = { 0, 0 };

	if (left > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
	}
	return ts;
}

/* What flows besides the console: --outdir's port and --shell's stdin. */
struct io {
	int chan_fd;			/* --outdir's port (read end), or -1 */
	struct ktstr_vm_untar *untar;
	int in_fd;			/* our stdin (--shell), or -1 */
	int qin_fd;			/* QEMU's stdin (write end, non-blocking), or -1 */
	bool tty;			/* stdin is a terminal: Ctrl-A escapes, raw output */
	bool esc;			/* the last key was Ctrl-A */
	char last;			/* the last byte forwarded */
	char buf[4096];
	size_t len, off;		/* bytes waiting for QEMU's stdin */
};

#define CTRL_A	0x01
#define CTRL_D	0x04

/*
 * Keys read from the terminal: Ctrl-A x quits (returns true), Ctrl-A
 * Ctrl-A sends one Ctrl-A, Ctrl-A and another key send both.
 */
static bool keys(struct io *io, const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];

		if (io->esc) {
			io->esc = false;
			if (ch == 'x' || ch == 'X')
				return true;
			if (ch != CTRL_A)
				io->buf[io->len++] = CTRL_A;
		} else if (ch == CTRL_A) {
			io->esc = true;
			continue;
		}
		io->buf[io->len++] = ch;
	}
	return false;
}

/* Our stdin: returns true for Ctrl-A x. */
static bool stdin_ready(struct io *io)
{
	char in[sizeof(io->buf) / 2];
	ssize_t n = read(io->in_fd, in, sizeof(in));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	io->len = io->off = 0;
	if (n <= 0) {
		/*
		 * End of input: the guest's non-interactive shell reads its
		 * tty in canonical mode, where Ctrl-D at the start of a line
		 * is end of file.
		 */
		if (io->last && io->last != '\n')
			io->buf[io->len++] = '\n';
		io->buf[io->len++] = CTRL_D;
		io->in_fd = -1;
		return false;
	}
	if (io->tty)
		return keys(io, in, n);
	memcpy(io->buf, in, n);
	io->len = n;
	io->last = in[n - 1];
	return false;
}

static void qemu_stdin_ready(struct io *io)
{
	ssize_t n = write(io->qin_fd, io->buf + io->off, io->len - io->off);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* QEMU is gone: nothing more to forward. */
		io->len = io->off = 0;
		io->in_fd = -1;
		return;
	}
	io->off += n;
	if (io->off == io->len)
		io->len = io->off = 0;
}

/*
 * Wait for QEMU, forwarding the console and copying its stderr (and
 * unpacking --outdir's port) until all reach EOF, then until QEMU has
 * exited (*status set); say the accelerator once the guest's init has run;
 * with --shell, forward our stdin once the guest's shell is there.
 * Returns 0 when it exited, 1 on timeout, 2 on a stop signal, 3 when it
 * said "KVM internal error", 4 on Ctrl-A x; in the last four cases QEMU is
 * still running.
 */
static int wait_qemu(struct ktstr_vm_qemu *q, pid_t pid, int out_fd, int err_fd,
		     const char *com2, struct scan *s, struct errs *e, struct io *io,
		     int *status)
{
	double deadline = (ktstr_now_ns() / 1e9) + q->opts->timeout_s;
	int fds[3] = { out_fd, err_fd, io->chan_fd };
	char buf[8192];

	for (;;) {
		struct pollfd pfd[5];
		struct timespec ts = until(deadline);
		nfds_t n = 0, nr_out;
		int r;

		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0)
				pfd[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		nr_out = n;
		/* On the console it counts only before the guest's init runs. */
		if (!e->kvm[0] && s->kvm && !q->init_ran)
			copy_line(e->kvm, sizeof(e->kvm), s->kvm);
		if (e->kvm[0])
			return 3;
		/* Until the guest's init runs, look for its marker now and then. */
		if (!q->init_ran && (q->init_ran = init_ran(com2)))
			say_accel(q);
		/* So too for the shell's, with --shell. */
		if (q->opts->shell && q->init_ran && !q->shell_ready)
			q->shell_ready = com2_has(com2, KTSTR_VM_SHELL_MARKER);
		if ((!q->init_ran || (q->opts->shell && !q->shell_ready)) &&
		    ts.tv_sec * 1000000000L + ts.tv_nsec > 50000000L)
			ts = (struct timespec){ 0, 50000000L };
		if (!n && waitpid(pid, status, WNOHANG) == pid)
			return 0;
		if (*q->stop_sig)
			return 2;
		if (!ts.tv_sec && !ts.tv_nsec)
			return 1;
		/* After EOF, QEMU should be gone in moments: poll its exit. */
		if (!n && ts.tv_sec * 1000000000L + ts.tv_nsec > 20000000L)
			ts = (struct timespec){ 0, 20000000L };
		/* Keys go to QEMU only while it still runs (some output open). */
		if (n && io->qin_fd >= 0 && io->len)
			pfd[n++] = (struct pollfd){ .fd = io->qin_fd, .events = POLLOUT };
		else if (n && io->in_fd >= 0 && q->shell_ready && !io->len)
			pfd[n++] = (struct pollfd){ .fd = io->in_fd, .events = POLLIN };
		/* Signals are blocked except inside ppoll: no lost wakeups. */
		r = ppoll(n ? pfd : NULL, n, &ts, q->wait_mask);
		if (r < 0 && errno != EINTR)
			return 1;
		for (nfds_t i = 0; r > 0 && i < n; i++) {
			ssize_t len;

			if (!pfd[i].revents)
				continue;
			if (i >= nr_out) {
				if (pfd[i].fd == io->qin_fd)
					qemu_stdin_ready(io);
				else if (stdin_ready(io))
					return 4;
				continue;
			}
			len = read(pfd[i].fd, buf, sizeof(buf));
			if (len < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (len <= 0)
				fds[pfd[i].fd == out_fd ? 0 : pfd[i].fd == err_fd ? 1 : 2] = -1;
			else if (pfd[i].fd == out_fd)
				console_chunk(s, buf, len, io->tty);
			else if (pfd[i].fd == err_fd)
				errs_chunk(e, buf, len);
			else if (io->untar)
				ktstr_vm_untar_feed(io->untar, buf, len);
		}
	}
}

/*
 * Under KVM with a fallback: did it fail before the guest's init ran? Then
 * say what failed in q->why (QEMU's first error line with it) for the
 * caller, instead of reporting it.
 */
static bool kvm_failed_early(struct ktstr_vm_qemu *q, int how, int status,
			     const struct scan *s, const struct errs *e, const char *errf)
{
	char line[400];

	if (!q->kvm || !q->fallback || q->init_ran || how == 1 || how == 2)
		return false;
	error_line(errf, line, sizeof(line));
	if (how == 3)
		snprintf(q->why, sizeof(q->why), "QEMU: %s", e->kvm);
	else if (WIFSIGNALED(status))
		snprintf(q->why, sizeof(q->why), "qemu killed by signal %d%s%s",
			 WTERMSIG(status), *line ? ": " : "", line);
	else if (WEXITSTATUS(status))
		snprintf(q->why, sizeof(q->why), "qemu failed (exit %d)%s%s",
			 WEXITSTATUS(status), *line ? ": " : "", line);
	else if (s->panic || s->oops)
		snprintf(q->why, sizeof(q->why), "kernel %s: %.300s",
			 s->panic ? "panic" : "oops", s->panic ? s->panic : s->oops);
	else
		snprintf(q->why, sizeof(q->why), "qemu exited before the guest's init ran");
	q->kvm_failed = true;
	return true;
}

/*
 * QEMU's command line (calloc()ed, NULL-terminated; the strings are the
 * caller's), or NULL when out of memory.
 */
static const char **qemu_argv(const struct ktstr_vm_qemu *q, char *smp, char *mem,
			      char **topo_args, size_t nr_topo, char *append,
			      char *com2_opt)
{
	const struct ktstr_vm_opts *o = q->opts;
	const char **argv = calloc(40 + nr_topo, sizeof(*argv));
	int argc = 0;

	if (!argv)
		return NULL;
	argv[argc++] = ktstr_vm_qemu_binary();
	argv[argc++] = "-accel";
	/*
	 * Multi-threaded TCG was seen to run a stale int3 of the kernel's
	 * live code patching (static keys, e.g. attaching tracepoints) after
	 * text_poke_bp() had finished, an "Oops: int3" in the guest. One TCG
	 * thread keeps cross-CPU code modification coherent.
	 */
	argv[argc++] = q->kvm ? "kvm" : "tcg,thread=single";
	if (q->kvm) {
		argv[argc++] = "-cpu";
		argv[argc++] = "host";
	}
	if (topo_args) {
		for (size_t i = 0; i < nr_topo; i++)
			argv[argc++] = topo_args[i];
	} else {
		argv[argc++] = "-smp";
		argv[argc++] = smp;
	}
	argv[argc++] = "-m";
	argv[argc++] = mem;
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-no-reboot";
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-kernel";
	argv[argc++] = q->kernel;
	argv[argc++] = "-initrd";
	argv[argc++] = q->initrd;
	argv[argc++] = "-append";
	argv[argc++] = append;
	argv[argc++] = "-serial";
	argv[argc++] = "stdio";
	argv[argc++] = "-serial";
	argv[argc++] = com2_opt;
	if (o->outdir) {
		/* COM3: --outdir's tar stream, into a pipe QEMU gets as fd 3. */
		argv[argc++] = "-serial";
		argv[argc++] = "file:/proc/self/fd/3";
	}
	argv[argc] = NULL;
	return argv;
}

/*
 * The pipes QEMU's console, stderr, --outdir's port and (--shell) stdin go
 * through, and the --outdir and --shell ends of @io. -1 (said) on failure;
 * the caller closes what was opened.
 */
static int open_channels(const struct ktstr_vm_qemu *q, int pfd[2], int efd[2],
			 int cfd[2], int ifd[2], struct io *io)
{
	const struct ktstr_vm_opts *o = q->opts;

	if (pipe2(pfd, O_CLOEXEC) || pipe2(efd, O_CLOEXEC) ||
	    (o->outdir && pipe2(cfd, O_CLOEXEC)) || (o->shell && pipe2(ifd, O_CLOEXEC))) {
		ktstr_print("ktstr vm: pipe: %s\n", strerror(errno));
		return -1;
	}
	if (o->outdir) {
		io->untar = ktstr_vm_untar_new(q->outdir_fd, o->outdir_max);
		if (!io->untar) {
			ktstr_print("ktstr vm: out of memory\n");
			return -1;
		}
		io->chan_fd = cfd[0];
	}
	if (o->shell) {
		/* Our stdin goes to the guest's console once its shell is there. */
		io->in_fd = STDIN_FILENO;
		io->qin_fd = ifd[1];
		io->tty = isatty(STDIN_FILENO);
		fcntl(ifd[1], F_SETFL, O_NONBLOCK);
	}
	return 0;
}

/* The guest was stopped (wait_qemu() @how 1, 2 or 4): say how; the exit code. */
static int say_stopped(const struct ktstr_vm_qemu *q, int how)
{
	if (how == 1)
		ktstr_print("ktstr vm: timed out after %d s\n", q->opts->timeout_s);
	else if (how == 4)
		ktstr_print("ktstr vm: Ctrl-A x: guest stopped\n");
	else
		ktstr_print("ktstr vm: interrupted by signal %d\n",
			(int)*q->stop_sig);
	return how == 1 ? KTSTR_VM_EXIT_TIMEOUT : KTSTR_VM_EXIT_FAIL;
}

/*
 * A result came back and --outdir saw nothing wrong: what the guest's
 * marker (@out_said) and the archive (@us) say. -1 when the copy is bad.
 */
static int outdir_verdict(const struct ktstr_vm_opts *o, const char *out_said,
			  const struct ktstr_vm_untar_stats *us)
{
	if (!strcmp(out_said, "fail")) {
		ktstr_print("ktstr vm: --outdir: the guest could not send all of %s (tar failed, see console above)\n",
			KTSTR_VM_GUEST_OUTDIR);
		return -1;
	} else if (!strcmp(out_said, "sent") && !us->complete) {
		ktstr_print("ktstr vm: --outdir: the guest's archive never came whole\n");
		return -1;
	} else if (!us->got_data) {
		ktstr_print("ktstr vm: --outdir: the command left no %s; %s is as it was\n",
			KTSTR_VM_GUEST_OUTDIR, o->outdir);
	}
	return 0;
}

/*
 * The end of a boot that was not stopped: the line that says what went
 * wrong (none for a clean result); the exit code, the command's own (@rc)
 * for a clean result.
 */
static int say_result(const struct ktstr_vm_qemu *q, const struct scan *s, int res,
		      int rc, bool dirty, const char *dmesg, int out_bad,
		      const struct ktstr_vm_untar_stats *us, int status, const char *msg)
{
	const struct ktstr_vm_opts *o = q->opts;

	if (s->panic || s->oops) {
		ktstr_print("ktstr vm: kernel %s: %s\n", s->panic ? "panic" : "oops",
			s->panic ? s->panic : s->oops);
	} else if (res == 2) {
		ktstr_print("ktstr vm: module failed to load (insmod output above)\n");
	} else if (res == 3) {
		ktstr_print("ktstr vm: guest setup failed (see console above)\n");
	} else if (res == 1 && dirty) {
		ktstr_print("ktstr vm: dirty dmesg after the command (it exited %d):\n%s",
			rc, dmesg ? dmesg : "");
	} else if (res == 1 && out_bad) {
		ktstr_print("ktstr vm: --outdir: %lu files, %llu bytes in %s; what was refused is above (the command exited %d)\n",
			us->files, (unsigned long long)us->bytes, o->outdir, rc);
	} else if (res == 1) {
		return rc;
	} else if (WIFSIGNALED(status)) {
		ktstr_print("ktstr vm: qemu killed by signal %d%s%s\n", WTERMSIG(status),
			*msg ? ": " : "", msg);
	} else if (WEXITSTATUS(status)) {
		ktstr_print("ktstr vm: qemu failed (exit %d)%s%s\n", WEXITSTATUS(status),
			*msg ? ": " : "", msg);
	} else {
		ktstr_print("ktstr vm: guest stopped without a result (see console above)\n");
	}
	return KTSTR_VM_EXIT_FAIL;
}

/*
 * The kernel command line (the guest learns its accelerator: init's
 * environment, from here), COM2's file and QEMU's option for it, and the
 * copy of QEMU's stderr; malloc()ed. -1 (said) when out of memory.
 */
static int boot_paths(const struct ktstr_vm_qemu *q, char **append, char **com2,
		      char **errf, char **com2_opt)
{
	const struct ktstr_vm_opts *o = q->opts;

	if (asprintf(append, "%s " KTSTR_VM_ACCEL_VAR "=%s%s%s", BASE_APPEND,
		     q->kvm ? "kvm" : "tcg", o->append ? " " : "",
		     o->append ? o->append : "") < 0)
		*append = NULL;
	if (asprintf(com2, "%s/com2.txt", q->tmpdir) < 0)
		*com2 = NULL;
	if (asprintf(errf, "%s/qemu.err", q->tmpdir) < 0)
		*errf = NULL;
	*com2_opt = *com2 ? qemu_escape("file:", *com2) : NULL;
	if (!*append || !*com2 || !*errf || !*com2_opt) {
		ktstr_print("ktstr vm: out of memory\n");
		return -1;
	}
	return 0;
}

static void close_pair(int fd[2])
{
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

/* Start QEMU on the pipes' ends, then close the ends it took. */
static pid_t spawn_qemu(const char **argv, int pfd[2], int efd[2], int cfd[2], int ifd[2])
{
	pid_t pid = spawn((char *const *)argv, ifd[0], pfd[1], efd[1], cfd[1]);

	for (int *p = (int[]){ pfd[1], efd[1], cfd[1], ifd[0] }, i = 0; i < 4; i++)
		if (p[i] >= 0)
			close(p[i]);
	pfd[1] = efd[1] = cfd[1] = ifd[0] = -1;
	return pid;
}

/* QEMU is done (@how 0) or to be stopped: the console's last line, scanned. */
static void end_console(int how, pid_t pid, struct scan *s)
{
	if (how) {
		kill_reap(pid);
		if (s->len) {
			/* End the console's partial line before our message. */
			write_out("\n", 1);
			scan_line(s);
		}
	} else if (s->len) {
		scan_line(s);
	}
}

/* The end of --outdir's archive; as ktstr_vm_untar_finish(). */
static int outdir_finish(struct ktstr_vm_untar *untar, struct ktstr_vm_untar_stats *us)
{
	int bad = ktstr_vm_untar_finish(untar, us);

	if (us->got_data && !us->complete && !us->refused)
		ktstr_print("ktstr vm: --outdir: the guest's archive ended early (%lu files kept)\n",
			us->files);
	return bad;
}

int ktstr_vm_qemu_run(struct ktstr_vm_qemu *q)
{
	const struct ktstr_vm_opts *o = q->opts;
	char smp[16], mem[16], *append = NULL, *com2_opt = NULL;
	char *com2 = NULL, *errf = NULL, *dmesg = NULL, msg[512];
	char **topo_args = NULL;
	const char **argv = NULL;
	size_t dmesg_len = 0, nr_topo = 0;
	struct scan s = { 0 };
	struct errs e = { .fd = -1 };
	int pfd[2] = { -1, -1 }, efd[2] = { -1, -1 }, cfd[2] = { -1, -1 }, ifd[2] = { -1, -1 };
	int ret = KTSTR_VM_EXIT_FAIL, status = 0, rc = 0;
	int how, res, out_bad = 0;
	struct io io = { .chan_fd = -1, .in_fd = -1, .qin_fd = -1 };
	struct ktstr_vm_untar_stats us = { 0 };
	char out_said[16] = "";
	bool dirty;
	pid_t pid;

	q->init_ran = q->kvm_failed = q->accel_said = q->shell_ready = false;
	q->why[0] = '\0';
	if (regcomp(&s.re, CONSOLE_BAD, REG_EXTENDED | REG_NOSUB)) {
		ktstr_print("ktstr vm: internal error: bad console pattern\n");
		return KTSTR_VM_EXIT_FAIL;
	}
	snprintf(smp, sizeof(smp), "%d", o->cpus);
	snprintf(mem, sizeof(mem), "%d", o->memory_mb);
	if (boot_paths(q, &append, &com2, &errf, &com2_opt))
		goto out;
	/* A second boot (the TCG fallback) must not read the first one's. */
	unlink(com2);
	e.fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (e.fd < 0) {
		ktstr_print("ktstr vm: cannot create %s: %s\n", errf, strerror(errno));
		goto out;
	}
	/* -smp with sockets/cores/threads, and the NUMA layout (vm_topology.c). */
	if (o->topology && ktstr_vm_topology_qemu_args(o->topology, o->memory_mb, &topo_args,
						       &nr_topo, msg, sizeof(msg))) {
		ktstr_print("ktstr vm: %s\n", msg);
		goto out;
	}
	argv = qemu_argv(q, smp, mem, topo_args, nr_topo, append, com2_opt);
	if (!argv) {
		ktstr_print("ktstr vm: out of memory\n");
		goto out;
	}

	if (open_channels(q, pfd, efd, cfd, ifd, &io))
		goto out;
	pid = spawn_qemu(argv, pfd, efd, cfd, ifd);
	if (pid < 0)
		goto out;
	/* Every key to the guest's shell: Ctrl-C must not stop us (restored at out). */
	if (io.tty && ktstr_vm_term_raw(STDIN_FILENO))
		io.tty = false;

	how = wait_qemu(q, pid, pfd[0], efd[0], com2, &s, &e, &io, &status);
	ktstr_vm_term_restore();
	end_console(how, pid, &s);
	q->init_ran = q->init_ran || init_ran(com2);
	if (kvm_failed_early(q, how, status, &s, &e, errf))
		goto out;
	say_accel(q);
	if (io.untar)
		out_bad = outdir_finish(io.untar, &us);
	if (how == 1 || how == 2 || how == 4) {
		ret = say_stopped(q, how);
		goto out;
	}
	error_line(errf, msg, sizeof(msg));
	if (how == 3) {
		/* A paused guest never finishes: it was killed above. */
		ktstr_print("ktstr vm: qemu stopped the guest: %s\n", e.kvm);
		goto out;
	}

	res = read_result(com2, &rc, &dirty, &dmesg, &dmesg_len, out_said, sizeof(out_said));
	if (res == 1 && o->outdir && !out_bad)
		out_bad = outdir_verdict(o, out_said, &us);
	ret = say_result(q, &s, res, rc, dirty, dmesg, out_bad, &us, status, msg);
out:
	ktstr_vm_term_restore();
	close_pair(pfd);
	close_pair(efd);
	close_pair(cfd);
	close_pair(ifd);
	ktstr_vm_untar_free(io.untar);
	if (e.fd >= 0)
		close(e.fd);
	regfree(&s.re);
	free(s.panic);
	free(s.oops);
	free(s.kvm);
	free(dmesg);
	free(argv);
	ktstr_vm_topology_args_free(topo_args);
	free(append);
	free(com2_opt);
	free(com2);
	free(errf);
	return ret;
}
