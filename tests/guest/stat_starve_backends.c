// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of what `ktstr stat` says about starvation under each
 * backend (issue 10): a SCHED_FIFO hog on CPU 0 under the default RT
 * throttling (950 ms of each second) starves a normal spinner pinned
 * there, which waits about 950 ms at a time. With --starve-ms 200:
 *   module     counts the episodes (its watchdog);
 *   bpf        has no watchdog: must judge from the longest wait and say
 *              so, never "starvations: none" next to a ~950 ms wait;
 *   taskstats  has no longest wait: "not judged", and "-" for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define OUT "/tmp/stat_starve.out"

static pid_t spinner(int cpu, uint64_t ns, int fifo_prio)
{
	pid_t pid = fork();

	if (!pid) {
		pin_cpu(cpu);
		if (fifo_prio) {
			struct sched_param sp = { .sched_priority = fifo_prio };

			if (sched_setscheduler(0, SCHED_FIFO, &sp))
				_exit(2);
		}
		spin_ns(ns);
		_exit(0);
	}
	return pid;
}

/* The command ktstr stat runs: victim, then the hog on its CPU. */
static int hog(void)
{
	pid_t victim, h;
	int st, ret = 0;

	victim = spinner(0, 2500 * MS, 0);
	sleep_ns(100 * MS);
	h = spinner(0, 1500 * MS, 10);
	waitpid(h, &st, 0);
	ret |= !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	waitpid(victim, &st, 0);
	ret |= !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return ret;
}

/* ktstr stat --backend @be --starve-ms 200 -- ./self hog, stdout to OUT. */
static int stat_with(const char *be, char *out, size_t len)
{
	char *argv[] = { "ktstr", "stat", "--backend", (char *)be, "--starve-ms", "200",
			 "--", "./stat_starve_backends", "hog", NULL };
	pid_t pid = fork();
	int st;

	if (!pid) {
		int fd = open(OUT, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(null, 2);
		execvp("ktstr", argv);
		_exit(126);
	}
	waitpid(pid, &st, 0);
	if (read_file(OUT, out, len) < 0)
		out[0] = '\0';
	return st;
}

static void show(const char *out)
{
	const char *l = out;

	while (l && *l) {
		const char *e = strchr(l, '\n');

		printf("#   %.*s\n", (int)(e ? e - l : (long)strlen(l)), l);
		l = e ? e + 1 : NULL;
	}
}

int main(int argc, char **argv)
{
	static char out[16384];
	char old_rt[32] = "";
	int st;

	if (argc > 1 && !strcmp(argv[1], "hog"))
		return hog();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The default throttling: the victim runs 50 ms of each second. */
	read_file("/proc/sys/kernel/sched_rt_runtime_us", old_rt, sizeof(old_rt));
	write_file("/proc/sys/kernel/sched_rt_runtime_us", "950000");

	st = stat_with("module", out, sizeof(out));
	show(out);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "stat module: hog workload ran",
	      "status %#x", st);
	check(strstr(out, "starvations: ") && strstr(out, " episode") &&
	      strstr(out, "(threshold 200.0 ms)"),
	      "stat module: the watchdog counts the episodes", "no episode line");

	st = stat_with("bpf", out, sizeof(out));
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && !strstr(out, "backend: bpf")) {
		skip("stat bpf: starvation from the longest wait", "bpf backend not available");
	} else {
		show(out);
		check(!strstr(out, "starvations: none"), "stat bpf: no 'none' next to a long wait",
		      "said none");
		check(strstr(out, "waited past the threshold (200.0 ms), longest ") != NULL,
		      "stat bpf: starvation judged from the longest wait", "no such line");
		check(strstr(out, "backend bpf has no watchdog") != NULL,
		      "stat bpf: says how and how late", "no explanation");
	}

	st = stat_with("taskstats", out, sizeof(out));
	show(out);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "stat taskstats: hog workload ran",
	      "status %#x", st);
	check(strstr(out, "starvations: not judged (backend taskstats") != NULL &&
	      !strstr(out, "starvations: none"),
	      "stat taskstats: starvation not judged", "no 'not judged' line");
	/* wakeups, migr and cpus of the rows: "-", right-aligned. */
	check(strstr(out, "        -     -  -\n") != NULL,
	      "stat taskstats: unknown columns print '-'", "no '-' cells");

	if (old_rt[0])
		write_file("/proc/sys/kernel/sched_rt_runtime_us", old_rt);
	return g_failed ? 1 : 0;
}
