// SPDX-License-Identifier: GPL-2.0
/*
 * taskstats.c - per-task stats from the kernel's TASKSTATS generic netlink
 * family, with libnl-genl-3 (recipe: shared/reference/kernel-notes.md
 * §6.2). One request, one reply: TASKSTATS_CMD_GET with the pid, answered
 * by TASKSTATS_TYPE_AGGR_PID { TASKSTATS_TYPE_PID, TASKSTATS_TYPE_STATS }.
 *
 * Exit records (Documentation/accounting/taskstats.rst): a second socket
 * sends TASKSTATS_CMD_GET with TASKSTATS_CMD_ATTR_REGISTER_CPUMASK ("0-N");
 * the kernel then unicasts, from do_exit() of every thread exiting on those
 * CPUs, a TASKSTATS_CMD_NEW message with TASKSTATS_TYPE_AGGR_PID (and
 * TASKSTATS_TYPE_AGGR_TGID when a multi-threaded group dies) to the
 * registered port. Those carry a per-CPU sequence number, not ours, and
 * arrive whenever: this file reads that socket itself (recv, MSG_DONTWAIT)
 * rather than through libnl's sequence-checked receive loop. A full
 * receive buffer makes the kernel drop records and report ENOBUFS once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/taskstats.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <ktstr/taskstats.h>
#include "util/ktstr_error.h"

/* The kernel's limit on the cpumask string (TASKSTATS_CPUMASK_MAXLEN). */
#define TS_CPUMASK_MAXLEN	100

struct ktstr_taskstats {
	struct nl_sock *sk;
	int family;
	struct nl_sock *esk;		/* exit records, or NULL */
	void *rbuf;			/* TS_RBUF bytes to receive them */
	char mask[TS_CPUMASK_MAXLEN];	/* the CPUs esk registered for */
	uint64_t overruns;
};


#define fail(err, ...) KTSTR_FAIL(err, __VA_ARGS__)

/* libnl's NLE_* codes to errno, for the ones that have a meaning here. */
static int nl_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_PERM:		return -EPERM;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_INVAL:		return -EINVAL;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_INTR:		return -EINTR;
	default:		return -EIO;
	}
}

int ktstr_taskstats_parse(const void *payload, size_t len, struct ktstr_taskstats_sample *out)
{
	struct taskstats st;
	size_t need = offsetof(struct taskstats, nivcsw) + sizeof(st.nivcsw);

	if (!payload || !out)
		return -EINVAL;
	if (len < need)
		return fail(-EPROTO, "taskstats: payload of %zu bytes, need %zu", len, need);
	memset(&st, 0, sizeof(st));
	memcpy(&st, payload, len < sizeof(st) ? len : sizeof(st));
	/* nvcsw/nivcsw arrived with version 2; 0 is no kernel's. */
	if (st.version < 2)
		return fail(-EPROTO, "taskstats: struct version %u is too old", st.version);
	memset(out, 0, sizeof(*out));
	out->version = st.version;
	/* Everything up to nivcsw is there: ac_pid, ac_comm, ac_exitcode... */
	out->pid = (int32_t)st.ac_pid;
	out->ppid = (int32_t)st.ac_ppid;
	out->exit_code = st.ac_exitcode;
	out->btime = st.ac_btime;
	memcpy(out->comm, st.ac_comm, sizeof(out->comm) - 1);
	/* ac_tgid arrived with version 12. */
	if (st.version >= 12 && len >= offsetof(struct taskstats, ac_tgid) + sizeof(st.ac_tgid))
		out->tgid = (int32_t)st.ac_tgid;
	out->cpu_count = st.cpu_count;
	out->cpu_delay_total = st.cpu_delay_total;
	out->cpu_run_real_total = st.cpu_run_real_total;
	out->cpu_run_virtual_total = st.cpu_run_virtual_total;
	out->nvcsw = st.nvcsw;
	out->nivcsw = st.nivcsw;
	return 0;
}

