/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logical CPUs as the selftests' C helpers see them (vcpu_bench.c,
 * vcpu_wait.c): the CPU's sysfs online file, and whether a task pinned to
 * it runs there. Needs _GNU_SOURCE, <fcntl.h>, <sched.h>, <stdio.h> and
 * <unistd.h> before it.
 */
#ifndef CPU_SYSFS_H
#define CPU_SYSFS_H

#define SYS "/sys/devices/system/cpu/cpu"

/* Reads (val NULL) or writes the CPU's online file: its first byte, or -1. */
static int online_file(int cpu, const char *val)
{
	char p[64], c = 0;
	int fd, r;

	snprintf(p, sizeof(p), SYS "%d/online", cpu);
	fd = open(p, val ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return -1;
	r = val ? (write(fd, val, 1) == 1 ? '1' : -1) : (read(fd, &c, 1) == 1 ? c : -1);
	close(fd);
	return r;
}

/* A task pinned to the CPU runs there (then the task is unpinned again). */
static int runs_on(int cpu)
{
	cpu_set_t s;
	int r;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		return 0;
	sched_yield();
	r = sched_getcpu() == cpu;
	CPU_ZERO(&s);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &s);
	sched_setaffinity(0, sizeof(s), &s);
	return r;
}

#endif
