// SPDX-License-Identifier: GPL-2.0
/*
 * The fault path.
 *
 * Every fault runs vmalock_populate(): find the page (or allocate a block of
 * pages on first touch), publish new pages in the region, and map them with
 * vm_insert_pages().  A read fault on a page the region holds maps the
 * region's pages around it too (fault-around: vmalock_map_window()), so
 * that a sequential re-read takes one fault per window, not per page.
 *
 * What protects a fault against writers depends on the region's mode, and
 * each mode falls back to the next:
 *
 *   SPEC  no lock of ours.  Snapshot region->spec_seq, do the work, and
 *         revalidate the snapshot before anything becomes visible: before
 *         new pages are published or any entry installed, and once more
 *         after installing, zapping what was installed if a writer ran in
 *         between.  Runs in a read section of its region, which the
 *         region's writers wait for (vmalock_spec_sync()).  After
 *         VMALOCK_SPEC_TRIES attempts: VMA.
 *   VMA   read-trylock the faulting mapping only (found under RCU); if a
 *         writer has marked it, fall back to MMAP.  Pages and xarray nodes
 *         are allocated here without direct reclaim: one that would need it
 *         is redone under the coarse lock (vma_lock_retry), as the kernel
 *         redoes under mmap_lock a VMA-locked fault that must block.  The
 *         one exception is a page table: vm_insert_pages() allocates it
 *         with GFP_KERNEL, as the core does for an anonymous fault under
 *         the VMA lock, so a writer marking the mapping may wait for that
 *         reclaim, at most once per 2 MiB of the mapping.
 *   MMAP  region->lock for read, taken without sleeping through a writer
 *         unkillably or holding mmap_lock while it waits (the core's
 *         VM_FAULT_RETRY protocol: vmalock_coarse_lock_or_retry()).
 *
 * Page tables are never assumed stable: vm_insert_pages() checks each entry
 * under the PTE lock and refuses one that a racing fault populated first
 * (pte_notsame), and the speculative recheck covers entries installed while
 * a writer ran.  Copy-on-write of MAP_PRIVATE mappings is the core's: a
 * read fault installs the region's page read-only (a private mapping's
 * vm_page_prot has no write bit), and a later write has do_wp_page() copy
 * it, rechecking the entry with pte_same(); a write fault hands the page to
 * do_cow_fault() to copy at once (vmalock_cow_source()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "compat.h"
#include "vmalock.h"
#include "vmalock_trace.h"

#define VMALOCK_SPEC_TRIES	8
/* Pages handed to vm_insert_pages() at a time; a block is mapped in runs. */
#define VMALOCK_INSERT_BATCH	16

struct vmalock_fault_ctx {
	struct vm_fault *vmf;
	struct vmalock_region *region;
	gfp_t gfp;		/* for order-0 pages */
	unsigned int order;	/* preferred block order, read once */
	unsigned int around;	/* fault-around pages, read once; 1: a write */
	bool cow;		/* a private write: the core copies our page */
	bool spec;		/* revalidate against @seq */
	unsigned int seq;
	bool no_memory;		/* an xarray node could not be had */
	vm_fault_t result;
	/* For the tracepoints: */
	unsigned int path;	/* VMALOCK_MODE_* of the path that served it */
	int block_order;	/* order a first touch allocated, or -1 */
	unsigned int reason;	/* VMALOCK_SPEC_* of a discarded attempt */
};

/*
 * Has a writer run since the snapshot?  The barrier orders what the fault
 * did before (page table stores included) against reading the count; it
 * pairs with smp_mb() in vmalock_write_begin().
 */
static bool vmalock_spec_changed(struct vmalock_fault_ctx *ctx)
{
	if (!ctx->spec)
		return false;
	/* Pairs with smp_mb() in vmalock_write_begin(). */
	smp_mb();
	return read_seqcount_retry(&ctx->region->spec_seq, ctx->seq);
}

/*
 * The same question asked under the xarray lock, which orders it: every
 * writer that changes pages makes spec_seq odd before it takes that lock,
 * so no barrier is needed, and a block of 512 pages pays none.
 */
static bool vmalock_spec_changed_xa_locked(struct vmalock_fault_ctx *ctx)
{
	return ctx->spec &&
	       read_seqcount_retry(&ctx->region->spec_seq, ctx->seq);
}

