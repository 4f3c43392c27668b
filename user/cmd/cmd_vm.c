// SPDX-License-Identifier: GPL-2.0
/* ktstr vm: flag parsing only; the work is in user/lib/vm/vm_*.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "ktstr/vm.h"

/* Well inside the x86 kernel's 2048-byte command line, with ours. */
#define APPEND_MAX	1024

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr vm [OPTIONS] -- CMD [ARGS...]\n"
		"       ktstr vm [OPTIONS] --shell\n"
		"\n"
		"Boot a kernel in QEMU with ktstr.ko loaded, run CMD in /work, and exit\n"
		"with its status. Fails (%d) on a kernel panic/oops, a BUG/WARNING in\n"
		"dmesg, a module load failure or a QEMU failure; %d on timeout.\n"
		"\n"
		"  --kernel K       kernel image path, or a cached kernel name or version\n"
		"                   ('ktstr kernel list'; default: the cached Debian 6.12)\n"
		"  --module KO      module to load (default $KTSTR_MODULE, else the one\n"
		"                   built for --kernel, else in a source tree\n"
		"                   <dir of ktstr>/../kmod/ktstr.ko)\n"
		"  --no-module      do not load a module\n"
		"  --cpus N         guest CPUs (default 2)\n"
		"  --topology T     guest CPU topology instead of --cpus: NnNlNcNt (NUMA\n"
		"                   nodes, LLCs, cores per LLC, threads per core; e.g.\n"
		"                   1n2l4c1t, 2n4l2c1t) or a preset name (below). One\n"
		"                   socket per LLC; --memory is split across the nodes\n"
		"  --memory MB      guest memory (default 512)\n"
		"  --include FILE   copy FILE (and its shared libraries) into /work; repeatable\n"
		"  --timeout S      kill the guest after S seconds (default 300)\n"
		"  --append ARGS    extra kernel command line\n"
		"  --outdir DIR     what CMD leaves in out/ (/work/out in the guest) is\n"
		"                   copied into DIR (made if missing), also when CMD\n"
		"                   fails; carried as a tar stream on a serial port of\n"
		"                   its own. Only files and directories are taken: a\n"
		"                   symlink, link, device, absolute or '..' path is\n"
		"                   refused, and so is a file past --outdir-max; any\n"
		"                   refusal is one stderr line and exit %d\n"
		"  --outdir-max MB  bound on what --outdir writes in all (default %d)\n"
		"  --shell          instead of CMD, a shell in /work with the module\n"
		"                   loaded; the exit status is the shell's. On a terminal\n"
		"                   it is interactive (raw mode: Ctrl-C goes to the\n"
		"                   guest; Ctrl-A x kills the guest, Ctrl-A Ctrl-A sends\n"
		"                   Ctrl-A); otherwise stdin is read as a script\n"
		"\n"
		"Accelerator: KVM when it works, else TCG (software emulation). When QEMU\n"
		"under KVM fails before the guest's init runs, ktstr vm says so and boots\n"
		"again under TCG, and keeps that verdict for this host, kernel and QEMU in\n"
		"$KTSTR_CACHE/accel/. One stderr line names the accelerator the guest ran\n"
		"under; the guest gets it as %s=kvm|tcg.\n"
		"\n"
		"Environment: KTSTR_ACCEL=kvm|tcg forces the accelerator (no fallback);\n"
		"KTSTR_QEMU names the QEMU binary.\n",
		KTSTR_VM_EXIT_FAIL, KTSTR_VM_EXIT_TIMEOUT, KTSTR_VM_EXIT_FAIL,
		KTSTR_VM_OUTDIR_MAX_MB, KTSTR_VM_ACCEL_VAR);
	fprintf(f, "\nTopology presets (at most %d CPUs):\n", KTSTR_VM_TOPO_MAX_CPUS);
	for (const struct ktstr_vm_topo_preset *p = ktstr_vm_topo_presets; p->name; p++) {
		char buf[48];

		if (ktstr_vm_topo_cpus(&p->topo) > KTSTR_VM_TOPO_MAX_CPUS)
			continue;
		fprintf(f, "  %-18s %-10s %d CPUs\n", p->name,
			ktstr_vm_topology_str(&p->topo, buf, sizeof(buf)),
			ktstr_vm_topo_cpus(&p->topo));
	}
}

