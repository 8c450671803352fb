/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pci.h: the conventional PCI bus (PCI Local Bus Specification 3.0).
 *
 * One bus (bus 0) with 32 slots x 8 functions.  A function is a struct
 * pci_dev embedded in the device's own struct (container_of to get back).
 * Its 256-byte configuration space is plain bytes plus two masks: wmask
 * (bits software may write) and w1cmask (write-1-to-clear bits, e.g. the
 * status register's error bits).  The generic code handles the header:
 * command, status, BARs (I/O, 32/64-bit memory, prefetchable), the expansion
 * ROM BAR, interrupt line/pin, capability lists and MSI; a device hooks
 * config_write for its own registers (PAM, PIRQ routing...) and
 * config_read for registers whose value is computed.
 *
 * BAR mapping follows the spec: a BAR is decoded when its command-register
 * enable (I/O space bit 0, memory space bit 1) is set and its address is
 * neither 0 nor such that the range would wrap or leave the space; BARs are
 * remapped through the machine's address spaces (pci_update_mappings) after
 * every config write that can move them.  BAR size registers read back the
 * size mask after the guest writes all-ones.
 *
 * INTx: a function asserts its pin with pci_set_irq(); the generic code
 * honours command bit 10 (Interrupt Disable) and reflects the level in
 * status bit 3 (Interrupt Status).  The bus ORs the functions sharing a
 * PIRQ (map_irq decides which: the PC swizzle (slot + pin - 1) & 3) and
 * calls set_irq with the PIRQ's new level; the board routes it (PIIX3 PIRQ
 * registers on a PC).
 *
 * MSI: pci_add_msi() builds the capability (32- or 64-bit, per-vector
 * masking optional); pci_msi_notify() sends the message through bus->msi
 * when the guest enabled it.
 *
 * Threat model: every config-space byte is guest-controlled.  Offsets are
 * masked to the 256-byte space, reads of absent functions return all-ones,
 * BAR addresses are checked against the address space before mapping. */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "core/device.h"

#define PCI_CONFIG_SIZE 256
#define PCI_NUM_BARS 6
#define PCI_SLOTS 32
#define PCI_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 7)

/* Standard header registers. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_SERR 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_SIG_TARGET_ABORT 0x0800
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY 0x8000

#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

#define PCI_BAR_IO 0x01            /* bit 0 of an I/O BAR */
#define PCI_BAR_MEM_64 0x04        /* memory BAR type 10b */
#define PCI_BAR_MEM_PREFETCH 0x08
#define PCI_ROM_ENABLE 0x01

#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_MSI 0x05

/* PCI-visible interrupt pins: 1 = INTA# ... 4 = INTD#. */
enum { PCI_INTA = 1, PCI_INTB, PCI_INTC, PCI_INTD };

struct pci_bus;
struct pci_dev;

struct pci_dev_ops {
    /* Called after the generic code stored a config write (masks applied,
     * BARs remapped).  off is the first byte written, size 1/2/4, val the
     * value as written.  May be NULL. */
    void (*config_write)(struct pci_dev *d, unsigned off, uint32_t val, unsigned size);
    /* Value of a config read; NULL: the stored bytes.  Implementations
     * usually call pci_config_get() for the bytes they do not compute. */
    uint32_t (*config_read)(struct pci_dev *d, unsigned off, unsigned size);
};

struct pci_bar {
    struct mem_region *region; /* NULL: BAR not implemented (reads 0) */
    uint8_t type;              /* PCI_BAR_IO, or memory: PCI_BAR_MEM_64 | _PREFETCH */
    uint64_t addr;             /* where it is mapped, PCI_BAR_UNMAPPED if not */
};
#define PCI_BAR_UNMAPPED UINT64_MAX

struct pci_dev {
    const char *name;
    const struct pci_dev_ops *ops;
    struct pci_bus *bus;
    uint8_t devfn;

    uint8_t config[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE];
    uint8_t w1cmask[PCI_CONFIG_SIZE];

    struct pci_bar bars[PCI_NUM_BARS];
    struct pci_bar rom;   /* expansion ROM BAR (0x30) */
    int intx_level;       /* the function's own INTx level before disable */
    uint8_t msi_cap;      /* offset of the MSI capability, 0 if none */
};

