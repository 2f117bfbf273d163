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

/*
 * Take every page in @first .. @last out of the region, but a pinned one.
 * Return the pinned pages left in place.
 */
static unsigned long vmalock_take_range(struct vmalock_write *w, pgoff_t first,
					pgoff_t last)
{
	XA_STATE(xas, &w->region->pages, first);
	unsigned long n = 0, pinned = 0;
	struct page *page;

	xas_lock(&xas);
	xas_for_each(&xas, page, last) {
		/*
		 * A reservation lives only inside its FILL's write section,
		 * which excludes ours: never seen here, and not ours to take.
		 */
		if (xa_is_zero(page))
			continue;
		if (folio_maybe_dma_pinned(page_folio(page))) {
			pinned++;
			continue;
		}
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
	return pinned;
}

/**
 * vmalock_pinned - count the pinned pages in @first .. @last
 * @region: the region, in a write section whose range holds @first .. @last
 * @first: first page offset
 * @last: last page offset
 *
 * Called after every entry of the range was zapped.  A pin taken by GUP-fast
 * raises the page's count and then rechecks the entry it pinned through,
 * undoing the pin if the entry changed; the zap clears the entry under its
 * PTE lock, then reads the counts.  Either the pin saw its entry gone, or
 * the count read here sees the pin: the pattern of page_try_share_anon_rmap()
 * against gup_fast.  A pin taken later must fault the page in, and faults of
 * the range wait for the writer.  So a page reported unpinned stays unpinned
 * until the write section ends, and taking it out is safe.
 *
 * folio_maybe_dma_pinned() may report a page mapped very many times (1024
 * references) as pinned: such a page is treated as pinned, which is safe.
 */
static unsigned long vmalock_pinned(struct vmalock_region *region,
				    pgoff_t first, pgoff_t last)
{
	XA_STATE(xas, &region->pages, first);
	unsigned long pinned = 0, n = 0;
	struct page *page;

	/* The zap's entry clearing before the counts: pairs with GUP-fast. */
	smp_mb();
	rcu_read_lock();
	xas_for_each(&xas, page, last) {
		if (xas_retry(&xas, page))
			continue;
		if (folio_maybe_dma_pinned(page_folio(page)))
			pinned++;
		if (++n % VMALOCK_TAKE_BATCH)
			continue;
		xas_pause(&xas);
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
	}
	rcu_read_unlock();
	return pinned;
}

/*
 * The pin rule of every writer, after it zapped the range: EBUSY if a page
 * is pinned and the caller did not ask to skip pinned pages.
 */
static int vmalock_check_pins(struct vmalock_region *region, pgoff_t first,
			      pgoff_t last, bool skip_pinned)
{
	if (skip_pinned || !vmalock_pinned(region, first, last))
		return 0;
	vmalock_count(VMALOCK_STAT_PINNED_BUSY);
	return -EBUSY;
}

static void vmalock_report_skipped(u64 *skipped, unsigned long n)
{
	*skipped = n;
	vmalock_count_add(VMALOCK_STAT_PINNED_SKIPPED, n);
}

/* Zap every entry of every mapping that maps @first .. @first + @nr - 1. */
static void vmalock_zap(struct vmalock_region *region, pgoff_t first,
			pgoff_t nr)
{
	unmap_mapping_range(&region->mapping, (loff_t)first << PAGE_SHIFT,
			    (loff_t)nr << PAGE_SHIFT, 0);
}

/*
 * Zap first, then look for pins, then take out: see vmalock_pinned().  The
 * order is safe for faults too: every fault of the range waits for the
 * writer or revalidates against it, so none can map a page between the zap
 * and its removal.
 */
int vmalock_invalidate(struct vmalock_region *region, pgoff_t first,
		       pgoff_t nr, bool skip_pinned, u64 *skipped)
{
	pgoff_t last = first + nr - 1;
	struct vmalock_write w;
	int err;

	err = vmalock_write_begin(&w, region, first, last, false);
	if (err)
		return err;
	if (first + nr > region->nr_pages) {
		err = -EINVAL;
		goto out;
	}
	vmalock_zap(region, first, nr);
	err = vmalock_check_pins(region, first, last, skip_pinned);
	if (err)
		goto out;
	vmalock_report_skipped(skipped, vmalock_take_range(&w, first, last));
	vmalock_count(VMALOCK_STAT_INVALIDATIONS);
out:
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
				pgoff_t nr, u64 pattern, bool skip_pinned,
				u64 *skipped)
{
	unsigned long pinned = 0;
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
	err = -EINVAL;
	if (first + nr > region->nr_pages)
		goto out_end;
	/* Zap, then look for pins: see vmalock_invalidate(). */
	vmalock_zap(region, first, nr);
	err = vmalock_check_pins(region, first, first + nr - 1, skip_pinned);
	if (err)
		goto out_end;
	err = vmalock_reserve(region, first, nr);
	if (err)
		goto out_end;
	for (i = 0; i < nr; i++) {
		struct page *old = xa_load(&region->pages, first + i);

		/* A pinned page stays; the new one for its slot is freed. */
		if (old && !xa_is_zero(old) &&
		    folio_maybe_dma_pinned(page_folio(old))) {
			pinned++;
			vmalock_put_pages(&pages[i], 1);
			continue;
		}
		old = xa_store(&region->pages, first + i, pages[i], GFP_KERNEL);
		/* Reserved by us, under the lock: storing allocates nothing. */
		if (WARN_ON_ONCE(xa_is_err(old))) {
			vmalock_put_pages(&pages[i], 1);
			continue;
		}
		/* A new page starts clean, whatever the slot held. */
		xa_clear_mark(&region->pages, first + i, VMALOCK_DIRTY);
		if (old)
			vmalock_write_take_page(&w, old);
		else
			atomic_long_inc(&region->nr_held);
	}
	vmalock_report_skipped(skipped, pinned);
	vmalock_count(VMALOCK_STAT_FILLS);
	vmalock_write_end(&w);
	kvfree(pages);
	return 0;

out_end:
	vmalock_write_end(&w);

out_put:
	vmalock_put_pages(pages, nr);
	kvfree(pages);
	return err;
}

/* Every page, array and xarray node of a FILL is charged to the region's cgroup. */
int vmalock_fill(struct vmalock_region *region, pgoff_t first, pgoff_t nr,
		 u64 pattern, bool skip_pinned, u64 *skipped)
{
	struct mem_cgroup *old_memcg = vmalock_charge_begin(region);
	int err;

	err = vmalock_fill_charged(region, first, nr, pattern, skip_pinned,
				   skipped);
	vmalock_charge_end(old_memcg);
	return err;
}

/*
 * Shrinking takes out and unmaps everything past the new end, private
 * copy-on-write copies included, but a pinned page (see struct
 * vmalock_size_ex).  Growing takes out what a speculative fault may have
 * published past the old end while it raced with an earlier shrink, so the
 * new pages read as zero; a pinned page a shrink kept past the end stays.
 * Either way the pages that change start at the lower of the two ends, and
 * so do the mappings marked.
 */
int vmalock_set_size(struct vmalock_region *region, pgoff_t nr_pages,
		     bool skip_pinned, u64 *skipped)
{
	unsigned long pinned = 0;
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
		/*
		 * Zap, then look for pins: see vmalock_invalidate().  Only
		 * the entries of our own pages go first (no even_cows): they
		 * are all GUP can pin through, and a refused shrink must keep
		 * the private copy-on-write copies past the end, which are
		 * data only their mapping holds.
		 */
		unmap_mapping_range(&region->mapping,
				    (loff_t)nr_pages << PAGE_SHIFT, 0, 0);
		err = vmalock_check_pins(region, nr_pages, ULONG_MAX,
					 skip_pinned);
		if (err) {
			vmalock_write_end(&w);
			return err;
		}
		pinned = vmalock_take_range(&w, nr_pages, ULONG_MAX);
		/*
		 * Now the private copies too (even_cows), as
		 * truncate_pagecache() does: past the end every mapping
		 * raises SIGBUS, shared or private.  A private write fault
		 * may be copying one of the pages taken out, holding its lock
		 * (vmalock_cow_source()): its copy goes in after this unmap.
		 * Wait for each such copy, then unmap the copies again.
		 */
		unmap_mapping_range(&region->mapping,
				    (loff_t)nr_pages << PAGE_SHIFT, 0, 1);
		if (vmalock_wait_page_locks(&w))
			unmap_mapping_range(&region->mapping,
					    (loff_t)nr_pages << PAGE_SHIFT, 0, 1);
	} else if (nr_pages > old) {
		vmalock_take_range(&w, old, nr_pages - 1);
	}
	vmalock_report_skipped(skipped, pinned);
	WRITE_ONCE(region->nr_pages, nr_pages);
	vmalock_write_end(&w);
	return 0;
}

/*
 * Whether new mappings are write-protected for dirty tracking is decided at
 * mmap (vmalock_mmap()), so it may change only while there is none.  ->mmap
 * and ->open create mappings holding region->lock for read.
 */
int vmalock_set_dirty_tracking(struct vmalock_region *region, bool on)
{
	int err = 0;

	if (down_write_killable(&region->lock))
		return -EINTR;
	mutex_lock(&region->mappings_lock);
	if (region->nr_mappings)
		err = -EBUSY;
	else
		WRITE_ONCE(region->track_dirty, on);
	mutex_unlock(&region->mappings_lock);
	up_write(&region->lock);
	return err;
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