int ktstr_taskstats_open(struct ktstr_taskstats **out)
{
	struct ktstr_taskstats *ts;
	int r;

	if (!out)
		return fail(-EINVAL, "taskstats: NULL argument");
	*out = NULL;
	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return fail(-ENOMEM, "taskstats: out of memory");
	ts->sk = nl_socket_alloc();
	if (!ts->sk) {
		free(ts);
		return fail(-ENOMEM, "taskstats: out of memory");
	}
	r = genl_connect(ts->sk);
	if (r < 0) {
		r = nl_to_errno(r);
		goto err;
	}
	ts->family = genl_ctrl_resolve(ts->sk, TASKSTATS_GENL_NAME);
	if (ts->family < 0) {
		r = nl_to_errno(ts->family);
		if (r == -EIO)
			r = -ENOENT;
		fail(r, "taskstats: no %s netlink family (CONFIG_TASKSTATS off?)",
		     TASKSTATS_GENL_NAME);
		nl_socket_free(ts->sk);
		free(ts);
		return r;
	}
	*out = ts;
	return 0;
err:
	fail(r, "taskstats: netlink: %s", strerror(-r));
	nl_socket_free(ts->sk);
	free(ts);
	return r;
}

static void unlisten(struct ktstr_taskstats *ts);

void ktstr_taskstats_close(struct ktstr_taskstats *ts)
{
	if (!ts)
		return;
	unlisten(ts);
	nl_socket_free(ts->sk);
	free(ts);
}

int ktstr_taskstats_decode(const void *msg, size_t len, struct ktstr_taskstats_sample *out)
{
	struct nlattr *tb[TASKSTATS_TYPE_MAX + 1], *nested[TASKSTATS_TYPE_MAX + 1];
	const struct nlmsghdr *nlh = msg;

	if (!msg || !out)
		return -EINVAL;
	if (len > (size_t)INT32_MAX || !nlmsg_ok(nlh, (int)len) ||
	    !genlmsg_valid_hdr((struct nlmsghdr *)nlh, 0) ||
	    genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, TASKSTATS_TYPE_MAX, NULL) < 0)
		return fail(-EPROTO, "taskstats: malformed message of %zu bytes", len);
	if (!tb[TASKSTATS_TYPE_AGGR_PID])
		return fail(-ENOMSG, "taskstats: message without TASKSTATS_TYPE_AGGR_PID");
	if (nla_parse_nested(nested, TASKSTATS_TYPE_MAX, tb[TASKSTATS_TYPE_AGGR_PID], NULL) < 0 ||
	    !nested[TASKSTATS_TYPE_STATS])
		return fail(-EPROTO, "taskstats: reply without TASKSTATS_TYPE_STATS");
	return ktstr_taskstats_parse(nla_data(nested[TASKSTATS_TYPE_STATS]),
				     (size_t)nla_len(nested[TASKSTATS_TYPE_STATS]), out);
}

struct reply {
	struct ktstr_taskstats_sample *out;
	int err;	/* 1 until a reply was decoded */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct reply *rp = arg;

	rp->err = ktstr_taskstats_decode(nlh, nlh->nlmsg_len, rp->out);
	if (rp->err == -ENOMSG)
		rp->err = fail(-EPROTO, "taskstats: reply without TASKSTATS_TYPE_STATS");
	return NL_STOP;
}

/* The kernel answers an unknown pid with an error message (-ESRCH). */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct reply *rp = arg;

	(void)nla;
	rp->err = e->error ? e->error : -EIO;
	return NL_STOP;
}

int ktstr_taskstats_get(struct ktstr_taskstats *ts, pid_t pid, struct ktstr_taskstats_sample *out)
{
	struct reply rp = { .out = out, .err = 1 };
	struct nl_cb *cb;
	struct nl_msg *m;
	int r;

	if (!ts || !out || pid <= 0)
		return fail(-EINVAL, "taskstats: bad argument");
	ktstr_error_clear();
	m = nlmsg_alloc();
	if (!m)
		return fail(-ENOMEM, "taskstats: out of memory");
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, ts->family, 0, 0,
			 TASKSTATS_CMD_GET, TASKSTATS_VERSION) ||
	    nla_put_u32(m, TASKSTATS_CMD_ATTR_PID, (uint32_t)pid) < 0) {
		nlmsg_free(m);
		return fail(-ENOMEM, "taskstats: building the request");
	}
	r = nl_send_auto(ts->sk, m);
	nlmsg_free(m);
	if (r < 0)
		return fail(nl_to_errno(r), "taskstats: send: %s", nl_geterror(r));
	cb = nl_cb_clone(nl_socket_get_cb(ts->sk));
	if (!cb)
		return fail(-ENOMEM, "taskstats: out of memory");
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &rp);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &rp);
	while (rp.err == 1) {
		r = nl_recvmsgs(ts->sk, cb);
		if (r < 0 && rp.err == 1) {
			rp.err = nl_to_errno(r);
			break;
		}
	}
	nl_cb_put(cb);
	if (rp.err == -ESRCH)
		return fail(-ESRCH, "taskstats: no task %d", pid);
	if (rp.err == -EPERM)
		return fail(-EPERM, "taskstats: permission denied (needs CAP_NET_ADMIN)");
	if (rp.err < 0 && !ktstr_last_error()[0])
		return fail(rp.err, "taskstats: pid %d: %s", pid, strerror(-rp.err));
	return rp.err < 0 ? rp.err : 0;
}

