// SPDX-License-Identifier: GPL-2.0
/*
 * Regions: creation, the lockless page lookup, and destruction.
 * What may change a region, and under which lock, is written beside
 * struct vmalock_region in vmalock.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "vmalock.h"

/*
 * A region's address_space only carries the i_mmap tree; it never holds page
 * cache.  Empty operations keep generic code that looks at a_ops (fadvise,
 * readahead) on its no-op paths, as it is for any character device.
 */
static const struct address_space_operations vmalock_aops;

struct vmalock_region *vmalock_region_create(struct inode *inode)
{
	struct vmalock_region *region;

	/* Opened by current: charge the region itself to current's cgroup. */
	region = kzalloc(sizeof(*region), GFP_KERNEL_ACCOUNT);
	if (!region)
		return NULL;
	/* Per CPU, and charged as well: see struct vmalock_region. */
	region->spec_readers = alloc_percpu_gfp(struct vmalock_spec_count,
						GFP_KERNEL_ACCOUNT);
	if (!region->spec_readers) {
		kfree(region);
		return NULL;
	}
	init_waitqueue_head(&region->spec_wq);
	region->memcg = get_mem_cgroup_from_mm(current->mm);

	address_space_init_once(&region->mapping);
	region->mapping.host = inode;
	region->mapping.a_ops = &vmalock_aops;
	init_rwsem(&region->lock);
	seqcount_init(&region->spec_seq);
	xa_init_flags(&region->pages, XA_FLAGS_ACCOUNT);
	region->nr_pages = (pgoff_t)min(READ_ONCE(vmalock_region_mb),
					READ_ONCE(vmalock_region_max_mb)) <<
			   (20 - PAGE_SHIFT);
	region->order = READ_ONCE(vmalock_default_order);
	region->mode = READ_ONCE(vmalock_default_mode);
	mutex_init(&region->mappings_lock);
	INIT_LIST_HEAD(&region->mappings);
	mutex_init(&region->pins_lock);
	xa_init_flags(&region->pins, XA_FLAGS_ACCOUNT);
	return region;
}

/* Called at release: no mapping and no fault can reach the region any more. */
void vmalock_region_destroy(struct vmalock_region *region)
{
	struct page *page;
	unsigned long index;

	WARN_ON_ONCE(!list_empty(&region->mappings));
	xa_for_each(&region->pages, index, page) {
		put_page(page);
		vmalock_count(VMALOCK_STAT_PAGES_FREED);
		/* A region may hold millions of pages. */
		cond_resched();
	}
	xa_destroy(&region->pages);
	mutex_destroy(&region->mappings_lock);
	mutex_destroy(&region->pins_lock);
	mem_cgroup_put(region->memcg);
	free_percpu(region->spec_readers);
	kfree(region);
}

/**
 * vmalock_region_lookup - the page at @pgoff, with a reference
 * @region: the region
 * @pgoff: page offset
 *
 * Lockless: see the comment on vmalock_region.pages.  A writer may take the
 * page out concurrently; the reference keeps it alive, and the caller's mode
 * decides whether what it then does with it is still valid.
 *
 * Return: the page with a reference the caller must drop, or NULL.
 */
struct page *vmalock_region_lookup(struct vmalock_region *region,
				   pgoff_t pgoff)
{
	struct page *page;

	rcu_read_lock();
	do {
		page = xa_load(&region->pages, pgoff);
		if (!page)
			break;
		if (!get_page_unless_zero(page))
			continue;
		if (likely(page == xa_load(&region->pages, pgoff)))
			break;
		put_page(page);
	} while (1);
	rcu_read_unlock();
	return page;
}

/**
 * vmalock_region_lookup_range - the pages at @first .. @first + @n - 1
 * @region: the region
 * @first: first page offset
 * @n: number of offsets
 * @pages: out: @pages[i] is the page at @first + i with a reference the
 *	caller must drop, or NULL where the region holds none (or only a
 *	FILL's reservation)
 *
 * vmalock_region_lookup() for a window, in one walk and one RCU section.
 */
void vmalock_region_lookup_range(struct vmalock_region *region, pgoff_t first,
				 unsigned long n, struct page **pages)
{
	XA_STATE(xas, &region->pages, first);
	struct page *page;

	memset(pages, 0, n * sizeof(*pages));
	rcu_read_lock();
	xas_for_each(&xas, page, first + n - 1) {
		/* A retry entry, or a reservation: no page. */
		if (xas_retry(&xas, page))
			continue;
		if (!get_page_unless_zero(page))
			goto again;
		if (unlikely(page != xas_reload(&xas))) {
			put_page(page);
			goto again;
		}
		pages[xas.xa_index - first] = page;
		continue;
again:
		/* Freed or replaced under us: walk to this index again. */
		xas_reset(&xas);
	}
	rcu_read_unlock();
}
