/*
 * Bad firmware input for xen_acpi_memory (machine role xen_badfw only): an
 * extra SSDT, added to QEMU's tables through dom0's initrd
 * (CONFIG_ACPI_TABLE_UPGRADE; Xen never sees it), with memory devices
 * (PNP0C80) whose _STA says present and enabled but whose _CRS is missing,
 * malformed, or describes memory Xen must refuse, and a fan that notifies
 * them on demand.
 *
 *   BMM1  no _CRS at all
 *   BMM2  _CRS returns an Integer, not a resource template
 *   BMM3  QWord memory descriptor cut after 6 bytes
 *   BMM4  32-bit fixed memory descriptor, no end tag
 *   BMM5  QWord memory range of length 0
 *   BMM6  1 GiB at 2^50: above the machine's address width (Xen: frame table limit)
 *   BMM7  1 GiB at 64 GiB, _PXM 5: outside every SRAT range (Xen: not NUMA-valid)
 *   BMM8  256 MiB at 32 GiB + 4 KiB: not 2 MiB-aligned (refused before Xen)
 *   BMM9  only an I/O port range: no memory
 *   BMMA  2 GiB from 2^64 - 1 GiB: the end does not fit in 64 bits
 *
 * BMMN (PNP0C0B, ACPI fan, bound by Linux's fan driver) is the trigger, as
 * in bad_processors.asl: its cooling device's cur_state runs _PS3 on
 * 1 -> 0 and _PS0 on 0 -> 1.
 *   echo 0 > .../cur_state   _PS3: Notify (BMM6, 3)           eject request
 *   echo 1 > .../cur_state   _PS0: Notify (BMM1..BMMA, 1)     device check
 *
 * Built by scripts/acpi/make_acpi_initrd.sh --bad-memory (iasl, into the
 * build directory); see scripts/acpi/README.md. The buffers are raw bytes,
 * not ResourceTemplate, so that iasl does not refuse or repair them.
 */
DefinitionBlock ("", "SSDT", 2, "XENRAS", "BADMEM", 0x00000001)
{
    Scope (\_SB)
    {
        Device (BMM1)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x60)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
        }

        Device (BMM2)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x61)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_CRS, 0, NotSerialized)
            {
                Local0 = 0x05 /* through a local: iasl refuses a literal */
                Return (Local0)
            }
        }

        Device (BMM3)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x62)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (Buffer (0x06)
                {
                    0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x03
                })
            }
        }

        Device (BMM4)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x63)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (Buffer (0x0C)
                {
                    0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x10, 0x00
                })
            }
        }

        Device (BMM5)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x64)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (Buffer (0x30)
                {
                    0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0xFF, 0xFF,
                    0xFF, 0xFF, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x79, 0x00
                })
            }
        }

        Device (BMM6)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x65)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (Buffer (0x30)
                {
                    0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0xFF, 0xFF,
                    0xFF, 0x3F, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x79, 0x00
                })
            }
        }

        Device (BMM7)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x66)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Name (_PXM, 0x05)
            Method (_CRS, 0, NotSerialized)
            {
                Return (Buffer (0x30)
                {
                    0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0xFF, 0xFF,
                    0xFF, 0x3F, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x79, 0x00
                })
            }
        }

        Device (BMM8)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x67)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (Buffer (0x30)
                {
                    0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0xFF, 0x0F,
                    0x00, 0x10, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x79, 0x00
                })
            }
        }

        Device (BMM9)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x68)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (Buffer (0x0A)
                {
                    0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08, 0x79, 0x00
                })
            }
        }

        Device (BMMA)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x69)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (Buffer (0x30)
                {
                    0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                    0xFF, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x79, 0x00
                })
            }
        }

        Device (BMMN)
        {
            Name (_HID, EisaId ("PNP0C0B"))
            Name (_UID, 0x6E)
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
                Notify (BMM1, One)
                Notify (BMM2, One)
                Notify (BMM3, One)
                Notify (BMM4, One)
                Notify (BMM5, One)
                Notify (BMM6, One)
                Notify (BMM7, One)
                Notify (BMM8, One)
                Notify (BMM9, One)
                Notify (BMMA, One)
            }
            Method (_PS3, 0, NotSerialized)
            {
                PSTA = 0x03
                Notify (BMM6, 0x03)
            }
        }
    }
}
