// SPDX-License-Identifier: GPL-2.0
/*
 * The custom scenario of ktstr's guide ("Writing a custom scenario"), in C:
 * two cgroups of default workers, the scenario's own logic in the middle,
 * then the workers are stopped and checked. Runs on the real topology and
 * the real cgroup v2 manager (a ktstr-<pid> parent under /sys/fs/cgroup).
 *
 * Usage: custom_guide [--duration-ms N]; prints PASS or FAIL with the
 * details, exits 0 or 1 (2 on a setup error).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/ktstr.h>

static int my_custom_scenario(const struct ktstr_ctx *ctx,
			      struct ktstr_result *res)
{
	struct ktstr_workload wl = ktstr_dfl_wl(ctx);
	KTSTR_CGROUP_GUARD(guard);
	struct ktstr_handle *handles;
	int ret;

	ret = ktstr_setup_cgroups(ctx, 2, &wl, &handles, &guard);
	if (ret)
		return ret;
	/* Custom logic: resize cpusets, move workers, etc. */
	ktstr_sleep_ms(ctx->duration_ms);
	return ktstr_collect_all(handles, guard.nr_handles, &ctx->assert, res);
}

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--duration-ms N]\n", argv0);
	return 2;
}

int main(int argc, char **argv)
{
	struct ktstr_cgroup_opts opts = { .root = KTSTR_CGROUP_ROOT };
	struct ktstr_result res;
	struct ktstr_cgroups *cg;
	struct ktstr_topo *topo;
	struct ktstr_ctx ctx;
	uint64_t duration_ms = 1000;
	int ret, status = 2;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "--duration-ms") || i + 1 >= argc)
			return usage(argv[0]);
		errno = 0;
		duration_ms = strtoull(argv[++i], &end, 10);
		if (errno || *end || end == argv[i] || !duration_ms)
			return usage(argv[0]);
	}

	topo = ktstr_topo_load(NULL);
	if (!topo) {
		fprintf(stderr, "custom_guide: topology: %s\n", ktstr_last_error());
		return 2;
	}
	cg = ktstr_cgroup_mgr_new(&opts);
	if (!cg) {
		fprintf(stderr, "custom_guide: cgroups: %s\n", ktstr_last_error());
		goto out_topo;
	}
	ret = ktstr_cgroup_setup(cg);
	if (ret) {
		fprintf(stderr, "custom_guide: cgroup setup: %s\n",
			ktstr_last_error());
		goto out_cg;
	}

	ktstr_ctx_init(&ctx, cg, topo);
	ctx.duration_ms = duration_ms;
	/* A collector is optional: with one, the kernel's records are judged
	 * too ($KTSTR_BACKEND names one; default: the first that opens). */
	if (ktstr_collector_open(getenv("KTSTR_BACKEND"), &ctx.collector))
		ctx.collector = NULL;

	ret = my_custom_scenario(&ctx, &res);
	if (ret) {
		fprintf(stderr, "custom_guide: scenario: %s (%s / %s)\n",
			strerror(-ret), ktstr_last_error(),
			ktstr_last_error());
	} else {
		printf("%s: %d cgroups, %d workers, %d failures, %d kernel records merged (%s)\n",
		       res.pass ? "PASS" : "FAIL", res.nr_cgroups,
		       res.nr_workers, res.nr_failures, res.nr_krecs,
		       ctx.collector ? ktstr_collector_name(ctx.collector) : "no collector");
		fputs(res.details, stdout);
		if (res.truncated)
			puts("(more failures not shown)");
		status = res.pass ? 0 : 1;
	}
	ktstr_collector_close(ctx.collector);
out_cg:
	if (ktstr_cgroup_cleanup(cg)) {
		fprintf(stderr, "custom_guide: cgroup cleanup: %s\n",
			ktstr_last_error());
		status = 2;
	}
	ktstr_cgroup_destroy(cg);
out_topo:
	ktstr_topo_free(topo);
	return status;
}
