/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why a fault left its fast path: the reason fields of vmalock's
 * tracepoints (vmalock_trace.h), set by the fault code.  Outside that
 * header because define_trace.h reads it more than once.
 */
#ifndef VMALOCK_TRACE_REASONS_H
#define VMALOCK_TRACE_REASONS_H

/* vmalock_spec_retry: why an attempt was discarded. */
#define VMALOCK_SPEC_WRITER	0	/* a writer was running at the snapshot */
#define VMALOCK_SPEC_CHANGED	1	/* one ran before anything was visible */
#define VMALOCK_SPEC_ZAPPED	2	/* one ran after installing: zapped */

/* vmalock_spec_fallback: why the fault went on to the VMA path. */
#define VMALOCK_SPEC_TRIES_SPENT 0	/* every try was retried */
#define VMALOCK_SPEC_MODE	1	/* the region left SPEC mode */

/* vmalock_vma_lock_abort: why the fault went to the coarse lock. */
#define VMALOCK_ABORT_MARKED	0	/* a writer marked the mapping */
#define VMALOCK_ABORT_MODE	1	/* the region is in MMAP mode now */
#define VMALOCK_ABORT_RANGE	2	/* grew into a writer's range late */

#endif /* VMALOCK_TRACE_REASONS_H */
