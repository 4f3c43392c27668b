/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for <linux/types.h> when include/uapi/linux/ktstr.h is compiled
 * into the BPF collector: vmlinux.h already defines the __u32/__u64 types,
 * and the ioctl numbers are never expanded there.
 */
