// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings: the state each VMA of a region carries, from mmap to munmap,
 * through split, mremap and fork.
 *
 * The core calls ->open for every VMA it creates from an existing one
 * (__split_vma, copy_vma for mremap, dup_mmap for fork) and ->close for
 * every VMA it removes; a VMA with ->close is never merged away.  So each
 * VMA gets its own struct vmalock_mapping, and the region's list holds
 * exactly its live VMAs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "vmalock.h"

/*
 * Called with region->lock held for read, so no writer is in its update: a
 * new mapping starts unlocked (its lock_seq differs from the region's) and
 * every later writer finds it on the list.
 */
static void vmalock_mapping_attach(struct vmalock_mapping *m,
				   struct vmalock_region *region,
				   struct vm_area_struct *vma)
{
	m->region = region;
	m->vma = vma;
	refcount_set(&m->ref, 1);
	init_rwsem(&m->lock);
	m->lock_seq = region->lock_seq - 1;
	mutex_lock(&region->mappings_lock);
	list_add(&m->node, &region->mappings);
	region->nr_mappings++;
	mutex_unlock(&region->mappings_lock);
	vma->vm_private_data = m;
}

/*
 * ->open cannot fail, and runs under mmap_lock held for write (fork, split,
 * mremap): no __GFP_NOFAIL and no uninterruptible wait here.  A VMA whose
 * state cannot be had (no memory in the cgroup, or a fatal signal while a
 * writer holds the region) gets none: vm_private_data is NULL, its
 * VMA-mode faults count a vma_lock_miss and take the coarse lock, which
 * every writer excludes, and no writer needs to mark it.
 */
static void vmalock_vm_open(struct vm_area_struct *vma)
{
	struct vmalock_region *region = vma->vm_file->private_data;
	struct mem_cgroup *old_memcg;
	struct vmalock_mapping *m;

	vma->vm_private_data = NULL;
	if (READ_ONCE(vmalock_inject_open))	/* debug knob: as if no memory */
		return;
	old_memcg = vmalock_charge_begin(region);
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	vmalock_charge_end(old_memcg);
	if (!m)
		return;
	if (down_read_killable(&region->lock)) {
		kfree(m);
		return;
	}
	vmalock_mapping_attach(m, region, vma);
	up_read(&region->lock);
}

/* Faults look the state up under RCU: free it after a grace period. */
void vmalock_mapping_put(struct vmalock_mapping *m)
{
	if (refcount_dec_and_test(&m->ref))
		kfree_rcu(m, rcu);
}

/*
 * The VMA is already out of the i_mmap tree and no fault can reach it, but
 * a writer may still be walking the list (mappings_lock waits for it) or
 * about to mark the state (its reference keeps the state alive).
 */
static void vmalock_vm_close(struct vm_area_struct *vma)
{
	struct vmalock_mapping *m = vma->vm_private_data;
	struct vmalock_region *region;

	if (!m)		/* ->open could not give it a state */
		return;
	region = m->region;
	mutex_lock(&region->mappings_lock);
	list_del(&m->node);
	region->nr_mappings--;
	mutex_unlock(&region->mappings_lock);
	WRITE_ONCE(m->detached, true);
	vmalock_mapping_put(m);
}

/*
 * ->map_pages is what lets 6.4+ call ->fault under the per-VMA lock at all:
 * see vmalock_map_pages().  Mappings made while root has switched it off
 * (the map_pages parameter) get no ->map_pages: the mmap_lock baseline.
 * ->page_mkwrite makes the core write-protect shared writable mappings
 * (vma_wants_writenotify()): only regions with dirty tracking have it.
 * Indexed [map_pages][track_dirty].
 */
static const struct vm_operations_struct vmalock_vm_ops[2][2] = {
	[0][0] = {
		.open		= vmalock_vm_open,
		.close		= vmalock_vm_close,
		.fault		= vmalock_fault,
	},
	[0][1] = {
		.open		= vmalock_vm_open,
		.close		= vmalock_vm_close,
		.fault		= vmalock_fault,
		.page_mkwrite	= vmalock_page_mkwrite,
	},
	[1][0] = {
		.open		= vmalock_vm_open,
		.close		= vmalock_vm_close,
		.fault		= vmalock_fault,
		.map_pages	= vmalock_map_pages,
	},
	[1][1] = {
		.open		= vmalock_vm_open,
		.close		= vmalock_vm_close,
		.fault		= vmalock_fault,
		.map_pages	= vmalock_map_pages,
		.page_mkwrite	= vmalock_page_mkwrite,
	},
};

int vmalock_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vmalock_region *region = file->private_data;
	struct mem_cgroup *old_memcg;
	struct vmalock_mapping *m;
	bool track_dirty;

	old_memcg = vmalock_charge_begin(region);
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	vmalock_charge_end(old_memcg);
	if (!m)
		return -ENOMEM;
	if (down_read_killable(&region->lock)) {
		kfree(m);
		return -EINTR;
	}
	vmalock_mapping_attach(m, region, vma);
	/* Under the lock: SET_DIRTY_TRACKING sees this mapping or none. */
	track_dirty = region->track_dirty;
	up_read(&region->lock);

	/*
	 * vm_insert_page(s) would set VM_MIXEDMAP itself, asserting that
	 * mmap_lock is held for write, which no fault holds.
	 */
	vm_flags_set(vma, VM_MIXEDMAP);
	/*
	 * A core dump would fault in every page of the mapping, allocating
	 * the whole region: leave the device's memory out, as drivers do.
	 */
	vm_flags_set(vma, VM_DONTDUMP);
	/*
	 * Not VM_DONTEXPAND, deliberately: mremap() may grow a mapping of
	 * the device, as of any file.  6.1 grows one in place without any
	 * vm_ops call, so a grown mapping may reach into a writer's range
	 * after the writer marked the mappings it met; the price is the
	 * writer-range check (one smp_mb()) in every VMA-mode fault, see
	 * vmalock_writer_meets().
	 */
	vma->vm_ops = &vmalock_vm_ops[READ_ONCE(vmalock_use_map_pages)]
				     [track_dirty];
	return 0;
}

