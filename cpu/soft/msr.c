/* SPDX-License-Identifier: GPL-2.0-or-later */
/* msr.c: CPUID, MSRs, the TSC, control-register writes and port I/O.
 *
 * CPUID describes exactly what the soft CPU implements (Intel SDM Vol. 2A
 * "CPUID"); the feature words below are the single place to extend when an
 * instruction group lands.  MSRs follow SDM Vol. 4; unknown MSRs raise #GP
 * as on hardware.  The TSC runs on the machine's virtual clock at tsc_hz.
 * Port I/O honours IOPL and the TSS I/O permission bitmap (SDM Vol. 1,
 * 19.5). */
#include <string.h>
#include "cpu/soft/soft.h"

/* CPUID.1:EDX */
#define CPUID_FPU (1u << 0)
#define CPUID_DE (1u << 2)
#define CPUID_PSE (1u << 3)
#define CPUID_TSC (1u << 4)
#define CPUID_MSR (1u << 5)
#define CPUID_PAE (1u << 6)
#define CPUID_CX8 (1u << 8)
#define CPUID_APIC (1u << 9)
#define CPUID_SEP (1u << 11)
#define CPUID_MTRR (1u << 12)
#define CPUID_PGE (1u << 13)
#define CPUID_CMOV (1u << 15)
#define CPUID_PAT (1u << 16)
#define CPUID_PSE36 (1u << 17)
#define CPUID_CLFSH (1u << 19)
#define CPUID_MMX (1u << 23)
#define CPUID_FXSR (1u << 24)
#define CPUID_SSE (1u << 25)
#define CPUID_SSE2 (1u << 26)
#define CPUID_HTT (1u << 28)
/* CPUID.1:ECX */
#define CPUID_SSE3 (1u << 0)
#define CPUID_SSSE3 (1u << 9)
#define CPUID_CX16 (1u << 13)
#define CPUID_X2APIC (1u << 21)
#define CPUID_MOVBE (1u << 22)
#define CPUID_POPCNT (1u << 23)
#define CPUID_HYPERVISOR (1u << 31)
/* CPUID.80000001 */
#define CPUID_EXT_SYSCALL (1u << 11)
#define CPUID_EXT_NX (1u << 20)
#define CPUID_EXT_RDTSCP (1u << 27)
#define CPUID_EXT_LM (1u << 29)
#define CPUID_EXT3_LAHF (1u << 0)
#define CPUID_EXT3_ABM (1u << 5)
/* CPUID.(7,0):EDX */
#define CPUID_7_ARCH_CAPABILITIES (1u << 29)

/* IA32_ARCH_CAPABILITIES (MSR 10Ah, SDM Vol. 4 Table 2-2): an interpreter
 * executes nothing speculatively, so it is immune to every transient-
 * execution attack the *_NO bits name, and says so.  Without these bits
 * Linux assumes an Intel CPU is vulnerable and turns on page-table
 * isolation (a CR3 write on every kernel entry and exit), which is pure
 * cost here.  IBRS_ALL and the control MSRs are not implemented. */
#define ARCH_CAP_RDCL_NO (1ull << 0)        /* Meltdown, L1TF */
#define ARCH_CAP_SSB_NO (1ull << 4)         /* speculative store bypass */
#define ARCH_CAP_MDS_NO (1ull << 5)
#define ARCH_CAP_PSCHANGE_MC_NO (1ull << 6) /* page-size change machine check */
#define ARCH_CAP_TAA_NO (1ull << 8)
#define ARCH_CAP_SBDR_SSDP_NO (1ull << 13)  /* MMIO stale data */
#define ARCH_CAP_FBSDP_NO (1ull << 14)
#define ARCH_CAP_PSDP_NO (1ull << 15)
#define ARCH_CAP_BHI_NO (1ull << 20)
#define ARCH_CAP_PBRSB_NO (1ull << 24)
#define ARCH_CAP_GDS_NO (1ull << 26)
#define ARCH_CAP_RFDS_NO (1ull << 27)
static const uint64_t arch_caps = ARCH_CAP_RDCL_NO | ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO |
                                  ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO |
                                  ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO |
                                  ARCH_CAP_BHI_NO | ARCH_CAP_PBRSB_NO | ARCH_CAP_GDS_NO |
                                  ARCH_CAP_RFDS_NO;

