// SPDX-License-Identifier: GPL-2.0
/*
 * Writers: the ioctls that change a region.  Each runs between
 * vmalock_write_begin() and vmalock_write_end() (vmalock_lock.c), which
 * exclude faults of every mode from the pages it changes, and follows the
 * same order: take pages out of the xarray, zap every entry that maps them,
 * and let vmalock_write_end() free them once no fault can still be
 * installing one.  When the call returns, no mapping can read what it
 * replaced.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vmalock.h"

/* Entries taken out under the xarray lock before it is dropped for a breath. */
#define VMALOCK_TAKE_BATCH	1024

/* Take every page in @first .. @last out of the region. */
static void vmalock_take_range(struct vmalock_write *w, pgoff_t first,
			       pgoff_t last)
{
	XA_STATE(xas, &w->region->pages, first);
	unsigned int n = 0;
	struct page *page;

	xas_lock(&xas);
	xas_for_each(&xas, page, last) {
		/*
		 * A reservation lives only inside its FILL's write section,
		 * which excludes ours: never seen here, and not ours to take.
		 */
		if (xa_is_zero(page))
			continue;
		xas_store(&xas, NULL);
		atomic_long_dec(&w->region->nr_held);
		vmalock_write_take_page(w, page);
		if (++n % VMALOCK_TAKE_BATCH)
			continue;
		xas_pause(&xas);
		xas_unlock(&xas);
		cond_resched();
		xas_lock(&xas);
	}
	xas_unlock(&xas);
}

/* Zap every entry of every mapping that maps @first .. @first + @nr - 1. */
static void vmalock_zap(struct vmalock_region *region, pgoff_t first,
			pgoff_t nr)
{
	unmap_mapping_range(&region->mapping, (loff_t)first << PAGE_SHIFT,
			    (loff_t)nr << PAGE_SHIFT, 0);
}

int vmalock_invalidate(struct vmalock_region *region, pgoff_t first,
		       pgoff_t nr)
{
	struct vmalock_write w;
	int err;

	err = vmalock_write_begin(&w, region, first, first + nr - 1, false);
	if (err)
		return err;
	if (first + nr > region->nr_pages) {
		err = -EINVAL;
	} else {
		vmalock_take_range(&w, first, first + nr - 1);
		vmalock_zap(region, first, nr);
		vmalock_count(VMALOCK_STAT_INVALIDATIONS);
	}
	vmalock_write_end(&w);
	return err;
}

static void vmalock_put_pages(struct page **pages, pgoff_t nr)
{
	pgoff_t i;

	for (i = 0; i < nr; i++)
		put_page(pages[i]);
	vmalock_count_add(VMALOCK_STAT_PAGES_FREED, nr);
}

/*
 * Allocate and fill the new pages before the update, outside every lock:
 * faults wait for a writer only while it swaps pages, not while it builds
 * them.
 */
static struct page **vmalock_fill_prepare(pgoff_t nr, u64 pattern)
{
	struct page **pages;
	pgoff_t i;
	int err;

	pages = kvmalloc_array(nr, sizeof(*pages),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < nr; i++) {
		void *addr;

		err = -EINTR;
		if (fatal_signal_pending(current))
			goto fail;
		err = -ENOMEM;
		/* Over the cgroup's limit: ENOMEM, not its OOM killer. */
		pages[i] = alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT |
				      __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
		if (!pages[i])
			goto fail;
		vmalock_count(VMALOCK_STAT_PAGES_ALLOCATED);
		addr = kmap_local_page(pages[i]);
		memset64(addr, pattern, PAGE_SIZE / sizeof(u64));
		kunmap_local(addr);
		cond_resched();
	}
	return pages;

fail:
	vmalock_put_pages(pages, i);
	kvfree(pages);
	return ERR_PTR(err);
}

/*
 * Reserve the xarray slots of the range, so that storing the new pages
 * cannot fail halfway.  A reserved slot reads as empty, and a fault never
 * fills it (vmalock_publish()).
 *
 * Called inside the write section, which makes the FILL the only owner of
 * its reservations: reserved outside it, a second FILL of the same slots
 * reserved nothing new, and when it failed (a fatal signal while it waited
 * for the lock, a range past a new end) its xa_release() dropped the
 * first one's reservations, whose stores then had to allocate under the
 * lock, and could fail.  The nodes are allocated under the coarse lock
 * now: faults of the range wait for that, and for nothing else.
 */
static int vmalock_reserve(struct vmalock_region *region, pgoff_t first,
			   pgoff_t nr)
{
	pgoff_t i;
	int err;

	for (i = 0; i < nr; i++) {
		err = xa_reserve(&region->pages, first + i, GFP_KERNEL);
		if (err) {
			while (i--)
				xa_release(&region->pages, first + i);
			return err;
		}
	}
	return 0;
}

