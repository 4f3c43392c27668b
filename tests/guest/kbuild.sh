#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-guest checks of a kernel made by `ktstr kernel build` from
# kernels/base.config: what the base config promises is there at run time.
# Run by `tests/run.sh kbuild` in a boot of that kernel (before the module's
# accuracy tests); a shell script, so the 6.12 guest suite (tests/guest/*.c)
# does not pick it up. Prints "ok"/"not ok" lines; exits non-zero if a
# check failed. The guest powering off at the end (ACPI) is checked by the
# host: `ktstr vm` would time out otherwise.
rc=0
ok() { echo "ok - kbuild guest: $1"; }
not_ok() { echo "not ok - kbuild guest: $1: $2"; rc=1; }

n=$(grep -c '^processor' /proc/cpuinfo)
if [ "$n" = "${KBUILD_CPUS:-2}" ]; then
	ok "$n CPUs up (SMP, ACPI MADT)"
else
	not_ok "CPUs" "$n online, want ${KBUILD_CPUS:-2}"
fi

ctl=$(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)
case " $ctl " in
*" cpuset "*) has_cpuset=1 ;;
esac
case " $ctl " in
*" cpu "*) has_cpu=1 ;;
esac
if [ -n "${has_cpuset:-}" ] && [ -n "${has_cpu:-}" ]; then
	ok "cgroup v2 with cpu and cpuset controllers ($ctl)"
else
	not_ok "cgroup v2 controllers" "'$ctl', want cpu and cpuset"
fi

if [ -r /proc/self/schedstat ] && [ -r /proc/self/sched ] &&
   [ -w /proc/sys/kernel/sched_schedstats ]; then
	ok "/proc/PID/schedstat, /proc/PID/sched and kernel.sched_schedstats"
else
	not_ok "scheduler statistics" "schedstat, sched or sched_schedstats missing"
fi

if grep -q ' ktstr$' /proc/modules 2>/dev/null || grep -q '^ktstr ' /proc/modules; then
	ok "ktstr.ko loaded"
else
	not_ok "ktstr.ko" "not in /proc/modules"
fi

# BTF: the kernel's (BPF collector, sched_ext) and the module's.
if [ -r /sys/kernel/btf/vmlinux ] && [ -r /sys/kernel/btf/ktstr ]; then
	ok "BTF of vmlinux and of ktstr.ko in /sys/kernel/btf"
else
	not_ok "BTF" "$(ls /sys/kernel/btf 2>&1 | tr '\n' ' ')"
fi

# sched_ext registered its struct_ops (it needs the kernel's BTF): its
# sysfs state exists and the log has no registration failure.
st=$(cat /sys/kernel/sched_ext/state 2>/dev/null)
fail=$(dmesg | grep -i 'struct_ops\|sched_ext' | grep -i 'fail\|error')
if [ "$st" = disabled ] && [ -z "$fail" ]; then
	ok "sched_ext registered (state $st)"
else
	not_ok "sched_ext" "state '$st'; log: $fail"
fi

if [ -d /sys/kernel/tracing/events/sched/sched_switch ]; then
	ok "sched tracepoints in tracefs"
else
	not_ok "tracefs" "no events/sched/sched_switch"
fi
exit $rc
