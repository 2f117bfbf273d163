// SPDX-License-Identifier: GPL-2.0
/*
 * Pins: PIN takes FOLL_PIN pins on the caller's own mapping of the region,
 * as a driver pins a user buffer for DMA, and keeps them on the open file
 * until UNPIN or close.  PIN_WRITE writes the pinned pages through the
 * module's kernel mapping of them, as the device would.
 *
 * The pins are what writers respect (vmalock_pinned() in vmalock_update.c):
 * a pinned page is never taken out of the region, so what the "device"
 * writes stays visible to every mapping, and CLEAN never reports it clean
 * (vmalock_dirty.c).
 *
 * Why no FOLL_LONGTERM: on 6.2+ GUP refuses a long-term writable pin of a
 * shared file mapping whose pages need dirty tracking (->page_mkwrite:
 * writable_file_mapping_allowed()), the outcome of the same discussion.  A
 * pin here is held for a test's duration, not indefinitely.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/xarray.h>

#include "vmalock.h"

/* Pages pinned by one call of pin_user_pages_fast(): an array on the stack. */
#define VMALOCK_PIN_BATCH	32

/*
 * The range must lie in one shared mapping of this very file, whose pages
 * are the region's own (a private mapping may hold copies).  Return the page
 * offset of @addr in the region and whether the mapping is writable.  The
 * mapping may change once mmap_lock is dropped: vmalock_pin_batch() checks
 * what it pinned.
 */
static int vmalock_pin_vma(struct file *file, unsigned long addr,
			   unsigned long nr, pgoff_t *pgoff, bool *writable)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int err = -EINVAL;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, addr);
	if (vma && vma->vm_file == file && vma->vm_flags & VM_SHARED &&
	    nr <= (vma->vm_end - addr) >> PAGE_SHIFT) {
		*pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
		*writable = vma->vm_flags & VM_WRITE;
		err = 0;
	}
	mmap_read_unlock(mm);
	return err;
}

/*
 * Pin @nr (at most VMALOCK_PIN_BATCH) pages from @addr, which were at
 * @pgoff, and record them.  A pinned page must still be the region's page
 * at its offset: a writer that took it out before the pin raised its count
 * would otherwise leave us pinning a page no mapping shows (the writer
 * cannot take it out after: vmalock_pinned()).
 */
static int vmalock_pin_batch(struct vmalock_region *region,
			     unsigned long addr, unsigned long nr,
			     pgoff_t pgoff, bool writable)
{
	struct page *pages[VMALOCK_PIN_BATCH];
	unsigned long i;
	int got, err = 0;

	got = pin_user_pages_fast(addr, nr, writable ? FOLL_WRITE : 0, pages);
	if (got < 0)
		return got;
	if (got < nr)
		err = -EFAULT;
	for (i = 0; i < got && !err; i++)
		if (xa_load(&region->pages, pgoff + i) != pages[i])
			err = -EFAULT;
	for (i = 0; i < got && !err; i++) {
		err = xa_insert(&region->pins, (addr >> PAGE_SHIFT) + i,
				pages[i], GFP_KERNEL_ACCOUNT);
		if (!err)
			continue;
		while (i--)
			xa_erase(&region->pins, (addr >> PAGE_SHIFT) + i);
	}
	if (err) {
		unpin_user_pages(pages, got);
		return err;
	}
	region->nr_pins += got;
	vmalock_count_add(VMALOCK_STAT_PINS, got);
	return 0;
}

static void vmalock_unpin_range(struct vmalock_region *region,
				unsigned long first, unsigned long last,
				unsigned long *n)
{
	unsigned long index = first;
	struct page *page;

	xa_for_each_range(&region->pins, index, page, first, last) {
		xa_erase(&region->pins, index);
		/* As a driver after DMA into the page: it may have been written. */
		unpin_user_pages_dirty_lock(&page, 1, true);
		(*n)++;
		cond_resched();
	}
}

int vmalock_pin(struct file *file, unsigned long addr, unsigned long nr)
{
	struct vmalock_region *region = file->private_data;
	unsigned long first = addr >> PAGE_SHIFT, done = 0, index = first;
	struct mem_cgroup *old_memcg;
	bool writable;
	pgoff_t pgoff;
	int err;

	err = vmalock_pin_vma(file, addr, nr, &pgoff, &writable);
	if (err)
		return err;
	if (mutex_lock_killable(&region->pins_lock))
		return -EINTR;
	err = -EEXIST;
	if (xa_find(&region->pins, &index, first + nr - 1, XA_PRESENT))
		goto out;
	err = -ENOSPC;
	if (region->nr_pins + nr > READ_ONCE(region->nr_pages))
		goto out;
	/* The pins' xarray nodes are the region's too. */
	old_memcg = vmalock_charge_begin(region);
	for (err = 0; done < nr && !err; done += VMALOCK_PIN_BATCH) {
		unsigned long n = min_t(unsigned long, nr - done,
					VMALOCK_PIN_BATCH);

		err = vmalock_pin_batch(region, addr + (done << PAGE_SHIFT), n,
					pgoff + done, writable);
	}
	vmalock_charge_end(old_memcg);
	if (err) {
		/* All or nothing: drop what the batches before pinned. */
		done = 0;
		vmalock_unpin_range(region, first, first + nr - 1, &done);
		region->nr_pins -= done;
		vmalock_count_add(VMALOCK_STAT_UNPINS, done);
	}
out:
	mutex_unlock(&region->pins_lock);
	return err;
}

int vmalock_unpin(struct vmalock_region *region, unsigned long addr,
		  unsigned long nr)
{
	unsigned long n = 0;

	if (mutex_lock_killable(&region->pins_lock))
		return -EINTR;
	vmalock_unpin_range(region, addr >> PAGE_SHIFT,
			    (addr >> PAGE_SHIFT) + nr - 1, &n);
	region->nr_pins -= n;
	mutex_unlock(&region->pins_lock);
	vmalock_count_add(VMALOCK_STAT_UNPINS, n);
	return n ? 0 : -ENOENT;
}

/*
 * What a device does with a pinned buffer: write it, without a fault and
 * without marking anything dirty.  The pin keeps the page the region's, so
 * every mapping sees the write.
 */
int vmalock_pin_write(struct vmalock_region *region, unsigned long addr,
		      unsigned long nr, u64 pattern)
{
	unsigned long first = addr >> PAGE_SHIFT, index = first, n = 0;
	struct page *page;

	if (mutex_lock_killable(&region->pins_lock))
		return -EINTR;
	xa_for_each_range(&region->pins, index, page, first, first + nr - 1) {
		void *kaddr = kmap_local_page(page);

		memset64(kaddr, pattern, PAGE_SIZE / sizeof(u64));
		kunmap_local(kaddr);
		flush_dcache_page(page);
		n++;
		cond_resched();
	}
	mutex_unlock(&region->pins_lock);
	return n ? 0 : -ENOENT;
}

/* At release: the file's last reference is gone, and so are its mappings. */
void vmalock_pins_release(struct vmalock_region *region)
{
	unsigned long n = 0;

	mutex_lock(&region->pins_lock);
	vmalock_unpin_range(region, 0, ULONG_MAX, &n);
	region->nr_pins -= n;
	mutex_unlock(&region->pins_lock);
	vmalock_count_add(VMALOCK_STAT_UNPINS, n);
	xa_destroy(&region->pins);
}
