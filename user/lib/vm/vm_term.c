// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr vm --shell: the host terminal in raw mode while the guest runs, so
 * that every key (Ctrl-C, Ctrl-Z, Ctrl-D included) goes to the guest's
 * shell instead of signalling ktstr. Output processing (OPOST, ONLCR) is
 * kept, so our own stderr lines still start at column 0. The caller
 * restores on every exit path (vm_run.c); restoring twice is harmless.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <termios.h>
#include <unistd.h>

#include "ktstr/vm.h"

static struct termios saved;
static int saved_fd = -1;

int ktstr_vm_term_raw(int fd)
{
	struct termios t;

	if (saved_fd >= 0)
		return 0;
	if (tcgetattr(fd, &saved))
		return -1;
	t = saved;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_oflag |= OPOST | ONLCR;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &t))
		return -1;
	saved_fd = fd;
	return 0;
}

void ktstr_vm_term_restore(void)
{
	sigset_t ttou, old;

	if (saved_fd < 0)
		return;
	/* Even from a background process group: do not stop on SIGTTOU. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	while (tcsetattr(saved_fd, TCSADRAIN, &saved) && errno == EINTR)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	saved_fd = -1;
}
