/*
 * Bad firmware input for xen_vcpu_hotplug (machine role hvm_badfw only):
 * an extra SSDT, added to QEMU's tables through the initrd
 * (CONFIG_ACPI_TABLE_UPGRADE), with five fake processor devices whose
 * _STA says present and enabled but whose _MAT is missing or wrong, and a
 * fan that notifies them on demand.
 *
 *   BMT1  no _MAT at all
 *   BMT2  _MAT of 3 bytes (a local-APIC entry cut short)
 *   BMT3  _MAT of another MADT type (1, I/O APIC, 12 bytes)
 *   BMT4  valid local-APIC _MAT, APIC ID 0x30: never enumerated at boot,
 *         so acpi_map_cpu() refuses it; has _EJ0, after which _STA reads 0
 *   BMT5  valid local-APIC _MAT naming APIC ID 0: the boot CPU, CPU0
 *
 * Each _MAT's processor ID byte equals the device's _UID, as on real
 * firmware; Linux's native processor driver reads the same _MAT at boot
 * (map_mat_entry()) and must reject all five without a WARN.
 *
 * BMTN (PNP0C0B, ACPI fan, bound by Linux's fan driver) is the trigger:
 * its cooling device's cur_state runs _PS3 on 1 -> 0 and _PS0 on 0 -> 1
 * (acpi_device_set_power()). _PSC reports D0 at boot, so neither runs
 * before user space asks.
 *   echo 0 > .../cur_state   _PS3: Notify (BMT5/BMT1/BMT4, 3)  eject request
 *   echo 1 > .../cur_state   _PS0: Notify (BMT1..BMT5, 1)      device check
 *
 * Built by scripts/acpi/make_acpi_initrd.sh --bad-processors (iasl, into
 * the build directory); see scripts/acpi/README.md.
 */
DefinitionBlock ("", "SSDT", 2, "XENRAS", "BADPROCS", 0x00000001)
{
    Scope (\_SB)
    {
        Device (BMT1)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, 0x41)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
        }

        Device (BMT2)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, 0x42)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_MAT, 0, NotSerialized)
            {
                Return (Buffer (0x03) { 0x00, 0x08, 0x42 })
            }
        }

        Device (BMT3)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, 0x43)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_MAT, 0, NotSerialized)
            {
                /* I/O APIC 0x43 at 0xFEC00000, GSI base 0 */
                Return (Buffer (0x0C)
                {
                    0x01, 0x0C, 0x43, 0x00, 0x00, 0x00, 0xC0, 0xFE,
                    0x00, 0x00, 0x00, 0x00
                })
            }
        }

        Device (BMT4)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, 0x44)
            Name (EJCT, Zero)
            /* gone once ejected: /sys/bus/acpi/devices/.../status shows it */
            Method (_STA, 0, NotSerialized)
            {
                If (EJCT)
                {
                    Return (Zero)
                }
                Return (0x0F)
            }
            Method (_EJ0, 1, NotSerialized)
            {
                EJCT = One
            }
            Method (_MAT, 0, NotSerialized)
            {
                /* local APIC, processor ID 0x44, APIC ID 0x30, enabled */
                Return (Buffer (0x08) { 0x00, 0x08, 0x44, 0x30, 0x01, 0x00, 0x00, 0x00 })
            }
        }

        Device (BMT5)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, 0x45)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_MAT, 0, NotSerialized)
            {
                /* local APIC, processor ID 0x45, APIC ID 0 (CPU0's), enabled */
                Return (Buffer (0x08) { 0x00, 0x08, 0x45, 0x00, 0x01, 0x00, 0x00, 0x00 })
            }
        }

        Device (BMTN)
        {
            Name (_HID, EisaId ("PNP0C0B"))
            Name (_UID, 0x4E)
            Name (PSTA, Zero)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_PSC, 0, NotSerialized)
            {
                Return (PSTA)
            }
            Method (_PS0, 0, NotSerialized)
            {
                PSTA = Zero
                Notify (BMT1, One)
                Notify (BMT2, One)
                Notify (BMT3, One)
                Notify (BMT4, One)
                Notify (BMT5, One)
            }
            Method (_PS3, 0, NotSerialized)
            {
                PSTA = 0x03
                Notify (BMT5, 0x03)
                Notify (BMT1, 0x03)
                Notify (BMT4, 0x03)
            }
        }
    }
}
