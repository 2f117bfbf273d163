/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalock's tracepoints, in the include/trace/events style: the system is
 * "vmalock", so "perf record -e 'vmalock:*'" and tracefs's
 * events/vmalock/ see them.  Each sits beside the counter it explains, and
 * costs one static-key test while it is off.
 *
 *   vmalock_fault_start	every call of the fault handler ("faults")
 *   vmalock_fault_end		its end: the path that served it (spec:
 *				"spec_success", vma: "vma_lock_success",
 *				mmap: the coarse lock), the order of the
 *				block a first touch allocated (-1: none) and
 *				the vm_fault_t result
 *   vmalock_spec_retry		a speculative attempt discarded ("spec_retry")
 *   vmalock_spec_fallback	a speculative fault that gave up: after its
 *				tries ("spec_fallback"), or because the
 *				region's mode changed under it (not counted)
 *   vmalock_vma_lock_abort	a VMA-mode fault that fell back to the coarse
 *				lock ("vma_lock_abort")
 *   vmalock_write_begin	a writer holds the region: its range, the
 *				mappings it marked and its wait
 *   vmalock_write_end		the writer's end: pages it freed, time held
 *
 * The region is recorded as a pointer: equal values are the same region.
 * tracefs prints it hashed (%p); perf and trace-cmd print the raw field, a
 * kernel address, but recording tracepoints takes root (or CAP_PERFMON).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmalock

#if !defined(VMALOCK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VMALOCK_TRACE_H

#include <linux/mm_types.h>
#include <linux/tracepoint.h>

#include "uapi/vmalock.h"
#include "vmalock_trace_reasons.h"

/*
 * The results our fault handler returns.  Not VM_FAULT_RESULT_TRACE, whose
 * vm_fault_t values sparse refuses in __print_flags()'s unsigned long table.
 */
#define vmalock_vmf_flag(flag)	{ (__force unsigned long)VM_FAULT_##flag, #flag }
#define vmalock_show_result(result)				\
	__print_flags(result, "|",				\
		      vmalock_vmf_flag(OOM),			\
		      vmalock_vmf_flag(SIGBUS),			\
		      vmalock_vmf_flag(NOPAGE),			\
		      vmalock_vmf_flag(LOCKED),			\
		      vmalock_vmf_flag(RETRY))

#define vmalock_show_mode(mode)					\
	__print_symbolic(mode,					\
			 { VMALOCK_MODE_MMAP, "mmap" },		\
			 { VMALOCK_MODE_VMA, "vma" },		\
			 { VMALOCK_MODE_SPEC, "spec" })

#define vmalock_show_spec_reason(reason)			\
	__print_symbolic(reason,				\
			 { VMALOCK_SPEC_WRITER, "writer" },	\
			 { VMALOCK_SPEC_CHANGED, "changed" },	\
			 { VMALOCK_SPEC_ZAPPED, "zapped" })

#define vmalock_show_fallback_reason(reason)			\
	__print_symbolic(reason,				\
			 { VMALOCK_SPEC_TRIES_SPENT, "tries" },	\
			 { VMALOCK_SPEC_MODE, "mode" })

#define vmalock_show_abort_reason(reason)			\
	__print_symbolic(reason,				\
			 { VMALOCK_ABORT_MARKED, "marked" },	\
			 { VMALOCK_ABORT_MODE, "mode" },		\
			 { VMALOCK_ABORT_RANGE, "range" })

TRACE_EVENT(vmalock_fault_start,
	    TP_PROTO(const void *region, unsigned long address, pgoff_t pgoff,
		     unsigned int mode, bool write, bool vma_locked),
	    TP_ARGS(region, address, pgoff, mode, write, vma_locked),
	    TP_STRUCT__entry(__field(const void *, region)
			     __field(unsigned long, address)
			     __field(unsigned long, pgoff)
			     __field(unsigned int, mode)
			     __field(bool, write)
			     __field(bool, vma_locked)),
	    TP_fast_assign(__entry->region = region;
			   __entry->address = address;
			   __entry->pgoff = pgoff;
			   __entry->mode = mode;
			   __entry->write = write;
			   __entry->vma_locked = vma_locked;),
	    TP_printk("region=%p address=0x%lx pgoff=%lu mode=%s write=%d vma_locked=%d",
		      __entry->region, __entry->address, __entry->pgoff,
		      vmalock_show_mode(__entry->mode), __entry->write,
		      __entry->vma_locked)
);

TRACE_EVENT(vmalock_fault_end,
	    TP_PROTO(const void *region, pgoff_t pgoff, unsigned int mode,
		     unsigned int path, int order, vm_fault_t result),
	    TP_ARGS(region, pgoff, mode, path, order, result),
	    TP_STRUCT__entry(__field(const void *, region)
			     __field(unsigned long, pgoff)
			     __field(unsigned int, mode)
			     __field(unsigned int, path)
			     __field(int, order)
			     __field(unsigned int, result)),
	    TP_fast_assign(__entry->region = region;
			   __entry->pgoff = pgoff;
			   __entry->mode = mode;
			   __entry->path = path;
			   __entry->order = order;
			   __entry->result = (__force unsigned int)result;),
	    TP_printk("region=%p pgoff=%lu mode=%s path=%s order=%d result=%s",
		      __entry->region, __entry->pgoff,
		      vmalock_show_mode(__entry->mode),
		      vmalock_show_mode(__entry->path), __entry->order,
		      vmalock_show_result(__entry->result))
);

