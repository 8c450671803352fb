/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kvm_cpuid.h: the CPUID table KVM guests see (models "host"/"max" and the
 * conservative "qemu64"/"kvm64" default), with the topology of an
 * smp-vCPU single-socket machine whose APIC IDs are 0..smp-1.
 *
 * Built once per VM from KVM_GET_SUPPORTED_CPUID; each vCPU then gets a copy
 * with its own APIC ID patched in (leaf 1 EBX, leaves 0xB/0x1F EDX, AMD
 * 0x8000001E) for KVM_SET_CPUID2. */
#ifndef CPU_KVM_CPUID_H
#define CPU_KVM_CPUID_H

#include <linux/kvm.h>
#include "core/base.h"

struct kvm_cpuid_model {
    char name[16];                     /* canonical model name */
    struct kvm_cpuid_entry2 *entries;  /* the VM-wide table */
    unsigned nent;
    unsigned smp;                      /* vCPUs (= logical processors, 1 socket) */
    uint32_t signature;                /* leaf 1 EAX: EDX after reset */
};

/* Build the model named name (NULL means the default, "qemu64") for smp
 * vCPUs, from KVM_GET_SUPPORTED_CPUID on the /dev/kvm fd.  Features of the
 * conservative models that the host lacks are dropped with one warning line
 * each.  Returns 0, or -1 with *err set (unknown model, ioctl failure). */
int kvm_cpuid_model_init(struct kvm_cpuid_model *mdl, int kvm_fd, const char *name,
                         unsigned smp, char **err);
void kvm_cpuid_model_destroy(struct kvm_cpuid_model *mdl);

/* The table for the vCPU with this APIC ID, ready for KVM_SET_CPUID2
 * (g_free it). */
struct kvm_cpuid2 *kvm_cpuid_for_vcpu(const struct kvm_cpuid_model *mdl, unsigned apic_id);

/* Find an entry (index ignored unless the entry says it is significant). */
const struct kvm_cpuid_entry2 *kvm_cpuid_find(const struct kvm_cpuid_entry2 *e, unsigned n,
                                              uint32_t function, uint32_t index);

#endif