/* What the soft CPU implements today. */
static const uint32_t feat_edx = CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR |
                                 CPUID_PAE | CPUID_CX8 | CPUID_APIC | CPUID_SEP | CPUID_MTRR |
                                 CPUID_PGE | CPUID_CMOV | CPUID_PAT | CPUID_PSE36 |
                                 CPUID_CLFSH | CPUID_MMX | CPUID_FXSR | CPUID_SSE | CPUID_SSE2;
static const uint32_t feat_ecx = CPUID_SSE3 | CPUID_SSSE3 | CPUID_CX16 | CPUID_POPCNT |
                                 CPUID_MOVBE | CPUID_HYPERVISOR;
static const uint32_t ext_edx = CPUID_EXT_SYSCALL | CPUID_EXT_NX | CPUID_EXT_LM | CPUID_EXT_RDTSCP;
static const uint32_t ext_ecx = CPUID_EXT3_LAHF | CPUID_EXT3_ABM;

#define FAMILY 6
#define MODEL 15
#define STEPPING 11

static void str4(uint32_t *out, const char *s)
{
    memcpy(out, s, 4);
}

void cpu_cpuid(struct cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    unsigned ncpus = c->soft ? c->soft->ncpus : 1;
    memset(out, 0, 16);
    switch (leaf) {
    case 0:
        out[0] = 0xb;
        str4(&out[1], "Genu");
        str4(&out[3], "ineI");
        str4(&out[2], "ntel");
        break;
    case 1:
        out[0] = (FAMILY << 8) | ((MODEL & 0xf) << 4) | STEPPING | ((MODEL >> 4) << 16);
        out[1] = (c->index << 24) | (ncpus << 16) | (8 << 8); /* APIC ID, count, CLFLUSH 64 */
        out[2] = feat_ecx | (c->intc ? CPUID_X2APIC : 0);
        out[3] = feat_edx | (ncpus > 1 ? CPUID_HTT : 0);
        if (!c->intc)
            out[3] &= ~CPUID_APIC;
        break;
    case 4: /* deterministic cache parameters: one L1D, one L1I, unified L2 */
        if (sub < 3) {
            static const uint32_t type[3] = { 1, 2, 3 }, level[3] = { 1, 1, 2 };
            out[0] = type[sub] | (level[sub] << 5) | (1u << 8) | ((ncpus - 1) << 26);
            out[1] = (63u) | (0u << 12) | (7u << 22); /* 64-byte lines, 8 ways */
            out[2] = sub < 2 ? 63 : 1023;             /* sets - 1 */
        }
        break;
    case 7: /* structured extended features: only subleaf 0 */
        if (sub == 0)
            out[3] = CPUID_7_ARCH_CAPABILITIES;
        break;
    case 0xb: /* x2APIC topology: one thread per core, ncpus cores */
        if (sub == 0) {
            out[0] = 0;
            out[1] = 1;
            out[2] = 0x100;
        } else if (sub == 1) {
            out[0] = 32 - (ncpus > 1 ? (uint32_t)__builtin_clz(ncpus - 1) : 32);
            out[1] = ncpus;
            out[2] = 0x201;
        } else {
            out[2] = sub;
        }
        out[3] = c->index;
        break;
    case 0x40000000:
        out[0] = 0x40000000;
        str4(&out[1], "hvem");
        str4(&out[2], "uhve");
        str4(&out[3], "mu  ");
        break;
    case 0x80000000:
        out[0] = 0x80000008;
        break;
    case 0x80000001:
        out[2] = ext_ecx;
        out[3] = ext_edx;
        break;
    case 0x80000002: case 0x80000003: case 0x80000004: {
        static const char name[48] = "hvemu soft CPU";
        memcpy(out, name + (leaf - 0x80000002) * 16, 16);
        break;
    }
    case 0x80000008:
        out[0] = 0x3028; /* 40 physical, 48 linear address bits */
        break;
    default:
        break;
    }
}

/* ---- TSC ---- */

uint64_t cpu_rdtsc(struct cpu *c)
{
    uint64_t ns = (uint64_t)vclock_now(&c->m->clock);
    unsigned __int128 t = (unsigned __int128)ns * c->tsc_hz / 1000000000u;
    return (uint64_t)t + (uint64_t)c->tsc_offset;
}

/* ---- MSRs ---- */

static bool apic_msr(struct cpu *c, uint32_t msr)
{
    return c->intc && (msr == 0x1b || msr == 0x6e0 || (msr >= 0x800 && msr <= 0x8ff));
}

