/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest.h - constants shared by the hvemu test guests (C and assembly).
 *
 * The pm32 and lm64 Multiboot kernels share one C file (kernel.c) and this
 * header; their assembly entry files include it too, so that the segment
 * selectors, stack sizes and the SMP trampoline address agree everywhere.
 * Values are from the Intel SDM (descriptors, APIC), the Multiboot 0.6.96
 * specification and the PC chip datasheets (8250/16550, 8259A, 8254,
 * MC146818), plus QEMU's documented fw_cfg port interface.
 */
#ifndef GUEST_H
#define GUEST_H

/* Multiboot v1 */
#define MB_HEADER_MAGIC      0x1BADB002
#define MB_BOOTLOADER_MAGIC  0x2BADB002
/* bit 0: page-align modules, bit 1: provide mem_* and mmap */
#define MB_HEADER_FLAGS      0x00000003

/* GDT selectors (identical layout in pm32 and lm64) */
#define KERNEL_CS    0x08   /* 32-bit flat code */
#define KERNEL_DS    0x10   /* flat data */
#define KERNEL_CS64  0x18   /* 64-bit code (lm64 only) */

/* Stacks */
#define BSP_STACK_SIZE   16384
#define AP_STACK_SHIFT   12            /* 4 KiB per application processor */
#define AP_STACK_SIZE    (1 << AP_STACK_SHIFT)
#define MAX_CPUS         16

/* Real-mode SMP trampoline: must be 4 KiB aligned and below 1 MiB */
#define TRAMPOLINE_ADDR  0x8000

/*
 * Boot counter of the reset test (reset=kbc|port92|triple): 16 bytes of
 * RAM outside the kernel image that a warm reset leaves alone.  Neither
 * loader writes there: hvemu's Multiboot loader puts its GDT + information
 * block at 0x10000 (never below 0x1000, MULTIBOOT_INFO_MIN), its MP table
 * at 0xF0000 and the kernel at 1 MiB; under QEMU the Multiboot option ROM
 * builds the information from 0x9000, and SeaBIOS, run again after the
 * reset, sets up the IVT and BDA (0x000-0x4FF) but leaves 0x600 alone.
 * Layout: magic, count, method, ~magic (all 32-bit).
 */
#define RESET_STATE_ADDR 0x600
#define RESET_MAGIC      0x52545348     /* "HSTR" */

#endif
