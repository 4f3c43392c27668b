// SPDX-License-Identifier: GPL-2.0
/*
 * Does KVM really work here? Opening /dev/kvm is not enough: on some hosts
 * (nested setups) it opens and creates VMs, but guests die with "KVM
 * internal error". So run a tiny real-mode guest, a single `hlt`, and
 * require a clean KVM_EXIT_HLT. Any failure means "use TCG".
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ktstr/vm.h"

#define PROBE_GPA	0x1000

bool ktstr_vm_kvm_usable(void)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run = MAP_FAILED;
	void *mem = MAP_FAILED;
	int kvm, vm = -1, vcpu = -1, run_size = 0;
	bool ok = false;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return false;
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		goto out;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		goto out;
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		goto out;
	((uint8_t *)mem)[0] = 0xf4;	/* hlt */
	memset(&region, 0, sizeof(region));
	region.guest_phys_addr = PROBE_GPA;
	region.memory_size = 0x1000;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		goto out;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto out;
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		goto out;
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		goto out;
	/* Real mode, flat CS at 0, so that rip is the physical address. */
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		goto out;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		goto out;
	memset(&regs, 0, sizeof(regs));
	regs.rip = PROBE_GPA;
	regs.rflags = 0x2;	/* bit 1 is reserved and must be set */
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		goto out;
	if (ioctl(vcpu, KVM_RUN, 0))
		goto out;
	ok = run->exit_reason == KVM_EXIT_HLT;
out:
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (mem != MAP_FAILED)
		munmap(mem, 0x1000);
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	close(kvm);
	return ok;
}
