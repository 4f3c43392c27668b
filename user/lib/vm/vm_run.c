// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr vm, top level: resolve the kernel, module and accelerator, build
 * the initramfs in a private temp dir, run QEMU (again under TCG when KVM
 * failed before the guest's init, see vm_accel.c), and clean up on every
 * path. SIGINT/SIGTERM/SIGHUP are blocked for the whole run and only let in
 * while waiting on QEMU (ppoll), so an interrupt always goes through the
 * same cleanup: kill and reap QEMU, remove the temp dir, then die of the
 * same signal so our parent sees the usual status.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ktstr/util.h>
#include "ktstr/kernel.h"
#include "ktstr/vm.h"
#include "util/ktstr_error.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NR_STOP (KTSTR_ARRAY_SIZE(stop_signals))

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

static char *default_kernel(void)
{
	const char *cache = getenv("KTSTR_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *p = NULL;
	int r;

	if (cache && *cache)
		r = asprintf(&p, "%s/kernels/default/vmlinuz", cache);
	else if (xdg && *xdg)
		r = asprintf(&p, "%s/ktstr/kernels/default/vmlinuz", xdg);
	else
		r = asprintf(&p, "%s/.cache/ktstr/kernels/default/vmlinuz",
			     home ? home : "");
	return r < 0 ? NULL : p;
}

/* $KTSTR_MODULE, else the tree's kmod/ktstr.ko (none when installed). */
static char *default_module(void)
{
	const char *env = getenv("KTSTR_MODULE");

	if (env && *env)
		return strdup(env);
	return ktstr_kernel_tree_module();
}

/* The temp dir holds only flat files that we created. */
static void remove_tmpdir(const char *dir)
{
	int err = ktstr_vm_tmpdir_remove(dir);

	if (err)
		ktstr_print("ktstr vm: cannot remove %s: %s\n", dir, strerror(-err));
}

/* Consume a stop signal that arrived while blocked, outside ppoll. */
static void check_pending(const sigset_t *stops)
{
	struct timespec zero = { 0, 0 };
	int sig = sigtimedwait(stops, NULL, &zero);

	if (sig > 0)
		stop_sig = sig;
}

/*
 * Boot with the chosen accelerator, falling back once to TCG when KVM
 * failed before the guest's init ran; keep what was learnt for this host.
 */
static int boot(struct ktstr_vm_accel *a, const char *kernel, const char *initrd,
		const char *tmpdir, int outdir_fd, const struct ktstr_vm_opts *opts,
		const sigset_t *wait_mask, const sigset_t *stops)
{
	struct ktstr_vm_qemu q = {
		.kernel = kernel,
		.initrd = initrd,
		.tmpdir = tmpdir,
		.kvm = a->kvm,
		.fallback = a->fallback,
		.accel_why = a->why,
		.opts = opts,
		.outdir_fd = outdir_fd,
		.wait_mask = wait_mask,
		.stop_sig = &stop_sig,
	};
	int ret;

	ret = ktstr_vm_qemu_run(&q);
	check_pending(stops);
	if (q.kvm_failed && !stop_sig) {
		ktstr_print("ktstr vm: KVM failed before the guest's init (%s); "
			"falling back to TCG (the verdict for this host goes to %s once TCG boots)\n",
			q.why, a->path);
		a->kvm = a->fallback = false;
		q.kvm = q.fallback = false;
		q.accel_why = "KVM failed before the guest's init";
		ret = ktstr_vm_qemu_run(&q);
		check_pending(stops);
		/* Only TCG getting where KVM did not makes a verdict. */
		if (q.init_ran)
			ktstr_vm_accel_remember(a, false);
	} else if (q.kvm && q.init_ran && a->fallback && !a->cached) {
		ktstr_vm_accel_remember(a, true);
	}
	return ret;
}

/*
 * The guest's kernel image and (unless --no-module) ktstr.ko, malloc()ed:
 * --kernel NAME is a cached kernel and the ktstr.ko built for it. -1 (said,
 * nothing kept) when one is missing.
 */
static int pick_images(const struct ktstr_vm_opts *opts, char **kernel, char **module)
{
	char *kmod = NULL;

	*kernel = *module = NULL;
	if (ktstr_kernel_resolve(opts->kernel, kernel, &kmod))
		return -1;
	*kernel = *kernel ? *kernel : default_kernel();
	if (!*kernel) {
		ktstr_print("ktstr vm: out of memory\n");
		free(kmod);
		return -1;
	}
	if (access(*kernel, R_OK)) {
		ktstr_print("ktstr vm: no kernel image at %s (%s): run 'make deps' or pass --kernel\n",
			*kernel, strerror(errno));
		goto fail;
	}
	if (!opts->no_module) {
		*module = opts->module ? strdup(opts->module) : kmod ? strdup(kmod) : default_module();
		if (!*module || access(*module, R_OK)) {
			ktstr_print("ktstr vm: module %s not found: build it ('make kmod', or 'ktstr kernel fetch NAME' for a named kernel) or pass --module/--no-module\n",
				*module ? *module : "ktstr.ko");
			goto fail;
		}
	}
	free(kmod);
	return 0;
fail:
	free(kmod);
	free(*module);
	free(*kernel);
	*kernel = *module = NULL;
	return -1;
}

int ktstr_vm_run(const struct ktstr_vm_opts *opts)
{
	struct sigaction sa = { .sa_handler = on_stop }, old_sa[NR_STOP], old_pipe;
	char *kernel = NULL, *module = NULL, *initrd = NULL, tmpdir[4096];
	sigset_t stops, old_mask, wait_mask;
	const char *tmp = getenv("TMPDIR");
	int ret = KTSTR_VM_EXIT_FAIL, err;
	struct ktstr_vm_accel accel = { 0 };
	bool have_tmp = false;
	int outdir_fd = -1;

	if (pick_images(opts, &kernel, &module))
		return KTSTR_VM_EXIT_FAIL;
	if (opts->outdir && (outdir_fd = ktstr_vm_outdir_open(opts->outdir)) < 0)
		goto out_free;
	if (ktstr_vm_accel_pick(&accel))
		goto out_free;

	sigemptyset(&stops);
	for (size_t i = 0; i < NR_STOP; i++)
		sigaddset(&stops, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &stops, &old_mask);
	wait_mask = old_mask;
	for (size_t i = 0; i < NR_STOP; i++) {
		sigdelset(&wait_mask, stop_signals[i]);
		sigaction(stop_signals[i], &sa, &old_sa[i]);
	}
	/* A closed stdout (| head) must not kill us before cleanup. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	stop_sig = 0;

	snprintf(tmpdir, sizeof(tmpdir), "%s/" KTSTR_VM_TMP_PREFIX "XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpdir)) {
		ktstr_print("ktstr vm: cannot create a temp dir in %s: %s\n",
			tmp && *tmp ? tmp : "/tmp", strerror(errno));
		goto out_sig;
	}
	have_tmp = true;
	/* So that `ktstr cleanup` can tell it from a live run's after a SIGKILL. */
	err = ktstr_vm_tmpdir_own(tmpdir);
	if (err) {
		ktstr_print("ktstr vm: cannot write %s/%s: %s\n", tmpdir, KTSTR_VM_OWNER,
			strerror(-err));
		goto out_sig;
	}
	if (asprintf(&initrd, "%s/initramfs.cpio", tmpdir) < 0) {
		initrd = NULL;
		ktstr_print("ktstr vm: out of memory\n");
		goto out_sig;
	}
	if (ktstr_vm_initramfs_build(initrd, opts, module))
		goto out_sig;
	check_pending(&stops);
	if (stop_sig)
		goto out_sig;

	ret = boot(&accel, kernel, initrd, tmpdir, outdir_fd, opts, &wait_mask, &stops);

out_sig:
	ktstr_vm_term_restore();	/* --shell: on every path, before we die of a signal */
	if (have_tmp)
		remove_tmpdir(tmpdir);
	sigaction(SIGPIPE, &old_pipe, NULL);
	for (size_t i = 0; i < NR_STOP; i++)
		sigaction(stop_signals[i], &old_sa[i], NULL);
	if (stop_sig) {
		/* Die of the signal, as an uncaught one would have killed us. */
		int sig = stop_sig;

		signal(sig, SIG_DFL);
		sigdelset(&old_mask, sig);
		raise(sig);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		ret = 128 + sig;
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
out_free:
	if (outdir_fd >= 0)
		close(outdir_fd);
	ktstr_vm_accel_free(&accel);
	free(initrd);
	free(module);
	free(kernel);
	return ret;
}
