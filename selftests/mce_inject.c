// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's own MCE injection, N times from one process: for each error the two
 * hypercalls `xen-mceinj -t 3 -c 0 -p ADDR` makes (tools/misc/xen-mceinj.c),
 * through /dev/xen/privcmd:
 *
 *   XEN_MC_msrinject  interpose MCG_STATUS=0x5 (RIPV|MCIP), MC1_STATUS=
 *                     0x9400000000000151 (VAL|EN|ADDRV, corrected), MC1_MISC=
 *                     0x86, MC1_ADDR=ADDR in Xen's software MSR table, CPU 0
 *   XEN_MC_mceinject  `int $0x12` on CPU 0 (on every CPU where Xen broadcasts
 *                     machine checks: Intel family 6); returns once handled
 *
 * One xen-mceinj process per error ran 4-5 errors/s in a PV dom0 under TCG
 * (process start and dynamic linking); this keeps the two hypercalls per
 * error and drops the process. Error i reports ADDR = BASE + i * 4096.
 *
 *   mce_inject N BASE [PAUSE_US]   prints "injected=N failed=F seconds=S"
 *
 * PAUSE_US: microseconds to sleep between two errors (default 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct privcmd_hypercall { /* include/uapi/xen/privcmd.h */
	uint64_t op;
	uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define HYPERVISOR_mca 48 /* __HYPERVISOR_arch_0 */

/* xen/include/public/arch-x86/xen-mca.h, Xen 4.17 and 4.20 */
#define XEN_MCA_INTERFACE_VERSION 0x01ecc003
#define XEN_MC_msrinject 4
#define XEN_MC_mceinject 5
#define MC_MSRINJ_MAXMSRS 8
#define MC_MSRINJ_F_INTERPOSE 0x1
#define DOMID_XEN 0x7ff2

struct xen_mc {
	uint32_t cmd;
	uint32_t interface_version;
	union {
		struct {
			uint32_t cpunr, flags, count;
			uint16_t domid, pad;
			struct {
				uint64_t reg, value;
			} msr[MC_MSRINJ_MAXMSRS];
		} msrinject;
		struct {
			uint32_t cpunr;
		} mceinject;
	} u;
};
/* The union's largest member is xen_mc_msrinject: Xen copies 152 bytes. */
_Static_assert(sizeof(struct xen_mc) == 152, "xen_mc size");

#define MSR_IA32_MCG_STATUS 0x17a
#define MSR_IA32_MC1_STATUS 0x405
#define MSR_IA32_MC1_ADDR 0x406
#define MSR_IA32_MC1_MISC 0x407

static int mca(int fd, struct xen_mc *mc)
{
	struct privcmd_hypercall h = { .op = HYPERVISOR_mca, .arg = { (uintptr_t)mc } };

	mc->interface_version = XEN_MCA_INTERFACE_VERSION;
	return ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
}

static int inject(int fd, struct xen_mc *mc, uint64_t addr)
{
	static const uint64_t regs[] = { MSR_IA32_MCG_STATUS, MSR_IA32_MC1_STATUS,
					 MSR_IA32_MC1_MISC, MSR_IA32_MC1_ADDR };
	const uint64_t vals[] = { 0x5, 0x9400000000000151ull, 0x86, addr };
	unsigned int i;

	memset(mc, 0, sizeof(*mc));
	mc->cmd = XEN_MC_msrinject;
	mc->u.msrinject.cpunr = 0;
	mc->u.msrinject.flags = MC_MSRINJ_F_INTERPOSE;
	mc->u.msrinject.domid = DOMID_XEN;
	for (i = 0; i < 4; i++) {
		mc->u.msrinject.msr[i].reg = regs[i];
		mc->u.msrinject.msr[i].value = vals[i];
	}
	mc->u.msrinject.count = 4;
	if (mca(fd, mc))
		return -1;
	memset(mc, 0, sizeof(*mc));
	mc->cmd = XEN_MC_mceinject;
	mc->u.mceinject.cpunr = 0;
	return mca(fd, mc);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	/* Xen reads and writes it from the hypercall: keep it resident. */
	static struct xen_mc mc __attribute__((aligned(256)));
	unsigned long n, i, pause_us, failed = 0;
	uint64_t base;
	double t0;
	int fd;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: mce_inject N BASE [PAUSE_US]\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 0);
	base = strtoull(argv[2], NULL, 0);
	pause_us = argc == 4 ? strtoul(argv[3], NULL, 0) : 0;
	fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0 || mlock(&mc, sizeof(mc))) {
		perror("/dev/xen/privcmd");
		return 1;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		if (inject(fd, &mc, base + i * 4096)) {
			if (!failed)
				fprintf(stderr, "error %lu: %s\n", i, strerror(errno));
			failed++;
		}
		if (pause_us && i + 1 < n)
			usleep(pause_us);
	}
	printf("injected=%lu failed=%lu seconds=%.2f\n", n, failed, now() - t0);
	return failed != 0;
}
