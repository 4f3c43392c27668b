/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktstr vm: boot a kernel in QEMU with an initramfs built on the fly, run
 * one command in it and hand back its exit status.
 *
 * Pieces, one file each under user/lib:
 *   vm_run.c        defaults, temp dir, signals; glues the rest together
 *   vm_cpio.c       "newc" cpio writer (the initramfs format)
 *   vm_libs.c       shared libraries an ELF needs (ldd)
 *   vm_initramfs.c  what goes into the initramfs, and the /init script
 *   vm_kvm.c        probe whether KVM can really run a guest
 *   vm_accel.c      pick KVM or TCG; the per-host verdict in the cache
 *   vm_qemu.c       launch QEMU, stream COM1, enforce the timeout, read COM2
 *   vm_topology.c   --topology NnNlNcNt / presets, and their QEMU arguments
 *   vm_outdir.c     --outdir: the guest's /work/out as a tar stream on COM3,
 *                   unpacked under DIR without trusting it
 *   vm_term.c       --shell: the host terminal in raw mode, stdin forwarded
 *
 * Functions that fail hand one "ktstr vm: ..." line to the print function
 * (ktstr_set_print(), <ktstr/error.h>) themselves and return -1, so callers
 * only propagate.
 *
 * Compiles alone in strict C99/C11 and C++: no POSIX type (sigset_t) is
 * named here, so no feature-test macro is needed to include it.
 */
#ifndef KTSTR_VM_H
#define KTSTR_VM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(default)

/* Exit statuses of ktstr vm when the harness, not the command, failed. */
#define KTSTR_VM_EXIT_TIMEOUT	124	/* same as timeout(1) */
#define KTSTR_VM_EXIT_FAIL	125	/* panic, dirty dmesg, qemu, module... */

