/* SPDX-License-Identifier: GPL-2.0-or-later */
/* board.h: the whole PC board on the test accelerator (no CPU), for tests
 * that drive it through its ports and memory as firmware or a driver would.
 * Every helper asserts: a failure is a test failure. */
#ifndef TESTS_SUPPORT_BOARD_H
#define TESTS_SUPPORT_BOARD_H

#include "core/accel_ops.h"
#include "core/machine.h"
#include "hw/pc.h"

/* A machine with RAM, a manual clock and accel (the test accelerator when
 * NULL), initialised. */
struct machine *tb_machine(uint64_t ram, unsigned cpus, const struct accel_ops *accel);
/* The board on it, powered on. */
struct pc *tb_pc(struct machine *m, const struct pc_config *cfg);

uint64_t tb_in(struct machine *m, uint16_t port, unsigned size);
void tb_out(struct machine *m, uint16_t port, unsigned size, uint64_t v);
uint64_t tb_rdm(struct machine *m, uint64_t addr, unsigned size);
void tb_wrm(struct machine *m, uint64_t addr, unsigned size, uint64_t v);
uint8_t tb_cmos(struct machine *m, uint8_t idx);
/* PCI configuration mechanism #1 (0xcf8/0xcfc), bus 0. */
uint32_t tb_pci_read(struct machine *m, unsigned devfn, unsigned reg, unsigned size);
void tb_pci_write(struct machine *m, unsigned devfn, unsigned reg, unsigned size, uint32_t v);

#endif
