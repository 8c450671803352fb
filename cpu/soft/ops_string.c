/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops_string.c: the string instruction group (being written). */
#include "cpu/soft/ops.h"

const struct optable ops_string_table = {
    .name = "string",
};
