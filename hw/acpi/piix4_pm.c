/* SPDX-License-Identifier: GPL-2.0-or-later */
/* piix4_pm.c: Intel 82371AB (PIIX4) function 3: power management and the
 * SMBus host controller.
 *
 * Reference: Intel 82371AB PCI-to-ISA/IDE Xcelerator (PIIX4) datasheet
 * (order 290562-001): 7.1 function 3 PCI configuration registers (PMBA,
 * CNTA/CNTB, GPICTL, DEVRESx, DEVACTA/B, PMREGMISC, SMBBA, SMBHSTCFG),
 * 7.2 power management I/O registers (PMSTS, PMEN, PMCNTRL, PMTMR, GPSTS,
 * GPEN, PCNTRL, P_LVL2/3, GLBSTS, DEVSTS, GLBEN, GLBCTL, DEVCTL, GPIREG,
 * GPOREG), 7.3 SMBus I/O registers, 3.x APM registers APMC (B2h) and APMS
 * (B3h); ACPI 1.0b 4.7 (fixed hardware: PM1 status/enable/control, PM
 * timer 3.579545 MHz 24-bit, SCI, sleep types).
 *
 * Emulated: PM1 status (W1C) and enable with SCI generation (level on ISA
 * IRQ 9 while SCI_EN and an enabled status bit are set), the PM timer on
 * the virtual clock with TMROF_STS on every bit-23 toggle, PM1_CNT with
 * SCI_EN and the sleep request (SUS_TYP 0 = soft off -> SYS_POWEROFF; any
 * other type wakes at once: WAK_STS is set and execution continues, which
 * is what S1 looks like), GPE0 status/enable (nothing raises GPEs yet),
 * the power button (piix4_pm_power_button), GLBCTL BIOS_RLS -> GBL_STS,
 * the other PM registers as storage, APMC/APMS.  SMBus: the host
 * registers exist and decode; there is no device on the bus, so every
 * START ends at once with DEV_ERR (no acknowledge), interrupting on IRQ 9
 * if INTEREN and SMBHSTCFG selects IRQ 9.
 *
 * No SMM: hvemu's CPUs have no SMI#.  DEVACTB.APMC_EN reads 1 after reset
 * (as firmware leaves it once its SMI handler is installed), so SeaBIOS
 * skips its SMM relocation (smm.c waits forever for an SMI handler to
 * answer on port B3h otherwise).  A write of ACPI_ENABLE (0xf1) /
 * ACPI_DISABLE (0xf0) to APMC sets / clears SCI_EN directly, which is what
 * the firmware's SMI handler does on real hardware.  Events that would
 * raise SMI# with SCI_EN clear only set their status bits.
 *
 * Guests: SeaBIOS programs PMBA = 0x601, PMREGMISC = 1, SMBBA = 0x701,
 * SMBHSTCFG = 0x09 and uses the PM timer for its delays; Linux uses the
 * FADT's blocks (PM1a at 0x600, timer at 0x608, GPE0 at 0x60c), enables
 * ACPI through SMI_CMD, powers off with SLP_TYP 0 | SLP_EN, and calibrates
 * against the PM timer (it must run at exactly 3.579545 MHz).
 *
 * Threat model: register offsets are bounded by the 64/16-byte regions,
 * PMBA/SMBBA are masked to 16-bit aligned I/O addresses and never mapped
 * at 0, sleep types are 3-bit fields; the timer's next deadline is
 * computed with 128-bit arithmetic from the virtual clock. */
#include <stdlib.h>
#include <string.h>
#include "hw/acpi/piix4_pm.h"

#define PM1_STS_W1C (PM1_TMROF | PM1_BM | PM1_GBL | PM1_PWRBTN | PM1_RTC | PM1_PWRBTNOR | PM1_WAK)
#define PM1_EN_MASK (PM1_TMROF | PM1_GBL | PM1_PWRBTN | PM1_RTC)
#define PMCNT_MASK (PMCNT_SCI_EN | PMCNT_BRLD_EN_BM | PMCNT_SUS_TYP)
#define GLBCTL_BIOS_RLS 0x00000002u
#define TMR_BITS 24
#define TMR_TOGGLE (1ULL << 23)
#define SMBHSTCFG_EN 0x01
#define SMBHSTCFG_IRQ9 0x08 /* interrupt select 100b = IRQ 9 */

