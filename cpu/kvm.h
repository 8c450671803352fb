/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kvm.h: what the rest of hvemu must know about the KVM accelerator.
 *
 * - Guest-physical 0xFEFFC000-0xFEFFFFFF (16 KiB) belongs to KVM: one page of
 *   EPT identity map (KVM_SET_IDENTITY_MAP_ADDR) and the three-page real-mode
 *   TSS (KVM_SET_TSS_ADDR) Intel hosts without unrestricted guest need.  The
 *   board must keep it out of RAM and MMIO and mark it reserved in e820.
 * - The in-kernel PIT also owns port 0x61 (KVM_PIT_SPEAKER_DUMMY): its
 *   timer-2 gate and output bits follow the in-kernel channel 2, which Linux
 *   polls to calibrate the TSC; a userspace port-0x61 device never sees an
 *   access under KVM.
 * - GSI routing: ISA IRQ n (n = 0..15, except 2) reaches PIC pin n; GSI 0
 *   (the PIT) reaches IOAPIC pin 2, GSIs 1, 3..23 IOAPIC pin n; nothing is
 *   wired to GSI 2.  Firmware tables must describe "ISA IRQ0 -> GSI 2".
 * - vCPUs are kicked out of KVM_RUN with KVM_ACCEL_KICK_SIGNAL, which the
 *   accelerator installs a handler for; nothing else in hvemu may use it.
 * - RAM/ROM handed to the memory listener becomes KVM memory slots only where
 *   host address and guest address are both 4 KiB aligned; the rest is served
 *   through MMIO exits (correct but slow, and the guest cannot execute from
 *   it), so allocate ROM images page-aligned. */
#ifndef CPU_KVM_H
#define CPU_KVM_H

#include <signal.h>

#define KVM_ACCEL_IDENTITY_MAP_ADDR 0xFEFFC000ULL /* one page */
#define KVM_ACCEL_TSS_ADDR 0xFEFFD000ULL          /* three pages */
#define KVM_ACCEL_RESERVED_START 0xFEFFC000ULL
#define KVM_ACCEL_RESERVED_SIZE 0x4000ULL
#define KVM_ACCEL_NR_GSIS 24
#define KVM_ACCEL_KICK_SIGNAL SIGUSR1

#endif