/* Exit records ------------------------------------------------------------ */

/* Datagrams read per drain at most, so that a storm of exits cannot pin us. */
#define TS_DRAIN_MAX		(1U << 20)
/* How long to wait for the kernel's answer to (de)registration. */
#define TS_ACK_TIMEOUT_S	5
/* A datagram: one exit is two struct taskstats (pid, tgid) at most. */
#define TS_RBUF			16384

struct exit_ctx {
	ktstr_taskstats_exit_fn fn;	/* NULL: discard the records */
	void *arg;
	uint32_t seq;		/* of the request whose ack we wait for, or 0 */
	int ack;		/* 1 until that ack came, then its error */
	int n;			/* records handed to fn */
};

bool ktstr_taskstats_listening(const struct ktstr_taskstats *ts)
{
	return ts && ts->esk;
}

uint64_t ktstr_taskstats_overruns(const struct ktstr_taskstats *ts)
{
	return ts ? ts->overruns : 0;
}

/* The possible CPUs as the kernel prints them ("0-3"): the cpumask to register. */
static int possible_cpus(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	long nr;

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
		if (buf[0] && !strchr(buf, '\n') && strlen(buf) == len - 1)
			return fail(-E2BIG, "taskstats: possible CPUs list too long for a cpumask");
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0])
			return 0;
	}
	nr = sysconf(_SC_NPROCESSORS_CONF);
	if (nr < 1)
		return fail(-ENOENT, "taskstats: cannot tell the possible CPUs");
	snprintf(buf, len, "0-%ld", nr - 1);
	return 0;
}

/* One datagram of the exit socket: records to c->fn, our ack to c->ack. */
static int feed(struct ktstr_taskstats *ts, void *buf, size_t len, struct exit_ctx *c)
{
	struct nlmsghdr *nlh = buf;
	int rem = (int)len;

	for (; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
		struct ktstr_taskstats_sample s;
		int r;

		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = nlmsg_data(nlh);

			if (c->seq && nlh->nlmsg_seq == c->seq &&
			    nlh->nlmsg_len >= (uint32_t)nlmsg_size(sizeof(*e)))
				c->ack = e->error;
			continue;
		}
		if (nlh->nlmsg_type != ts->family || !c->fn)
			continue;
		r = ktstr_taskstats_decode(nlh, nlh->nlmsg_len, &s);
		if (r == -ENOMSG)
			continue;
		if (r < 0) {
			ts->overruns++;
			continue;
		}
		c->n++;
		r = c->fn(&s, c->arg);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Read the exit socket: without block, until it is empty; with block,
 * until the ack of c->seq came (SO_RCVTIMEO bounds each wait). ENOBUFS,
 * the kernel's word that it dropped messages for a full buffer, and a
 * truncated datagram are counted as overruns.
 */
static int pump(struct ktstr_taskstats *ts, struct exit_ctx *c, bool block)
{
	int fd = nl_socket_get_fd(ts->esk);

	for (unsigned int i = 0; i < TS_DRAIN_MAX; i++) {
		struct sockaddr_nl from = { 0 };
		socklen_t fl = sizeof(from);
		ssize_t n;
		int r;

		n = recvfrom(fd, ts->rbuf, TS_RBUF, MSG_TRUNC | (block ? 0 : MSG_DONTWAIT),
			     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				ts->overruns++;
				continue;
			}
			if ((errno == EAGAIN || errno == EWOULDBLOCK) && !block)
				return 0;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return fail(-ETIMEDOUT, "taskstats: no answer from the kernel");
			return fail(-errno, "taskstats: exit socket: %s", strerror(errno));
		}
		if (from.nl_pid != 0)
			continue;	/* only the kernel speaks here */
		if ((size_t)n > TS_RBUF) {
			ts->overruns++;
			continue;
		}
		r = feed(ts, ts->rbuf, (size_t)n, c);
		if (r < 0)
			return r;
		if (block && c->ack != 1)
			return 0;
	}
	return block ? fail(-ETIMEDOUT, "taskstats: no answer from the kernel") : 0;
}

