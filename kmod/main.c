// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - ktstr.ko: kernel-precise per-task scheduling accounting and
 * starvation detection for scheduler tests. Module parameters, init, exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include "ktstr.h"

#define KTSTR_CAPACITY_MIN	16U
#define KTSTR_CAPACITY_MAX	BIT(20)

unsigned int ktstr_capacity = 16384;
module_param_named(capacity, ktstr_capacity, uint, 0444);
MODULE_PARM_DESC(capacity, "task records per session at most (16..1048576, default 16384)");

unsigned int ktstr_event_slots = 1024;
module_param_named(event_slots, ktstr_event_slots, uint, 0444);
MODULE_PARM_DESC(event_slots, "queued starvation events per session before loss (16..65536, default 1024)");

unsigned int ktstr_max_sessions = 8;
module_param_named(max_sessions, ktstr_max_sessions, uint, 0444);
MODULE_PARM_DESC(max_sessions, "open files (sessions) at once (1..64, default 8)");

static int __init ktstr_init(void)
{
	int ret;

	ktstr_capacity = clamp(ktstr_capacity, KTSTR_CAPACITY_MIN, KTSTR_CAPACITY_MAX);
	ktstr_event_slots = clamp(ktstr_event_slots, 16U, 65536U);
	ktstr_max_sessions = clamp(ktstr_max_sessions, 1U, 64U);

	ret = ktstr_probes_lookup();
	if (ret)
		return ret;
	ret = ktstr_table_init();
	if (ret)
		return ret;
	ret = ktstr_dev_init();
	if (ret)
		goto err_table;
	pr_info("ready, ABI %u.%u, %u sessions of up to %u task records\n", KTSTR_ABI_MAJOR,
		KTSTR_ABI_MINOR, ktstr_max_sessions, ktstr_capacity);
	return 0;

err_table:
	ktstr_table_exit();
	return ret;
}

/*
 * Every open file holds a module reference and its close stops its
 * session, so by now no session exists and no probe is attached.
 */
static void __exit ktstr_exit(void)
{
	ktstr_dev_exit();
	ktstr_table_exit();
}

module_init(ktstr_init);
module_exit(ktstr_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("ktstr developers");
MODULE_DESCRIPTION("Per-task scheduler accounting and starvation watchdog for scheduler tests");
MODULE_VERSION("0.1.0");
