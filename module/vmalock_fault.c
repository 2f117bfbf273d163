// SPDX-License-Identifier: GPL-2.0
/*
 * The fault path: mmap setup and the vm_operations of a region's mappings.
 *
 * Every page is installed with vm_insert_page(), which takes the PTE lock and
 * refuses (-EBUSY) an entry that is already present: a racing fault that got
 * there first is noticed under the PTE lock rather than assumed away.  The
 * pages are ordinary refcounted pages, so GUP and pin_user_pages() work on
 * them; VM_MIXEDMAP is set at mmap time because vm_insert_page() would
 * otherwise try to set it under a lock the fault does not hold for write.
 *
 * Copy-on-write of MAP_PRIVATE mappings is left to the core: the fault maps
 * the region's page read-only (vm_page_prot of a private mapping has no
 * write bit), and a write then takes the core's do_wp_page() path, which
 * copies the page and rechecks the entry with pte_same() before it installs
 * the copy.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>

#include "compat.h"
#include "vmalock.h"

static vm_fault_t vmalock_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vmalock_region *region = vma->vm_file->private_data;
	struct page *page;
	int err;

	vmalock_count(VMALOCK_STAT_FAULTS);
	vmalock_count(vmalock_fault_holds_vma_lock(vmf) ?
		      VMALOCK_STAT_FAULTS_VMA_LOCKED :
		      VMALOCK_STAT_FAULTS_MMAP_LOCKED);

	if (vmf->pgoff >= region->nr_pages)
		return VM_FAULT_SIGBUS;

	page = vmalock_region_get_page(region, vmf->pgoff);
	if (IS_ERR(page))
		return PTR_ERR(page) == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;

	err = vm_insert_page(vma, vmf->address, page);
	put_page(page);
	switch (err) {
	case 0:
	case -EBUSY:	/* a racing fault populated the entry first */
		return VM_FAULT_NOPAGE;
	case -ENOMEM:
		return VM_FAULT_OOM;
	default:
		return VM_FAULT_SIGBUS;
	}
}

/*
 * On 6.4 and later the core calls ->fault under the per-VMA lock only when
 * the mapping has ->map_pages (vmf_can_call_fault() in mm/memory.c);
 * without it every fault is retried under mmap_lock.  ->map_pages runs under
 * rcu_read_lock() and may not sleep, while populating a page can: so it maps
 * nothing, and the core goes on to ->fault.
 */
static vm_fault_t vmalock_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				    pgoff_t end_pgoff)
{
	return 0;
}

static const struct vm_operations_struct vmalock_vm_ops = {
	.fault		= vmalock_fault,
	.map_pages	= vmalock_map_pages,
};

int vmalock_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_MIXEDMAP);
	vma->vm_ops = &vmalock_vm_ops;
	return 0;
}
