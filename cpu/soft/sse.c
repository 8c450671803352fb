/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sse.c: the sse instruction group (being written). */
#include "cpu/soft/ops.h"

const struct optable ops_sse_table = {
    .name = "sse",
};
