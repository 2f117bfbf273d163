/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalock internals shared by the module's files.
 */
#ifndef VMALOCK_H
#define VMALOCK_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/xarray.h>

#include "uapi/vmalock.h"

#define VMALOCK_VERSION_MAJOR	0
#define VMALOCK_VERSION_MINOR	1
#define VMALOCK_VERSION_PATCH	0
/* Must match PACKAGE_VERSION in dkms.conf; "make lint" checks it. */
#define VMALOCK_VERSION		"0.1.0"

/*
 * struct vmalock_region - the memory behind one open file of /dev/vmalock.
 *
 * @mapping:	a private address_space, so that each open file has its own
 *		i_mmap tree: unmap_mapping_range() on it reaches exactly the
 *		mappings of this region and no other open file's.
 *		filp->f_mapping points here; the core links every VMA of the
 *		file into @mapping.i_mmap (under i_mmap_rwsem) at mmap time.
 * @pages:	page offset -> struct page *.  The region owns one reference
 *		on every page stored here.  Lookups run under RCU and take
 *		their own reference with get_page_unless_zero(), then check
 *		the slot still holds the page (the lockless page cache
 *		protocol); stores and erases take the xarray's own lock.
 * @nr_pages:	size of the region in pages; a fault at or past it gets
 *		SIGBUS.  Fixed for the life of the region.
 *
 * Lifetime: allocated at open, freed at release.  Every VMA of the file holds
 * a reference on the file, so release runs only after the last mapping is
 * gone, and no fault can run concurrently with it.
 */
struct vmalock_region {
	struct address_space mapping;
	struct xarray pages;
	pgoff_t nr_pages;
};

/* vmalock_region.c */
struct vmalock_region *vmalock_region_create(struct inode *inode,
					     pgoff_t nr_pages);
void vmalock_region_destroy(struct vmalock_region *region);
struct page *vmalock_region_get_page(struct vmalock_region *region,
				     pgoff_t pgoff);

/* vmalock_fault.c */
int vmalock_mmap(struct file *file, struct vm_area_struct *vma);

/* vmalock_ioctl.c */
long vmalock_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* vmalock_stats.c */
struct vmalock_stats {
	u64 count[VMALOCK_STAT_NR];
};

DECLARE_PER_CPU(struct vmalock_stats, vmalock_stats);

/* Cheap enough for the fault path: one per-CPU increment, no atomics. */
static inline void vmalock_count(enum vmalock_counter counter)
{
	this_cpu_inc(vmalock_stats.count[counter]);
}

static inline void vmalock_count_add(enum vmalock_counter counter, u64 n)
{
	this_cpu_add(vmalock_stats.count[counter], n);
}

void vmalock_stats_read(struct vmalock_stats *sum);
void vmalock_stats_reset(void);
void vmalock_stats_log(const char *why);
void vmalock_debugfs_init(void);
void vmalock_debugfs_exit(void);

/* vmalock_main.c */
extern unsigned int vmalock_region_mb;

#endif /* VMALOCK_H */
