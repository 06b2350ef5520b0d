// SPDX-License-Identifier: GPL-2.0
/*
 * Clock and vCPU waiter for the Xen HVM machine (selftests/xen_hvm_*.sh):
 * the request (`xl vcpu-set`) is made in dom0, the vCPU comes online in
 * the guest, so both ends are timed on CLOCK_REALTIME, which a Xen dom0
 * and a Xen HVM guest both take from Xen's wallclock and advance with
 * Xen's clocksource (the harness prints an estimate of the offset).
 *
 *   vcpu_wait now
 *       prints CLOCK_REALTIME as SECONDS.NANOSECONDS
 *   vcpu_wait online CPU TIMEOUT_S module|native
 *       polls every millisecond until CPU's sysfs directory exists
 *       (present_rt) and it is online and runs a task pinned to it
 *       (online_rt). native: Linux's ACPI processor driver leaves a
 *       hot-added CPU offline for user space; like udev's rule
 *       (SUBSYSTEM=="cpu", ACTION=="add" -> online=1) this writes 1 to its
 *       online file as soon as it exists. Prints
 *       "present_rt=S online_rt=S result=ok|timeout".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu_sysfs.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct timespec ms = { 0, 1000000 };
	double t0, present = 0, online = 0;
	char p[64];
	int cpu, native, written = 0;

	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%.6f\n", now());
		return 0;
	}
	if (argc != 5 || strcmp(argv[1], "online"))
		return 2;
	cpu = atoi(argv[2]);
	native = !strcmp(argv[4], "native");
	snprintf(p, sizeof(p), SYS "%d", cpu);
	t0 = now();
	while (now() - t0 < atoi(argv[3])) {
		if (!present && access(p, F_OK) == 0)
			present = now();
		if (present && native && !written && online_file(cpu, NULL) == '0')
			written = online_file(cpu, "1") == '1';
		if (present && online_file(cpu, NULL) == '1' && runs_on(cpu)) {
			online = now();
			break;
		}
		nanosleep(&ms, NULL);
	}
	printf("present_rt=%.6f online_rt=%.6f result=%s\n", present, online, online ? "ok" : "timeout");
	return online ? 0 : 1;
}
