// SPDX-License-Identifier: GPL-2.0
/*
 * taskstats.c - per-task stats from the kernel's TASKSTATS generic netlink
 * family, with libnl-genl-3 (recipe: shared/reference/kernel-notes.md
 * §6.2). One request, one reply: TASKSTATS_CMD_GET with the pid, answered
 * by TASKSTATS_TYPE_AGGR_PID { TASKSTATS_TYPE_PID, TASKSTATS_TYPE_STATS }.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/taskstats.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <ktstr/taskstats.h>
#include "ktstr_error.h"

struct ktstr_taskstats {
	struct nl_sock *sk;
	int family;
};

KTSTR_LAST_ERROR(ktstr_taskstats_last_error, 256);

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

int ktstr_taskstats_parse(const void *payload, size_t len, struct ktstr_ts_sample *out)
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

void ktstr_taskstats_close(struct ktstr_taskstats *ts)
{
	if (!ts)
		return;
	nl_socket_free(ts->sk);
	free(ts);
}

struct reply {
	struct ktstr_ts_sample *out;
	int err;	/* 1 until a reply was decoded */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[TASKSTATS_TYPE_MAX + 1], *nested[TASKSTATS_TYPE_MAX + 1];
	struct reply *rp = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, TASKSTATS_TYPE_MAX, NULL) < 0 ||
	    !tb[TASKSTATS_TYPE_AGGR_PID] ||
	    nla_parse_nested(nested, TASKSTATS_TYPE_MAX, tb[TASKSTATS_TYPE_AGGR_PID], NULL) < 0 ||
	    !nested[TASKSTATS_TYPE_STATS]) {
		rp->err = fail(-EPROTO, "taskstats: reply without TASKSTATS_TYPE_STATS");
		return NL_STOP;
	}
	rp->err = ktstr_taskstats_parse(nla_data(nested[TASKSTATS_TYPE_STATS]),
					(size_t)nla_len(nested[TASKSTATS_TYPE_STATS]), rp->out);
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

int ktstr_taskstats_get(struct ktstr_taskstats *ts, pid_t pid, struct ktstr_ts_sample *out)
{
	struct reply rp = { .out = out, .err = 1 };
	struct nl_cb *cb;
	struct nl_msg *m;
	int r;

	if (!ts || !out || pid <= 0)
		return fail(-EINVAL, "taskstats: bad argument");
	last_error[0] = '\0';
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
	if (rp.err < 0 && !last_error[0])
		return fail(rp.err, "taskstats: pid %d: %s", pid, strerror(-rp.err));
	return rp.err < 0 ? rp.err : 0;
}