/* TASKSTATS_CMD_GET with a (de)register cpumask attribute, and its ack. */
static int send_mask(struct ktstr_taskstats *ts, int attr)
{
	struct exit_ctx c = { .ack = 1 };
	struct nl_msg *m;
	int r;

	m = nlmsg_alloc();
	if (!m)
		return fail(-ENOMEM, "taskstats: out of memory");
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, ts->family, 0, NLM_F_ACK,
			 TASKSTATS_CMD_GET, TASKSTATS_GENL_VERSION) ||
	    nla_put_string(m, attr, ts->mask) < 0) {
		nlmsg_free(m);
		return fail(-ENOMEM, "taskstats: building the request");
	}
	r = nl_send_auto(ts->esk, m);
	c.seq = nlmsg_hdr(m)->nlmsg_seq;
	nlmsg_free(m);
	if (r < 0)
		return fail(nl_to_errno(r), "taskstats: send: %s", nl_geterror(r));
	r = pump(ts, &c, true);
	return r < 0 ? r : c.ack;
}

static int exit_socket(struct ktstr_taskstats *ts, size_t rcvbuf)
{
	struct timeval tv = { .tv_sec = TS_ACK_TIMEOUT_S };
	int fd, sz, r;

	ts->esk = nl_socket_alloc();
	ts->rbuf = malloc(TS_RBUF);
	if (!ts->esk || !ts->rbuf)
		return fail(-ENOMEM, "taskstats: out of memory");
	r = genl_connect(ts->esk);
	if (r >= 0)
		r = nl_socket_set_buffer_size(ts->esk, (int)rcvbuf, 0);
	if (r < 0)
		return fail(nl_to_errno(r), "taskstats: exit socket: %s", nl_geterror(r));
	fd = nl_socket_get_fd(ts->esk);
	/*
	 * SO_RCVBUF stops at net.core.rmem_max; SO_RCVBUFFORCE does not, and
	 * needs CAP_NET_ADMIN, which taskstats needs anyway. Best effort.
	 */
	sz = (int)rcvbuf;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return fail(-errno, "taskstats: SO_RCVTIMEO: %s", strerror(errno));
	return 0;
}

int ktstr_taskstats_listen(struct ktstr_taskstats *ts, size_t rcvbuf)
{
	int r;

	if (!ts)
		return fail(-EINVAL, "taskstats: NULL argument");
	if (ts->esk)
		return fail(-EBUSY, "taskstats: already listening for exits");
	if (!rcvbuf)
		rcvbuf = KTSTR_TASKSTATS_EXIT_RCVBUF;
	if (rcvbuf > (size_t)INT32_MAX / 2)
		rcvbuf = (size_t)INT32_MAX / 2;
	r = possible_cpus(ts->mask, sizeof(ts->mask));
	if (r < 0)
		return r;
	r = exit_socket(ts, rcvbuf);
	if (r >= 0) {
		r = send_mask(ts, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK);
		if (r < 0)
			fail(r, "taskstats: registering for exits on CPUs %s: %s%s", ts->mask,
			     strerror(-r),
			     r == -EINVAL ? " (not in the initial pid namespace?)" : "");
	}
	if (r < 0) {
		nl_socket_free(ts->esk);
		free(ts->rbuf);
		ts->esk = NULL;
		ts->rbuf = NULL;
		return r;
	}
	ts->overruns = 0;
	return 0;
}

int ktstr_taskstats_drain(struct ktstr_taskstats *ts, ktstr_taskstats_exit_fn fn, void *arg)
{
	struct exit_ctx c = { .fn = fn, .arg = arg, .ack = 1 };
	int r;

	if (!ts || !fn)
		return fail(-EINVAL, "taskstats: bad argument");
	if (!ts->esk)
		return fail(-ENOTCONN, "taskstats: not listening for exits");
	r = pump(ts, &c, false);
	return r < 0 ? r : c.n;
}

static void unlisten(struct ktstr_taskstats *ts)
{
	struct exit_ctx c = { .ack = 1 };

	if (!ts->esk)
		return;
	/* Make room for the ack, then deregister (best effort: a closed port
	 * is also dropped by the kernel at the next exit, on ECONNREFUSED). */
	(void)pump(ts, &c, false);
	(void)send_mask(ts, TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK);
	nl_socket_free(ts->esk);
	free(ts->rbuf);
	ts->esk = NULL;
	ts->rbuf = NULL;
}