#ifdef __cplusplus
extern "C" {
#endif

#define KTSTR_VM_GUEST_MODULE	"/lib/ktstr/ktstr.ko"
#define KTSTR_VM_GUEST_WORKDIR	"/work"

/*
 * A guest CPU topology, written NnNlNcNt: NUMA nodes, LLCs (in all), cores
 * per LLC, threads per core. CPUs = llcs * cores_per_llc * threads_per_core;
 * llcs is a multiple of numa_nodes. See docs/topology.md for how it maps to
 * QEMU (one socket per LLC).
 */
struct ktstr_vm_topology {
	int numa_nodes;
	int llcs;
	int cores_per_llc;
	int threads_per_core;
};

#define KTSTR_VM_TOPO_MAX_CPUS	64
#define KTSTR_VM_TOPO_MIN_NODE_MB 64	/* guest memory per NUMA node, at least */

struct ktstr_vm_topo_preset {
	const char *name;
	struct ktstr_vm_topology topo;
};

/* The 24 gauntlet presets (some exceed KTSTR_VM_TOPO_MAX_CPUS); NULL-name terminated. */
extern const struct ktstr_vm_topo_preset ktstr_vm_topo_presets[];

static inline int ktstr_vm_topo_cpus(const struct ktstr_vm_topology *t)
{
	return t->llcs * t->cores_per_llc * t->threads_per_core;
}

/**
 * ktstr_vm_topology_parse() - parse and validate a guest topology
 * @s: "NnNlNcNt" or a preset name
 * @t: receives it
 * @err: receives a one-line reason (no "ktstr vm:" prefix) on failure, as
 *	does ktstr_last_error()
 * @err_len: size of @err
 *
 * Return: 0, or -1.
 */
int ktstr_vm_topology_parse(const char *s, struct ktstr_vm_topology *t,
			    char *err, size_t err_len);

/**
 * ktstr_vm_topology_str() - a guest topology's canonical "NnNlNcNt" form
 * @t: the topology
 * @buf: receives it (~48 bytes are enough)
 * @len: size of @buf
 *
 * Return: @buf.
 */
const char *ktstr_vm_topology_str(const struct ktstr_vm_topology *t,
				  char *buf, size_t len);

/**
 * ktstr_vm_topology_qemu_args() - the QEMU arguments of a guest topology
 * @t: the topology
 * @memory_mb: the guest's memory
 * @args: receives "-smp" and its value, then for NUMA guests (numa_nodes >
 *	1) a memory-backend-ram object, a "-numa node" per node and a "-numa
 *	cpu" per socket: a NULL-terminated array of malloc()ed strings (free
 *	with ktstr_vm_topology_args_free())
 * @nr: receives how many
 * @err: receives the reason of a failure (too little memory per node, out
 *	of memory)
 * @err_len: size of @err
 *
 * Return: 0, or -1.
 */
int ktstr_vm_topology_qemu_args(const struct ktstr_vm_topology *t, int memory_mb,
				char ***args, size_t *nr, char *err, size_t err_len);

/**
 * ktstr_vm_topology_args_free() - free ktstr_vm_topology_qemu_args()'s array
 * @args: the array; NULL is a no-op
 */
void ktstr_vm_topology_args_free(char **args);

struct ktstr_vm_opts {
	const char *kernel;		/* NULL: $KTSTR_CACHE/kernels/default/vmlinuz */
	const char *module;		/* NULL: $KTSTR_MODULE or next to our binary */
	bool no_module;
	int cpus;			/* ignored when topology is set */
	const struct ktstr_vm_topology *topology; /* NULL: flat -smp cpus */
	int memory_mb;
	int timeout_s;
	const char *append;		/* extra kernel command line, may be NULL */
	const char **includes;		/* files copied into KTSTR_VM_GUEST_WORKDIR */
	size_t nr_includes;
	char **argv;			/* the command, NULL-terminated, argv[0] != NULL;
					 * NULL with shell */
	const char *outdir;		/* --outdir DIR, or NULL */
	uint64_t outdir_max;		/* bytes DIR may receive in all */
	bool shell;			/* --shell: an interactive shell, stdin forwarded */
	int term_rows, term_cols;	/* the host terminal's size (shell), or 0 */
};

#define KTSTR_VM_OUTDIR_MAX_MB	1024	/* default --outdir-max */
/* Guest: what the command leaves here comes back with --outdir. */
#define KTSTR_VM_GUEST_OUTDIR	KTSTR_VM_GUEST_WORKDIR "/out"
/* Guest: the serial port that carries it (COM3). */
#define KTSTR_VM_GUEST_OUTPORT	"/dev/ttyS2"
/* The guest's /init writes this on COM2 right before --shell's shell. */
#define KTSTR_VM_SHELL_MARKER	"KTSTR-SHELL"

/**
 * ktstr_vm_run() - run a command in a guest
 * @opts: the guest and opts->argv, the command
 *
 * What goes wrong is said to the print function (ktstr_set_print()).
 *
 * Return: the command's exit status, or KTSTR_VM_EXIT_* when the harness
 * failed (128 + signal when a signal stopped it).
 */
int ktstr_vm_run(const struct ktstr_vm_opts *opts);

/* ---- temp dirs (ktstr-vm.XXXXXX under $TMPDIR or /tmp) ---- */

#define KTSTR_VM_TMP_PREFIX	"ktstr-vm."
#define KTSTR_VM_OWNER		"owner"	/* the pid of the ktstr vm that made it */

/**
 * ktstr_vm_tmpdir_remove() - remove a temp dir and the flat files in it
 * @dir: the directory
 *
 * Return: 0, or -errno (of the rmdir).
 */
int ktstr_vm_tmpdir_remove(const char *dir);

/**
 * ktstr_vm_tmpdir_own() - mark a temp dir as ours
 * @dir: the directory; our pid goes into @dir/KTSTR_VM_OWNER
 *
 * Return: 0, or -errno.
 */
int ktstr_vm_tmpdir_own(const char *dir);

/**
 * ktstr_vm_cleanup_stale() - remove the temp dirs of dead runs
 * @tmp: where to look; NULL: /tmp
 * @cb: told each path and what was done; may be NULL
 * @arg: @cb's argument
 *
 * Removes the temp dirs whose owner is dead (left by a SIGKILLed run);
 * dirs of live owners, and dirs without an owner file, are kept.
 *
 * Return: how many were removed, or -errno when @tmp cannot be read.
 */
int ktstr_vm_cleanup_stale(const char *tmp,
			   void (*cb)(const char *path, const char *what, void *arg),
			   void *arg);

/**
 * ktstr_vm_kvm_usable() - can KVM run guest code here
 *
 * Return: true if /dev/kvm can actually run guest code (not just open).
 */
bool ktstr_vm_kvm_usable(void);

/* ---- accelerator (vm_accel.c) ---- */

struct ktstr_vm_accel {
	bool kvm;		/* boot with KVM (else TCG) */
	bool fallback;		/* KVM failing before the guest's init: retry with TCG */
	bool cached;		/* the choice came from a remembered verdict */
	const char *why;	/* for the "accelerator" line */
	char *path;		/* this host's verdict file; NULL when forced */
	char *key;		/* host, kernel and QEMU the verdict holds for */
};

/**
 * ktstr_vm_accel_pick() - choose the accelerator
 * @a: receives the choice: KTSTR_ACCEL=kvm|tcg (forced, no fallback), else
 *	this host's verdict in $KTSTR_CACHE/accel/, else the KVM probe
 *
 * Return: 0, or -1 after one line to the print function (bad
 * KTSTR_ACCEL, out of memory).
 */
int ktstr_vm_accel_pick(struct ktstr_vm_accel *a);

/**
 * ktstr_vm_accel_remember() - keep the verdict for this host (atomically)
 * @a: the choice
 * @kvm: the verdict: KVM works
 *
 * Return: 0, or -errno, said to the print function.
 */
int ktstr_vm_accel_remember(struct ktstr_vm_accel *a, bool kvm);

/**
 * ktstr_vm_accel_free() - free what a choice holds
 * @a: the choice
 */
void ktstr_vm_accel_free(struct ktstr_vm_accel *a);

/**
 * ktstr_vm_qemu_binary() - the QEMU to run
 *
 * Return: $KTSTR_QEMU, else "qemu-system-x86_64".
 */
const char *ktstr_vm_qemu_binary(void);

/* ---- cpio "newc" writer ---- */

struct ktstr_vm_cpio {
	int fd;
	uint32_t next_ino;
	uint64_t off;			/* bytes written, for 4-byte padding */
	char **names;			/* entries written so far, to skip duplicates */
	size_t nr_names, cap_names;
};

/*
 * The writers below take absolute guest paths, add missing parents as 0755
 * directories, and return 0, or -1 after one line to the print function.
 */

/**
 * ktstr_vm_cpio_init() - start an archive
 * @c: the writer
 * @fd: where the archive goes (the caller's)
 *
 * Return: 0.
 */
int ktstr_vm_cpio_init(struct ktstr_vm_cpio *c, int fd);

/**
 * ktstr_vm_cpio_dir() - add a directory
 * @c: the writer
 * @path: its guest path
 * @mode: its mode
 *
 * Return: 0, or -1 (said).
 */
int ktstr_vm_cpio_dir(struct ktstr_vm_cpio *c, const char *path, unsigned int mode);

/**
 * ktstr_vm_cpio_data() - add a file from memory
 * @c: the writer
 * @path: its guest path
 * @mode: its mode
 * @data: its contents
 * @len: their size
 *
 * Return: 0, or -1 (said).
 */
int ktstr_vm_cpio_data(struct ktstr_vm_cpio *c, const char *path,
		       unsigned int mode, const void *data, size_t len);

/**
 * ktstr_vm_cpio_file() - add a copy of a host file
 * @c: the writer
 * @path: its guest path
 * @src: the host file (symlinks followed)
 * @mode: its mode; 0 keeps @src's
 *
 * Return: 0, or -1 (said).
 */
int ktstr_vm_cpio_file(struct ktstr_vm_cpio *c, const char *path,
		       const char *src, unsigned int mode);

/**
 * ktstr_vm_cpio_fd() - add a copy of an open regular file
 * @c: the writer
 * @path: its guest path
 * @fd: the file
 * @src: its name in messages
 * @mode: its mode; 0 keeps the file's
 *
 * Return: 0, or -1 (said).
 */
int ktstr_vm_cpio_fd(struct ktstr_vm_cpio *c, const char *path, int fd,
		     const char *src, unsigned int mode);

/**
 * ktstr_vm_cpio_symlink() - add a symbolic link
 * @c: the writer
 * @path: its guest path
 * @target: what it points to
 *
 * Return: 0, or -1 (said).
 */
int ktstr_vm_cpio_symlink(struct ktstr_vm_cpio *c, const char *path,
			  const char *target);

/**
 * ktstr_vm_cpio_chardev() - add a character device
 * @c: the writer
 * @path: its guest path
 * @mode: its mode
 * @major: its major number
 * @minor: its minor number
 *
 * Return: 0, or -1 (said).
 */
int ktstr_vm_cpio_chardev(struct ktstr_vm_cpio *c, const char *path,
			  unsigned int mode, unsigned int major, unsigned int minor);

/**
 * ktstr_vm_cpio_has() - is a path in the archive already
 * @c: the writer
 * @path: the guest path
 *
 * Return: true if it is.
 */
bool ktstr_vm_cpio_has(const struct ktstr_vm_cpio *c, const char *path);

/**
 * ktstr_vm_cpio_finish() - write the trailer
 * @c: the writer; its fd stays open and the caller's
 *
 * Return: 0, or -1 (said).
 */
int ktstr_vm_cpio_finish(struct ktstr_vm_cpio *c);

/**
 * ktstr_vm_cpio_free() - free the writer's memory
 * @c: the writer
 */
void ktstr_vm_cpio_free(struct ktstr_vm_cpio *c);

/* ---- shared libraries ---- */

/**
 * ktstr_vm_libs() - the shared objects an executable needs
 * @path: the ELF file
 * @libs: receives the absolute host paths of every shared object (dynamic
 *	loader included) it needs (free with ktstr_vm_libs_free()); a static
 *	or non-ELF file gives none
 * @nr: receives how many
 *
 * Return: 0, or -1 after one line to the print function.
 */
int ktstr_vm_libs(const char *path, char ***libs, size_t *nr);

/**
 * ktstr_vm_libs_fd() - ktstr_vm_libs() for an open file
 * @fd: the file
 * @path: its name in messages
 * @libs: as ktstr_vm_libs()'s
 * @nr: as ktstr_vm_libs()'s
 *
 * Return: as ktstr_vm_libs().
 */
int ktstr_vm_libs_fd(int fd, const char *path, char ***libs, size_t *nr);

/**
 * ktstr_vm_libs_free() - free ktstr_vm_libs()'s array
 * @libs: the array
 * @nr: its length
 */
void ktstr_vm_libs_free(char **libs, size_t nr);

/* ---- initramfs ---- */

/**
 * ktstr_vm_initramfs_build() - write a guest's initramfs
 * @out_path: where it goes
 * @opts: the guest: its command and the files it includes
 * @module: the host path of ktstr.ko, or NULL for none
 *
 * Return: 0, or -1 after one line to the print function.
 */
int ktstr_vm_initramfs_build(const char *out_path,
			     const struct ktstr_vm_opts *opts,
			     const char *module);

/* ---- --outdir (vm_outdir.c) ---- */

/**
 * ktstr_vm_outdir_open() - make and open --outdir's directory
 * @dir: made if missing (its parent must exist); a symlink is refused
 *
 * Return: its fd, or -1 after one line to the print function.
 */
int ktstr_vm_outdir_open(const char *dir);

struct ktstr_vm_untar;
struct ktstr_vm_untar_stats {
	unsigned long files, dirs, refused;
	uint64_t bytes;
	bool complete;			/* the archive's end was seen */
	bool got_data;			/* anything arrived at all */
};

/**
 * ktstr_vm_untar_new() - an unpacker of the guest's tar stream
 * @dirfd: the directory it unpacks into (kept open by the caller)
 * @max_bytes: what it may write in all
 *
 * Return: the unpacker, or NULL when out of memory.
 */
struct ktstr_vm_untar *ktstr_vm_untar_new(int dirfd, uint64_t max_bytes);

/**
 * ktstr_vm_untar_feed() - feed the stream as it arrives
 * @u: the unpacker
 * @buf: the next bytes
 * @len: how many
 *
 * Refusals are said to the print function.
 */
void ktstr_vm_untar_feed(struct ktstr_vm_untar *u, const char *buf, size_t len);

/**
 * ktstr_vm_untar_finish() - the stream ended
 * @u: the unpacker; a file cut short is removed
 * @stats: receives what was unpacked
 *
 * Return: 0 when nothing was refused and the archive (if any came) was
 * complete; else -1.
 */
int ktstr_vm_untar_finish(struct ktstr_vm_untar *u, struct ktstr_vm_untar_stats *stats);

/**
 * ktstr_vm_untar_free() - free an unpacker
 * @u: the unpacker; NULL is a no-op
 */
void ktstr_vm_untar_free(struct ktstr_vm_untar *u);

/* ---- --shell's terminal (vm_term.c) ---- */

/**
 * ktstr_vm_term_raw() - put a terminal in raw mode (output processing kept)
 * @fd: the terminal
 *
 * Return: 0, or -1.
 */
int ktstr_vm_term_raw(int fd);

/**
 * ktstr_vm_term_restore() - restore what ktstr_vm_term_raw() changed
 *
 * Safe to call again, or without ktstr_vm_term_raw().
 */
void ktstr_vm_term_restore(void);

/* ---- qemu ---- */

struct ktstr_vm_qemu {
	const char *kernel;
	const char *initrd;
	const char *tmpdir;		/* COM2 and qemu's stderr go here */
	bool kvm;
	/*
	 * With kvm: a failure before the guest's init ran (QEMU exits, or
	 * says "KVM internal error") is not reported but returned in
	 * kvm_failed and why, for the caller to retry with TCG.
	 */
	bool fallback;
	/*
	 * Why this accelerator: "ktstr vm: accelerator kvm|tcg (why)" goes to
	 * the print function once, as soon as the guest's init runs (or when the boot
	 * ends without it), not for a KVM boot handed back for the fallback.
	 */
	const char *accel_why;
	const struct ktstr_vm_opts *opts;
	int outdir_fd;			/* --outdir's DIR, or -1 */
	/* A const sigset_t *, the mask for ppoll (lets SIGINT/TERM in), or
	 * NULL; void here so that the header needs no POSIX <signal.h>. */
	const void *wait_mask;
	volatile sig_atomic_t *stop_sig; /* set by our handler when signalled */
	/* Out: */
	bool init_ran;			/* the guest's /init wrote its first marker */
	bool accel_said;		/* the accelerator line was printed */
	bool kvm_failed;		/* see fallback */
	char why[512];			/* what failed, with QEMU's first error line */
	bool shell_ready;		/* the guest's shell is about to read */
};

/* The guest's /init writes this line on COM2 first thing. */
#define KTSTR_VM_INIT_MARKER	"KTSTR-INIT"
/* Kernel command line variable (init's environment): the accelerator. */
#define KTSTR_VM_ACCEL_VAR	"KTSTR_VM_ACCEL"

/**
 * ktstr_vm_qemu_run() - boot one guest
 * @q: the guest; its out fields are set
 *
 * Streams COM1 (the console) to stdout and collects the result; what goes
 * wrong is said to the print function.
 *
 * Return: the command's exit status, or KTSTR_VM_EXIT_*.
 */
int ktstr_vm_qemu_run(struct ktstr_vm_qemu *q);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