bool cpu_rdmsr(struct cpu *c, uint32_t msr, uint64_t *v)
{
    if (apic_msr(c, msr)) {
        machine_lock(c->m);
        bool ok = c->intc->ops->rdmsr(c->intc->apic, msr, v);
        machine_unlock(c->m);
        return ok;
    }
    switch (msr) {
    case 0x10: *v = cpu_rdtsc(c); return true;
    case 0x17: *v = 0; return true;                  /* PLATFORM_ID */
    case 0x1b: *v = c->apic_base; return true;
    case 0x3a: *v = 1; return true;                  /* FEATURE_CONTROL: locked, no VMX */
    case 0x8b: *v = 0; return true;                  /* microcode revision */
    case 0x10a: *v = arch_caps; return true;         /* ARCH_CAPABILITIES */
    case 0xfe: *v = 0x508; return true;              /* MTRRcap: 8 variable, fixed, WC */
    case 0x174: *v = c->sysenter_cs; return true;
    case 0x175: *v = c->sysenter_esp; return true;
    case 0x176: *v = c->sysenter_eip; return true;
    case 0x179: *v = 0; return true;                 /* MCG_CAP: no banks */
    case 0x17a: *v = 0; return true;
    case 0x1a0: *v = c->misc_enable; return true;
    case 0x277: *v = c->pat; return true;
    case 0x2ff: *v = c->mtrr_def_type; return true;
    case 0x250: *v = c->mtrr_fixed[0]; return true;
    case 0x258: case 0x259: *v = c->mtrr_fixed[1 + msr - 0x258]; return true;
    case 0xc0000080: *v = c->efer; return true;
    case 0xc0000081: *v = c->star; return true;
    case 0xc0000082: *v = c->lstar; return true;
    case 0xc0000083: *v = c->cstar; return true;
    case 0xc0000084: *v = c->sfmask; return true;
    case 0xc0000100: *v = c->seg[S_FS].base; return true;
    case 0xc0000101: *v = c->seg[S_GS].base; return true;
    case 0xc0000102: *v = c->kernel_gs_base; return true;
    case 0xc0000103: *v = c->tsc_aux; return true;
    default:
        if (msr >= 0x268 && msr <= 0x26f) {
            *v = c->mtrr_fixed[3 + msr - 0x268];
            return true;
        }
        if (msr >= 0x200 && msr <= 0x20f) {
            *v = c->mtrr_var[msr - 0x200];
            return true;
        }
        return false;
    }
}


bool cpu_wrmsr(struct cpu *c, uint32_t msr, uint64_t v)
{
    if (apic_msr(c, msr)) {
        machine_lock(c->m);
        bool ok = c->intc->ops->wrmsr(c->intc->apic, msr, v);
        uint64_t base = c->apic_base;
        if (ok && msr == 0x1b)
            c->intc->ops->rdmsr(c->intc->apic, 0x1b, &base);
        machine_unlock(c->m);
        if (ok && msr == 0x1b) {
            c->apic_base = base;
            cpu_tlb_flush(c, true); /* the APIC page moved */
        }
        return ok;
    }
    switch (msr) {
    case 0x10: c->tsc_offset = (int64_t)(v - (cpu_rdtsc(c) - (uint64_t)c->tsc_offset)); return true;
    case 0x1b: c->apic_base = v; return true;
    case 0x8b: return true;
    case 0x174: c->sysenter_cs = v & 0xffff; return true;
    case 0x175: if (!is_canonical(v)) return false; c->sysenter_esp = v; return true;
    case 0x176: if (!is_canonical(v)) return false; c->sysenter_eip = v; return true;
    case 0x179: return false;
    case 0x17a: return v == 0;
    case 0x1a0: c->misc_enable = v; return true;
    case 0x277: c->pat = v; return true;
    case 0x2ff: c->mtrr_def_type = v; return true;
    case 0x250: c->mtrr_fixed[0] = v; return true;
    case 0x258: case 0x259: c->mtrr_fixed[1 + msr - 0x258] = v; return true;
    case 0xc0000080: {
        uint64_t allowed = EFER_SCE | EFER_LME | EFER_NXE;
        if (v & ~(allowed | EFER_LMA))
            return false;
        cpu_set_efer(c, v);
        return true;
    }
    case 0xc0000081: c->star = v; return true;
    case 0xc0000082: if (!is_canonical(v)) return false; c->lstar = v; return true;
    case 0xc0000083: if (!is_canonical(v)) return false; c->cstar = v; return true;
    case 0xc0000084: c->sfmask = v & 0xffffffff; return true;
    case 0xc0000100: if (!is_canonical(v)) return false; c->seg[S_FS].base = v; return true;
    case 0xc0000101: if (!is_canonical(v)) return false; c->seg[S_GS].base = v; return true;
    case 0xc0000102: if (!is_canonical(v)) return false; c->kernel_gs_base = v; return true;
    case 0xc0000103: c->tsc_aux = v & 0xffffffff; return true;
    default:
        if (msr >= 0x268 && msr <= 0x26f) {
            c->mtrr_fixed[3 + msr - 0x268] = v;
            return true;
        }
        if (msr >= 0x200 && msr <= 0x20f) {
            c->mtrr_var[msr - 0x200] = v;
            return true;
        }
        return false;
    }
}

