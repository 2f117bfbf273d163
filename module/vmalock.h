/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalock internals shared by the module's files.
 *
 * Lock order, outermost first (the kernel's own locks in brackets):
 *
 *   region->pins_lock		a mutex: PIN pins (GUP takes mmap_lock)
 *				under it, UNPIN and release unpin (the page
 *				lock) under it
 *   [mmap_lock or the VMA lock]	held by every fault, ->mmap, ->open, ->close
 *     region->lock			the coarse lock
 *       [page lock]		->page_mkwrite and CLEAN (which zaps under
 *				it, taking i_mmap_rwsem); a private write
 *				fault's source page; a shrink waits on it
 *       mapping->lock			faults trylock it for read; a writer
 *					takes it for write holding only
 *					region->lock
 *         [fs_reclaim]		faults allocate under mapping->lock
 *           [i_mmap_rwsem]		unmap_mapping_range(); listing the
 *					mappings to mark
 *             region->mappings_lock	a mutex: the list of mappings
 *               [PTE lock]		vm_insert_page(s), zapping
 *   The xarray lock is an innermost leaf.
 *
 * A mapping lock is never taken under i_mmap_rwsem or mappings_lock, as the
 * kernel takes a VMA's write lock before i_mmap_rwsem: a fault holding one
 * may enter reclaim, which takes i_mmap_rwsem (lockdep on the debug kernel
 * reported the cycle when writers marked mappings under both).
 *
 * ->open runs before the core takes i_mmap_rwsem on both 6.1 and 6.12
 * (__split_vma, copy_vma, dup_mmap), so it may take region->lock.
 * Speculative read sections (vmalock_spec_read_lock()) never wait for
 * region->lock: a writer waits for them while holding it.
 */
#ifndef VMALOCK_H
#define VMALOCK_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/seqlock.h>
#include <linux/sizes.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "uapi/vmalock.h"

#define VMALOCK_VERSION_MAJOR	0
#define VMALOCK_VERSION_MINOR	3
#define VMALOCK_VERSION_PATCH	0
/* Must match PACKAGE_VERSION in dkms.conf; "make lint" checks it. */
#define VMALOCK_VERSION		"0.3.0"

/* A region is at most 1 TiB: page offsets and byte sizes stay far from overflow. */
#define VMALOCK_REGION_MAX_BYTES	SZ_1T

/* One CPU's count of a region's speculative read sections, per half. */
struct vmalock_spec_count {
	unsigned long lock[2];
	unsigned long unlock[2];
};

/**
 * struct vmalock_region - the memory behind one open file of /dev/vmalock.
 *
 * @mapping:	a private address_space, so that each open file has its own
 *		i_mmap tree: unmap_mapping_range() on it reaches exactly the
 *		mappings of this region, and the interval tree finds the
 *		mappings a writer touches.  filp->f_mapping points here.
 *
 * @lock:	the coarse lock, the mmap_lock analogue.  Writers hold it for
 *		write for the whole of an update.  Faults in MMAP mode, and
 *		faults of the other modes that fall back, hold it for read.
 *		->mmap and ->open hold it for read while they create a
 *		mapping's state, so no mapping is born in a writer's midst.
 * @lock_seq:	the per-VMA lock series' mm_lock_seq.  A mapping whose
 *		lock_seq equals it is write-locked by the current writer.
 *		Written only under @lock for write, by vmalock_write_end(),
 *		with release semantics: advancing it unlocks every mapping
 *		the writer marked, at once.  Faults read it with acquire.
 * @spec_seq:	sequence count for speculative faults: odd while a writer
 *		changes anything a fault may have read.  Written under @lock
 *		(write), with the raw_ helpers: readers never spin on an odd
 *		count (they retry or fall back), so the writer may sleep.
 *		Faults read it without any lock, in a speculative read
 *		section.
 * @spec_readers, @spec_idx, @spec_wq: the region's own speculative read
 *		sections, counted per CPU in two halves, as SRCU counts its
 *		readers: a reader increments lock[i] and later unlock[i] of
 *		the half i it found in @spec_idx, and a writer waits until
 *		both halves have drained once (vmalock_spec_sync()).  Per
 *		region, so that nothing one region does delays the writers
 *		of another; per CPU, so that faults of one region do not
 *		bounce one counter between CPUs.  @spec_idx is written only
 *		by writers, under @lock for write.  A writer sleeps in
 *		@spec_wq; the last reader of a half wakes it.
 * @writing, @write_first, @write_last: the current writer's page range,
 *		published (under @lock for write, then smp_mb()) before it
 *		lists the mappings to mark.  A VMA-mode fault checks it after
 *		its trylock: a mapping that grew into the range after the list
 *		was taken (mremap() in place calls no vm_ops) is not marked,
 *		and must not fault there.  Read without a lock; a stale
 *		"writing" only costs an abort.
 *
 * Everything below is read by faults under their mode's protection (the
 * coarse lock, a mapping lock, or a spec_seq snapshot they revalidate) and
 * changed only by writers, which exclude all three:
 * @pages:	page offset -> struct page *, each holding one reference owned
 *		by the region.  Lookups run under RCU and take their own
 *		reference with get_page_unless_zero(), then check the slot
 *		still holds the page (the lockless page cache protocol).
 *		Stores and erases take the xarray's own lock; faults only ever
 *		fill an empty slot (vmalock_insert_slot(), which also leaves a
 *		FILL's reserved slot alone), and a speculative fault stores
 *		only after rechecking spec_seq under that lock: every writer
 *		that changes pages makes spec_seq odd before it takes it.  A
 *		FILL reserves slots only inside its write section, so a
 *		reservation is never seen by another writer.  A page handed
 *		to the core for a private copy is locked (lock_page()) from
 *		the check that it is still in its slot until the copy is
 *		mapped (vmalock_cow_source()); a shrink takes and drops the
 *		lock of every page it took out before it unmaps private
 *		copies a second time (vmalock_wait_page_locks()).
 * @nr_pages:	size in pages; a fault at or past it gets SIGBUS.
 * @order:	preferred folio order of first-touch faults.  Written under
 *		@lock for write but excludes no fault: a fault reads it once,
 *		and either value is valid.
 * @mode:	VMALOCK_MODE_* of faults.  Changed only with every mapping
 *		marked and spec readers flushed (vmalock_write_begin() with
 *		VMALOCK_WRITE_ALL), and each fault path re-reads it once it
 *		holds its protection.
 * @delay_us:	race windows (VMALOCK_DELAY_*); READ_ONCE, no lock.
 *
 * @nr_held:	pages in @pages, kept beside every store and erase so that
 *		REGION_INFO never walks the xarray.
 * @memcg:	the memory cgroup of the process that opened the region, with
 *		a reference.  Everything the module allocates for the region
 *		(pages, xarray nodes, mapping state, FILL's arrays) is charged
 *		to it, whoever triggers the allocation: a forked child or a
 *		process the fd was passed to does not move the charge.  See
 *		vmalock_charge_begin().
 *
 * @track_dirty: shared writable mappings are write-protected, and the first
 *		write to a page marks it VMALOCK_DIRTY (vmalock_page_mkwrite()).
 *		Set by SET_DIRTY_TRACKING only while the region has no mapping,
 *		under @lock for write; ->mmap reads it under @lock for read.
 *
 * @pins_lock:	a mutex: protects @pins and @nr_pins, and orders PIN, UNPIN,
 *		PIN_WRITE and the release of the file.
 * @pins:	user page number -> struct page * of every page this open file
 *		pinned (PIN), each holding one FOLL_PIN pin.
 * @nr_pins:	entries in @pins.
 *
 * @mappings_lock: protects @mappings and @nr_mappings.  A mutex: a writer
 *		holds it while it lists the mappings to mark, and ->close
 *		takes it to unlink, so a listed mapping's VMA outlives the
 *		walk.
 * @mappings:	every struct vmalock_mapping of the region.
 * @nr_mappings: length of @mappings.
 *
 * Lifetime: allocated at open, freed at release.  Every VMA of the file holds
 * a reference on the file, so release runs only after the last mapping is
 * gone, and no fault can run concurrently with it.
 */
struct vmalock_region {
	struct address_space mapping;

	struct rw_semaphore lock;
	unsigned long lock_seq;
	seqcount_t spec_seq;
	struct vmalock_spec_count __percpu *spec_readers;
	unsigned int spec_idx;
	wait_queue_head_t spec_wq;
	bool writing;
	pgoff_t write_first;
	pgoff_t write_last;

	struct xarray pages;
	pgoff_t nr_pages;
	unsigned int order;
	unsigned int mode;
	unsigned int delay_us[VMALOCK_DELAY_NR];
	atomic_long_t nr_held;
	struct mem_cgroup *memcg;
	bool track_dirty;

	struct mutex pins_lock;		/* protects the two below */
	struct xarray pins;
	unsigned long nr_pins;

	struct mutex mappings_lock;	/* protects the two below */
	struct list_head mappings;
	unsigned int nr_mappings;
};

/*
 * The xarray mark of a dirty page: set by vmalock_page_mkwrite() and cleared
 * by CLEAN, both under the page lock; erasing a slot clears it.
 */
#define VMALOCK_DIRTY	XA_MARK_0

/**
 * struct vmalock_mapping - the state of one mapping (VMA) of a region.
 *
 * @region:	the region mapped.
 * @vma:	the VMA this is the state of.  Its file range (vm_pgoff and
 *		size) is read by writers under i_mmap_rwsem, which the core
 *		holds for write whenever it changes a file VMA's range.
 * @lock:	the per-VMA lock analogue.  Faults in VMA mode read-trylock
 *		it and never wait for it; a writer takes it for write only
 *		to mark the mapping (set @lock_seq) and drops it at once.
 * @lock_seq:	equal to region->lock_seq while the current writer has the
 *		mapping write-locked.  Written under @lock for write.
 * @node:	in region->mappings, under region->mappings_lock.
 * @mark_node:	in the current writer's list of mappings to mark; only the
 *		writer holding region->lock for write uses it.
 * @ref:	one for the VMA (dropped by ->close), one while a writer has
 *		the state on its mark list.
 * @detached:	set by ->close before the state is freed.
 * @rcu:	freed after a grace period once @ref is zero: a fault finds the
 *		state through vma->vm_private_data under rcu_read_lock(), as
 *		the kernel finds a VMA in lock_vma_under_rcu().
 *
 * One per VMA: ->mmap creates it, ->open gives each new VMA (split, fork,
 * mremap) its own, ->close frees it.  vma->vm_private_data points to it.
 */
struct vmalock_mapping {
	struct vmalock_region *region;
	struct vm_area_struct *vma;
	struct rw_semaphore lock;
	unsigned long lock_seq;
	struct list_head node;
	struct list_head mark_node;
	refcount_t ref;
	bool detached;
	struct rcu_head rcu;
};

void vmalock_mapping_put(struct vmalock_mapping *m);

/*
 * Charge what follows to the region's memory cgroup (the opener's), as
 * bpf maps and io_uring charge to the cgroup that created the object.
 * Every allocation made for a region runs between these two, and carries
 * __GFP_ACCOUNT (GFP_KERNEL_ACCOUNT, XA_FLAGS_ACCOUNT): a user over its
 * limit meets its own cgroup's reclaim and OOM killer, or ENOMEM.
 */
static inline struct mem_cgroup *
vmalock_charge_begin(struct vmalock_region *region)
{
	return set_active_memcg(region->memcg);
}

static inline void vmalock_charge_end(struct mem_cgroup *old)
{
	set_active_memcg(old);
}

/*
 * A speculative fault runs in a read section of its region: a writer of
 * that region in SPEC mode waits for the sections in flight before it
 * frees what it replaced (vmalock_spec_sync()).
 *
 * The barrier after the increment orders it before everything the fault
 * reads (spec_seq first); it pairs with the one in vmalock_spec_sync(),
 * after the writer's update and before it reads the counts: either the
 * writer sees this reader, or the reader sees the update finished.
 */
static inline unsigned int vmalock_spec_read_lock(struct vmalock_region *region)
{
	unsigned int idx = READ_ONCE(region->spec_idx) & 1;

	this_cpu_inc(region->spec_readers->lock[idx]);
	/* Pairs with smp_mb() in vmalock_spec_sync(). */
	smp_mb();
	return idx;
}

static inline void vmalock_spec_read_unlock(struct vmalock_region *region,
					    unsigned int idx)
{
	/* Everything the section did comes before the count. */
	smp_mb();
	this_cpu_inc(region->spec_readers->unlock[idx]);
	/* wq_has_sleeper() orders the count before looking for a writer. */
	if (wq_has_sleeper(&region->spec_wq))
		wake_up(&region->spec_wq);
}

/* vmalock_region.c */
struct vmalock_region *vmalock_region_create(struct inode *inode);
void vmalock_region_destroy(struct vmalock_region *region);
struct page *vmalock_region_lookup(struct vmalock_region *region,
				   pgoff_t pgoff);
void vmalock_region_lookup_range(struct vmalock_region *region, pgoff_t first,
				 unsigned long n, struct page **pages);

/* vmalock_lock.c: the writer side of the locking protocol */

/**
 * struct vmalock_write - one writer's update of a region.
 * @region:	the region.
 * @first:	first page offset the update changes.
 * @last:	last page offset it changes (ULONG_MAX: to the end).
 * @all:	mark every mapping and flush speculative faults whatever the
 *		mode: for changes of the mode itself.
 * @mode:	the region's mode when the update began.
 * @freed:	pages the update took out of the region; freed only once no
 *		fault can still be installing them (vmalock_write_end()).
 * @held_since:	ktime_get_ns() once every fault was excluded, for the
 *		vmalock_write_end tracepoint.
 */
struct vmalock_write {
	struct vmalock_region *region;
	pgoff_t first;
	pgoff_t last;
	bool all;
	unsigned int mode;
	struct list_head freed;
	u64 held_since;
};

int vmalock_write_begin(struct vmalock_write *w, struct vmalock_region *region,
			pgoff_t first, pgoff_t last, bool all);
void vmalock_write_end(struct vmalock_write *w);
void vmalock_spec_sync(struct vmalock_region *region);
bool vmalock_wait_page_locks(struct vmalock_write *w);
void vmalock_write_take_page(struct vmalock_write *w, struct page *page);
bool vmalock_mapping_read_trylock(struct vmalock_mapping *m);
void vmalock_mapping_read_unlock(struct vmalock_mapping *m);
void vmalock_delay(struct vmalock_region *region, unsigned int point);

/* vmalock_update.c: what writers do */
int vmalock_invalidate(struct vmalock_region *region, pgoff_t first,
		       pgoff_t nr, bool skip_pinned, u64 *skipped);
int vmalock_fill(struct vmalock_region *region, pgoff_t first, pgoff_t nr,
		 u64 pattern, bool skip_pinned, u64 *skipped);
int vmalock_set_size(struct vmalock_region *region, pgoff_t nr_pages,
		     bool skip_pinned, u64 *skipped);
int vmalock_set_dirty_tracking(struct vmalock_region *region, bool on);
int vmalock_set_order(struct vmalock_region *region, unsigned int order);
int vmalock_set_mode(struct vmalock_region *region, unsigned int mode);

/* vmalock_pin.c: PIN, UNPIN, PIN_WRITE */
int vmalock_pin(struct file *file, unsigned long addr, unsigned long nr);
int vmalock_unpin(struct vmalock_region *region, unsigned long addr,
		  unsigned long nr);
int vmalock_pin_write(struct vmalock_region *region, unsigned long addr,
		      unsigned long nr, u64 pattern);
void vmalock_pins_release(struct vmalock_region *region);

/* vmalock_dirty.c: dirty tracking and CLEAN */
vm_fault_t vmalock_page_mkwrite(struct vm_fault *vmf);
int vmalock_clean(struct vmalock_region *region, struct vmalock_clean *c);

/* vmalock_residency.c: the lockless page-table walk */
int vmalock_residency(struct vmalock_residency *r);

/* vmalock_mapping.c */
int vmalock_mmap(struct file *file, struct vm_area_struct *vma);

/* vmalock_fault.c */
vm_fault_t vmalock_fault(struct vm_fault *vmf);
vm_fault_t vmalock_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
			     pgoff_t end_pgoff);

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

void vmalock_count_fault_ns(u64 ns);
void vmalock_stats_read(struct vmalock_stats *sum);
void vmalock_stats_reset(void);
void vmalock_stats_log(const char *why);
void vmalock_debugfs_init(void);
void vmalock_debugfs_exit(void);

/* vmalock_main.c: module parameters */
extern unsigned int vmalock_region_mb;
extern unsigned int vmalock_region_max_mb;
extern unsigned int vmalock_default_mode;
extern unsigned int vmalock_default_order;
extern unsigned int vmalock_inject_order;
extern unsigned int vmalock_inject_every;
extern bool vmalock_inject_open;
extern unsigned int vmalock_fault_around_pages;
extern bool vmalock_use_map_pages;
extern bool vmalock_naive_clean;
extern unsigned int vmalock_naive_walk_us;

#endif /* VMALOCK_H */
