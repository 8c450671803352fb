/* SPDX-License-Identifier: GPL-2.0-or-later */
/* accel.c: the table of accelerators. */
#include <string.h>
#include "cpu/accel.h"

static const struct accel_ops *const accels[] = {
    &accel_kvm,
    &accel_soft,
    &accel_test,
};

const struct accel_ops *accel_find(const char *name)
{
    if (!strcmp(name, "tcg"))
        name = "soft"; /* QEMU users say tcg */
    for (size_t i = 0; i < ARRAY_SIZE(accels); i++)
        if (!strcmp(accels[i]->name, name))
            return accels[i];
    return NULL;
}
