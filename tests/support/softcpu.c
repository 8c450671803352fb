/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <unistd.h>
#include "hw/boot/boot.h"
#include "tests/support/softcpu.h"

static void map_identity(struct machine *m)
{
    /* PML4 at 0x1000, PDPT at 0x2000, 4 PDs at 0x3000.. (2 MiB pages). */
    uint64_t pml4 = 0x2000 | 3, pdpt[4], pd;
    machine_write_phys(m, 0x1000, &pml4, 8);
    for (int k = 0; k < 4; k++)
        pdpt[k] = (0x3000 + k * 0x1000) | 3;
    machine_write_phys(m, 0x2000, pdpt, sizeof(pdpt));
    for (uint64_t e = 0; e < 2048; e++) {
        pd = (e << 21) | 0x83;
        machine_write_phys(m, 0x3000 + e * 8, &pd, 8);
    }
}

struct soft_test *st_new(enum st_mode mode)
{
    struct soft_test *st = g_new0(struct soft_test, 1);
    char *err = NULL;
    st->mode = mode;
    st->m = machine_new(64 * MiB, VCLOCK_MANUAL, &err);
    g_assert_nonnull(st->m);
    as_commit(&st->m->io);
    as_commit(&st->m->mem);
    st->s = soft_new(st->m, &err);
    g_assert_nonnull(st->s);
    st->c = st->s->cpus[0];
    struct cpu *c = st->c;
    cpu_reset(c, false);
    if (mode == ST_REAL) {
        cpu_set_seg_real(c, S_CS, ST_CODE_ADDR >> 4);
        cpu_set_seg_real(c, S_SS, 0x7000);
        cpu_set_seg_real(c, S_DS, ST_DATA_ADDR >> 4);
        cpu_set_seg_real(c, S_ES, ST_DATA_ADDR >> 4);
        c->rip = 0;
        c->regs[R_SP] = 0xfff0;
    } else {
        struct x86_boot_state bs;
        memset(&bs, 0, sizeof(bs));
        g_assert_cmpint(boot_enter_flat(st->m, 0x800, mode == ST_LONG64, &bs), ==, 0);
        if (mode == ST_LONG64) {
            map_identity(st->m);
            bs.cr3 = 0x1000;
        }
        bs.rip = ST_CODE_ADDR;
        bs.rsp = ST_STACK_TOP;
        cpu_apply_boot(c, &bs);
    }
    return st;
}

void st_free(struct soft_test *st)
{
    soft_free(st->s);
    machine_free(st->m);
    g_free(st);
}

void st_load(struct soft_test *st, uint64_t addr, const void *bytes, size_t len)
{
    g_assert_cmpint(machine_write_phys(st->m, addr, bytes, len), ==, 0);
    soft_code_written(st->s, addr, len);
}

void st_asm(struct soft_test *st, const char *src)
{
    static const char *const dir[] = { ".code16", ".code32", ".code64" };
    char *tmp = g_dir_make_tmp("hvemu-st-XXXXXX", NULL);
    g_assert_nonnull(tmp);
    char *s = g_build_filename(tmp, "t.s", NULL), *o = g_build_filename(tmp, "t.o", NULL);
    char *b = g_build_filename(tmp, "t.bin", NULL), *e = g_build_filename(tmp, "t.elf", NULL);
    /* Link at the address the code runs at (real mode: offset 0 in CS). */
    char *ttext = g_strdup_printf("-Ttext=0x%llx",
                                  st->mode == ST_REAL ? 0ULL : (unsigned long long)ST_CODE_ADDR);
    char *text = g_strdup_printf("%s\n%s\n", dir[st->mode], src);
    g_assert_true(g_file_set_contents(s, text, -1, NULL));
    char *as_argv[] = { "as", "--64", "-o", o, s, NULL };
    char *ld_argv[] = { "ld", "-m", "elf_x86_64", "-N", "-e", "0", "--no-warn-rwx-segments", ttext, "-o", e, o, NULL };
    char *oc_argv[] = { "objcopy", "-O", "binary", "-j", ".text", e, b, NULL };
    gchar *out = NULL, *errout = NULL;
    gint status = 0;
    g_assert_true(g_spawn_sync(NULL, as_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &errout, &status, NULL));
    if (status)
        g_error("as failed on:\n%s\n%s", text, errout);
    g_free(out);
    g_free(errout);
    g_assert_true(g_spawn_sync(NULL, ld_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
    g_assert_cmpint(status, ==, 0);
    g_assert_true(g_spawn_sync(NULL, oc_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
    g_assert_cmpint(status, ==, 0);
    gchar *bin;
    gsize len;
    g_assert_true(g_file_get_contents(b, &bin, &len, NULL));
    st_load(st, ST_CODE_ADDR, bin, len);
    g_free(bin);
    remove(s);
    remove(o);
    remove(b);
    remove(e);
    rmdir(tmp);
    g_free(s);
    g_free(o);
    g_free(b);
    g_free(e);
    g_free(ttext);
    g_free(tmp);
    g_free(text);
}

enum st_result st_run(struct soft_test *st, uint64_t max_insns)
{
    struct cpu *c = st->c;
    uint64_t start = c->icount;
    while (c->icount - start < max_insns) {
        soft_run_cpu(c, max_insns - (c->icount - start));
        if (atomic_load(&st->m->requests) & REQ_RESET)
            return ST_SHUTDOWN;
        if (c->halted)
            return ST_HALTED;
    }
    return ST_BUDGET;
}

void st_exec(struct soft_test *st, const char *src)
{
    st_asm(st, src);
    enum st_result r = st_run(st, 1000000);
    if (r != ST_HALTED)
        g_error("snippet did not halt (result %d, rip 0x%llx):\n%s", r,
                (unsigned long long)st->c->rip, src);
}

uint64_t st_flags(struct soft_test *st)
{
    return cpu_get_eflags(st->c);
}
