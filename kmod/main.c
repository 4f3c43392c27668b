// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - ktstr.ko: kernel-precise per-task scheduling accounting and
 * starvation detection for scheduler tests. Module parameters, init, exit.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include "ktstr.h"

#define KTSTR_CAPACITY_MIN	16U
#define KTSTR_CAPACITY_MAX	(1U << 20)

unsigned int ktstr_capacity = 16384;
module_param_named(capacity, ktstr_capacity, uint, 0444);
MODULE_PARM_DESC(capacity, "task records per session (16..1048576, default 16384)");

unsigned int ktstr_event_slots = 1024;
module_param_named(event_slots, ktstr_event_slots, uint, 0444);
MODULE_PARM_DESC(event_slots, "queued starvation events before loss (16..65536, default 1024)");

static int __init ktstr_init(void)
{
	int ret;

	ktstr_capacity = clamp(ktstr_capacity, KTSTR_CAPACITY_MIN, KTSTR_CAPACITY_MAX);
	ktstr_event_slots = clamp(ktstr_event_slots, 16U, 65536U);

	ret = ktstr_probes_lookup();
	if (ret)
		return ret;
	ret = ktstr_table_init();
	if (ret)
		return ret;
	ret = ktstr_watchdog_init();
	if (ret)
		goto err_table;
	ret = ktstr_session_init();
	if (ret)
		goto err_watchdog;
	ret = ktstr_dev_init();
	if (ret)
		goto err_session;
	pr_info("ktstr: ready, ABI %u.%u, %u task records\n", KTSTR_ABI_MAJOR,
		KTSTR_ABI_MINOR, ktstr_capacity);
	return 0;

err_session:
	ktstr_session_exit();
err_watchdog:
	ktstr_watchdog_exit();
err_table:
	ktstr_table_exit();
	return ret;
}

/*
 * The device holds a module reference while open and its last close ends
 * the session, so by now no probe is attached; the session exit is a
 * safety net that detaches and waits for in-flight probes if one were.
 */
static void __exit ktstr_exit(void)
{
	ktstr_dev_exit();
	ktstr_session_exit();
	ktstr_watchdog_exit();
	ktstr_table_exit();
}

module_init(ktstr_init);
module_exit(ktstr_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("ktstr developers");
MODULE_DESCRIPTION("Per-task scheduler accounting and starvation watchdog for scheduler tests");
MODULE_VERSION("0.1.0");
