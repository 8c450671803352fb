/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops_system.c: the system instruction group (being written). */
#include "cpu/soft/ops.h"

const struct optable ops_system_table = {
    .name = "system",
};