/* ---- PM timer ---- */

static uint64_t ticks_at(int64_t ns)
{
    if (ns < 0)
        ns = 0;
    return (uint64_t)((unsigned __int128)(uint64_t)ns * PIIX4_PM_TIMER_HZ / NS_PER_SEC);
}

/* First virtual time at which the counter reaches tick t. */
static int64_t time_of_tick(uint64_t t)
{
    unsigned __int128 ns = ((unsigned __int128)t * NS_PER_SEC + PIIX4_PM_TIMER_HZ - 1) /
                           PIIX4_PM_TIMER_HZ;
    return ns > INT64_MAX ? INT64_MAX : (int64_t)ns;
}

uint32_t piix4_pm_timer(const struct piix4_pm *pm)
{
    return (uint32_t)(ticks_at(vclock_now(pm->env->clock)) & ((1u << TMR_BITS) - 1));
}

static void arm_tmr(struct piix4_pm *pm)
{
    uint64_t t = ticks_at(vclock_now(pm->env->clock));
    vtimer_mod(&pm->tmr, time_of_tick((t / TMR_TOGGLE + 1) * TMR_TOGGLE));
}

/* ---- SCI ---- */

static bool smb_irq(const struct piix4_pm *pm)
{
    uint8_t cfg = pm->pci.config[PIIX4_SMBHSTCFG];
    return (cfg & SMBHSTCFG_EN) && (cfg & 0x0e) == SMBHSTCFG_IRQ9 &&
           (pm->smb[SMB_HSTCNT] & SMBCNT_INTEREN) &&
           (pm->smb[SMB_HSTSTS] & (SMBSTS_INTR | SMBSTS_DEV_ERR | SMBSTS_BUS_COL | SMBSTS_FAILED));
}

static void update_sci(struct piix4_pm *pm)
{
    bool sci = (pm->pmcntrl & PMCNT_SCI_EN) &&
               ((pm->pmsts & pm->pmen & PM1_EN_MASK) || (pm->gpsts & pm->gpen));
    irq_set(&pm->sci, sci || smb_irq(pm));
}

static void tmr_cb(void *opaque)
{
    struct piix4_pm *pm = opaque;
    pm->pmsts |= PM1_TMROF;
    update_sci(pm);
    arm_tmr(pm);
}

void piix4_pm_power_button(struct piix4_pm *pm)
{
    pm->pmsts |= PM1_PWRBTN;
    TRACE(pm->env->log, pm->trace, "piix4_pm: power button");
    update_sci(pm);
}

/* ---- PM I/O block ---- */

static uint8_t byte_of(uint32_t v, unsigned i)
{
    return (uint8_t)(v >> (8 * i));
}

static uint8_t pm_read_byte(struct piix4_pm *pm, unsigned o)
{
    switch (o & ~3u) {
    case PIIX4_PMSTS:
        return byte_of(pm->pmsts | (uint32_t)pm->pmen << 16, o & 3);
    case PIIX4_PMCNTRL: /* GBL_RLS and SUS_EN are write-only (read 0) */
        return byte_of(pm->pmcntrl, o & 3);
    case PIIX4_PMTMR:
        return byte_of(piix4_pm_timer(pm), o & 3);
    case PIIX4_GPSTS:
        return byte_of(pm->gpsts | (uint32_t)pm->gpen << 16, o & 3);
    case PIIX4_PCNTRL:
        return byte_of(pm->pcntrl, o & 3);
    case PIIX4_GLBSTS:
        return byte_of(pm->glbsts, o & 3);
    case PIIX4_DEVSTS:
        return byte_of(pm->devsts, o & 3);
    case PIIX4_GLBEN:
        return byte_of(pm->glben, o & 3);
    case PIIX4_GLBCTL:
        return byte_of(pm->glbctl, o & 3);
    case PIIX4_DEVCTL:
        return byte_of(pm->devctl, o & 3);
    case PIIX4_GPOREG:
        return byte_of(pm->gporeg, o & 3);
    default: /* P_LVL2/3 (reads would enter C2/C3: no effect), GPIREG, reserved */
        return 0;
    }
}

static uint16_t w1c16(uint16_t reg, unsigned i, uint8_t b, uint16_t mask)
{
    return reg & (uint16_t)~(((uint16_t)b << (8 * i)) & mask);
}

