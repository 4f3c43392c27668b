/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything libktstr offers, for scenarios that would rather include one
 * header: #include <ktstr/ktstr.h>, link with `pkg-config --libs libktstr`.
 */
#ifndef KTSTR_KTSTR_H
#define KTSTR_KTSTR_H

#include <linux/ktstr.h>

#include <ktstr/cpulist.h>
#include <ktstr/topo.h>
#include <ktstr/cgroup.h>
#include <ktstr/workload.h>
#include <ktstr/worker.h>
#include <ktstr/dev.h>
#include <ktstr/stat.h>
#include <ktstr/vm.h>
#include <ktstr/ctx.h>

#endif /* KTSTR_KTSTR_H */
