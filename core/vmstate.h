/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmstate.h: device state as a flattened device tree (libfdt).
 *
 * Each device saves one FDT node with one property per field, so a stream is
 * self-describing and can be inspected with `dtc -I dtb -O dts`.  A missing
 * property means "keep the default" (new optional fields don't break old
 * streams).  Every loaded value that is an index, length or count must be
 * range-checked with the _max variants.  The first error is recorded with the
 * device and field name; later calls on a failed reader do nothing.
 * Host resources (fds, timers, backends) are never saved; timers are saved
 * as their deadlines.  A stream is untrusted input (migration). */
#ifndef CORE_VMSTATE_H
#define CORE_VMSTATE_H

#include "core/base.h"

struct vm_writer {
    void *fdt;
    size_t cap;
    int err; /* libfdt error, 0 if fine */
};

struct vm_reader {
    const void *fdt;
    int node;
    const char *dev; /* device id, for messages */
    char err[160];   /* first error, "" if none */
};

/* Writer: a tree with one subnode per device. */
int vmw_begin(struct vm_writer *w);
void vmw_node_begin(struct vm_writer *w, const char *name);
void vmw_node_end(struct vm_writer *w);
/* Finish; returns the blob (caller frees) and its size, or NULL on error. */
void *vmw_finish(struct vm_writer *w, size_t *size);

void vmw_u8(struct vm_writer *w, const char *name, uint8_t v);
void vmw_u16(struct vm_writer *w, const char *name, uint16_t v);
void vmw_u32(struct vm_writer *w, const char *name, uint32_t v);
void vmw_u64(struct vm_writer *w, const char *name, uint64_t v);
void vmw_i64(struct vm_writer *w, const char *name, int64_t v);
void vmw_bool(struct vm_writer *w, const char *name, bool v);
void vmw_bytes(struct vm_writer *w, const char *name, const void *buf, size_t len);

/* Reader.  vmr_open validates the blob (fdt_check_full) and returns 0/-1. */
int vmr_open(struct vm_reader *r, const void *blob, size_t size);
/* Position on the subnode for device `name`; -1 if absent. */
int vmr_node(struct vm_reader *r, const char *name);
bool vmr_failed(const struct vm_reader *r);
void vmr_fail(struct vm_reader *r, const char *field, const char *fmt, ...) PRINTF_FMT(3, 4);

/* Each returns 0 (value set, or left alone if the property is absent) or -1
 * (wrong size or out of range; error recorded). */
int vmr_u8(struct vm_reader *r, const char *name, uint8_t *v);
int vmr_u16(struct vm_reader *r, const char *name, uint16_t *v);
int vmr_u32(struct vm_reader *r, const char *name, uint32_t *v);
int vmr_u64(struct vm_reader *r, const char *name, uint64_t *v);
int vmr_i64(struct vm_reader *r, const char *name, int64_t *v);
int vmr_bool(struct vm_reader *r, const char *name, bool *v);
/* Range-checked: the value must be <= max. */
int vmr_u8_max(struct vm_reader *r, const char *name, uint8_t *v, uint8_t max);
int vmr_u16_max(struct vm_reader *r, const char *name, uint16_t *v, uint16_t max);
int vmr_u32_max(struct vm_reader *r, const char *name, uint32_t *v, uint32_t max);
/* Exactly len bytes. */
int vmr_bytes(struct vm_reader *r, const char *name, void *buf, size_t len);
/* Up to max bytes; *len gets the stored length. */
int vmr_bytes_var(struct vm_reader *r, const char *name, void *buf, size_t max, size_t *len);

#endif