static uint16_t set16(uint16_t reg, unsigned i, uint8_t b, uint16_t mask)
{
    uint16_t m = (uint16_t)(0xffu << (8 * i)) & mask;
    return (uint16_t)((reg & ~m) | (((uint16_t)b << (8 * i)) & m));
}

static uint32_t set32(uint32_t reg, unsigned i, uint8_t b)
{
    uint32_t m = 0xffu << (8 * i);
    return (reg & ~m) | ((uint32_t)b << (8 * i));
}

static void sleep_request(struct piix4_pm *pm, unsigned typ)
{
    if (typ == PIIX4_SLP_TYP_S5) {
        TRACE(pm->env->log, pm->trace, "piix4_pm: soft off");
        dev_request(pm->env, SYS_POWEROFF, 0);
        return;
    }
    /* hvemu has no suspend: the machine "wakes" at once. */
    log_unimp(pm->env->log, "piix4_pm", "sleep type %u: waking at once", typ);
    pm->pmsts |= PM1_WAK;
}

static void pm_write_byte(struct piix4_pm *pm, unsigned o, uint8_t b)
{
    unsigned i = o & 1;
    switch (o) {
    case PIIX4_PMSTS:
    case PIIX4_PMSTS + 1:
        pm->pmsts = w1c16(pm->pmsts, i, b, PM1_STS_W1C);
        break;
    case PIIX4_PMEN:
    case PIIX4_PMEN + 1:
        pm->pmen = set16(pm->pmen, i, b, PM1_EN_MASK);
        break;
    case PIIX4_PMCNTRL:
        pm->pmcntrl = set16(pm->pmcntrl, 0, b, PMCNT_MASK);
        if (b & PMCNT_GBL_RLS)
            pm->glbsts |= 0x0001; /* BIOS_STS: would raise SMI# */
        break;
    case PIIX4_PMCNTRL + 1:
        pm->pmcntrl = set16(pm->pmcntrl, 1, b, PMCNT_MASK);
        if (b & (PMCNT_SUS_EN >> 8))
            sleep_request(pm, (pm->pmcntrl & PMCNT_SUS_TYP) >> PMCNT_SUS_TYP_SHIFT);
        break;
    case PIIX4_GPSTS:
    case PIIX4_GPSTS + 1:
        pm->gpsts = w1c16(pm->gpsts, i, b, 0xffff);
        break;
    case PIIX4_GPEN:
    case PIIX4_GPEN + 1:
        pm->gpen = set16(pm->gpen, i, b, 0xffff);
        break;
    case PIIX4_GLBSTS:
    case PIIX4_GLBSTS + 1:
        pm->glbsts = w1c16(pm->glbsts, i, b, 0xffff);
        break;
    case PIIX4_GLBEN:
    case PIIX4_GLBEN + 1:
        pm->glben = set16(pm->glben, i, b, 0xffff);
        break;
    default:
        switch (o & ~3u) {
        case PIIX4_PCNTRL:
            pm->pcntrl = set32(pm->pcntrl, o & 3, b);
            break;
        case PIIX4_DEVSTS: /* W1C */
            pm->devsts &= ~((uint32_t)b << (8 * (o & 3)));
            break;
        case PIIX4_GLBCTL:
            pm->glbctl = set32(pm->glbctl, o & 3, b) & ~GLBCTL_BIOS_RLS;
            if ((o & 3) == 0 && (b & GLBCTL_BIOS_RLS))
                pm->pmsts |= PM1_GBL; /* the BIOS hands an event to the OS */
            break;
        case PIIX4_DEVCTL:
            pm->devctl = set32(pm->devctl, o & 3, b);
            break;
        case PIIX4_GPOREG:
            pm->gporeg = set32(pm->gporeg, o & 3, b);
            break;
        default: /* timer, P_LVLx, GPIREG: read-only; reserved */
            break;
        }
    }
}

static uint64_t pmio_read(void *opaque, uint64_t off, unsigned size)
{
    struct piix4_pm *pm = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)pm_read_byte(pm, (unsigned)(off + i) & (PIIX4_PMIO_SIZE - 1)) << (8 * i);
    return v;
}

