/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmp_cmds.h: the QMP commands and events hvemu implements, and the
 * introspection schema (query-qmp-schema) built from the same tables.
 * Command handlers get the struct monitor as qmp_req_opaque(). */
#ifndef MONITOR_QMP_CMDS_H
#define MONITOR_QMP_CMDS_H

#include "core/qmp.h"

extern const struct qmp_command qmp_commands[];
extern const size_t qmp_ncommands;

/* The SchemaInfo list query-qmp-schema returns (a new node). */
JsonNode *qmp_schema(void);

#endif
