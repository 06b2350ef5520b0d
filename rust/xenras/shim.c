// SPDX-License-Identifier: GPL-2.0
/*
 * C shims (see shim.h). Each module links its own copy: every module
 * directory has a one-line shim.c that includes this file.
 */
#include <linux/acpi.h>
#include <linux/poll.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>
#include "shim.h"

bool xenras_xen_initial_domain(void)
{
	return xen_initial_domain();
}

bool xenras_xen_pv_domain(void)
{
	return xen_pv_domain();
}

bool xenras_xen_hvm_domain(void)
{
	return xen_hvm_domain();
}

bool xenras_acpi_disabled(void)
{
	return acpi_disabled;
}

/* Sets mc->interface_version. */
int xenras_hypervisor_mca(struct xen_mc *mc)
{
	return HYPERVISOR_mca(mc);
}

int xenras_hypervisor_platform_op(struct xen_platform_op *op)
{
	/* Sets op->interface_version. */
	return HYPERVISOR_platform_op(op);
}

void xenras_poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt)
{
	poll_wait(file, wq, pt);
}
