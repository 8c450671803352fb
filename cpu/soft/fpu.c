/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fpu.c: the fpu instruction group (being written). */
#include "cpu/soft/ops.h"

const struct optable ops_fpu_table = {
    .name = "fpu",
};