static void pmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct piix4_pm *pm = opaque;
    for (unsigned i = 0; i < size; i++)
        pm_write_byte(pm, (unsigned)(off + i) & (PIIX4_PMIO_SIZE - 1), (uint8_t)(val >> (8 * i)));
    update_sci(pm);
}

static const struct io_ops pmio_ops = {
    .read = pmio_read,
    .write = pmio_write,
    .min_size = 1,
    .max_size = 4,
};

/* ---- APM control/status (B2h/B3h) ---- */

static uint64_t apm_read(void *opaque, uint64_t off, unsigned size)
{
    struct piix4_pm *pm = opaque;
    return off == 0 ? pm->apmc : pm->apms;
}

static void apm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct piix4_pm *pm = opaque;
    if (off) {
        pm->apms = (uint8_t)val;
        return;
    }
    pm->apmc = (uint8_t)val;
    /* What the SMI handler does for the FADT's SMI_CMD values. */
    if (pm->apmc == PIIX4_ACPI_ENABLE)
        pm->pmcntrl |= PMCNT_SCI_EN;
    else if (pm->apmc == PIIX4_ACPI_DISABLE)
        pm->pmcntrl &= (uint16_t)~PMCNT_SCI_EN;
    update_sci(pm);
}

static const struct io_ops apm_ops = {
    .read = apm_read,
    .write = apm_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- SMBus host (no devices) ---- */

static uint64_t smb_read(void *opaque, uint64_t off, unsigned size)
{
    struct piix4_pm *pm = opaque;
    if (off == SMB_HSTCNT)
        return pm->smb[off] & (uint8_t)~(SMBCNT_START | SMBCNT_KILL); /* write-only bits */
    return pm->smb[off & (SMB_IO_SIZE - 1)];
}

static void smb_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct piix4_pm *pm = opaque;
    uint8_t b = (uint8_t)val;
    off &= SMB_IO_SIZE - 1;
    switch (off) {
    case SMB_HSTSTS:
        pm->smb[off] &= (uint8_t)~(b & (SMBSTS_INTR | SMBSTS_DEV_ERR | SMBSTS_BUS_COL | SMBSTS_FAILED));
        break;
    case SMB_HSTCNT:
        pm->smb[off] = b & 0x1f;
        if (b & SMBCNT_KILL)
            pm->smb[SMB_HSTSTS] |= SMBSTS_FAILED;
        else if (b & SMBCNT_START)
            pm->smb[SMB_HSTSTS] |= SMBSTS_DEV_ERR; /* nobody acknowledges the address */
        break;
    case 0x01: /* reserved */
    case 0x0b:
    case 0x0d:
    case 0x0e:
    case 0x0f:
        break;
    default:
        pm->smb[off] = b;
        break;
    }
    update_sci(pm);
}

