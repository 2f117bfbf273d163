// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking and CLEAN, after the FOLL_PIN discussion.
 *
 * In a region with dirty tracking on, shared writable mappings are
 * write-protected (the core does that for any VMA with ->page_mkwrite:
 * vma_wants_writenotify()), so the first write to a page takes a fault that
 * calls vmalock_page_mkwrite(), which marks the page VMALOCK_DIRTY.  CLEAN
 * unmaps a dirty page from every mapping and clears the mark, so that the
 * next write faults and marks it again: what page_mkclean() does for a
 * file, with an unmap where it write-protects.
 *
 * The bug the discussion was about: a page pinned for DMA was cleaned while
 * the device could still write it, and what the device wrote after the
 * clean was never seen as dirty.  So CLEAN never reports a pinned page
 * clean: it stays dirty until its pin is gone.  The root-only naive_clean
 * parameter turns the check off, to show what it costs.
 *
 * Both sides hold the page lock.  The core calls ->page_mkwrite and makes
 * the entry writable before it unlocks the page (wp_page_shared(), or
 * do_shared_fault() and finish_fault()), and CLEAN clears the mark and zaps
 * under the same lock: a page is never writable with its mark clear.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vmalock.h"

/*
 * Return with the page locked (VM_FAULT_LOCKED), as do_page_mkwrite()
 * expects of a page without a mapping; VM_FAULT_NOPAGE if a writer took the
 * page out of the region meanwhile: the writer zaps the entry, and the
 * access faults again.
 */
vm_fault_t vmalock_page_mkwrite(struct vm_fault *vmf)
{
	struct vmalock_region *region = vmf->vma->vm_file->private_data;
	XA_STATE(xas, &region->pages, vmf->pgoff);
	struct page *page = vmf->page;
	bool marked = false;

	lock_page(page);
	xas_lock(&xas);
	if (xas_load(&xas) == page) {
		if (!xas_get_mark(&xas, VMALOCK_DIRTY)) {
			xas_set_mark(&xas, VMALOCK_DIRTY);
			marked = true;
		}
	} else {
		page = NULL;
	}
	xas_unlock(&xas);
	if (!page) {
		unlock_page(vmf->page);
		return VM_FAULT_NOPAGE;
	}
	if (marked)
		vmalock_count(VMALOCK_STAT_DIRTY);
	return VM_FAULT_LOCKED;
}

/* The next dirty page at or after *@index, up to @last, with a reference. */
static struct page *vmalock_next_dirty(struct vmalock_region *region,
				       pgoff_t *index, pgoff_t last)
{
	struct page *page;

	rcu_read_lock();
	for (;;) {
		page = xa_find(&region->pages, index, last, VMALOCK_DIRTY);
		if (!page || get_page_unless_zero(page))
			break;
		/* Being freed: taken out meanwhile, so no longer ours. */
		if (*index == last) {
			page = NULL;
			break;
		}
		(*index)++;
	}
	rcu_read_unlock();
	return page;
}

/*
 * Clean one dirty page, holding its lock.  The pin check comes after the
 * zap: a pin taken by GUP-fast through an entry the zap cleared either saw
 * the entry change and was undone, or is counted here (see vmalock_pinned()
 * in vmalock_update.c).  A later pin faults, and the write fault's
 * ->page_mkwrite waits for the page lock, then marks the page again.
 *
 * Return: 1 if cleaned, 0 if left dirty because pinned, -ENOENT if it is no
 * longer the region's page at @index.
 */
static int vmalock_clean_page(struct vmalock_region *region, pgoff_t index,
			      struct page *page)
{
	XA_STATE(xas, &region->pages, index);
	bool naive = READ_ONCE(vmalock_naive_clean);
	int ret = -ENOENT;

	lock_page(page);
	if (xa_load(&region->pages, index) != page)
		goto out;
	ret = 0;
	/* Pinned before the zap: no need to unmap what stays dirty. */
	if (!naive && folio_maybe_dma_pinned(page_folio(page)))
		goto out;
	unmap_mapping_range(&region->mapping, (loff_t)index << PAGE_SHIFT,
			    PAGE_SIZE, 0);
	/* The entries cleared before the pin count is read. */
	smp_mb();
	if (!naive && folio_maybe_dma_pinned(page_folio(page)))
		goto out;
	xas_lock(&xas);
	if (xas_load(&xas) == page) {
		xas_clear_mark(&xas, VMALOCK_DIRTY);
		ret = 1;
	}
	xas_unlock(&xas);
out:
	unlock_page(page);
	return ret;
}

static int vmalock_clean_range(struct vmalock_region *region,
			       struct vmalock_clean *c, unsigned long *bits)
{
	pgoff_t first = c->offset >> PAGE_SHIFT, index = first;
	pgoff_t last = first + (c->length >> PAGE_SHIFT) - 1;
	struct page *page;
	int ret;

	while (index <= last) {
		if (fatal_signal_pending(current))
			return -EINTR;
		page = vmalock_next_dirty(region, &index, last);
		if (!page)
			break;
		ret = vmalock_clean_page(region, index, page);
		put_page(page);
		if (ret > 0) {
			c->cleaned++;
			if (bits)
				__set_bit(index - first, bits);
		} else if (!ret) {
			c->pinned++;
		}
		cond_resched();
		if (index == last)
			break;
		index++;
	}
	return 0;
}

/*
 * No write section: CLEAN changes no page, only marks and entries, each
 * under its page's lock, and a writer that takes a page out meanwhile
 * takes its mark with it.
 */
int vmalock_clean(struct vmalock_region *region, struct vmalock_clean *c)
{
	unsigned long nbits = c->length >> PAGE_SHIFT, *bits = NULL;
	int err;

	c->cleaned = 0;
	c->pinned = 0;
	if (c->bitmap) {
		struct mem_cgroup *old_memcg = vmalock_charge_begin(region);

		bits = bitmap_zalloc(nbits, GFP_KERNEL_ACCOUNT);
		vmalock_charge_end(old_memcg);
		if (!bits)
			return -ENOMEM;
	}
	err = vmalock_clean_range(region, c, bits);
	vmalock_count_add(VMALOCK_STAT_CLEANED, c->cleaned);
	if (!err && bits &&
	    copy_to_user(u64_to_user_ptr(c->bitmap), bits,
			 DIV_ROUND_UP(nbits, BITS_PER_BYTE)))
		err = -EFAULT;
	bitmap_free(bits);
	return err;
}
