// SPDX-License-Identifier: GPL-2.0
/*
 * The locking protocol between faults and writers, after the per-VMA locks
 * series (merged in 6.4) and the speculative page fault series.
 *
 * A writer (every ioctl that changes pages or modes) runs
 *   vmalock_write_begin()  take region->lock for write; in VMA and SPEC
 *                          modes write-lock ("mark") every mapping whose
 *                          file range meets the pages it changes; make
 *                          spec_seq odd
 *   ...change pages, unmap_mapping_range()...
 *   vmalock_write_end()    make spec_seq even; in SPEC mode wait for the
 *                          speculative faults in flight; free what it
 *                          replaced; advance lock_seq, which unlocks every
 *                          marked mapping at once; drop region->lock.
 *
 * A fault is protected, depending on the region's mode, by region->lock for
 * read (MMAP), its own mapping's lock for read (VMA), or nothing but a
 * spec_seq snapshot it revalidates (SPEC); see vmalock_fault.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>

#include "vmalock.h"
#include "vmalock_trace.h"

/*
 * The race windows are root's test knobs (SET_DELAY needs CAP_SYS_ADMIN),
 * and even so a fatal signal ends one at once: a killed task never sleeps
 * out a window in D state.  Windows shorter than a tick sleep
 * uninterruptibly, which bounds that sleep by one tick.
 */
void vmalock_delay(struct vmalock_region *region, unsigned int point)
{
	unsigned int us = READ_ONCE(region->delay_us[point]);

	if (likely(!us))
		return;
	if (us < jiffies_to_usecs(1))
		fsleep(us);
	else
		schedule_timeout_killable(usecs_to_jiffies(us));
}

/*
 * vma_start_read() of the series: fail at once, never wait, if the current
 * writer has marked the mapping.  The second check catches a writer that
 * marked it between the first check and the trylock.  Pairs with
 * vmalock_mark_mapping() and the release in vmalock_write_end().
 */
bool vmalock_mapping_read_trylock(struct vmalock_mapping *m)
{
	struct vmalock_region *region = m->region;

	/* Acquire: pairs with the release in vmalock_write_end(). */
	if (READ_ONCE(m->lock_seq) == smp_load_acquire(&region->lock_seq))
		return false;
	if (!down_read_trylock(&m->lock))
		return false;
	/* Marked between the first check and the trylock? */
	if (READ_ONCE(m->lock_seq) == smp_load_acquire(&region->lock_seq)) {
		up_read(&m->lock);
		return false;
	}
	return true;
}

void vmalock_mapping_read_unlock(struct vmalock_mapping *m)
{
	up_read(&m->lock);
}

/*
 * vma_start_write() of the series: wait for the faults that hold the mapping
 * for read, then mark it; it stays write-locked until lock_seq advances.
 */
static void vmalock_mark_mapping(struct vmalock_mapping *m,
				 unsigned long seq)
{
	if (READ_ONCE(m->lock_seq) == seq)
		return;
	down_write(&m->lock);
	WRITE_ONCE(m->lock_seq, seq);
	up_write(&m->lock);
}

static bool vmalock_mapping_meets(struct vmalock_mapping *m, pgoff_t first,
				  pgoff_t last)
{
	pgoff_t start = m->vma->vm_pgoff;

	return start <= last && first <= start + vma_pages(m->vma) - 1;
}

/*
 * The mappings a writer touches are those whose file range meets its pages.
 * i_mmap_rwsem fixes every VMA's range while we look, and mappings_lock
 * keeps each listed VMA alive (->close waits for it).  No mapping can be
 * created meanwhile: ->mmap and ->open wait for region->lock, which the
 * writer holds.
 *
 * The list is taken first and the marking done after both locks are
 * dropped, with a reference on each state: marking waits for faults, which
 * may be in reclaim, and reclaim takes i_mmap_rwsem (see the lock order in
 * vmalock.h).  A mapping closed in between is marked for nothing.
 */
static unsigned int vmalock_mark_mappings(struct vmalock_write *w)
{
	struct vmalock_region *region = w->region;
	struct vmalock_mapping *m, *next;
	unsigned int marked = 0;
	LIST_HEAD(marks);

	i_mmap_lock_read(&region->mapping);
	mutex_lock(&region->mappings_lock);
	list_for_each_entry(m, &region->mappings, node) {
		if (!vmalock_mapping_meets(m, w->first, w->last))
			continue;
		refcount_inc(&m->ref);
		list_add_tail(&m->mark_node, &marks);
		marked++;
	}
	mutex_unlock(&region->mappings_lock);
	i_mmap_unlock_read(&region->mapping);

	list_for_each_entry_safe(m, next, &marks, mark_node) {
		vmalock_mark_mapping(m, region->lock_seq);
		list_del(&m->mark_node);
		vmalock_mapping_put(m);
	}
	return marked;
}

/**
 * vmalock_write_begin - exclude every fault from pages @first .. @last
 * @w: the update, initialised here
 * @region: the region
 * @first: first page offset the update changes
 * @last: last page offset it changes, ULONG_MAX for the end of the region
 * @all: mark every mapping and flush speculative faults whatever the mode
 *
 * Return: 0, or -EINTR if a fatal signal came while waiting for the lock.
 */