static const struct io_ops smb_ops = {
    .read = smb_read,
    .write = smb_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- decode of the two I/O blocks ---- */

static uint16_t want_pmio(const struct piix4_pm *pm)
{
    if (!(pm->pci.config[PIIX4_PMREGMISC] & 1))
        return 0;
    return ld16(&pm->pci.config[PIIX4_PMBA]) & 0xffc0;
}

static uint16_t want_smb(const struct piix4_pm *pm)
{
    if (!(pm->pci.config[PCI_COMMAND] & PCI_COMMAND_IO) ||
        !(pm->pci.config[PIIX4_SMBHSTCFG] & SMBHSTCFG_EN))
        return 0;
    return ld16(&pm->pci.config[PIIX4_SMBBA]) & 0xfff0;
}

static bool move_block(struct address_space *io, struct mem_region *r, uint16_t *cur, uint16_t want)
{
    if (*cur == want)
        return false;
    if (*cur)
        as_del(io, r);
    if (want)
        as_add(io, r, want, 0);
    *cur = want;
    return true;
}

static void update_decode(struct piix4_pm *pm)
{
    struct address_space *io = pm->pci.bus ? pm->pci.bus->io : NULL;
    if (!io)
        return;
    bool a = move_block(io, &pm->pmio, &pm->pmio_base, want_pmio(pm));
    bool b = move_block(io, &pm->smbio, &pm->smb_base, want_smb(pm));
    if (a || b)
        as_commit(io);
}

static void piix4_config_write(struct pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
    struct piix4_pm *pm = container_of(d, struct piix4_pm, pci);
    update_decode(pm);
    update_sci(pm); /* SMBHSTCFG may route the SMBus interrupt */
}

static const struct pci_dev_ops piix4_pci_ops = {
    .config_write = piix4_config_write,
};

void piix4_pm_enable_default(struct piix4_pm *pm)
{
    st32(&pm->pci.config[PIIX4_PMBA], PIIX4_PM_BASE_DEFAULT | 1);
    pm->pci.config[PIIX4_PMREGMISC] = 1;
    update_decode(pm);
}

/* ---- device ---- */

static void set_defaults(struct piix4_pm *pm)
{
    uint8_t *c = pm->pci.config;
    st16(&c[PCI_STATUS], 0x0080 | PCI_STATUS_DEVSEL_MEDIUM);
    st32(&c[PIIX4_PMBA], 1); /* I/O space indicator */
    memset(&c[PIIX4_CNTA], 0, PIIX4_PMREGMISC - PIIX4_CNTA + 1);
    st32(&c[PIIX4_DEVACTB], PIIX4_DEVACTB_APMC_EN); /* see the header comment: no SMM */
    st32(&c[PIIX4_SMBBA], 1);
    memset(&c[PIIX4_SMBHSTCFG], 0, 5);
}

static void piix4_reset(void *dev, enum reset_kind kind)
{
    struct piix4_pm *pm = dev;
    pci_dev_reset(&pm->pci);
    set_defaults(pm);
    pm->pmsts = pm->pmen = pm->pmcntrl = pm->gpsts = pm->gpen = 0;
    pm->glbsts = pm->glben = 0;
    pm->pcntrl = pm->devsts = pm->glbctl = pm->devctl = pm->gporeg = 0;
    pm->apmc = pm->apms = 0;
    memset(pm->smb, 0, sizeof(pm->smb));
    vtimer_del(&pm->tmr);
}

static void piix4_settle(void *dev)
{
    struct piix4_pm *pm = dev;
    update_decode(pm);
    arm_tmr(pm);
    update_sci(pm);
}

static void piix4_save(void *dev, struct vm_writer *w)
{
    struct piix4_pm *pm = dev;
    pci_dev_save(&pm->pci, w);
    vmw_u16(w, "pmsts", pm->pmsts);
    vmw_u16(w, "pmen", pm->pmen);
    vmw_u16(w, "pmcntrl", pm->pmcntrl);
    vmw_u16(w, "gpsts", pm->gpsts);
    vmw_u16(w, "gpen", pm->gpen);
    vmw_u16(w, "glbsts", pm->glbsts);
    vmw_u16(w, "glben", pm->glben);
    vmw_u32(w, "pcntrl", pm->pcntrl);
    vmw_u32(w, "devsts", pm->devsts);
    vmw_u32(w, "glbctl", pm->glbctl);
    vmw_u32(w, "devctl", pm->devctl);
    vmw_u32(w, "gporeg", pm->gporeg);
    vmw_u8(w, "apmc", pm->apmc);
    vmw_u8(w, "apms", pm->apms);
    vmw_bytes(w, "smbus", pm->smb, sizeof(pm->smb));
}

static int check_mask16(struct vm_reader *r, const char *name, uint16_t v, uint16_t mask)
{
    if (v & ~mask) {
        vmr_fail(r, name, "0x%04x has undefined bits set", v);
        return -1;
    }
    return 0;
}

static int piix4_load(void *dev, struct vm_reader *r)
{
    struct piix4_pm *pm = dev;
    struct piix4_pm n = *pm; /* staged: nothing changes unless all is valid */
    vmr_u16(r, "pmsts", &n.pmsts);
    vmr_u16(r, "pmen", &n.pmen);
    vmr_u16(r, "pmcntrl", &n.pmcntrl);
    vmr_u16(r, "gpsts", &n.gpsts);
    vmr_u16(r, "gpen", &n.gpen);
    vmr_u16(r, "glbsts", &n.glbsts);
    vmr_u16(r, "glben", &n.glben);
    vmr_u32(r, "pcntrl", &n.pcntrl);
    vmr_u32(r, "devsts", &n.devsts);
    vmr_u32(r, "glbctl", &n.glbctl);
    vmr_u32(r, "devctl", &n.devctl);
    vmr_u32(r, "gporeg", &n.gporeg);
    vmr_u8(r, "apmc", &n.apmc);
    vmr_u8(r, "apms", &n.apms);
    vmr_bytes(r, "smbus", n.smb, sizeof(n.smb));
    if (vmr_failed(r) || check_mask16(r, "pmsts", n.pmsts, PM1_STS_W1C) ||
        check_mask16(r, "pmen", n.pmen, PM1_EN_MASK) ||
        check_mask16(r, "pmcntrl", n.pmcntrl, PMCNT_MASK) ||
        check_mask16(r, "smbus-hstcnt", n.smb[SMB_HSTCNT], 0x1f))
        return -1;
    if (pci_dev_load_strict(&pm->pci, r))
        return -1;
    pm->pmsts = n.pmsts;
    pm->pmen = n.pmen;
    pm->pmcntrl = n.pmcntrl;
    pm->gpsts = n.gpsts;
    pm->gpen = n.gpen;
    pm->glbsts = n.glbsts;
    pm->glben = n.glben;
    pm->pcntrl = n.pcntrl;
    pm->devsts = n.devsts;
    pm->glbctl = n.glbctl & ~GLBCTL_BIOS_RLS;
    pm->devctl = n.devctl;
    pm->gporeg = n.gporeg;
    pm->apmc = n.apmc;
    pm->apms = n.apms;
    memcpy(pm->smb, n.smb, sizeof(pm->smb));
    update_decode(pm);
    if (vtimer_pending(&pm->tmr))
        arm_tmr(pm); /* derived from the clock; nothing to restore */
    return 0;
}

static void piix4_destroy(void *dev)
{
    struct piix4_pm *pm = dev;
    vtimer_del(&pm->tmr);
    if (pm->pci.bus && pm->pci.bus->io) {
        move_block(pm->pci.bus->io, &pm->pmio, &pm->pmio_base, 0);
        move_block(pm->pci.bus->io, &pm->smbio, &pm->smb_base, 0);
    }
    pci_dev_remove(&pm->pci);
    free(pm);
}

const struct dev_class piix4_pm_class = {
    .name = "piix4_pm",
    .version = 1,
    .reset = piix4_reset,
    .settle = piix4_settle,
    .save = piix4_save,
    .load = piix4_load,
    .destroy = piix4_destroy,
};

struct piix4_pm *piix4_pm_new(const struct dev_env *env, struct pci_bus *bus, uint8_t devfn)
{
    struct piix4_pm *pm = calloc(1, sizeof(*pm));
    if (!pm)
        abort();
    pm->env = env;
    pm->trace = env->log && trace_on(env->log, "piix4_pm");
    if (pci_dev_init(&pm->pci, bus, devfn, "piix4_pm", PIIX4_PM_VENDOR, PIIX4_PM_DEVICE, 0x068000,
                     PIIX4_PM_REVISION, &piix4_pci_ops))
        abort(); /* board bug: slot taken */
    pci_set_interrupt_pin(&pm->pci, PCI_INTA);
    uint8_t *w = pm->pci.wmask;
    st16(&w[PCI_COMMAND], PCI_COMMAND_IO);
    w[PCI_CACHE_LINE_SIZE] = 0;
    w[PCI_LATENCY_TIMER] = 0;
    st16(&w[PIIX4_PMBA], 0xffc0);
    memset(&w[PIIX4_CNTA], 0xff, PIIX4_DEVRESA + 0x24 - PIIX4_CNTA); /* 0x44-0x7f */
    w[PIIX4_PMREGMISC] = 0x01;
    st16(&w[PIIX4_SMBBA], 0xfff0);
    w[PIIX4_SMBHSTCFG] = 0x0f;
    w[PIIX4_SMBSLVC] = 0xff;
    w[PIIX4_SMBSHDW1] = 0xff;
    w[PIIX4_SMBSHDW2] = 0xff;
    region_init_io(&pm->pmio, "piix4-pm", PIIX4_PMIO_SIZE, &pmio_ops, pm);
    region_init_io(&pm->smbio, "piix4-smbus", SMB_IO_SIZE, &smb_ops, pm);
    region_init_io(&pm->apm, "apm", 2, &apm_ops, pm);
    vtimer_init(&pm->tmr, env->clock, tmr_cb, pm);
    piix4_reset(pm, RESET_COLD);
    return pm;
}
