/* SPDX-License-Identifier: GPL-2.0-or-later */
/* piix4_pm.h: Intel 82371AB (PIIX4) function 3, power management (ACPI
 * PM1 event/control blocks, PM timer, GPE0, SCI) and the SMBus host
 * controller registers, at PCI 00:01.3 (8086:7113 rev 3).
 *
 * Board wiring (hw/pc.c):
 *   pm = piix4_pm_new(env, bus, PCI_DEVFN(1, 3))
 *   pm->sci: ISA IRQ PIIX4_SCI_IRQ (level, asserted = 1).
 *   pm->apm: I/O PIIX4_SMI_CMD_PORT (2 bytes: APMC 0xb2, APMS 0xb3).
 *   The PM I/O block (64 bytes at PMBA, config 0x40, when PMREGMISC bit 0
 *   is set) and the SMBus block (16 bytes at SMBBA, config 0x90, when
 *   PCICMD I/O and SMBHSTCFG bit 0 are set) are mapped by the device itself
 *   into bus->io, like BARs.
 *   Direct boots without firmware: piix4_pm_enable_default(pm) after the
 *   reset programs PMBA = PIIX4_PM_BASE_DEFAULT and PMREGMISC = 1, as
 *   SeaBIOS would.
 *   QMP system_powerdown: piix4_pm_power_button(pm).
 *   add_dev(pm, &piix4_pm_class). */
#ifndef HW_ACPI_PIIX4_PM_H
#define HW_ACPI_PIIX4_PM_H

#include "hw/pci/pci.h"

#define PIIX4_PM_VENDOR 0x8086
#define PIIX4_PM_DEVICE 0x7113
#define PIIX4_PM_REVISION 0x03

/* ---- The contract with the ACPI tables (FADT/DSDT): keep these. ---- */
#define PIIX4_PM_BASE_DEFAULT 0x600
#define PIIX4_PM1A_EVT_BLK 0x600 /* PM1_STS + PM1_EN */
#define PIIX4_PM1A_EVT_LEN 4
#define PIIX4_PM1A_CNT_BLK 0x604
#define PIIX4_PM1A_CNT_LEN 2
#define PIIX4_PM_TMR_BLK 0x608
#define PIIX4_PM_TMR_LEN 4
#define PIIX4_GPE0_BLK 0x60c /* GPSTS + GPEN */
#define PIIX4_GPE0_BLK_LEN 4
#define PIIX4_SCI_IRQ 9
#define PIIX4_SMI_CMD_PORT 0xb2
#define PIIX4_ACPI_ENABLE 0xf1
#define PIIX4_ACPI_DISABLE 0xf0
#define PIIX4_RESET_REG_PORT 0xcf9
#define PIIX4_RESET_VALUE 0x06
#define PIIX4_SLP_TYP_S5 0
#define PIIX4_SMBUS_BASE_DEFAULT 0x700 /* what SeaBIOS programs */
#define PIIX4_PM_TIMER_HZ 3579545

/* PCI configuration registers (82371AB datasheet, 7.1). */
#define PIIX4_PMBA 0x40
#define PIIX4_CNTA 0x44
#define PIIX4_CNTB 0x48
#define PIIX4_GPICTL 0x4c
#define PIIX4_DEVRESD 0x50
#define PIIX4_DEVACTA 0x54
#define PIIX4_DEVACTB 0x58
#define PIIX4_DEVRESA 0x5c /* DEVRESA-C 0x5c-0x67, DEVRESE-J 0x68-0x7f */
#define PIIX4_PMREGMISC 0x80
#define PIIX4_SMBBA 0x90
#define PIIX4_SMBHSTCFG 0xd2
#define PIIX4_SMBSLVC 0xd3
#define PIIX4_SMBSHDW1 0xd4
#define PIIX4_SMBSHDW2 0xd5
#define PIIX4_SMBREV 0xd6
#define PIIX4_DEVACTB_APMC_EN (1u << 25)

/* PM I/O registers (offsets from PMBA, datasheet 7.2). */
#define PIIX4_PMSTS 0x00
#define PIIX4_PMEN 0x02
#define PIIX4_PMCNTRL 0x04
#define PIIX4_PMTMR 0x08
#define PIIX4_GPSTS 0x0c
#define PIIX4_GPEN 0x0e
#define PIIX4_PCNTRL 0x10
#define PIIX4_GLBSTS 0x18
#define PIIX4_DEVSTS 0x1c
#define PIIX4_GLBEN 0x20
#define PIIX4_GLBCTL 0x28
#define PIIX4_DEVCTL 0x2c
#define PIIX4_GPIREG 0x30
#define PIIX4_GPOREG 0x34
#define PIIX4_PMIO_SIZE 64

#define PM1_TMROF 0x0001
#define PM1_BM 0x0010
#define PM1_GBL 0x0020
#define PM1_PWRBTN 0x0100
#define PM1_RTC 0x0400
#define PM1_PWRBTNOR 0x0800
#define PM1_WAK 0x8000
#define PMCNT_SCI_EN 0x0001
#define PMCNT_BRLD_EN_BM 0x0002
#define PMCNT_GBL_RLS 0x0004
#define PMCNT_SUS_TYP_SHIFT 10
#define PMCNT_SUS_TYP 0x1c00
#define PMCNT_SUS_EN 0x2000

/* SMBus host registers (offsets from SMBBA). */
#define SMB_HSTSTS 0x00
#define SMB_HSTCNT 0x02
#define SMB_HSTCMD 0x03
#define SMB_HSTADD 0x04
#define SMB_HSTDAT0 0x05
#define SMB_HSTDAT1 0x06
#define SMB_BLKDAT 0x07
#define SMB_IO_SIZE 16
#define SMBSTS_BUSY 0x01
#define SMBSTS_INTR 0x02
#define SMBSTS_DEV_ERR 0x04
#define SMBSTS_BUS_COL 0x08
#define SMBSTS_FAILED 0x10
#define SMBCNT_INTEREN 0x01
#define SMBCNT_KILL 0x02
#define SMBCNT_START 0x40

struct piix4_pm {
    struct pci_dev pci;
    const struct dev_env *env;
    struct irq_line sci;
    struct mem_region apm, pmio, smbio;
    uint16_t pmio_base, smb_base; /* where mapped, 0: not mapped */
    struct vtimer tmr;            /* next PM timer bit-23 toggle */

    uint16_t pmsts, pmen, pmcntrl, gpsts, gpen, glbsts, glben;
    uint32_t pcntrl, devsts, glbctl, devctl, gporeg;
    uint8_t apmc, apms;
    uint8_t smb[SMB_IO_SIZE]; /* SMBus host register file */
    bool trace;
};

struct piix4_pm *piix4_pm_new(const struct dev_env *env, struct pci_bus *bus, uint8_t devfn);
void piix4_pm_enable_default(struct piix4_pm *pm);
void piix4_pm_power_button(struct piix4_pm *pm);
/* The 24-bit PM timer at the current virtual time. */
uint32_t piix4_pm_timer(const struct piix4_pm *pm);

extern const struct dev_class piix4_pm_class;

#endif
