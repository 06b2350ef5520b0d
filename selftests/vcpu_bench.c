// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU hotplug timing for selftests/bench_vcpu_hotplug.sh.
 *
 *   vcpu_bench add|del native|module CPU...
 *
 * Asks the harness for device_add (core-id CPU) or device_del of the vCPUs
 * (one XENRAS-REQ line on stderr, the console), then times on CLOCK_MONOTONIC until every CPU is
 * online and running a task pinned to it (add) or its sysfs directory is
 * gone (del). It waits in poll() on the kernel's uevent socket with a 1 ms
 * timeout, so the end is seen within about a millisecond. "native": Linux's
 * ACPI processor driver leaves a hot-added CPU offline for user space; like
 * udev's rule (SUBSYSTEM=="cpu", ACTION=="add" -> online=1) this program
 * writes 1 to the CPU's online file when the CPU device's "add" uevent
 * arrives. Prints "ms=MILLISECONDS result=ok|timeout". Writes "vcpu_bench:
 * OP DRIVER requested" / "... done" to the kernel log just before the
 * request and after the end, so the phases in between can be read there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cpu_sysfs.h"

#define MAX 16

static int cpus[MAX], ncpus, native, add;
static int onlined[MAX];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int done(void)
{
	char p[64];

	for (int i = 0; i < ncpus; i++) {
		if (add) {
			if (online_file(cpus[i], NULL) != '1' || !runs_on(cpus[i]))
				return 0;
		} else {
			snprintf(p, sizeof(p), SYS "%d", cpus[i]);
			if (access(p, F_OK) == 0)
				return 0;
		}
	}
	return 1;
}

/* Reads the pending uevents; native: onlines each CPU whose "add" uevent
 * has arrived (a failed write is tried again at the next wake-up). */
static void uevents(int nl)
{
	char buf[8192], want[64];
	ssize_t n;

	while ((n = recv(nl, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = 0;
		for (int i = 0; i < ncpus; i++) {
			snprintf(want, sizeof(want), "add@/devices/system/cpu/cpu%d", cpus[i]);
			if (!strcmp(buf, want))
				onlined[i] = -1; /* to do */
		}
	}
	for (int i = 0; native && add && i < ncpus; i++)
		if (onlined[i] == -1 && online_file(cpus[i], "1") == '1')
			onlined[i] = 1;
}

/* One kernel log line (one write(2): /dev/kmsg takes a record per write). */
static void mark(int kmsg, const char *op, const char *driver, const char *what)
{
	char m[128];
	int n = snprintf(m, sizeof(m), "vcpu_bench: %s %s %s\n", op, driver, what);

	if (kmsg >= 0 && n > 0 && write(kmsg, m, n) != n)
		perror("/dev/kmsg");
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	char req[2048] = "XENRAS-REQ ";
	double t0, t1 = 0;
	int nl, kmsg, rcv = 1 << 20;

	if (argc < 4 || argc - 3 > MAX)
		return 2;
	add = !strcmp(argv[1], "add");
	native = !strcmp(argv[2], "native");
	ncpus = argc - 3;
	for (int i = 0; i < ncpus; i++) {
		cpus[i] = atoi(argv[3 + i]);
		if (add)
			snprintf(req + strlen(req), sizeof(req) - strlen(req),
				 " ; device_add Haswell-noTSX-x86_64-cpu,id=vcpu%d,socket-id=0,core-id=%d,thread-id=0",
				 cpus[i], cpus[i]);
		else
			snprintf(req + strlen(req), sizeof(req) - strlen(req), " ; device_del vcpu%d", cpus[i]);
	}
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (nl < 0 || bind(nl, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("uevent socket");
		return 1;
	}
	setsockopt(nl, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* Marks in the kernel log, to read the phases between them there. */
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	mark(kmsg, argv[1], argv[2], "requested");
	t0 = now();
	fprintf(stderr, "%s\n", req); /* unbuffered, to the console */
	while (now() - t0 < 30) {
		struct pollfd p = { .fd = nl, .events = POLLIN };

		poll(&p, 1, 1);
		uevents(nl);
		if (done()) {
			t1 = now();
			break;
		}
	}
	mark(kmsg, argv[1], argv[2], "done");
	printf("ms=%.2f result=%s\n", ((t1 ? t1 : now()) - t0) * 1000, t1 ? "ok" : "timeout");
	return t1 ? 0 : 1;
}