/*
 * The race window (a test knob): a speculative fault that has read what it
 * will act on, and not yet revalidated it.
 */
static void vmalock_spec_window(struct vmalock_fault_ctx *ctx)
{
	if (ctx->spec)
		vmalock_delay(ctx->region, VMALOCK_DELAY_SPEC_WINDOW);
}

/* Fault injection (module parameters): fail every Nth block of one order. */
static bool vmalock_inject_failure(unsigned int order)
{
	static atomic_t calls = ATOMIC_INIT(0);
	unsigned int every = READ_ONCE(vmalock_inject_every);

	if (!every || order != READ_ONCE(vmalock_inject_order))
		return false;
	if (atomic_inc_return(&calls) % every)
		return false;
	vmalock_count(VMALOCK_STAT_INJECTED_FAILURES);
	return true;
}

/*
 * Can a block of 2^order pages serve this fault?  Only if its naturally
 * aligned range lies inside the region and the faulting VMA, and none of it
 * is populated yet.
 */
static bool vmalock_block_usable(struct vmalock_fault_ctx *ctx,
				 unsigned int order, pgoff_t nr_pages,
				 pgoff_t *basep)
{
	struct vm_fault *vmf = ctx->vmf;
	unsigned long n = 1UL << order, start;
	pgoff_t base = round_down(vmf->pgoff, n), index = base;

	if (base + n > nr_pages)
		return false;
	start = vmf->address - ((vmf->pgoff - base) << PAGE_SHIFT);
	if (start < vmf->vma->vm_start ||
	    start + (n << PAGE_SHIFT) > vmf->vma->vm_end)
		return false;
	if (xa_find(&ctx->region->pages, &index, base + n - 1, XA_PRESENT))
		return false;
	*basep = base;
	return true;
}

static struct page *vmalock_alloc_order(struct vmalock_fault_ctx *ctx,
					unsigned int order)
{
	gfp_t gfp = ctx->gfp | __GFP_ZERO | __GFP_ACCOUNT;
	struct page *page;

	/*
	 * High orders are a wish: no warning, no retrying, no OOM killer.  An
	 * attempt without direct reclaim is expected to fail, and is redone
	 * under the coarse lock: no warning either.
	 */
	if (order)
		gfp |= __GFP_NORETRY | __GFP_NOWARN;
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		gfp |= __GFP_NOWARN;
	page = vmalock_inject_failure(order) ? NULL : alloc_pages(gfp, order);
	if (!page) {
		vmalock_count(VMALOCK_STAT_ALLOC_FAILURES);
		return NULL;
	}
	/*
	 * One allocation, mapped by one fault, but order-0 pages from here
	 * on: each can be invalidated, pinned and freed on its own.
	 */
	if (order)
		split_page(page, order);
	vmalock_count(VMALOCK_STAT_FOLIO_ALLOC + order);
	vmalock_count_add(VMALOCK_STAT_PAGES_ALLOCATED, 1UL << order);
	return page;
}

/*
 * Allocate the block for a first touch: the preferred order, then at most
 * PAGE_ALLOC_COSTLY_ORDER, then 0.  Each step down is a folio_fallback.
 */
static struct page *vmalock_alloc_block(struct vmalock_fault_ctx *ctx,
					pgoff_t nr_pages, pgoff_t *basep,
					unsigned int *orderp)
{
	unsigned int pref = ctx->order;
	unsigned int orders[] = {
		pref, min_t(unsigned int, pref, PAGE_ALLOC_COSTLY_ORDER), 0
	};
	struct page *page;
	int i;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned int order = orders[i];

		if (i && order == orders[i - 1])
			continue;
		if (order && !vmalock_block_usable(ctx, order, nr_pages, basep)) {
			vmalock_count(VMALOCK_STAT_FOLIO_FALLBACK);
			continue;
		}
		if (!order)
			*basep = ctx->vmf->pgoff;
		page = vmalock_alloc_order(ctx, order);
		if (page) {
			*orderp = order;
			return page;
		}
		if (order)
			vmalock_count(VMALOCK_STAT_FOLIO_FALLBACK);
	}
	return NULL;
}

