/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test.h: what the test accelerator records, for machine tests. */
#ifndef CPU_TEST_H
#define CPU_TEST_H

#define TEST_ACCEL_GSIS 24

struct test_accel {
    int gsi_level[TEST_ACCEL_GSIS];
    int gsi_raises[TEST_ACCEL_GSIS];
};

#endif