int vmalock_write_begin(struct vmalock_write *w, struct vmalock_region *region,
			pgoff_t first, pgoff_t last, bool all)
{
	unsigned int marked = 0;
	u64 start = ktime_get_ns();

	w->region = region;
	w->all = all;
	INIT_LIST_HEAD(&w->freed);
	if (down_write_killable(&region->lock))
		return -EINTR;

	w->mode = region->mode;
	w->first = all ? 0 : first;
	w->last = all ? ULONG_MAX : last;
	WRITE_ONCE(region->write_first, w->first);
	WRITE_ONCE(region->write_last, w->last);
	WRITE_ONCE(region->writing, true);
	/* Pairs with smp_mb() in vmalock_writer_meets(). */
	smp_mb();
	if (all || w->mode != VMALOCK_MODE_MMAP)
		marked = vmalock_mark_mappings(w);

	raw_write_seqcount_begin(&region->spec_seq);
	/*
	 * Order the odd count before anything the update does to page tables.
	 * A speculative fault installs its entry, then rechecks the count: one
	 * of the two sides must see the other.  Pairs with smp_mb() in
	 * vmalock_spec_changed().
	 */
	smp_mb();

	w->held_since = ktime_get_ns();
	vmalock_count_add(VMALOCK_STAT_WRITER_WAIT_NS, w->held_since - start);
	trace_vmalock_write_begin(region, w->first, w->last, w->mode, all,
				  marked, w->held_since - start);
	vmalock_delay(region, VMALOCK_DELAY_WRITER);
	return 0;
}

/* Take a page out of the region: freed by vmalock_write_end(), not before. */
void vmalock_write_take_page(struct vmalock_write *w, struct page *page)
{
	/* Region pages are never on the LRU: lru is ours to use. */
	list_add(&page->lru, &w->freed);
}

/* Have the read sections counted in half @idx all ended? */
static bool vmalock_spec_drained(struct vmalock_region *region,
				 unsigned int idx)
{
	unsigned long locks = 0, unlocks = 0;
	int cpu;

	/*
	 * Unlocks first: a section whose unlock is counted has its lock
	 * counted too, so the sums are equal only once every section counted
	 * has ended.  Migration between the two is harmless: only the sums
	 * matter.
	 */
	for_each_possible_cpu(cpu)
		unlocks += READ_ONCE(per_cpu_ptr(region->spec_readers,
						 cpu)->unlock[idx]);
	/* Every unlock counted before any lock is. */
	smp_mb();
	for_each_possible_cpu(cpu)
		locks += READ_ONCE(per_cpu_ptr(region->spec_readers,
					       cpu)->lock[idx]);
	return locks == unlocks;
}

/**
 * vmalock_spec_sync - wait for the region's speculative faults in flight
 * @region: the region, with region->lock held for write
 *
 * synchronize_srcu() for one region.  A section that began before the
 * update ended is counted in one of the two halves: the half new sections
 * use is drained first (a section that read @spec_idx before the last flip
 * may still be in it), then the flip sends new sections to it, and the old
 * half is drained.  Sections that begin after the flip, or that this
 * writer's scans miss, see the finished update (the barriers below pair
 * with vmalock_spec_read_lock()'s) and have nothing to be waited for.  New
 * sections never hold up the wait, so a steady stream of faults cannot
 * starve the writer.
 *
 * The wait is uninterruptible: the writer has taken pages out and may free
 * them only after this.  It is bounded by the sections in flight on this
 * region alone: an allocation, and at most one speculative window
 * (VMALOCK_DELAY_SPEC_WINDOW, root's test knob, which a fatal signal ends).
 */
void vmalock_spec_sync(struct vmalock_region *region)
{
	unsigned int idx = region->spec_idx & 1;

	/* Order the update before the scans of the counts. */
	smp_mb();
	wait_event(region->spec_wq, vmalock_spec_drained(region, idx ^ 1));
	WRITE_ONCE(region->spec_idx, region->spec_idx + 1);
	/* New sections must see the flip before the old half is read. */
	smp_mb();
	wait_event(region->spec_wq, vmalock_spec_drained(region, idx));
}

/**
 * vmalock_wait_page_locks - wait for copies of the pages a writer took out
 * @w: the write, after vmalock_take_range()
 *
 * A private write fault copies a region page after its fault handler has
 * returned, holding the page's lock (vmalock_cow_source()).  Taking and
 * dropping each lock waits out every such copy of a page taken out; the
 * caller then unmaps private copies again.  Bounded by a page copy each.
 *
 * Return: whether the writer took out any page.
 */
bool vmalock_wait_page_locks(struct vmalock_write *w)
{
	struct page *page;

	list_for_each_entry(page, &w->freed, lru) {
		lock_page(page);
		unlock_page(page);
		cond_resched();
	}
	return !list_empty(&w->freed);
}

void vmalock_write_end(struct vmalock_write *w)
{
	struct vmalock_region *region = w->region;
	struct page *page, *next;
	unsigned long freed = 0;

	raw_write_seqcount_end(&region->spec_seq);

	/*
	 * A speculative fault that raced with the update may have installed an
	 * entry for a page taken out above; it sees spec_seq changed and zaps
	 * it before it leaves its read section.  Wait for that, so that
	 * when we return no entry can point to old contents, and so that the
	 * region still owns every page any entry points to.
	 */
	if (w->all || w->mode == VMALOCK_MODE_SPEC)
		vmalock_spec_sync(region);

	list_for_each_entry_safe(page, next, &w->freed, lru) {
		list_del(&page->lru);
		put_page(page);
		vmalock_count(VMALOCK_STAT_PAGES_FREED);
		freed++;
	}
	trace_vmalock_write_end(region, w->first, w->last, freed,
				ktime_get_ns() - w->held_since);

	WRITE_ONCE(region->writing, false);
	/*
	 * Unlock every marked mapping at once.  The release orders the update
	 * before it for faults that read lock_seq with acquire.
	 */
	smp_store_release(&region->lock_seq, region->lock_seq + 1);
	up_write(&region->lock);
}