static void vmalock_free_pages(struct page *page, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		put_page(page + i);
	vmalock_count_add(VMALOCK_STAT_PAGES_FREED, n);
}

/*
 * xa_insert(), with two differences.  A speculative fault rechecks its
 * snapshot under the xarray lock and stores nothing once a writer has
 * begun: every writer that changes pages makes spec_seq odd before it
 * takes this lock, so the page is either in the xarray before the writer
 * looks (and the writer takes it out) or never stored.  And the xarray's
 * nodes are allocated with the fault's own flags: no direct reclaim under
 * a mapping lock.
 *
 * Return: 0; -EBUSY if the slot holds a page (or a FILL's reservation);
 * -EAGAIN if a writer ran since the snapshot; -ENOMEM.
 */
static int vmalock_insert_slot(struct vmalock_fault_ctx *ctx, pgoff_t pgoff,
			       struct page *page)
{
	XA_STATE(xas, &ctx->region->pages, pgoff);
	gfp_t gfp = ctx->gfp & __GFP_DIRECT_RECLAIM ? GFP_KERNEL :
		    GFP_NOWAIT | __GFP_NOWARN;
	int err;

	do {
		xas_lock(&xas);
		if (vmalock_spec_changed_xa_locked(ctx)) {
			err = -EAGAIN;
		} else if (xas_load(&xas)) {
			err = -EBUSY;
		} else {
			xas_store(&xas, page);
			err = xas_error(&xas);
		}
		xas_unlock(&xas);
	} while (err == -ENOMEM && xas_nomem(&xas, gfp));
	return err;
}

/*
 * Publish @page at @pgoff if the slot is still empty.  Return the page that
 * the slot holds afterwards, with a reference for the caller: ours, or the
 * one a racing fault published first (then ours is freed).  NULL if the slot
 * is empty again, reserved by a FILL in progress, a writer ran since a
 * speculative snapshot, or the xarray had no memory: the caller maps
 * nothing there, and the access faults again (vmalock_populate() tells a
 * writer or a missing allocation apart).
 *
 * Only ever into an empty slot, never xa_cmpxchg(NULL, page): on a FILL's
 * reserved slot cmpxchg stores nothing yet reports success (xas_result()
 * turns the zero entry into NULL), which leaked the xarray's reference to a
 * page mapped outside the region.  The stress test's page accounting found
 * that.
 */
static struct page *vmalock_publish(struct vmalock_fault_ctx *ctx,
				    pgoff_t pgoff, struct page *page)
{
	int err;

	get_page(page);
	/* The xarray is XA_FLAGS_ACCOUNT: its nodes are charged too. */
	err = vmalock_insert_slot(ctx, pgoff, page);
	if (!err) {
		atomic_long_inc(&ctx->region->nr_held);
		return page;
	}
	put_page(page);
	vmalock_free_pages(page, 1);
	if (err == -ENOMEM)
		ctx->no_memory = true;
	if (err != -EBUSY)
		return NULL;
	return vmalock_region_lookup(ctx->region, pgoff);
}

/* @self for vmalock_insert(): every page is one only a race maps first. */
#define VMALOCK_SELF_ALL	ULONG_MAX

/*
 * Map @n pages from @addr, leaving alone entries already present.  Such an
 * entry counts as pte_notsame when only a racing fault can have populated
 * it: any entry of a new block (@self VMALOCK_SELF_ALL), but of a
 * fault-around window only the faulting page's (@self, an index into
 * @pages, or @n when it is not among them); a neighbour already mapped is
 * the common case, not a race.  *@mapped, when given, grows by the pages
 * mapped other than @self.
 */
