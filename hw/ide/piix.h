/* SPDX-License-Identifier: GPL-2.0-or-later */
/* piix.h: the PIIX3 IDE function (8086:7010, PCI 00:01.1 on a PC) in
 * legacy mode with bus-master DMA.
 *
 * The board creates it on the PCI bus, maps the legacy regions at their
 * fixed ports and connects the two ISA interrupt outputs:
 *   bus[0].cmd_region  0x1f0 (8 ports)   bus[0].ctl_region  0x3f6 (1 port)
 *   bus[1].cmd_region  0x170 (8 ports)   bus[1].ctl_region  0x376 (1 port)
 *   irq[0] -> ISA IRQ 14                  irq[1] -> ISA IRQ 15
 * (the regions are switched on and off by the function itself: IDETIM bit
 * 15 and the command register's I/O enable).  BAR4 (16 ports of bus-master
 * registers) is mapped by the PCI core where the guest puts it.  Drives are
 * attached with ide_attach_disk/ide_attach_cd on bus[index / 2], unit
 * index % 2, before the first reset; tray moves are reported through
 * ide_bus_set_tray_cb on each bus. */
#ifndef HW_IDE_PIIX_H
#define HW_IDE_PIIX_H

#include "hw/ide/core.h"
#include "hw/pci/pci.h"

#define PIIX_IDE_PRI_CMD 0x1f0
#define PIIX_IDE_PRI_CTL 0x3f6
#define PIIX_IDE_SEC_CMD 0x170
#define PIIX_IDE_SEC_CTL 0x376
#define PIIX_IDE_PRI_IRQ 14
#define PIIX_IDE_SEC_IRQ 15
#define PIIX_IDE_DEVFN PCI_DEVFN(1, 1)

/* Bus-master IDE registers (SFF-8038i; PIIX3 datasheet 2.7). */
#define BM_CMD 0
#define BM_STATUS 2
#define BM_PRD 4
#define BM_CMD_START 0x01
#define BM_CMD_WRITE 0x08 /* bus master writes memory (device -> RAM) */
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR 0x02
#define BM_ST_INTR 0x04
#define BM_ST_DMA0 0x20
#define BM_ST_DMA1 0x40
#define BM_ST_SIMPLEX 0x80

/* IDE timing registers (config 0x40 primary, 0x42 secondary). */
#define PIIX_IDETIM 0x40
#define PIIX_SIDETIM 0x44
#define PIIX_IDETIM_IDE 0x8000 /* IDE decode enable */

struct piix_ide;

struct piix_bm {
    struct piix_ide *s;
    uint8_t ch;
    uint8_t cmd, status;
    uint32_t prd;      /* descriptor table pointer register */
    uint32_t cur, off; /* current descriptor and bytes of it used */
    /* Where the cursor goes once the chunk in flight is done (not saved:
     * a chunk in flight at save time is mapped again on load). */
    uint32_t next_cur, next_off;
    bool pending;
    struct {
        uint64_t gpa, len;
    } seg[IDE_DMA_MAX_IOV];
    int nseg;
    bool seg_write;
};

struct piix_ide {
    struct pci_dev pci;
    struct ide_bus bus[2];
    struct mem_region bm_region; /* BAR4: 16 ports */
    struct irq_line irq[2];

    const struct dev_env *env;
    bool trace;
    bool decode_at_reset;
    bool settling;
    bool decoding[2];
    struct piix_bm bm[2];
};

extern const struct dev_class piix_ide_class;

/* decode_at_reset: IDETIM comes out of reset with the decode bits set (a
 * direct -kernel boot, where no firmware programs them; the datasheet's
 * reset value is 0).  NULL if devfn is taken. */
struct piix_ide *piix_ide_new(const struct dev_env *env, struct pci_bus *pci, uint8_t devfn,
                              bool decode_at_reset);

#endif
