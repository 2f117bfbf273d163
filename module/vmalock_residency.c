// SPDX-License-Identifier: GPL-2.0
/*
 * RESIDENCY: a lockless walk of the caller's page tables, as GUP-fast walks
 * them (gup_fast_pgd_range() in mm/gup.c of 6.12).
 *
 * No mmap_lock and no VMA: page tables may change under the walk at any
 * level (munmap frees them, khugepaged replaces a table with a huge entry,
 * INVALIDATE zaps entries).  Two rules keep the walk safe:
 *
 *  - interrupts are off for the walk of each table: freeing a page table
 *    waits for a TLB-flush IPI or an RCU grace period (tlb_remove_table()),
 *    and neither completes while this CPU has interrupts off, so no table
 *    the walk reached is freed under it;
 *  - each entry is read once, into a snapshot (READ_ONCE, or
 *    pmdp_get_lockless(), which on 32-bit PAE reads the two halves of an
 *    entry until they agree), and the walk descends from the snapshot
 *    (p?d_offset_lockless(), pte_offset_kernel() on the snapshot), never
 *    from the entry in memory.  Its checks (present? huge?) and its descent
 *    then see one value.  Re-reading the entry to descend, as GUP-fast once
 *    did, can find it changed since it was checked: cleared by munmap, the
 *    walk then reads the table of physical page 0; made huge, it reads user
 *    data as entries.  The root-only naive_walk_us parameter does exactly
 *    that, after a window of that many microseconds, to show it.
 *
 * The result describes each entry as it was at some moment of the walk.
 * It works on any range of the caller's own address space (it reports only
 * what /proc/self/pagemap also shows), normally a mapping of the device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "vmalock.h"

/* Entries walked with interrupts off at a time: at most one PTE table. */
#define VMALOCK_WALK_CHUNK	PTRS_PER_PTE

/* The flags of a present leaf entry, at any level. */
static u8 vmalock_res_flags(unsigned long pfn, bool write, bool dirty,
			    bool huge)
{
	u8 flags = VMALOCK_RES_PRESENT;

	if (write)
		flags |= VMALOCK_RES_WRITE;
	if (dirty)
		flags |= VMALOCK_RES_DIRTY;
	if (huge)
		flags |= VMALOCK_RES_HUGE | VMALOCK_RES_LARGE;
	/*
	 * The folio may be split or freed as we look: a racy read of its
	 * flags, as GUP-fast reads them before it takes a reference.  The
	 * struct page itself stays valid for a valid pfn.
	 */
	else if (pfn_valid(pfn) && folio_test_large(page_folio(pfn_to_page(pfn))))
		flags |= VMALOCK_RES_LARGE;
	return flags;
}

/*
 * The PTE table the snapshot @pmd points to; or, with the naive knob, the
 * one the entry in memory points to now, after a window in which munmap may
 * clear it: the bug the snapshot rule prevents.
 */
static pte_t *vmalock_pte_table(pmd_t *pmdp, pmd_t *pmd, unsigned long addr)
{
	unsigned int naive_us = READ_ONCE(vmalock_naive_walk_us);

	if (likely(!naive_us))
		return pte_offset_kernel(pmd, addr);
	udelay(min(naive_us, 1000U));
	return pte_offset_kernel(pmdp, addr);
}

/* Walk [@addr, @end), which lies in one PMD, with interrupts off. */
static void vmalock_walk_chunk(struct mm_struct *mm, unsigned long addr,
			       unsigned long end, u8 *out)
{
	unsigned long n = (end - addr) >> PAGE_SHIFT, i;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep;

	memset(out, 0, n);
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	if (pgd_none(pgd) || !pgd_present(pgd))
		return;
	p4dp = p4d_offset_lockless(pgdp, pgd, addr);
	p4d = READ_ONCE(*p4dp);
	if (p4d_none(p4d) || !p4d_present(p4d))
		return;
	pudp = pud_offset_lockless(p4dp, p4d, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud) || !pud_present(pud))
		return;
	if (pud_leaf(pud)) {
		memset(out, vmalock_res_flags(pud_pfn(pud), pud_write(pud),
					      pud_dirty(pud), true), n);
		return;
	}
	pmdp = pmd_offset_lockless(pudp, pud, addr);
	pmd = pmdp_get_lockless(pmdp);
	/* Not present: none, or a migration entry for a huge page. */
	if (!pmd_present(pmd))
		return;
	if (pmd_leaf(pmd)) {
		memset(out, vmalock_res_flags(pmd_pfn(pmd), pmd_write(pmd),
					      pmd_dirty(pmd), true), n);
		return;
	}
	ptep = vmalock_pte_table(pmdp, &pmd, addr);
	for (i = 0; i < n; i++) {
		pte_t pte = ptep_get_lockless(ptep + i);

		/* Swap, migration and marker entries are not present. */
		if (pte_present(pte))
			out[i] = vmalock_res_flags(pte_pfn(pte), pte_write(pte),
						   pte_dirty(pte), false);
	}
}

int vmalock_residency(struct vmalock_residency *r)
{
	unsigned long addr = r->addr, end = r->addr + r->length, next, i;
	u8 __user *uout = u64_to_user_ptr(r->out);
	u8 buf[VMALOCK_WALK_CHUNK];
	unsigned long flags;

	r->present = 0;
	for (; addr < end; addr = next) {
		unsigned long n;

		if (fatal_signal_pending(current))
			return -EINTR;
		next = min(pmd_addr_end(addr, end), end);
		n = (next - addr) >> PAGE_SHIFT;
		local_irq_save(flags);
		vmalock_walk_chunk(current->mm, addr, next, buf);
		local_irq_restore(flags);
		for (i = 0; i < n; i++)
			r->present += buf[i] & VMALOCK_RES_PRESENT;
		/* Never under the walk: the copy may fault. */
		if (copy_to_user(uout, buf, n))
			return -EFAULT;
		uout += n;
		cond_resched();
	}
	return 0;
}