static vm_fault_t vmalock_insert(struct vm_area_struct *vma,
				 unsigned long addr, struct page **pages,
				 unsigned long n, unsigned long self,
				 unsigned long *mapped)
{
	unsigned long done = 0, busy = 0, left;
	vm_fault_t ret = VM_FAULT_NOPAGE;
	bool self_busy = false;
	int err;

	while (done < n) {
		left = n - done;
		err = vm_insert_pages(vma, addr + (done << PAGE_SHIFT),
				      pages + done, &left);
		done = n - left;
		if (!err)
			break;
		/*
		 * -ENOMEM is a PTE table that could not be allocated, -EFAULT
		 * (from walk_to_pmd()) a PUD or PMD table: both are out of
		 * memory, not a bad address, since the range lies inside the
		 * VMA.  Anything else is a bug of ours: SIGBUS.
		 */
		if (err != -EBUSY) {
			ret = err == -ENOMEM || err == -EFAULT ?
			      VM_FAULT_OOM : VM_FAULT_SIGBUS;
			break;
		}
		if (self == VMALOCK_SELF_ALL || done == self) {
			vmalock_count(VMALOCK_STAT_PTE_NOTSAME);
			self_busy = done == self;
		}
		busy++;
		done++;
	}
	if (mapped)
		*mapped += done - busy - (self < done && !self_busy);
	return ret;
}

/*
 * A write fault on a private mapping: the core has a page ready for the copy
 * (vmf->cow_page) and copies ours into it once we return, in this one fault.
 * Mapping ours read-only instead would cost a second fault, a second
 * allocation (the core's page is freed unused) and a TLB flush to replace
 * the entry.  But the copy is made after our protection is gone, so a
 * shrink could miss it: the page goes back locked, as from filemap_fault(),
 * still in the region when checked under that lock, and a shrink waits on
 * the lock of every page it took out before it unmaps private copies once
 * more (vmalock_set_size(), as truncate_pagecache() does).  The lock is held
 * only through the copy.  Consumes the reference on @page.
 */
static vm_fault_t vmalock_cow_source(struct vmalock_fault_ctx *ctx,
				     struct page *page)
{
	struct vm_fault *vmf = ctx->vmf;

