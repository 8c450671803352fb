/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dsdt.asl: the Differentiated System Description Table of hvemu's PC
 * (i440FX host bridge, PIIX3 ISA bridge at 00:01.0, PIIX4 PM at 00:01.3).
 *
 * Written from the ACPI 6.4 specification: 5.2.11.1 (DSDT), 6.1 (device
 * identification: _HID, _UID, _ADR, _STA), 6.2 (_CRS, _PRS, _SRS, _DIS),
 * 6.2.13 (_PRT), 6.4 (resource descriptors), 5.8.1 (_PIC), 7.4.2 (\_S5),
 * 19 (ASL); PCI interrupt links as in "PCI Firmware Specification 3.0"
 * and the Intel 82371AB PIIX4 datasheet, 4.1.10 (PIRQRC[A:D], PIIX3/4 ISA
 * bridge function 0 config offsets 0x60-0x63: bit 7 = routing disabled,
 * bits 3:0 = the ISA IRQ).
 *
 * iasl compiles this at build time (Makefile: build/firmware/dsdt-aml.h);
 * hw/acpi/tables.c embeds the AML and patches the per-machine values below
 * before handing the table out, then recomputes the checksum.
 *
 * Per-machine values: each is a root-scope Name whose placeholder needs a
 * DWord (0x0C) integer encoding, so the patcher finds "NameOp NameSeg
 * DWordPrefix" exactly once in the AML and overwrites the value in place
 * without changing any length.  tests/unit/test-acpi.c checks that every
 * one was found and patched.  No QWord constants outside buffers: SeaBIOS's
 * own DSDT parser (src/fw/dsdt_parser.c, which looks for the PS/2
 * keyboard) knows only the Byte/Word/DWord/String prefixes and stops at
 * anything else, so 64-bit values are kept in GiB units.
 *
 * Processor objects are not here: hw/acpi/tables.c builds an SSDT with one
 * ACPI0007 device per CPU (_UID = the MADT processor UID = the APIC ID).
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "HVEMU", "HVEMUPC", 0x00000001)
{
    /* ---- per-machine values, patched by hw/acpi/tables.c ---- */
    Name (PMLO, 0xDEAD0001)         /* start of the 32-bit PCI hole (top of low RAM) */
    Name (P64B, 0xDEAD0002)         /* 64-bit PCI window base, GiB */
    Name (P64L, 0xDEAD0003)         /* 64-bit PCI window length, GiB; 0: none */
    Name (HPEN, 0xDEAD0004)         /* 1: an HPET at 0xFED00000 */
    Name (C1EN, 0xDEAD0005)         /* 1: COM1 exists */
    Name (C2EN, 0xDEAD0006)         /* 1: COM2 exists */
    Name (C3EN, 0xDEAD0007)         /* 1: COM3 exists */
    Name (C4EN, 0xDEAD0008)         /* 1: COM4 exists */

    /* The interrupt model the OS chose (0 PIC, 1 APIC).  The _PRT is the
     * same in both: PCI interrupts reach ISA IRQs through the PIIX3 PIRQ
     * router, and ISA IRQ n is IOAPIC pin n (MADT overrides give the
     * PIRQ IRQs 5, 9, 10, 11 level/active-high). */
    Name (PICM, Zero)
    Method (_PIC, 1, NotSerialized)
    {
        PICM = Arg0
    }

    /* Soft off: PIIX4 PM1_CNT SLP_TYP 0 (datasheet 7.2.3).  No S1-S4:
     * there is no SMM and no suspend support. */
    Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero })

    Scope (\_SB)
    {
        /* _STA for optional devices: present, enabled, shown, functioning. */
        Method (PRES, 1, NotSerialized)
        {
            If (Arg0)
            {
                Return (0x0F)
            }
            Return (Zero)
        }

        Device (PCI0)
        {
            /* No _ADR: a device has a _HID or an _ADR, not both (6.1). */
            Name (_HID, EisaId ("PNP0A03"))
            Name (_BBN, Zero)
            Name (_UID, Zero)

            /* Bus 0-255, the config ports, all I/O but 0xCF8-0xCFF, the
             * legacy VGA window, the 32-bit PCI hole from the top of low
             * RAM to the IOAPIC, and (if any) a 64-bit window above RAM. */
            Name (CRS0, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                    0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000, 0x1EC00000, , , PW32)
            })
            Name (CR64, ResourceTemplate ()
            {
                QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x0000000000000000, 0x0000000800000000, 0x0000000FFFFFFFFF,
                    0x0000000000000000, 0x0000000800000000, , , PW64)
            })
            Method (_CRS, 0, Serialized)
            {
                CreateDWordField (CRS0, \_SB.PCI0.PW32._MIN, PMIN)
                CreateDWordField (CRS0, \_SB.PCI0.PW32._LEN, PLEN)
                PMIN = PMLO
                PLEN = (0xFEC00000 - PMLO)
                If ((P64L == Zero))
                {
                    Return (CRS0)
                }
                CreateQWordField (CR64, \_SB.PCI0.PW64._MIN, QMIN)
                CreateQWordField (CR64, \_SB.PCI0.PW64._MAX, QMAX)
                CreateQWordField (CR64, \_SB.PCI0.PW64._LEN, QLEN)
                QMIN = (P64B << 0x1E)
                QLEN = (P64L << 0x1E)
                QMAX = ((QMIN + QLEN) - One)
                Return (ConcatenateResTemplate (CRS0, CR64))
            }

            /* Slot s pin p (0 = INTA) -> LNK[(s + p) & 3]: the PC swizzle
             * of hw/pci/pci.h, (slot + pin - 1) & 3 with pin 1-4.  Slot 0
             * (the host bridge) has no interrupt pin. */
            Name (_PRT, Package ()
            {
            Package () { 0x0001FFFF, 0, LNKB, 0 },
            Package () { 0x0001FFFF, 1, LNKC, 0 },
            Package () { 0x0001FFFF, 2, LNKD, 0 },
            Package () { 0x0001FFFF, 3, LNKA, 0 },
            Package () { 0x0002FFFF, 0, LNKC, 0 },
            Package () { 0x0002FFFF, 1, LNKD, 0 },
            Package () { 0x0002FFFF, 2, LNKA, 0 },
            Package () { 0x0002FFFF, 3, LNKB, 0 },
            Package () { 0x0003FFFF, 0, LNKD, 0 },
            Package () { 0x0003FFFF, 1, LNKA, 0 },
            Package () { 0x0003FFFF, 2, LNKB, 0 },
            Package () { 0x0003FFFF, 3, LNKC, 0 },
            Package () { 0x0004FFFF, 0, LNKA, 0 },
            Package () { 0x0004FFFF, 1, LNKB, 0 },
            Package () { 0x0004FFFF, 2, LNKC, 0 },
            Package () { 0x0004FFFF, 3, LNKD, 0 },
            Package () { 0x0005FFFF, 0, LNKB, 0 },
            Package () { 0x0005FFFF, 1, LNKC, 0 },
            Package () { 0x0005FFFF, 2, LNKD, 0 },
            Package () { 0x0005FFFF, 3, LNKA, 0 },
            Package () { 0x0006FFFF, 0, LNKC, 0 },
            Package () { 0x0006FFFF, 1, LNKD, 0 },
            Package () { 0x0006FFFF, 2, LNKA, 0 },
            Package () { 0x0006FFFF, 3, LNKB, 0 },
            Package () { 0x0007FFFF, 0, LNKD, 0 },
            Package () { 0x0007FFFF, 1, LNKA, 0 },
            Package () { 0x0007FFFF, 2, LNKB, 0 },
            Package () { 0x0007FFFF, 3, LNKC, 0 },
            Package () { 0x0008FFFF, 0, LNKA, 0 },
            Package () { 0x0008FFFF, 1, LNKB, 0 },
            Package () { 0x0008FFFF, 2, LNKC, 0 },
            Package () { 0x0008FFFF, 3, LNKD, 0 },
            Package () { 0x0009FFFF, 0, LNKB, 0 },
            Package () { 0x0009FFFF, 1, LNKC, 0 },
            Package () { 0x0009FFFF, 2, LNKD, 0 },
            Package () { 0x0009FFFF, 3, LNKA, 0 },
            Package () { 0x000AFFFF, 0, LNKC, 0 },
            Package () { 0x000AFFFF, 1, LNKD, 0 },
            Package () { 0x000AFFFF, 2, LNKA, 0 },
            Package () { 0x000AFFFF, 3, LNKB, 0 },
            Package () { 0x000BFFFF, 0, LNKD, 0 },
            Package () { 0x000BFFFF, 1, LNKA, 0 },
            Package () { 0x000BFFFF, 2, LNKB, 0 },
            Package () { 0x000BFFFF, 3, LNKC, 0 },
            Package () { 0x000CFFFF, 0, LNKA, 0 },
            Package () { 0x000CFFFF, 1, LNKB, 0 },
            Package () { 0x000CFFFF, 2, LNKC, 0 },
            Package () { 0x000CFFFF, 3, LNKD, 0 },
            Package () { 0x000DFFFF, 0, LNKB, 0 },
            Package () { 0x000DFFFF, 1, LNKC, 0 },
            Package () { 0x000DFFFF, 2, LNKD, 0 },
            Package () { 0x000DFFFF, 3, LNKA, 0 },
            Package () { 0x000EFFFF, 0, LNKC, 0 },
            Package () { 0x000EFFFF, 1, LNKD, 0 },
            Package () { 0x000EFFFF, 2, LNKA, 0 },
            Package () { 0x000EFFFF, 3, LNKB, 0 },
            Package () { 0x000FFFFF, 0, LNKD, 0 },
            Package () { 0x000FFFFF, 1, LNKA, 0 },
            Package () { 0x000FFFFF, 2, LNKB, 0 },
            Package () { 0x000FFFFF, 3, LNKC, 0 },
            Package () { 0x0010FFFF, 0, LNKA, 0 },
            Package () { 0x0010FFFF, 1, LNKB, 0 },
            Package () { 0x0010FFFF, 2, LNKC, 0 },
            Package () { 0x0010FFFF, 3, LNKD, 0 },
            Package () { 0x0011FFFF, 0, LNKB, 0 },
            Package () { 0x0011FFFF, 1, LNKC, 0 },
            Package () { 0x0011FFFF, 2, LNKD, 0 },
            Package () { 0x0011FFFF, 3, LNKA, 0 },
            Package () { 0x0012FFFF, 0, LNKC, 0 },
            Package () { 0x0012FFFF, 1, LNKD, 0 },
            Package () { 0x0012FFFF, 2, LNKA, 0 },
            Package () { 0x0012FFFF, 3, LNKB, 0 },
            Package () { 0x0013FFFF, 0, LNKD, 0 },
            Package () { 0x0013FFFF, 1, LNKA, 0 },
            Package () { 0x0013FFFF, 2, LNKB, 0 },
            Package () { 0x0013FFFF, 3, LNKC, 0 },
            Package () { 0x0014FFFF, 0, LNKA, 0 },
            Package () { 0x0014FFFF, 1, LNKB, 0 },
            Package () { 0x0014FFFF, 2, LNKC, 0 },
            Package () { 0x0014FFFF, 3, LNKD, 0 },
            Package () { 0x0015FFFF, 0, LNKB, 0 },
            Package () { 0x0015FFFF, 1, LNKC, 0 },
            Package () { 0x0015FFFF, 2, LNKD, 0 },
            Package () { 0x0015FFFF, 3, LNKA, 0 },
            Package () { 0x0016FFFF, 0, LNKC, 0 },
            Package () { 0x0016FFFF, 1, LNKD, 0 },
            Package () { 0x0016FFFF, 2, LNKA, 0 },
            Package () { 0x0016FFFF, 3, LNKB, 0 },
            Package () { 0x0017FFFF, 0, LNKD, 0 },
            Package () { 0x0017FFFF, 1, LNKA, 0 },
            Package () { 0x0017FFFF, 2, LNKB, 0 },
            Package () { 0x0017FFFF, 3, LNKC, 0 },
            Package () { 0x0018FFFF, 0, LNKA, 0 },
            Package () { 0x0018FFFF, 1, LNKB, 0 },
            Package () { 0x0018FFFF, 2, LNKC, 0 },
            Package () { 0x0018FFFF, 3, LNKD, 0 },
            Package () { 0x0019FFFF, 0, LNKB, 0 },
            Package () { 0x0019FFFF, 1, LNKC, 0 },
            Package () { 0x0019FFFF, 2, LNKD, 0 },
            Package () { 0x0019FFFF, 3, LNKA, 0 },
            Package () { 0x001AFFFF, 0, LNKC, 0 },
            Package () { 0x001AFFFF, 1, LNKD, 0 },
            Package () { 0x001AFFFF, 2, LNKA, 0 },
            Package () { 0x001AFFFF, 3, LNKB, 0 },
            Package () { 0x001BFFFF, 0, LNKD, 0 },
            Package () { 0x001BFFFF, 1, LNKA, 0 },
            Package () { 0x001BFFFF, 2, LNKB, 0 },
            Package () { 0x001BFFFF, 3, LNKC, 0 },
            Package () { 0x001CFFFF, 0, LNKA, 0 },
            Package () { 0x001CFFFF, 1, LNKB, 0 },
            Package () { 0x001CFFFF, 2, LNKC, 0 },
            Package () { 0x001CFFFF, 3, LNKD, 0 },
            Package () { 0x001DFFFF, 0, LNKB, 0 },
            Package () { 0x001DFFFF, 1, LNKC, 0 },
            Package () { 0x001DFFFF, 2, LNKD, 0 },
            Package () { 0x001DFFFF, 3, LNKA, 0 },
            Package () { 0x001EFFFF, 0, LNKC, 0 },
            Package () { 0x001EFFFF, 1, LNKD, 0 },
            Package () { 0x001EFFFF, 2, LNKA, 0 },
            Package () { 0x001EFFFF, 3, LNKB, 0 },
            Package () { 0x001FFFFF, 0, LNKD, 0 },
            Package () { 0x001FFFFF, 1, LNKA, 0 },
            Package () { 0x001FFFFF, 2, LNKB, 0 },
            Package () { 0x001FFFFF, 3, LNKC, 0 }
            })

            /* PIIX3 function 0: the ISA bridge and its PIRQ route
             * control registers. */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                OperationRegion (PIRQ, PCI_Config, 0x60, 0x04)
                Field (PIRQ, ByteAcc, NoLock, Preserve)
                {
                    PRQA, 8,
                    PRQB, 8,
                    PRQC, 8,
                    PRQD, 8
                }

                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                        IRQNoFlags () {8}
                    })
                }

                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
                        IRQNoFlags () {1}
                    })
                }

                Device (MOU)
                {
                    Name (_HID, EisaId ("PNP0F13"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IRQNoFlags () {12}
                    })
                }

                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, One)
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (PRES (C1EN))
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                        IRQNoFlags () {4}
                    })
                }

                Device (COM2)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, 0x02)
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (PRES (C2EN))
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x02F8, 0x02F8, 0x01, 0x08)
                        IRQNoFlags () {3}
                    })
                }

                /* COM3/COM4 share IRQ 4/3 with COM1/COM2, as on a PC. */
                Device (COM3)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, 0x03)
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (PRES (C3EN))
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03E8, 0x03E8, 0x01, 0x08)
                        IRQNoFlags () {4}
                    })
                }

                Device (COM4)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, 0x04)
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (PRES (C4EN))
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x02E8, 0x02E8, 0x01, 0x08)
                        IRQNoFlags () {3}
                    })
                }

                /* IA-PC HPET specification 1.0a, 3.2.5.1: the memory block
                 * only; its interrupts are programmed by the OS. */
                Device (HPET)
                {
                    Name (_HID, EisaId ("PNP0103"))
                    Name (_UID, Zero)
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (PRES (HPEN))
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        Memory32Fixed (ReadOnly, 0xFED00000, 0x00000400)
                    })
                }

                Device (PIC)
                {
                    Name (_HID, EisaId ("PNP0000"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0020, 0x0020, 0x01, 0x02)
                        IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02)
                        IO (Decode16, 0x04D0, 0x04D0, 0x01, 0x02)
                        IRQNoFlags () {2}
                    })
                }

                /* The 8237 pair and its page registers: described so the
                 * OS leaves the ports alone; hvemu does not emulate ISA
                 * DMA (no floppy, no ISA sound). */
                Device (DMA)
                {
                    Name (_HID, EisaId ("PNP0200"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        DMA (Compatibility, NotBusMaster, Transfer8, ) {4}
                        IO (Decode16, 0x0000, 0x0000, 0x01, 0x10)
                        IO (Decode16, 0x0081, 0x0081, 0x01, 0x03)
                        IO (Decode16, 0x0087, 0x0087, 0x01, 0x01)
                        IO (Decode16, 0x0089, 0x0089, 0x01, 0x03)
                        IO (Decode16, 0x008F, 0x008F, 0x01, 0x01)
                        IO (Decode16, 0x00C0, 0x00C0, 0x01, 0x20)
                    })
                }

                Device (TMR)
                {
                    Name (_HID, EisaId ("PNP0100"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0040, 0x0040, 0x01, 0x04)
                        IRQNoFlags () {0}
                    })
                }

                Device (SPKR)
                {
                    Name (_HID, EisaId ("PNP0800"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0061, 0x0061, 0x01, 0x01)
                    })
                }

                /* Ports the board decodes that no other object claims:
                 * port 0x92 (A20/fast reset), the APM control/status
                 * ports (SMI_CMD), the PIIX4 PM block (PMBA 0x600, 64
                 * bytes), and the reset control register 0xCF9 is inside
                 * PCI0's own 0xCF8-0xCFF. */
                Device (MBRS)
                {
                    Name (_HID, EisaId ("PNP0C02"))
                    Name (_UID, One)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0092, 0x0092, 0x01, 0x01)
                        IO (Decode16, 0x00B2, 0x00B2, 0x01, 0x02)
                        IO (Decode16, 0x0600, 0x0600, 0x01, 0x40)
                    })
                }

                /* QEMU's firmware configuration interface, so Linux's
                 * qemu_fw_cfg driver finds it (ports 0x510-0x51B with
                 * DMA). */
                Device (FWCF)
                {
                    Name (_HID, "QEMU0002")
                    Name (_STA, 0x0B)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0510, 0x0510, 0x01, 0x0C)
                    })
                }
            }
        }

        /* PCI interrupt links A-D: the PIIX3 PIRQ route registers.  Any of
         * ISA IRQ 5, 9, 10, 11, level-triggered, active-high (the router
         * drives the ISA line high while a PCI INTx# is asserted and
         * ELCR makes it level), shareable. */
        Name (PRSI, ResourceTemplate ()
        {
            Interrupt (ResourceConsumer, Level, ActiveHigh, Shared, , , )
            {
                0x00000005,
                0x00000009,
                0x0000000A,
                0x0000000B,
            }
        })

        /* _STA of a link from its route register: bit 7 set = disabled. */
        Method (LSTA, 1, NotSerialized)
        {
            If ((Arg0 & 0x80))
            {
                Return (0x09)
            }
            Return (0x0B)
        }

        /* _CRS of a link: its IRQ, or 0 when routing is off.  Byte 5 of
         * the extended interrupt descriptor is the low byte of its first
         * interrupt number (6.4.3.6). */
        Method (LCRS, 1, NotSerialized)
        {
            Local0 = ResourceTemplate ()
                {
                    Interrupt (ResourceConsumer, Level, ActiveHigh, Shared, , , )
                    {
                        0x00000000,
                    }
                }
            If (!(Arg0 & 0x80))
            {
                Local0 [0x05] = (Arg0 & 0x0F)
            }
            Return (Local0)
        }

        /* The route register value for an _SRS buffer (OSPM hands back one
         * of the _PRS choices: its IRQ is below 16). */
        Method (LSRS, 1, NotSerialized)
        {
            Return ((DerefOf (Arg0 [0x05]) & 0x0F))
        }

        Device (LNKA)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, One)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQA)) }
            Method (_PRS, 0, NotSerialized) { Return (PRSI) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQA)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQA = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQA |= 0x80 }
        }

        Device (LNKB)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 0x02)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQB)) }
            Method (_PRS, 0, NotSerialized) { Return (PRSI) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQB)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQB = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQB |= 0x80 }
        }

        Device (LNKC)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 0x03)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQC)) }
            Method (_PRS, 0, NotSerialized) { Return (PRSI) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQC)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQC = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQC |= 0x80 }
        }

        Device (LNKD)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 0x04)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQD)) }
            Method (_PRS, 0, NotSerialized) { Return (PRSI) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQD)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQD = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQD |= 0x80 }
        }
    }
}