static int vmalock_fill_charged(struct vmalock_region *region, pgoff_t first,
				pgoff_t nr, u64 pattern)
{
	struct vmalock_write w;
	struct page **pages;
	pgoff_t i;
	int err;

	pages = vmalock_fill_prepare(nr, pattern);
	if (IS_ERR(pages))
		return PTR_ERR(pages);
	err = vmalock_write_begin(&w, region, first, first + nr - 1, false);
	if (err)
		goto out_put;
	err = first + nr > region->nr_pages ? -EINVAL :
	      vmalock_reserve(region, first, nr);
	if (err) {
		vmalock_write_end(&w);
		goto out_put;
	}
	for (i = 0; i < nr; i++) {
		struct page *old = xa_store(&region->pages, first + i,
					    pages[i], GFP_KERNEL);

		/* Reserved by us, under the lock: storing allocates nothing. */
		if (WARN_ON_ONCE(xa_is_err(old)))
			put_page(pages[i]);
		else if (old)
			vmalock_write_take_page(&w, old);
		else
			atomic_long_inc(&region->nr_held);
	}
	vmalock_zap(region, first, nr);
	vmalock_count(VMALOCK_STAT_FILLS);
	vmalock_write_end(&w);
	kvfree(pages);
	return 0;

out_put:
	vmalock_put_pages(pages, nr);
	kvfree(pages);
	return err;
}

/* Every page, array and xarray node of a FILL is charged to the region's cgroup. */
int vmalock_fill(struct vmalock_region *region, pgoff_t first, pgoff_t nr,
		 u64 pattern)
{
	struct mem_cgroup *old_memcg = vmalock_charge_begin(region);
	int err;

	err = vmalock_fill_charged(region, first, nr, pattern);
	vmalock_charge_end(old_memcg);
	return err;
}

/*
 * Shrinking takes out and unmaps everything past the new end, private
 * copy-on-write copies included.  Growing
 * takes out what a speculative fault may have published past the old end
 * while it raced with an earlier shrink, so the new pages read as zero.
 * Either way the pages that change start at the lower of the two ends, and
 * so do the mappings marked.
 */
int vmalock_set_size(struct vmalock_region *region, pgoff_t nr_pages)
{
	struct vmalock_write w;
	pgoff_t old;
	int err;

	for (;;) {
		old = READ_ONCE(region->nr_pages);
		err = vmalock_write_begin(&w, region, min(old, nr_pages),
					  ULONG_MAX, false);
		if (err)
			return err;
		if (region->nr_pages == old)
			break;
		/* Another resize ran first: our marks may start too high. */
		vmalock_write_end(&w);
	}
	if (nr_pages < old) {
		vmalock_take_range(&w, nr_pages, ULONG_MAX);
		/*
		 * Private copies too (even_cows), as truncate_pagecache()
		 * does: past the end every mapping raises SIGBUS, shared or
		 * private.
		 */
		unmap_mapping_range(&region->mapping,
				    (loff_t)nr_pages << PAGE_SHIFT, 0, 1);
		/*
		 * A private write fault may be copying one of the pages taken
		 * out, holding its lock (vmalock_cow_source()): its copy goes
		 * in after the unmap above.  Wait for each such copy, then
		 * unmap the copies again, as truncate_pagecache() does.
		 */
		if (vmalock_wait_page_locks(&w))
			unmap_mapping_range(&region->mapping,
					    (loff_t)nr_pages << PAGE_SHIFT, 0, 1);
	} else if (nr_pages > old) {
		vmalock_take_range(&w, old, nr_pages - 1);
	}
	WRITE_ONCE(region->nr_pages, nr_pages);
	vmalock_write_end(&w);
	return 0;
}

/*
 * No page changes, so no fault need be excluded: a fault reads the order
 * once, and either value is valid.  The lock only orders this against the
 * other writers and REGION_INFO.
 */
int vmalock_set_order(struct vmalock_region *region, unsigned int order)
{
	if (down_write_killable(&region->lock))
		return -EINTR;
	WRITE_ONCE(region->order, order);
	up_write(&region->lock);
	return 0;
}

/*
 * Every fault path rechecks the mode under its own protection.  Marking
 * every mapping waits out the VMA-mode faults, and the SRCU flush in
 * vmalock_write_end() the speculative ones, so a fault never runs under a
 * protection the writers of the new mode do not respect.
 */
int vmalock_set_mode(struct vmalock_region *region, unsigned int mode)
{
	struct vmalock_write w;
	int err;

	err = vmalock_write_begin(&w, region, 0, ULONG_MAX, true);
	if (err)
		return err;
	WRITE_ONCE(region->mode, mode);
	vmalock_write_end(&w);
	return 0;
}