	lock_page(page);
	if (xa_load(&ctx->region->pages, vmf->pgoff) != page) {
		/* Taken out meanwhile: the access faults again. */
		unlock_page(page);
		put_page(page);
		return VM_FAULT_NOPAGE;
	}
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

/* Undo vmalock_cow_source() for a fault that is retried. */
static void vmalock_cow_source_drop(struct vmalock_fault_ctx *ctx)
{
	struct vm_fault *vmf = ctx->vmf;

	if (!ctx->cow || !vmf->page)
		return;
	unlock_page(vmf->page);
	put_page(vmf->page);
	vmf->page = NULL;
}

/*
 * Publish a new block of 2^@order pages at @base and map all of it, in runs
 * of consecutive pages.  Our page for each offset was zeroed by the
 * allocator and nobody has seen it: if a racing fault published its own
 * first, we map that one instead.  A private write's own page is not mapped
 * but handed to the core to copy (vmalock_cow_source()).
 */
static vm_fault_t vmalock_map_block(struct vmalock_fault_ctx *ctx,
				    struct page *block, pgoff_t base,
				    unsigned int order)
{
	struct vm_fault *vmf = ctx->vmf;
	unsigned long addr = vmf->address - ((vmf->pgoff - base) << PAGE_SHIFT);
	unsigned long i, n = 1UL << order, run = 0, start = 0;
	struct page *batch[VMALOCK_INSERT_BATCH], *src = NULL;
	vm_fault_t ret = VM_FAULT_NOPAGE;

	for (i = 0; i < n; i++) {
		struct page *page = vmalock_publish(ctx, base + i, block + i);

		if (page && ctx->cow && base + i == vmf->pgoff) {
			src = page;	/* ends the run: not mapped */
			page = NULL;
		}
		if (page) {
			if (!run)
				start = i;
			batch[run++] = page;
		}
		if (run && (!page || run == VMALOCK_INSERT_BATCH || i == n - 1)) {
			if (ret == VM_FAULT_NOPAGE)
				ret = vmalock_insert(vmf->vma,
						     addr + (start << PAGE_SHIFT),
						     batch, run,
						     VMALOCK_SELF_ALL, NULL);
			while (run)
				put_page(batch[--run]);
		}
	}
	if (src) {
		if (ret == VM_FAULT_NOPAGE)
			return vmalock_cow_source(ctx, src);
		put_page(src);
	}
	return ret;
}

/*
 * Fault-around, for a read fault on a page the region holds: the window of
 * ctx->around pages that holds it, aligned in the address space as the
 * core's do_fault_around() aligns its own (so that it lies in one page
 * table), clipped to the VMA and the region.  A write fault maps its own
 * page only, as in the core (ctx->around is 1 for it).  Return the window's
 * first offset and its length in *@nrp.
 */
static pgoff_t vmalock_around_window(struct vmalock_fault_ctx *ctx,
				     pgoff_t nr_pages, unsigned long *nrp)
{
	struct vm_fault *vmf = ctx->vmf;
	struct vm_area_struct *vma = vmf->vma;
	unsigned long size = (unsigned long)ctx->around << PAGE_SHIFT;
	unsigned long start, end;
	pgoff_t first;

	if (ctx->around <= 1) {
		*nrp = 1;
		return vmf->pgoff;
	}
	start = ALIGN_DOWN(vmf->address, size);
	end = min(start + size, vma->vm_end);
	start = max(start, vma->vm_start);
	first = vmf->pgoff - ((vmf->address - start) >> PAGE_SHIFT);
	*nrp = min_t(unsigned long, (end - start) >> PAGE_SHIFT,
		     nr_pages - first);
	return first;
}

/*
 * Map every page the region holds in the window [@first, @first + @nr), the
 * faulting one among them, in runs of consecutive pages: one PTE lock per
 * run.  The pages are looked up a batch at a time, and the caller's mode
 * protects or revalidates them as it does the faulting page.  A page the
 * window lacks is simply not mapped: an access to it faults.
 */
static vm_fault_t vmalock_map_window(struct vmalock_fault_ctx *ctx,
				     pgoff_t first, unsigned long nr)
{
	struct vm_fault *vmf = ctx->vmf;
	unsigned long addr = vmf->address - ((vmf->pgoff - first) << PAGE_SHIFT);
	struct page *batch[VMALOCK_INSERT_BATCH];
	unsigned long off, n, i, run, mapped = 0;
	vm_fault_t ret = VM_FAULT_NOPAGE;

	for (off = 0; off < nr && ret == VM_FAULT_NOPAGE; off += n) {
		n = min_t(unsigned long, nr - off, VMALOCK_INSERT_BATCH);
		vmalock_region_lookup_range(ctx->region, first + off, n, batch);
		for (i = 0; i < n; i += run ? run : 1) {
			pgoff_t pgoff = first + off + i;

			for (run = 0; i + run < n && batch[i + run]; run++)
				;
			if (!run || ret != VM_FAULT_NOPAGE)
				continue;
			ret = vmalock_insert(vmf->vma, addr + ((off + i) << PAGE_SHIFT),
					     batch + i, run,
					     vmf->pgoff >= pgoff &&
					     vmf->pgoff < pgoff + run ?
					     vmf->pgoff - pgoff : run, &mapped);
		}
		for (i = 0; i < n; i++)
			if (batch[i])
				put_page(batch[i]);
	}
	vmalock_count_add(VMALOCK_STAT_FAULT_AROUND, mapped);
	return ret;
}

/**
 * vmalock_populate - serve one fault under the protection the caller holds
 * @ctx: the fault
 *
 * Return: 0 with ctx->result set; -EAGAIN if a speculative fault must be
 * retried (a writer ran since its snapshot; nothing it did stays visible);
 * -EWOULDBLOCK if a page could not be had without direct reclaim, which
 * ctx->gfp does not allow.
 */
static int vmalock_populate(struct vmalock_fault_ctx *ctx)
{
	struct vm_fault *vmf = ctx->vmf;
	struct vmalock_region *region = ctx->region;
	pgoff_t nr_pages = READ_ONCE(region->nr_pages), first;
	unsigned long nr;	/* pages from @first the fault may map */
	struct page *page;

	/* Per attempt: a VMA-mode attempt may have set it before this one. */
	ctx->no_memory = false;
	ctx->reason = VMALOCK_SPEC_CHANGED;
	if (vmf->pgoff >= nr_pages) {
		if (vmalock_spec_changed(ctx))
			return -EAGAIN;
		ctx->result = VM_FAULT_SIGBUS;
		return 0;
	}

	page = vmalock_region_lookup(region, vmf->pgoff);
	if (page) {
		first = vmalock_around_window(ctx, nr_pages, &nr);
		vmalock_spec_window(ctx);
		if (vmalock_spec_changed(ctx)) {
			put_page(page);
			return -EAGAIN;
		}
		if (ctx->cow) {
			ctx->result = vmalock_cow_source(ctx, page);
		} else {
			if (nr == 1)
				ctx->result = vmalock_insert(vmf->vma,
							     vmf->address,
							     &page, 1, 0, NULL);
			else
				ctx->result = vmalock_map_window(ctx, first, nr);
			put_page(page);
		}
	} else {
		unsigned int order;

		page = vmalock_alloc_block(ctx, nr_pages, &first, &order);
		if (!page) {
			if (!(ctx->gfp & __GFP_DIRECT_RECLAIM))
				return -EWOULDBLOCK;
			if (vmalock_spec_changed(ctx))
				return -EAGAIN;
			ctx->result = VM_FAULT_OOM;
			return 0;
		}
		nr = 1UL << order;
		ctx->block_order = order;
		vmalock_spec_window(ctx);
		if (vmalock_spec_changed(ctx)) {
			vmalock_free_pages(page, nr);
			return -EAGAIN;
		}
		ctx->result = vmalock_map_block(ctx, page, first, order);
	}

	/*
	 * Installed while a writer ran?  Take it all back before the writer,
	 * which waits for this read section, can return.
	 */
	if (vmalock_spec_changed(ctx)) {
		ctx->reason = VMALOCK_SPEC_ZAPPED;
		vmalock_cow_source_drop(ctx);
		unmap_mapping_range(&region->mapping, (loff_t)first << PAGE_SHIFT,
				    (loff_t)nr << PAGE_SHIFT, 0);
		return -EAGAIN;
	}
	/*
	 * Part of the block could not be published for want of an xarray
	 * node.  What was mapped stays (it is in the region); the rest is
	 * redone where reclaim is allowed, or is out of memory there.
	 */
	if (ctx->no_memory && ctx->result == VM_FAULT_NOPAGE) {
		if (!(ctx->gfp & __GFP_DIRECT_RECLAIM))
			return -EWOULDBLOCK;
		ctx->result = VM_FAULT_OOM;
	}
	return 0;
}

static bool vmalock_fault_spec(struct vmalock_fault_ctx *ctx)
{
	struct vmalock_region *region = ctx->region;
	unsigned int idx;
	int tries, err;

	for (tries = 0; tries < VMALOCK_SPEC_TRIES; tries++) {
		idx = vmalock_spec_read_lock(region);
		/* vmalock_set_mode() waits for this section to end. */
		if (READ_ONCE(region->mode) != VMALOCK_MODE_SPEC) {
			vmalock_spec_read_unlock(region, idx);
			trace_vmalock_spec_fallback(region, ctx->vmf->pgoff,
						    tries, VMALOCK_SPEC_MODE);
			return false;
		}
		ctx->seq = raw_read_seqcount(&region->spec_seq);
		err = -EAGAIN;
		ctx->reason = VMALOCK_SPEC_WRITER;
		if (!(ctx->seq & 1)) {
			ctx->spec = true;
			ctx->gfp = GFP_HIGHUSER;
			err = vmalock_populate(ctx);
			ctx->spec = false;
		}
		vmalock_spec_read_unlock(region, idx);
		if (!err) {
			vmalock_count(VMALOCK_STAT_SPEC_SUCCESS);
			ctx->path = VMALOCK_MODE_SPEC;
			return true;
		}
		vmalock_count(VMALOCK_STAT_SPEC_RETRY);
		trace_vmalock_spec_retry(region, ctx->vmf->pgoff, tries + 1,
					 ctx->reason);
		/* The next try may take another path: start afresh. */
		ctx->block_order = -1;
		cond_resched();
	}
	vmalock_count(VMALOCK_STAT_SPEC_FALLBACK);
	trace_vmalock_spec_fallback(region, ctx->vmf->pgoff, tries,
				    VMALOCK_SPEC_TRIES_SPENT);
	return false;
}

/*
 * Is a writer changing pages the fault may populate or map: the block of
 * 2^ctx->order pages, or the fault-around window of ctx->around pages, that
 * holds its offset?  Both lie within n - 1 pages of it, n the larger: that
 * is the range checked.  Called holding the mapping's read lock; pairs with
 * smp_mb() in vmalock_write_begin().
 */
static bool vmalock_writer_meets(struct vmalock_fault_ctx *ctx)
{
	struct vmalock_region *region = ctx->region;
	pgoff_t n = max(1UL << ctx->order, (unsigned long)ctx->around);
	pgoff_t pgoff = ctx->vmf->pgoff;
	pgoff_t lo = pgoff >= n - 1 ? pgoff - (n - 1) : 0;

	/* Order our trylock before reading the range the writer published. */
	smp_mb();
	if (!READ_ONCE(region->writing))
		return false;
	return lo <= READ_ONCE(region->write_last) &&
	       READ_ONCE(region->write_first) <= pgoff + n - 1;
}

/* The mapping could not serve the fault: the coarse lock will. */
static bool vmalock_vma_abort(struct vmalock_fault_ctx *ctx,
			      unsigned int reason)
{
	vmalock_count(VMALOCK_STAT_VMA_LOCK_ABORT);
	trace_vmalock_vma_lock_abort(ctx->region, ctx->vmf->pgoff, reason);
	return false;
}

static bool vmalock_fault_vma(struct vmalock_fault_ctx *ctx)
{
	struct vm_area_struct *vma = ctx->vmf->vma;
	struct vmalock_mapping *m;
	int err;

	/*
	 * As lock_vma_under_rcu(): the state is found and trylocked under
	 * RCU, and a missing or detached state is a miss.  A VMA has no state
	 * only when ->open could not allocate one (see vmalock_vm_open());
	 * a detached one would mean the kernel's own VMA or mmap lock, held
	 * by every fault, failed to keep ->close away.
	 */
	rcu_read_lock();
	m = READ_ONCE(vma->vm_private_data);
	if (unlikely(!m || READ_ONCE(m->detached))) {
		rcu_read_unlock();
		vmalock_count(VMALOCK_STAT_VMA_LOCK_MISS);
		return false;
	}
	if (!vmalock_mapping_read_trylock(m)) {
		rcu_read_unlock();
		return vmalock_vma_abort(ctx, VMALOCK_ABORT_MARKED);
	}
	rcu_read_unlock();

	/*
	 * A change to MMAP marks every mapping first: recheck under the lock.
	 * And a mapping that grew into a writer's range after the writer
	 * listed the mappings is not marked: check the range itself.
	 */
	if (READ_ONCE(ctx->region->mode) == VMALOCK_MODE_MMAP) {
		vmalock_mapping_read_unlock(m);
		return vmalock_vma_abort(ctx, VMALOCK_ABORT_MODE);
	}
	if (vmalock_writer_meets(ctx)) {
		vmalock_mapping_read_unlock(m);
		return vmalock_vma_abort(ctx, VMALOCK_ABORT_RANGE);
	}

	ctx->gfp = GFP_HIGHUSER & ~__GFP_DIRECT_RECLAIM;
	err = vmalock_populate(ctx);
	vmalock_mapping_read_unlock(m);
	if (err) {
		vmalock_count(VMALOCK_STAT_VMA_LOCK_RETRY);
		ctx->block_order = -1;
		return false;
	}
	vmalock_count(VMALOCK_STAT_VMA_LOCK_SUCCESS);
	ctx->path = VMALOCK_MODE_VMA;
	return true;
}

/*
 * Take the coarse lock, or give the fault back to the core, the way
 * __folio_lock_or_retry() does for a locked folio.  A writer may hold the
 * lock for a long time (a large shrink, or root's race windows), and a
 * fault must neither sleep through it unkillably nor keep mmap_lock, which
 * others need (ps reads /proc/PID/cmdline under it), while it waits.
 *
 * On a first try, wait for the writer with the fault lock dropped, and
 * return VM_FAULT_RETRY: the core takes its lock again and retries, or
 * returns at once if a fatal signal came.  FAULT_FLAG_RETRY_NOWAIT asks for
 * no wait at all, and keeps the fault lock.  On a second try, wait holding
 * the fault lock, killably if the fault may be killed.
 *
 * Return: 0 with region->lock held for read, or VM_FAULT_RETRY.
 */
static vm_fault_t vmalock_coarse_lock_or_retry(struct vmalock_fault_ctx *ctx)
{
	struct vm_fault *vmf = ctx->vmf;
	struct rw_semaphore *lock = &ctx->region->lock;
	struct file *file;

	if (down_read_trylock(lock))
		return 0;
	if (fault_flag_allow_retry_first(vmf->flags)) {
		if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT)
			return VM_FAULT_RETRY;
		/* The file, and so the region, outlives the VMA now. */
		file = get_file(vmf->vma->vm_file);
		vmalock_release_fault_lock(vmf);
		if (!down_read_killable(lock))
			up_read(lock);
		fput(file);
		return VM_FAULT_RETRY;
	}
	if (!(vmf->flags & FAULT_FLAG_KILLABLE)) {
		down_read(lock);
		return 0;
	}
	if (!down_read_killable(lock))
		return 0;
	vmalock_release_fault_lock(vmf);
	return VM_FAULT_RETRY;
}

