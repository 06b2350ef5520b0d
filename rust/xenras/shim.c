// SPDX-License-Identifier: GPL-2.0
/*
 * C shims (see shim.h). Each module links its own copy: every module
 * directory has a one-line shim.c that includes this file.
 */
#include <linux/acpi.h>
#include <linux/cpumask.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <xen/xen.h>
#include <asm/apicdef.h>
#include <asm/smp.h>
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

int xenras_hypervisor_memory_op(unsigned int cmd, void *arg)
{
	return HYPERVISOR_memory_op(cmd, arg);
}

/* IORESOURCE_SYSTEM_RAM is a macro of two flags. */
bool xenras_system_ram_intersects(u64 start, u64 size)
{
	return region_intersects(start, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) != REGION_DISJOINT;
}

void xenras_poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt)
{
	poll_wait(file, wq, pt);
}

unsigned int xenras_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

bool xenras_cpu_present(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_present(cpu);
}

bool xenras_cpu_online(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}

unsigned int xenras_raw_smp_processor_id(void)
{
	return raw_smp_processor_id();
}

unsigned int xenras_num_online_cpus(void)
{
	return num_online_cpus();
}

/* BAD_APICID for a CPU that is not present. */
u32 xenras_cpu_apic_id(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_present(cpu))
		return BAD_APICID;
	return cpu_physical_id(cpu);
}

/* local_irq_save() and local_irq_restore() are macros. */
unsigned long xenras_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void xenras_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

/* irqs_disabled() is a macro. */
bool xenras_irqs_disabled(void)
{
	return irqs_disabled();
}