struct pci_bus {
    struct address_space *io, *mem; /* where BARs are mapped */
    int bar_prio;                   /* priority of BAR regions in those spaces */
    struct pci_dev *devs[PCI_SLOTS * 8];
    /* INTx routing: (slot, pin 1-4) -> PIRQ 0-3, and the PIRQ sink. */
    unsigned (*map_irq)(void *opaque, unsigned slot, unsigned pin);
    void (*set_irq)(void *opaque, unsigned pirq, int level);
    /* MSI delivery (address/data as written by the guest); NULL: MSI off. */
    void (*msi)(void *opaque, uint64_t addr, uint32_t data);
    void *opaque;
    unsigned pirq_count[4]; /* functions asserting each PIRQ */
    const struct log *log;
};

/* Bus set-up (the board).  map_irq NULL: the PC swizzle. */
void pci_bus_init(struct pci_bus *bus, struct address_space *io, struct address_space *mem,
                  const struct log *log);

/* Put a function on the bus and fill the read-only identification bytes.
 * class_code is the 24-bit class/subclass/prog-if.  The header is type 0;
 * set PCI_HEADER_TYPE_MULTI_FUNCTION on function 0 of multi-function
 * devices.  Returns -1 if devfn is taken. */
int pci_dev_init(struct pci_dev *d, struct pci_bus *bus, uint8_t devfn, const char *name,
                 uint16_t vendor, uint16_t device, uint32_t class_code, uint8_t revision,
                 const struct pci_dev_ops *ops);
void pci_dev_remove(struct pci_dev *d);

/* BAR n (0-5; a 64-bit BAR uses n and n+1) backed by region, whose size
 * must be a power of two (I/O >= 4 bytes, memory >= 16 bytes). */
void pci_register_bar(struct pci_dev *d, unsigned n, uint8_t type, struct mem_region *region);
void pci_register_rom(struct pci_dev *d, struct mem_region *region);
/* Interrupt pin 1-4 (0: none); makes INTERRUPT_LINE writable. */
void pci_set_interrupt_pin(struct pci_dev *d, uint8_t pin);

/* Capabilities: reserve size bytes at offset (>= 0x40, dword aligned) and
 * link them into the list.  Returns offset. */
unsigned pci_add_capability(struct pci_dev *d, uint8_t id, unsigned offset, unsigned size);
/* MSI capability with nvec (1, 2, 4... 32) vectors; returns offset. */
unsigned pci_add_msi(struct pci_dev *d, unsigned offset, unsigned nvec, bool addr64,
                     bool per_vector_mask);
bool pci_msi_enabled(const struct pci_dev *d);
/* Send MSI vector (if enabled and not masked; masked vectors set the
 * pending bit).  Returns true if a message was sent. */
bool pci_msi_notify(struct pci_dev *d, unsigned vector);

/* Drive the function's INTx pin. */
void pci_set_irq(struct pci_dev *d, int level);

/* Config-space accessors for the host bridge (mechanism #1) and tests:
 * devfn on bus 0, off 0-255, size 1/2/4 (off aligned to size).  Absent
 * functions read all-ones and ignore writes. */
uint32_t pci_bus_config_read(struct pci_bus *bus, uint8_t devfn, unsigned off, unsigned size);
void pci_bus_config_write(struct pci_bus *bus, uint8_t devfn, unsigned off, uint32_t val,
                          unsigned size);

/* Raw little-endian access to a function's config bytes (device code). */
uint32_t pci_config_get(const struct pci_dev *d, unsigned off, unsigned size);
void pci_config_set(struct pci_dev *d, unsigned off, uint32_t val, unsigned size);

/* Bus-master DMA gate: true if the function may master (command bit 2). */
static inline bool pci_bus_master(const struct pci_dev *d)
{
    return d->config[PCI_COMMAND] & PCI_COMMAND_MASTER;
}

/* Reset the generic header (command, status, BARs unmapped, interrupt
 * line, MSI off) without touching device-specific registers; the device's
 * reset calls it.  Remapping happens at the next pci_update_mappings. */
void pci_dev_reset(struct pci_dev *d);
/* Re-evaluate every BAR of d against its config bytes, map/unmap regions
 * and commit the address spaces that changed (machine lock held). */
void pci_update_mappings(struct pci_dev *d);

/* Device state: the config bytes (+ INTx level) as properties of the
 * device's current FDT node; load validates, remaps and re-drives INTx in
 * the device's settle. */
void pci_dev_save(struct pci_dev *d, struct vm_writer *w);
int pci_dev_load(struct pci_dev *d, struct vm_reader *r);
/* Same, and also rejects streams that change read-only bits of the
 * device-specific registers (0x40-0xff): for functions whose read-only
 * bits there are constants (no device-driven status bits). */
int pci_dev_load_strict(struct pci_dev *d, struct vm_reader *r);

#endif
