/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C shims: one tiny function each, for what Rust cannot call directly
 * (static inline functions and macros). Nothing else lives in C.
 */
#ifndef XENRAS_SHIM_H
#define XENRAS_SHIM_H

#include <linux/poll.h>
#include <linux/types.h>

struct xen_mc;
struct xen_platform_op;

bool xenras_xen_initial_domain(void);
bool xenras_xen_pv_domain(void);
bool xenras_acpi_disabled(void);
int xenras_hypervisor_mca(struct xen_mc *mc);
int xenras_hypervisor_platform_op(struct xen_platform_op *op);
int xenras_hypervisor_memory_op(unsigned int cmd, void *arg);
bool xenras_system_ram_intersects(u64 start, u64 size);
unsigned int xenras_nr_cpu_ids(void);
bool xenras_cpu_present(unsigned int cpu);
bool xenras_cpu_online(unsigned int cpu);
unsigned int xenras_raw_smp_processor_id(void);
unsigned int xenras_num_online_cpus(void);
u32 xenras_cpu_apic_id(unsigned int cpu);
unsigned long xenras_local_irq_save(void);
void xenras_local_irq_restore(unsigned long flags);
bool xenras_irqs_disabled(void);
void xenras_poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt);

#endif