static void vmalock_fault_coarse(struct vmalock_fault_ctx *ctx)
{
	ctx->result = vmalock_coarse_lock_or_retry(ctx);
	if (ctx->result)
		return;
	ctx->gfp = GFP_HIGHUSER;
	vmalock_populate(ctx);
	up_read(&ctx->region->lock);
}

vm_fault_t vmalock_fault(struct vm_fault *vmf)
{
	struct vmalock_region *region = vmf->vma->vm_file->private_data;
	struct vmalock_fault_ctx ctx = {
		.vmf = vmf,
		.region = region,
		/* Once: the VMA path checks the very block it may populate. */
		.order = READ_ONCE(region->order),
		.around = vmf->flags & FAULT_FLAG_WRITE ? 1 :
			  READ_ONCE(vmalock_fault_around_pages),
		.cow = !!vmf->cow_page,
		.path = VMALOCK_MODE_MMAP,
		.block_order = -1,
	};
	u64 start = ktime_get_ns();
	struct mem_cgroup *old_memcg;
	bool vma_locked = vmalock_fault_holds_vma_lock(vmf);
	unsigned int mode = READ_ONCE(region->mode);

	vmalock_count(VMALOCK_STAT_FAULTS);
	trace_vmalock_fault_start(region, vmf->address, vmf->pgoff, mode,
				  vmf->flags & FAULT_FLAG_WRITE, vma_locked);
	old_memcg = vmalock_charge_begin(region);
	vmalock_count(vma_locked ? VMALOCK_STAT_FAULTS_VMA_LOCKED :
		      VMALOCK_STAT_FAULTS_MMAP_LOCKED);

	switch (mode) {
	case VMALOCK_MODE_SPEC:
		if (vmalock_fault_spec(&ctx))
			break;
		fallthrough;
	case VMALOCK_MODE_VMA:
		if (vmalock_fault_vma(&ctx))
			break;
		fallthrough;
	default:
		vmalock_fault_coarse(&ctx);
	}

	/*
	 * VM_FAULT_OOM is what a driver out of memory returns: a user access
	 * is retried by the arch code until memory is found or the task dies,
	 * a kernel access (copy_from_user, GUP) fails with EFAULT or ENOMEM.
	 */
	vmalock_charge_end(old_memcg);
	if (ctx.result & VM_FAULT_OOM)
		vmalock_count(VMALOCK_STAT_FAULT_OOM);
	else if (ctx.result & VM_FAULT_SIGBUS)
		vmalock_count(VMALOCK_STAT_FAULT_SIGBUS);
	vmalock_count_fault_ns(ktime_get_ns() - start);
	trace_vmalock_fault_end(region, vmf->pgoff, mode, ctx.path,
				ctx.block_order, ctx.result);
	return ctx.result;
}

/*
 * On 6.4 and later the core calls ->fault under the per-VMA lock only when
 * the mapping has ->map_pages (vmf_can_call_fault() in mm/memory.c);
 * without it every fault is retried under mmap_lock.  ->map_pages runs under
 * rcu_read_lock() and may not sleep, while populating a page can: so it maps
 * nothing, and the core goes on to ->fault, which does our fault-around
 * where it may sleep (vm_insert_pages() may allocate a page table).
 */
vm_fault_t vmalock_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
			     pgoff_t end_pgoff)
{
	return 0;
}
