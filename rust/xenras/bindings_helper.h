/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C API the xen-ras-rs modules use, for bindgen. Linux 6.12's `kernel`
 * crate has no bindings for these headers; Rust-for-Linux added some later
 * (miscdevice in 6.13), at which point the matching part of rust/xenras/
 * is deleted.
 */
#include <linux/acpi.h>
#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <acpi/processor.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/xen/hypervisor.h>
#include <xen/events.h>
#include <xen/interface/memory.h>
#include <xen/interface/platform.h>
#include <xen/interface/xen-mca.h>
#include <xen/interface/xen.h>
#include <xen/xen.h>
#include "shim.h"

/* Macros bindgen cannot see through. */
const int XENRAS_VIRQ_MCA = VIRQ_MCA;
const unsigned int XENRAS_MCE_GET_RECORD_LEN = MCE_GET_RECORD_LEN;
const unsigned int XENRAS_MCE_GET_LOG_LEN = MCE_GET_LOG_LEN;
const unsigned int XENRAS_MCE_GETCLEAR_FLAGS = MCE_GETCLEAR_FLAGS;
const unsigned long long XENRAS_MCE_HANDLED_MCELOG = MCE_HANDLED_MCELOG;
const unsigned int XENRAS_O_EXCL = O_EXCL;
const unsigned int XENRAS_EPOLLIN = EPOLLIN;
const unsigned int XENRAS_EPOLLRDNORM = EPOLLRDNORM;
/* All ones, which bindgen cannot carry as a value: asserted as a truth. */
const int XENRAS_ACPI_MAX_PTR_IS_ALL_ONES = ACPI_MAX_PTR == (acpi_size)~0ULL;
const int XENRAS_ACPI_ALLOCATE_BUFFER_IS_ALL_ONES = ACPI_ALLOCATE_BUFFER == (acpi_size)~0ULL;
const acpi_status XENRAS_AE_OK = AE_OK;
const acpi_status XENRAS_AE_NOT_FOUND = AE_NOT_FOUND;
const acpi_status XENRAS_AE_NO_MEMORY = AE_NO_MEMORY;
const u32 XENRAS_ACPI_NOTIFY_BUS_CHECK = ACPI_NOTIFY_BUS_CHECK;
const u32 XENRAS_ACPI_NOTIFY_DEVICE_CHECK = ACPI_NOTIFY_DEVICE_CHECK;
const u32 XENRAS_ACPI_NOTIFY_EJECT_REQUEST = ACPI_NOTIFY_EJECT_REQUEST;
const u32 XENRAS_MSR_IA32_MCG_EIP = MSR_IA32_MCG_EIP;
const u32 XENRAS_MSR_PPIN = MSR_PPIN;
const unsigned long long XENRAS_MCG_STATUS_EIPV = MCG_STATUS_EIPV;
const u32 XENRAS_X86_VENDOR_INTEL = X86_VENDOR_INTEL;
const u32 XENRAS_X86_VENDOR_AMD = X86_VENDOR_AMD;
const u32 XENRAS_X86_VENDOR_CENTAUR = X86_VENDOR_CENTAUR;
const u32 XENRAS_X86_VENDOR_HYGON = X86_VENDOR_HYGON;
const u32 XENRAS_X86_VENDOR_ZHAOXIN = X86_VENDOR_ZHAOXIN;
const u32 XENRAS_X86_VENDOR_UNKNOWN = X86_VENDOR_UNKNOWN;
const u8 XENRAS_ACPI_MADT_TYPE_LOCAL_APIC = ACPI_MADT_TYPE_LOCAL_APIC;
const u8 XENRAS_ACPI_MADT_TYPE_LOCAL_X2APIC = ACPI_MADT_TYPE_LOCAL_X2APIC;
const u32 XENRAS_ACPI_MADT_ENABLED = ACPI_MADT_ENABLED;
const u32 XENRAS_ACPI_MADT_ONLINE_CAPABLE = ACPI_MADT_ONLINE_CAPABLE;
