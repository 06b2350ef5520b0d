// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's own view of the host's physical CPUs, independent of the kernel's
 * drivers/xen/pcpu.c: XENPF_get_cpuinfo for every present CPU, through
 * /dev/xen/privcmd. One line per CPU:
 *
 *   cpu=N apic=A acpi=I online=0|1
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct privcmd_hypercall { /* include/uapi/xen/privcmd.h */
	uint64_t op;
	uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define HYPERVISOR_platform_op 7
#define XENPF_INTERFACE_VERSION 0x03000001
#define XENPF_get_cpuinfo 55
#define XEN_PCPU_FLAGS_ONLINE 1
#define XEN_PCPU_FLAGS_INVALID 2

struct xen_platform_op { /* include/xen/interface/platform.h */
	uint32_t cmd;
	uint32_t interface_version;
	union {
		struct {
			uint32_t xen_cpuid, max_present, flags, apic_id, acpi_id;
		} pcpu_info;
		uint8_t pad[128];
	} u;
};
_Static_assert(sizeof(struct xen_platform_op) == 136, "xen_platform_op size");

static int cpuinfo(int fd, struct xen_platform_op *op, uint32_t cpu)
{
	struct privcmd_hypercall h = { .op = HYPERVISOR_platform_op };

	memset(op, 0, sizeof(*op));
	op->cmd = XENPF_get_cpuinfo;
	op->interface_version = XENPF_INTERFACE_VERSION;
	op->u.pcpu_info.xen_cpuid = cpu;
	h.arg[0] = (uintptr_t)op;
	return ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
}

int main(void)
{
	/* Xen reads and writes it from the hypercall: keep it resident. */
	static struct xen_platform_op op __attribute__((aligned(256)));
	int fd = open("/dev/xen/privcmd", O_RDWR);
	uint32_t cpu, max;

	if (fd < 0 || mlock(&op, sizeof(op))) {
		perror("/dev/xen/privcmd");
		return 1;
	}
	if (cpuinfo(fd, &op, 0)) {
		perror("XENPF_get_cpuinfo");
		return 1;
	}
	max = op.u.pcpu_info.max_present;
	for (cpu = 0; cpu <= max; cpu++) {
		if (cpuinfo(fd, &op, cpu) || (op.u.pcpu_info.flags & XEN_PCPU_FLAGS_INVALID))
			continue;
		printf("cpu=%u apic=%u acpi=%u online=%u\n", cpu, op.u.pcpu_info.apic_id,
		       op.u.pcpu_info.acpi_id, !!(op.u.pcpu_info.flags & XEN_PCPU_FLAGS_ONLINE));
	}
	return 0;
}