/*
 * The speculative path's two events share their fields: the attempt (the
 * try that was discarded, or the tries spent) and why.  Only the reasons
 * differ, and so the print.
 */
DECLARE_EVENT_CLASS(vmalock_spec_class,
		    TP_PROTO(const void *region, pgoff_t pgoff,
			     unsigned int tries, unsigned int reason),
		    TP_ARGS(region, pgoff, tries, reason),
		    TP_STRUCT__entry(__field(const void *, region)
				     __field(unsigned long, pgoff)
				     __field(unsigned int, tries)
				     __field(unsigned int, reason)),
		    TP_fast_assign(__entry->region = region;
				   __entry->pgoff = pgoff;
				   __entry->tries = tries;
				   __entry->reason = reason;),
		    TP_printk("region=%p pgoff=%lu tries=%u reason=%s",
			      __entry->region, __entry->pgoff, __entry->tries,
			      vmalock_show_spec_reason(__entry->reason))
);

DEFINE_EVENT(vmalock_spec_class, vmalock_spec_retry,
	     TP_PROTO(const void *region, pgoff_t pgoff, unsigned int tries,
		      unsigned int reason),
	     TP_ARGS(region, pgoff, tries, reason)
);

DEFINE_EVENT_PRINT(vmalock_spec_class, vmalock_spec_fallback,
		   TP_PROTO(const void *region, pgoff_t pgoff,
			    unsigned int tries, unsigned int reason),
		   TP_ARGS(region, pgoff, tries, reason),
		   TP_printk("region=%p pgoff=%lu tries=%u reason=%s",
			     __entry->region, __entry->pgoff, __entry->tries,
			     vmalock_show_fallback_reason(__entry->reason))
);

TRACE_EVENT(vmalock_vma_lock_abort,
	    TP_PROTO(const void *region, pgoff_t pgoff, unsigned int reason),
	    TP_ARGS(region, pgoff, reason),
	    TP_STRUCT__entry(__field(const void *, region)
			     __field(unsigned long, pgoff)
			     __field(unsigned int, reason)),
	    TP_fast_assign(__entry->region = region;
			   __entry->pgoff = pgoff;
			   __entry->reason = reason;),
	    TP_printk("region=%p pgoff=%lu reason=%s", __entry->region,
		      __entry->pgoff,
		      vmalock_show_abort_reason(__entry->reason))
);

TRACE_EVENT(vmalock_write_begin,
	    TP_PROTO(const void *region, pgoff_t first, pgoff_t last,
		     unsigned int mode, bool all, unsigned int marked,
		     u64 wait_ns),
	    TP_ARGS(region, first, last, mode, all, marked, wait_ns),
	    TP_STRUCT__entry(__field(const void *, region)
			     __field(unsigned long, first)
			     __field(unsigned long, last)
			     __field(unsigned int, mode)
			     __field(bool, all)
			     __field(unsigned int, marked)
			     __field(u64, wait_ns)),
	    TP_fast_assign(__entry->region = region;
			   __entry->first = first;
			   __entry->last = last;
			   __entry->mode = mode;
			   __entry->all = all;
			   __entry->marked = marked;
			   __entry->wait_ns = wait_ns;),
	    TP_printk("region=%p first=%lu last=%lu mode=%s all=%d marked=%u wait_ns=%llu",
		      __entry->region, __entry->first, __entry->last,
		      vmalock_show_mode(__entry->mode), __entry->all,
		      __entry->marked, __entry->wait_ns)
);

TRACE_EVENT(vmalock_write_end,
	    TP_PROTO(const void *region, pgoff_t first, pgoff_t last,
		     unsigned long freed, u64 held_ns),
	    TP_ARGS(region, first, last, freed, held_ns),
	    TP_STRUCT__entry(__field(const void *, region)
			     __field(unsigned long, first)
			     __field(unsigned long, last)
			     __field(unsigned long, freed)
			     __field(u64, held_ns)),
	    TP_fast_assign(__entry->region = region;
			   __entry->first = first;
			   __entry->last = last;
			   __entry->freed = freed;
			   __entry->held_ns = held_ns;),
	    TP_printk("region=%p first=%lu last=%lu freed=%lu held_ns=%llu",
		      __entry->region, __entry->first, __entry->last,
		      __entry->freed, __entry->held_ns)
);

#endif /* VMALOCK_TRACE_H */

/* define_trace.h includes this file again, from the module's directory. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vmalock_trace
#include <trace/define_trace.h>
