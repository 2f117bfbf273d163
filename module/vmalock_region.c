// SPDX-License-Identifier: GPL-2.0
/*
 * Regions: the pages behind one open file, and their lifetime.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "vmalock.h"

/*
 * A region's address_space only carries the i_mmap tree; it never holds page
 * cache.  Empty operations keep generic code that looks at a_ops (fadvise,
 * readahead) on its no-op paths, as it is for any character device.
 */
static const struct address_space_operations vmalock_aops;

struct vmalock_region *vmalock_region_create(struct inode *inode,
					     pgoff_t nr_pages)
{
	struct vmalock_region *region;

	region = kzalloc(sizeof(*region), GFP_KERNEL);
	if (!region)
		return NULL;

	address_space_init_once(&region->mapping);
	region->mapping.host = inode;
	region->mapping.a_ops = &vmalock_aops;
	xa_init(&region->pages);
	region->nr_pages = nr_pages;
	return region;
}

static void vmalock_region_free_page(struct page *page)
{
	put_page(page);
	vmalock_count(VMALOCK_STAT_PAGES_FREED);
}

/* Called at release: no mapping and no fault can reach the region any more. */
void vmalock_region_destroy(struct vmalock_region *region)
{
	struct page *page;
	unsigned long index;

	xa_for_each(&region->pages, index, page)
		vmalock_region_free_page(page);
	xa_destroy(&region->pages);
	kfree(region);
}

/* Lockless lookup: see the comment on vmalock_region.pages. */
static struct page *vmalock_region_lookup(struct vmalock_region *region,
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
 * vmalock_region_get_page - the page at @pgoff, allocated on first touch
 * @region: the region
 * @pgoff: page offset inside the region, below region->nr_pages
 *
 * A new page is zeroed before it is published, so no mapping can ever see
 * its previous contents.  When two faults race to populate the same offset,
 * the first store wins and the loser frees its page.
 *
 * Return: the page with a reference the caller must drop, or an ERR_PTR.
 */
struct page *vmalock_region_get_page(struct vmalock_region *region,
				     pgoff_t pgoff)
{
	struct page *page, *old;

	page = vmalock_region_lookup(region, pgoff);
	if (page)
		return page;

	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO);
	if (!page)
		return ERR_PTR(-ENOMEM);
	vmalock_count(VMALOCK_STAT_PAGES_ALLOCATED);
	get_page(page);		/* the caller's reference */

	old = xa_cmpxchg(&region->pages, pgoff, NULL, page, GFP_KERNEL);
	if (likely(!old))
		return page;

	put_page(page);
	vmalock_region_free_page(page);
	if (xa_is_err(old))
		return ERR_PTR(xa_err(old));
	/* Lost the race: take the winner's page. */
	page = vmalock_region_lookup(region, pgoff);
	return page ?: ERR_PTR(-EAGAIN);
}