/* ---- control registers ---- */

void cpu_set_cr0(struct cpu *c, uint64_t v)
{
    v |= CR0_ET;
    if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
        cpu_gp0(c);
    if ((v & CR0_PG) && !(c->cr0 & CR0_PG) && (c->efer & EFER_LME)) {
        if (!(c->cr4 & CR4_PAE))
            cpu_gp0(c);
        c->efer |= EFER_LMA;
    }
    if (!(v & CR0_PG) && (c->cr0 & CR0_PG) && (c->efer & EFER_LMA)) {
        if (c->mode & MODE_LONG64)
            cpu_gp0(c); /* leaving paging requires compatibility mode */
        c->efer &= ~EFER_LMA;
    }
    uint64_t changed = c->cr0 ^ v;
    c->cr0 = v;
    if (changed & (CR0_PG | CR0_WP | CR0_PE))
        cpu_tlb_flush(c, true);
    cpu_recompute_mode(c);
    c->stop_block = true;
}

void cpu_set_cr3(struct cpu *c, uint64_t v)
{
    if ((c->efer & EFER_LMA) && (v >> 52))
        cpu_gp0(c);
    c->cr3 = v;
    cpu_tlb_flush(c, false);
}

void cpu_set_cr4(struct cpu *c, uint64_t v)
{
    /* VME/PVI are not implemented (nor advertised): setting them is #GP. */
    uint64_t supported = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE |
                         CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE;
    if (v & ~supported)
        cpu_gp0(c);
    if ((c->efer & EFER_LMA) && !(v & CR4_PAE))
        cpu_gp0(c);
    uint64_t changed = c->cr4 ^ v;
    c->cr4 = v;
    if (changed & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP))
        cpu_tlb_flush(c, true);
    c->stop_block = true;
}

void cpu_set_efer(struct cpu *c, uint64_t v)
{
    if (((v ^ c->efer) & EFER_LME) && (c->cr0 & CR0_PG))
        cpu_gp0(c);
    v = (v & ~EFER_LMA) | (c->efer & EFER_LMA);
    if ((v ^ c->efer) & EFER_NXE)
        cpu_tlb_flush(c, true);
    c->efer = v;
    cpu_recompute_mode(c);
    c->stop_block = true;
}

/* ---- port I/O ---- */

/* IOPL and the TSS I/O permission bitmap (protected mode with CPL > IOPL,
 * and always in virtual-8086 mode). */
void cpu_io_check(struct cpu *c, uint16_t port, unsigned size)
{
    if (!(c->cr0 & CR0_PE))
        return;
    unsigned iopl = (c->eflags & F_IOPL) >> 12;
    if (!(c->eflags & F_VM) && c->cpl <= iopl)
        return;
    const struct seg *tr = &c->seg[S_TR];
    if ((tr->flags & SEGF_TYPE) != 0xb && (tr->flags & SEGF_TYPE) != 0x9)
        cpu_gp0(c); /* a 16-bit TSS has no bitmap */
    if (tr->limit < 0x67)
        cpu_gp0(c);
    uint16_t base = (uint16_t)cpu_rd_sys(c, tr->base + 0x66, 2);
    uint32_t off = base + port / 8u;
    if (off + 1 > tr->limit)
        cpu_gp0(c);
    uint16_t bits = (uint16_t)cpu_rd_sys(c, tr->base + off, 2);
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        cpu_gp0(c);
}

uint64_t cpu_io_in(struct cpu *c, uint16_t port, unsigned size)
{
    cpu_io_check(c, port, size);
    uint64_t v = 0;
    io_dispatch(&c->m->io, port, size, false, &v);
    return v;
}

void cpu_io_out(struct cpu *c, uint16_t port, unsigned size, uint64_t v)
{
    cpu_io_check(c, port, size);
    io_dispatch(&c->m->io, port, size, true, &v);
}