static int parse_int(const char *flag, const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < min || v > max) {
		fprintf(stderr, "ktstr vm: %s needs an integer in [%d, %d], not '%s'\n",
			flag, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The files named must be there: said now, not after building an initramfs. */
static int check_paths(const struct ktstr_vm_opts *o)
{
	struct stat st;

	if (o->append && strlen(o->append) > APPEND_MAX) {
		fprintf(stderr, "ktstr vm: bad --append (%zu characters; at most %d)\n",
			strlen(o->append), APPEND_MAX);
		return -1;
	}
	for (size_t i = 0; i < o->nr_includes; i++) {
		const char *why = stat(o->includes[i], &st) ? strerror(errno) :
				  !S_ISREG(st.st_mode) ? "not a regular file" : NULL;

		if (why) {
			fprintf(stderr, "ktstr vm: bad --include '%s' (%s)\n", o->includes[i], why);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(base_name(o->includes[i]), base_name(o->includes[j]))) {
				fprintf(stderr, "ktstr vm: bad --include '%s' (%s/%s is already included)\n",
					o->includes[i], KTSTR_VM_GUEST_WORKDIR,
					base_name(o->includes[i]));
				return -1;
			}
		}
	}
	if (o->outdir) {
		int fd = ktstr_vm_outdir_open(o->outdir);

		if (fd < 0)
			return -1;
		close(fd);
	}
	if (o->module && !o->no_module && (stat(o->module, &st) || !S_ISREG(st.st_mode) ||
					   access(o->module, R_OK))) {
		fprintf(stderr, "ktstr vm: bad --module '%s' (not a readable file)\n", o->module);
		return -1;
	}
	return o->kernel ? arg_check_kernel("ktstr vm", o->kernel) : 0;
}

enum { OPT_KERNEL = 256, OPT_MODULE, OPT_NO_MODULE, OPT_CPUS, OPT_MEMORY,
	OPT_INCLUDE, OPT_TIMEOUT, OPT_APPEND, OPT_TOPOLOGY, OPT_OUTDIR, OPT_OUTDIR_MAX,
	OPT_SHELL };

static const struct option vm_options[] = {
	{ "kernel",    required_argument, NULL, OPT_KERNEL },
	{ "module",    required_argument, NULL, OPT_MODULE },
	{ "no-module", no_argument,       NULL, OPT_NO_MODULE },
	{ "cpus",      required_argument, NULL, OPT_CPUS },
	{ "topology",  required_argument, NULL, OPT_TOPOLOGY },
	{ "memory",    required_argument, NULL, OPT_MEMORY },
	{ "include",   required_argument, NULL, OPT_INCLUDE },
	{ "timeout",   required_argument, NULL, OPT_TIMEOUT },
	{ "append",    required_argument, NULL, OPT_APPEND },
	{ "outdir",    required_argument, NULL, OPT_OUTDIR },
	{ "outdir-max", required_argument, NULL, OPT_OUTDIR_MAX },
	{ "shell",     no_argument,       NULL, OPT_SHELL },
	{ "help",      no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The command line: the run's options and what only the checks need. */
struct vm_args {
	struct ktstr_vm_opts o;
	struct ktstr_vm_topology topo;
	bool have_cpus, have_topo;
};

/* One option @c of getopt_long (its argument in optarg): 0, 1 (--help), -1 (bad). */
static int parse_opt(struct vm_args *a, int c, char **argv)
{
	char err[256];
	int mb;

	switch (c) {
	case OPT_KERNEL:
		a->o.kernel = optarg;
		return 0;
	case OPT_MODULE:
		a->o.module = optarg;
		return 0;
	case OPT_NO_MODULE:
		a->o.no_module = true;
		return 0;
	case OPT_CPUS:
		if (parse_int("--cpus", optarg, 1, 255, &a->o.cpus))
			return -1;
		a->have_cpus = true;
		return 0;
	case OPT_TOPOLOGY:
		if (ktstr_vm_topology_parse(optarg, &a->topo, err, sizeof(err))) {
			fprintf(stderr, "ktstr vm: --topology: %s\n", err);
			return -1;
		}
		a->have_topo = true;
		return 0;
	case OPT_MEMORY:
		return parse_int("--memory", optarg, 64, 1 << 20, &a->o.memory_mb) ? -1 : 0;
	case OPT_INCLUDE:
		a->o.includes[a->o.nr_includes++] = optarg;
		return 0;
	case OPT_TIMEOUT:
		return parse_int("--timeout", optarg, 1, INT_MAX / 2, &a->o.timeout_s) ? -1 : 0;
	case OPT_APPEND:
		a->o.append = optarg;
		return 0;
	case OPT_OUTDIR:
		a->o.outdir = optarg;
		return 0;
	case OPT_OUTDIR_MAX:
		if (parse_int("--outdir-max", optarg, 1, 1 << 20, &mb))
			return -1;
		a->o.outdir_max = (uint64_t)mb << 20;
		return 0;
	case OPT_SHELL:
		a->o.shell = true;
		return 0;
	case 'h':
		usage(stdout);
		return 1;
	case ':':
		fprintf(stderr, "ktstr vm: %s needs an argument\n", argv[optind - 1]);
		return -1;
	default:
		if (optopt && optopt < 256 && optopt != 'h')
			fprintf(stderr, "ktstr vm: unknown option '-%c' (see 'ktstr vm --help')\n",
				optopt);
		else
			fprintf(stderr, "ktstr vm: unknown or ambiguous option '%s' (see 'ktstr vm --help')\n",
				argv[optind - 1]);
		return -1;
	}
}

/* After the options: the command, the files, the topology; -1 (said) if bad. */
static int check_args(struct vm_args *a, int argc)
{
	struct ktstr_vm_opts *o = &a->o;
	char err[256];

	if (o->shell && optind < argc) {
		fprintf(stderr, "ktstr vm: --shell and a command conflict (the shell reads its commands from stdin)\n");
		return -1;
	}
	if (optind >= argc && !o->shell) {
		fprintf(stderr, "ktstr vm: no command given (usage: ktstr vm [OPTIONS] -- CMD [ARGS...])\n");
		return -1;
	}
	if (check_paths(o))
		return -1;
	if (a->have_cpus && a->have_topo) {
		fprintf(stderr, "ktstr vm: --topology and --cpus conflict (the topology sets the CPU count)\n");
		return -1;
	}
	if (a->have_topo) {
		char **args;
		size_t nr;

		/* Check the memory split now, not after building the initramfs. */
		if (ktstr_vm_topology_qemu_args(&a->topo, o->memory_mb, &args, &nr, err,
						sizeof(err))) {
			fprintf(stderr, "ktstr vm: --topology: %s\n", err);
			return -1;
		}
		ktstr_vm_topology_args_free(args);
		o->topology = &a->topo;
		o->cpus = ktstr_vm_topo_cpus(&a->topo);
	}
	return 0;
}

int cmd_vm(int argc, char **argv)
{
	struct vm_args a = { .o = {
		.cpus = 2,
		.memory_mb = 512,
		.timeout_s = 300,
		.outdir_max = (uint64_t)KTSTR_VM_OUTDIR_MAX_MB << 20,
	} };
	struct ktstr_vm_opts *o = &a.o;
	int c, ret = 0;

	/* The includes can be at most every other argument. */
	o->includes = calloc(argc, sizeof(*o->includes));
	if (!o->includes) {
		fprintf(stderr, "ktstr vm: out of memory\n");
		return 1;
	}
	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 1;
	/* '+': stop at the first non-option, so CMD's own flags are left alone. */
	while (!ret && (c = getopt_long(argc, argv, "+:h", vm_options, NULL)) != -1)
		ret = parse_opt(&a, c, argv);
	if (ret > 0) {
		free(o->includes);
		return 0;
	}
	if (ret || check_args(&a, argc)) {
		free(o->includes);
		return 2;
	}
	o->argv = o->shell ? NULL : argv + optind;
	if (o->shell && isatty(STDIN_FILENO)) {
		struct winsize ws = { 0 };

		ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
		o->term_rows = ws.ws_row ? ws.ws_row : 24;
		o->term_cols = ws.ws_col ? ws.ws_col : 80;
	}
	ret = ktstr_vm_run(o);
	free(o->includes);
	return ret;
}
