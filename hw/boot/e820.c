/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e820.c: the PC memory map (ACPI 6.4 section 15, "System Address Map
 * Interfaces"; the legacy BIOS INT 15h AX=E820h layout).
 *
 * What a PC BIOS reports for our RAM layout: conventional memory up to the
 * EBDA, the EBDA and the BIOS segment reserved, extended memory up to the
 * PCI hole, the pages KVM uses for its real-mode TSS reserved, the BIOS ROM
 * alias below 4 GiB reserved, and the RAM relocated above 4 GiB.  Legacy
 * VGA (0xA0000-0xEFFFF) is simply absent, as on real hardware.
 *
 * Threat model: no guest input; the only inputs are the machine's RAM sizes,
 * and the output array is bounded by max. */
#include "hw/boot/e820.h"
#include "core/machine.h"

struct e820_builder {
    struct e820_entry *out;
    size_t max, n;
};

static void add(struct e820_builder *b, uint64_t addr, uint64_t size, uint32_t type)
{
    if (size == 0)
        return;
    if (b->n < b->max)
        b->out[b->n] = (struct e820_entry){ addr, size, type };
    b->n++;
}

size_t pc_e820_map(const struct machine *m, struct e820_entry *out, size_t max)
{
    struct e820_builder b = { out, max, 0 };
    uint64_t low = m->below_4g;

    add(&b, 0, MIN(low, PC_BASE_MEM_END), E820_RAM);
    add(&b, PC_BASE_MEM_END, PC_EBDA_END - PC_BASE_MEM_END, E820_RESERVED);
    add(&b, PC_BIOS_AREA, PC_HIGH_MEM - PC_BIOS_AREA, E820_RESERVED);
    if (low > PC_HIGH_MEM)
        add(&b, PC_HIGH_MEM, low - PC_HIGH_MEM, E820_RAM);
    add(&b, PC_KVM_TSS_START, PC_KVM_TSS_END - PC_KVM_TSS_START, E820_RESERVED);
    add(&b, PC_BIOS_ROM_START, 4 * GiB - PC_BIOS_ROM_START, E820_RESERVED);
    add(&b, 4 * GiB, m->above_4g, E820_RAM);
    return MIN(b.n, max);
}

void e820_entry_pack(const struct e820_entry *e, uint8_t out[E820_ENTRY_SIZE])
{
    st64(out, e->addr);
    st64(out + 8, e->size);
    st32(out + 16, e->type);
}
