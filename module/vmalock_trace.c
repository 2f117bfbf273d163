// SPDX-License-Identifier: GPL-2.0
/*
 * The one place the tracepoints of vmalock_trace.h are defined; every other
 * file includes the header for the trace_vmalock_*() calls only.
 */
#define CREATE_TRACE_POINTS
#include "vmalock_trace.h"
