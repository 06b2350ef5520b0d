// SPDX-License-Identifier: GPL-2.0
/*
 * xen_physinfo: Xen's own view of the host's memory, read from Xen
 * (XEN_SYSCTL_physinfo through /dev/xen/privcmd), not from any module:
 *   total_pages=N free_pages=N max_mfn=N nr_nodes=N
 * xen_physinfo -c: Xen's console ring instead (XEN_SYSCTL_readconsole), as
 * `xl dmesg` prints it.
 * xen_physinfo -k KEYS: press Xen debug keys (XEN_SYSCTL_debug_keys), as
 * `xl debug-keys` does; their output goes to the console ring.
 * `xl` would need xenstored; this needs nothing. The layout is Xen
 * 4.17's public/sysctl.h (interface version 0x15): Xen refuses any other
 * version with -EACCES, so a mismatch fails loudly instead of misreading.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define HYPERVISOR_sysctl 35
#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_physinfo 3
#define XEN_SYSCTL_debug_keys 7
#define XEN_SYSCTL_INTERFACE_VERSION 0x15

struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

struct physinfo {
	uint32_t threads_per_core, cores_per_socket, nr_cpus, max_cpu_id;
	uint32_t nr_nodes, max_node_id, cpu_khz, capabilities;
	uint32_t arch_capabilities, pad;
	uint64_t total_pages, free_pages, scrub_pages, outstanding_pages, max_mfn;
	uint32_t hw_cap[8];
};

struct readconsole {
	uint8_t clear, incremental, pad0, pad1;
	uint32_t index;
	uint64_t buffer; /* XEN_GUEST_HANDLE_64(char) */
	uint32_t count;
};

struct debug_keys {
	uint64_t keys; /* XEN_GUEST_HANDLE_64(const_char) */
	uint32_t nr_keys;
};

struct sysctl {
	uint32_t cmd, interface_version;
	union {
		struct physinfo physinfo;
		struct readconsole readconsole;
		struct debug_keys debug_keys;
		uint8_t pad[128];
	} u;
};

_Static_assert(offsetof(struct sysctl, u) == 8, "union at 8");
_Static_assert(offsetof(struct physinfo, total_pages) == 40, "total_pages at 40");
_Static_assert(offsetof(struct readconsole, buffer) == 8, "buffer at 8");
_Static_assert(offsetof(struct readconsole, count) == 16, "count at 16");
_Static_assert(sizeof(struct sysctl) == 136, "struct xen_sysctl is 136 bytes");

/* Touched before each call: Xen copies to and from dom0's memory. */
static struct sysctl s;
static char ring[1 << 20];

static int sysctl(int fd, uint32_t cmd)
{
	struct privcmd_hypercall h = { .op = HYPERVISOR_sysctl };

	s.cmd = cmd;
	s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	h.arg[0] = (uintptr_t)&s;
	if (ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h) < 0) {
		fprintf(stderr, "sysctl %u: %s\n", cmd, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fd = open("/dev/xen/privcmd", O_RDWR);

	if (fd < 0) {
		perror("/dev/xen/privcmd");
		return 1;
	}
	memset(&s, 0, sizeof(s));
	if (argc > 1 && !strcmp(argv[1], "-c")) {
		memset(ring, 0, sizeof(ring));
		s.u.readconsole.buffer = (uintptr_t)ring;
		s.u.readconsole.count = sizeof(ring) - 1;
		if (sysctl(fd, XEN_SYSCTL_readconsole))
			return 1;
		fwrite(ring, 1, s.u.readconsole.count, stdout);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "-k")) {
		s.u.debug_keys.keys = (uintptr_t)argv[2];
		s.u.debug_keys.nr_keys = strlen(argv[2]);
		return sysctl(fd, XEN_SYSCTL_debug_keys) ? 1 : 0;
	}
	if (sysctl(fd, XEN_SYSCTL_physinfo))
		return 1;
	printf("total_pages=%llu free_pages=%llu max_mfn=%llu nr_nodes=%u\n",
	       (unsigned long long)s.u.physinfo.total_pages,
	       (unsigned long long)s.u.physinfo.free_pages,
	       (unsigned long long)s.u.physinfo.max_mfn, s.u.physinfo.nr_nodes);
	close(fd);
	return 0;
}
