/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels vmalock supports lives here, and only
 * here.  The rest of the module is written against the 6.12 API.
 *
 * Every test is a feature test on something the preprocessor can see, with
 * the kernel version that brought the feature named beside it.
 */
#ifndef VMALOCK_COMPAT_H
#define VMALOCK_COMPAT_H

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmzone.h>

#include "uapi/vmalock.h"

/*
 * vm_flags_set(): 6.3, when vma->vm_flags became read-only.  The same series
 * replaced VM_LOCKED_CLEAR_MASK with VM_LOCKED_MASK, the macro tested here.
 */
#ifndef VM_LOCKED_MASK
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * Per-VMA locks: 6.4.  CONFIG_PER_VMA_LOCK exists from that release on, and
 * only where it is set does the core hand ->fault a FAULT_FLAG_VMA_LOCK
 * fault (an enum constant, invisible to the preprocessor).
 */
#ifdef CONFIG_PER_VMA_LOCK
#define VMALOCK_HAVE_PER_VMA_LOCK	1

static inline bool vmalock_fault_holds_vma_lock(const struct vm_fault *vmf)
{
	return vmf->flags & FAULT_FLAG_VMA_LOCK;
}

/*
 * Drop the lock the fault came with, VMA lock or mmap_lock: the kernel's
 * release_fault_lock(), 6.6 (vmalock supports no 6.4 or 6.5).
 */
static inline void vmalock_release_fault_lock(struct vm_fault *vmf)
{
	release_fault_lock(vmf);
}
#else
#define VMALOCK_HAVE_PER_VMA_LOCK	0

static inline bool vmalock_fault_holds_vma_lock(const struct vm_fault *vmf)
{
	return false;
}

/* Every fault holds mmap_lock for read. */
static inline void vmalock_release_fault_lock(struct vm_fault *vmf)
{
	mmap_read_unlock(vmf->vma->vm_mm);
}
#endif

/*
 * The largest folio order vmalock allocates: what the page allocator can
 * give, and what folio_alloc can count.  MAX_PAGE_ORDER (inclusive) is 6.8;
 * before it MAX_ORDER was exclusive until 6.4 and inclusive after, so
 * MAX_ORDER - 1 is right or one short, never too large.
 */
#ifdef MAX_PAGE_ORDER
#define VMALOCK_PAGE_ORDER_MAX	MAX_PAGE_ORDER
#else
#define VMALOCK_PAGE_ORDER_MAX	(MAX_ORDER - 1)
#endif
#define VMALOCK_MAX_FOLIO_ORDER	\
	min(VMALOCK_PAGE_ORDER_MAX, VMALOCK_FOLIO_ORDERS - 1)

/*
 * pmdp_get_lockless(): 6.2 ("mm: introduce pmdp_get_lockless()").  Only the
 * architectures whose entries can tear define it as a macro; the generic
 * one is READ_ONCE(), as is this stand-in, which 6.1 (whose GUP-fast read
 * a PMD with READ_ONCE()) and 64-bit x86 use.
 */
#ifndef pmdp_get_lockless
#include <linux/pgtable.h>
#endif
#ifndef pmdp_get_lockless
static inline pmd_t vmalock_pmdp_get_lockless(pmd_t *pmdp)
{
	return READ_ONCE(*pmdp);
}

#define pmdp_get_lockless vmalock_pmdp_get_lockless
#endif

#endif /* VMALOCK_COMPAT_H */
