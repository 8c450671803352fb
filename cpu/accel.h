/* SPDX-License-Identifier: GPL-2.0-or-later */
/* accel.h: the accelerators hvemu has.  The interface is core/accel_ops.h;
 * accelerators include only core/. */
#ifndef CPU_ACCEL_H
#define CPU_ACCEL_H

#include "core/accel_ops.h"
#include "core/machine.h"

extern const struct accel_ops accel_kvm;
extern const struct accel_ops accel_test;
extern const struct accel_ops accel_soft;

/* By name ("kvm", "soft" (alias "tcg"), "test"); NULL if unknown. */
const struct accel_ops *accel_find(const char *name);

#endif
