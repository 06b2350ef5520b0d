// SPDX-License-Identifier: GPL-2.0
/*
 * make bench only: upstream's C driver, drivers/xen/mcelog.c of the kernel
 * tree the modules are built against (copied next to this file by
 * scripts/build-upstream-mcelog.sh, never committed), unchanged, built as a
 * module, so that one dom0 boot can alternate it with xen_mce storm by
 * storm. Upstream's Kconfig makes it built-in only and it has no exit
 * function; this file adds one, and records the IRQ number that
 * bind_virq_for_mce() does not keep, for it. Nothing on its paths from
 * VIRQ_MCA to read(2) changes.
 */
#define pr_fmt(fmt) "xen_mcelog: " fmt	/* mcelog.c's own, unchanged */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <xen/events.h>

static int bench_irq = -1;

static int bench_bind_virq(unsigned int virq, unsigned int cpu,
			   irq_handler_t handler, unsigned long irqflags,
			   const char *devname, void *dev_id)
{
	int irq = bind_virq_to_irqhandler(virq, cpu, handler, irqflags,
					  devname, dev_id);

	if (irq >= 0)
		bench_irq = irq;
	return irq;
}
#define bind_virq_to_irqhandler bench_bind_virq

#include "mcelog.c"

static void __exit xen_mcelog_bench_exit(void)
{
	/* No new work, then none running, then no reader, as a driver would. */
	if (bench_irq >= 0)
		unbind_from_irqhandler(bench_irq, NULL);
	cancel_work_sync(&xen_mce_work);
	misc_deregister(&xen_mce_chrdev_device);
	kfree(g_physinfo);
}
module_exit(xen_mcelog_bench_exit);

MODULE_DESCRIPTION("Upstream drivers/xen/mcelog.c as a module (xen-ras-rs make bench)");
MODULE_LICENSE("GPL");
