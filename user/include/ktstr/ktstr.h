/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything libktstr offers, for scenarios that would rather include one
 * header: #include <ktstr/ktstr.h> (it includes every public header; each
 * also compiles alone, in C99, C11 and C++: tests/host/headers.sh), link
 * with `pkg-config --libs libktstr` (`--static` for a static link).
 *
 * The library is split by concept, one folder of user/lib/ each, and a
 * folder uses only the folders above it in this list:
 *   util/	the error channel (error.h), the clock (clock.h), CPU lists
 *		(cpulist.h), the output-file writer (output.h), provenance
 *		(provenance.h)
 *   topo/	CPUs, cores, LLCs, NUMA nodes from hwloc (topo.h)
 *   cgroup/	the cgroup v2 manager and cleanup of dead runs (cgroup.h)
 *   collect/	the collectors of kernel records behind one interface
 *		(collector.h): /dev/ktstr (dev.h), the BPF collector
 *		(user/bpf/), taskstats (taskstats.h)
 *   workload/	workers, work types, their reports (worker.h, workload.h)
 *   assert/	the Assert engine: configs, worker and kernel checks (assert.h)
 *   scenario/	the scenario context, catalogue runner, ops and steps,
 *		scheduler flags and sched_ext control (ctx.h, scenario.h, ops.h,
 *		flags.h, sched_ext.h)
 *   vm/	ktstr vm: initramfs, QEMU, accelerator choice, topologies, the
 *		kernel cache, the gauntlet (vm.h, kernel.h, gauntlet.h)
 *   results/	what runs produce: stat tables and JSON, views and
 *		histograms, compare, the HTML report, JUnit, shards and merge
 *		(stat.h, compare.h, report.h, results.h)
 * Private headers (*_priv.h and the like) stay in their folder.
 */
#ifndef KTSTR_KTSTR_H
#define KTSTR_KTSTR_H

#include <linux/ktstr.h>

#include <ktstr/util.h>
#include <ktstr/clock.h>
#include <ktstr/cpulist.h>
#include <ktstr/output.h>
#include <ktstr/provenance.h>
#include <ktstr/error.h>
#include <ktstr/topo.h>
#include <ktstr/cgroup.h>
#include <ktstr/dev.h>
#include <ktstr/taskstats.h>
#include <ktstr/collector.h>
#include <ktstr/workload.h>
#include <ktstr/worker.h>
#include <ktstr/assert.h>
#include <ktstr/ctx.h>
#include <ktstr/scenario.h>
#include <ktstr/ops.h>
#include <ktstr/flags.h>
#include <ktstr/sched_ext.h>
#include <ktstr/vm.h>
#include <ktstr/kernel.h>
#include <ktstr/gauntlet.h>
#include <ktstr/stat.h>
#include <ktstr/compare.h>
#include <ktstr/report.h>
#include <ktstr/results.h>

#endif /* KTSTR_KTSTR_H */
