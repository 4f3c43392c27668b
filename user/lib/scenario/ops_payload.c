// SPDX-License-Identifier: GPL-2.0
/*
 * The payload ops of an execution: programs run beside the workers
 * (run_payload), waited for and killed, and the liveness check of a pid
 * that a zombie does not fool.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <ktstr/clock.h>
#include <ktstr/ops.h>

#include "ops_priv.h"

#define OPS_WAIT_SLICE_MS	10

static struct ops_payload *find_payload(struct ops_run *run, const char *name)
{
	for (int i = run->nr_pls - 1; i >= 0; i--)
		if (run->pls[i].pid > 0 && !strcmp(run->pls[i].name, name))
			return &run->pls[i];
	return NULL;
}

void ops_payload_kill(struct ops_payload *p)
{
	if (p->pid <= 0)
		return;
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	p->pid = 0;
}

static int run_payload(struct ops_run *run, const struct ktstr_op *op)
{
	const char *dfl_argv[2] = { op->payload, NULL };
	const char *const *argv = op->argv ? op->argv : dfl_argv;
	struct ops_payload *p;
	int go[2], err[2], ret, cerr = 0;
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (find_payload(run, op->payload))
		return ops_fail(-EEXIST, "payload %s is already running",
				op->payload);
	if (op->cgroup && !ops_lookup_req(run, op->cgroup))
		return -ENOENT;
	p = ops_grow(run->pls, run->nr_pls, &run->cap_pls, sizeof(*p), 4);
	if (!p)
		return ops_fail(-ENOMEM, "out of memory");
	run->pls = p;
	p = &run->pls[run->nr_pls];
	memset(p, 0, sizeof(*p));
	p->name = strdup(op->payload);
	p->cgroup = op->cgroup ? strdup(op->cgroup) : NULL;
	if (!p->name || (op->cgroup && !p->cgroup)) {
		free(p->name);
		free(p->cgroup);
		return ops_fail(-ENOMEM, "out of memory");
	}
	if (pipe2(go, O_CLOEXEC))
		goto fail_errno;
	if (pipe2(err, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		goto fail_errno;
	}
	pid = fork();
	if (pid < 0) {
		close(go[0]); close(go[1]); close(err[0]); close(err[1]);
		goto fail_errno;
	}
	if (!pid) {
		char c;
		int e;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	setpgid(pid, pid);
	close(go[0]);
	close(err[1]);
	p->pid = pid;
	run->nr_pls++;		/* from now on teardown reaps it */
	if (op->cgroup) {
		ret = ktstr_cgroup_move_task(run->ctx->cgroups, op->cgroup, pid);
		if (ret) {
			close(go[1]);
			close(err[0]);
			ops_payload_kill(p);
			return ops_fail(ret, "move payload %s into %s: %s",
					op->payload, op->cgroup,
					ktstr_last_error());
		}
	}
	if (write(go[1], "g", 1) != 1)
		cerr = errno;
	close(go[1]);
	do
		n = read(err[0], &ret, sizeof(ret));
	while (n < 0 && errno == EINTR);
	close(err[0]);
	if (n == (ssize_t)sizeof(ret)) {
		ops_payload_kill(p);
		return ops_fail(-ret, "payload %s: exec %s: %s", op->payload,
				argv[0], strerror(ret));
	}
	if (cerr) {
		ops_payload_kill(p);
		return ops_fail(-cerr, "payload %s: start: %s", op->payload,
				strerror(cerr));
	}
	return 0;

fail_errno:
	ret = -errno;
	free(p->name);
	free(p->cgroup);
	return ops_fail(ret, "payload %s: %s", op->payload, strerror(-ret));
}

static int wait_payload(struct ops_run *run, const struct ktstr_op *op)
{
	uint64_t tmo = op->timeout_ms ? op->timeout_ms : KTSTR_PAYLOAD_WAIT_MS;
	uint64_t end = (ktstr_now_ns() / 1000000) + tmo;
	struct ops_payload *p = find_payload(run, op->payload);
	int status, ret;

	if (!p)
		return ops_fail(-ENOENT, "no running payload %s", op->payload);
	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid)
			break;
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			p->pid = 0;
			return ops_fail(ret, "wait for payload %s: %s",
					op->payload, strerror(-ret));
		}
		if (ktstr_ops_aborted())
			return ops_fail(-EINTR, "aborted");
		ret = ops_run_sched_check(run);
		if (ret)
			return ret;
		if ((ktstr_now_ns() / 1000000) >= end) {
			ops_payload_kill(p);
			ops_run_failure(run, KTSTR_DETAIL_OTHER,
					"payload %s did not finish within %llu ms",
					op->payload, (unsigned long long)tmo);
			return 0;
		}
		ops_nap_ms(OPS_WAIT_SLICE_MS);
	}
	/* The group may have children left. */
	kill(-p->pid, SIGKILL);
	p->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status))
		ops_run_failure(run, KTSTR_DETAIL_OTHER, "payload %s exited %d", op->payload,
				WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		ops_run_failure(run, KTSTR_DETAIL_OTHER,
				"payload %s killed by signal %d (%s)",
				op->payload, WTERMSIG(status),
				strsignal(WTERMSIG(status)));
	return 0;
}

/* ---- the payload ops ---- */

int ops_op_run_payload(struct ops_run *run, const struct ktstr_op *op)
{
	return run_payload(run, op);
}

int ops_op_wait_payload(struct ops_run *run, const struct ktstr_op *op)
{
	return wait_payload(run, op);
}

int ops_op_kill_payload(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_payload *p = find_payload(run, op->payload);

	if (!p)
		return ops_fail(-ENOENT, "no running payload %s", op->payload);
	ops_payload_kill(p);
	return 0;
}
