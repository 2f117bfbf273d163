/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmalock ioctl ABI, shared by the kernel module and vmalockctl.
 *
 * Rules (Documentation/driver-api/ioctl.rst):
 *  - one magic number, VMALOCK_IOC_MAGIC, unassigned in ioctl-number.rst;
 *  - every struct is made of __u64 and __u32 only, padded explicitly to a
 *    multiple of 8 bytes, with its size checked by static_assert on both
 *    sides; user pointers travel as __u64;
 *  - commands are only ever added, never renumbered or changed: a new field
 *    means a new command.  VMALOCK_ABI_VERSION counts the additions, and the
 *    tool refuses a module whose ABI is older than its own.
 *
 * Errors common to every command: ENOTTY for an unknown command, EFAULT for
 * an argument that cannot be read or written, EINVAL for a reserved field or
 * unknown flag that is not zero.
 */
#ifndef _UAPI_VMALOCK_H
#define _UAPI_VMALOCK_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define VMALOCK_DEVICE_NAME	"vmalock"
#define VMALOCK_IOC_MAGIC	0xB9
#define VMALOCK_ABI_VERSION	5

/*
 * VMALOCK_IOC_VERSION - what the loaded module speaks.
 * @abi_version:	out: VMALOCK_ABI_VERSION of the module.
 * @module_version:	out: (major << 16) | (minor << 8) | patch.
 * @features:		out: VMALOCK_FEAT_* bits.
 * @region_bytes:	out: size of a new region (module parameter).
 */
struct vmalock_version {
	__u32 abi_version;
	__u32 module_version;
	__u64 features;
	__u64 region_bytes;
};

/* The running kernel serves faults under the per-VMA lock (6.4 and later). */
#define VMALOCK_FEAT_PER_VMA_LOCK	_BITULL(0)

/*
 * Counters, in the order VMALOCK_IOC_STATS copies them out.  New counters are
 * appended, never inserted, so an older tool reads a prefix of a newer
 * module's array.  Every counter is a sum over CPUs since load (or the last
 * reset).  VMALOCK_COUNTER_NAMES gives the name each one has in "stats",
 * JSON output, debugfs and the kernel log; README.md says what each counts.
 * Two are arrays: folio_alloc (indexed by order) and fault_ns_log2 (a log2
 * histogram of the time the fault handler took, in ns).
 */
/* Orders counted by folio_alloc: 0 .. VMALOCK_FOLIO_ORDERS - 1. */
#define VMALOCK_FOLIO_ORDERS		11
/* Buckets of fault_ns_log2: bucket i counts service times in [2^i, 2^(i+1)) ns. */
#define VMALOCK_FAULT_NS_BUCKETS	32

enum vmalock_counter {
	/* ABI 1 */
	VMALOCK_STAT_FAULTS,		/* calls of the fault handler */
	VMALOCK_STAT_FAULTS_VMA_LOCKED,	/* ... holding only the VMA lock */
	VMALOCK_STAT_FAULTS_MMAP_LOCKED,/* ... holding mmap_lock */
	VMALOCK_STAT_PAGES_ALLOCATED,	/* pages allocated for regions */
	VMALOCK_STAT_PAGES_FREED,	/* region pages given back */
	/* ABI 2: the fault engine */
	VMALOCK_STAT_VMA_LOCK_SUCCESS,	/* faults done under their mapping's lock */
	VMALOCK_STAT_VMA_LOCK_ABORT,	/* mapping write-locked: fell back */
	VMALOCK_STAT_VMA_LOCK_RETRY,	/* locked, but had to redo under the coarse lock */
	VMALOCK_STAT_VMA_LOCK_MISS,	/* mapping state found detached */
	VMALOCK_STAT_SPEC_SUCCESS,	/* speculative faults that revalidated */
	VMALOCK_STAT_SPEC_RETRY,	/* speculative attempts discarded */
	VMALOCK_STAT_SPEC_FALLBACK,	/* speculative faults that gave up */
	VMALOCK_STAT_PTE_NOTSAME,	/* entries a racing fault populated first */
	VMALOCK_STAT_FOLIO_FALLBACK,	/* steps down from a preferred order */
	VMALOCK_STAT_INVALIDATIONS,	/* INVALIDATE calls that succeeded */
	VMALOCK_STAT_FILLS,		/* FILL calls that succeeded */
	VMALOCK_STAT_WRITER_WAIT_NS,	/* writers' time to exclude faults */
	/* folio_alloc[order], then fault_ns_log2[bucket] */
	VMALOCK_STAT_FOLIO_ALLOC,
	VMALOCK_STAT_FAULT_NS_LOG2 = VMALOCK_STAT_FOLIO_ALLOC + VMALOCK_FOLIO_ORDERS,
	/* ABI 3: failures */
	VMALOCK_STAT_ALLOC_FAILURES = VMALOCK_STAT_FAULT_NS_LOG2 +
				      VMALOCK_FAULT_NS_BUCKETS,
					/* fault-time block allocations that failed */
	VMALOCK_STAT_INJECTED_FAILURES,	/* ... of them, failed by fault injection */
	VMALOCK_STAT_FAULT_OOM,		/* faults that returned VM_FAULT_OOM */
	VMALOCK_STAT_FAULT_SIGBUS,	/* faults that returned VM_FAULT_SIGBUS */
	/* ABI 4 */
	VMALOCK_STAT_FAULT_AROUND,	/* pages read faults mapped besides their own */
	/* ABI 5: pins and dirty tracking */
	VMALOCK_STAT_PINS,		/* pages PIN pinned */
	VMALOCK_STAT_UNPINS,		/* pins UNPIN or close released */
	VMALOCK_STAT_PINNED_BUSY,	/* writers refused (EBUSY) for a pinned page */
	VMALOCK_STAT_PINNED_SKIPPED,	/* pinned pages writers left in place */
	VMALOCK_STAT_DIRTY,		/* pages a write marked dirty */
	VMALOCK_STAT_CLEANED,		/* dirty pages CLEAN reported clean */
	VMALOCK_STAT_NR
};

/*
 * Names of the counters; an array counter is named at its first element and
 * its other elements have no name.  Scalars appended after the arrays are
 * named like any other.
 */
#define VMALOCK_COUNTER_NAMES {						\
	[VMALOCK_STAT_FAULTS]			= "faults",		\
	[VMALOCK_STAT_FAULTS_VMA_LOCKED]	= "faults_vma_locked",	\
	[VMALOCK_STAT_FAULTS_MMAP_LOCKED]	= "faults_mmap_locked",	\
	[VMALOCK_STAT_PAGES_ALLOCATED]		= "pages_allocated",	\
	[VMALOCK_STAT_PAGES_FREED]		= "pages_freed",	\
	[VMALOCK_STAT_VMA_LOCK_SUCCESS]		= "vma_lock_success",	\
	[VMALOCK_STAT_VMA_LOCK_ABORT]		= "vma_lock_abort",	\
	[VMALOCK_STAT_VMA_LOCK_RETRY]		= "vma_lock_retry",	\
	[VMALOCK_STAT_VMA_LOCK_MISS]		= "vma_lock_miss",	\
	[VMALOCK_STAT_SPEC_SUCCESS]		= "spec_success",	\
	[VMALOCK_STAT_SPEC_RETRY]		= "spec_retry",		\
	[VMALOCK_STAT_SPEC_FALLBACK]		= "spec_fallback",	\
	[VMALOCK_STAT_PTE_NOTSAME]		= "pte_notsame",	\
	[VMALOCK_STAT_FOLIO_FALLBACK]		= "folio_fallback",	\
	[VMALOCK_STAT_INVALIDATIONS]		= "invalidations",	\
	[VMALOCK_STAT_FILLS]			= "fills",		\
	[VMALOCK_STAT_WRITER_WAIT_NS]		= "writer_wait_ns",	\
	[VMALOCK_STAT_FOLIO_ALLOC]		= "folio_alloc",	\
	[VMALOCK_STAT_FAULT_NS_LOG2]		= "fault_ns_log2",	\
	[VMALOCK_STAT_ALLOC_FAILURES]		= "alloc_failures",	\
	[VMALOCK_STAT_INJECTED_FAILURES]	= "injected_failures",	\
	[VMALOCK_STAT_FAULT_OOM]		= "fault_oom",		\
	[VMALOCK_STAT_FAULT_SIGBUS]		= "fault_sigbus",	\
	[VMALOCK_STAT_FAULT_AROUND]		= "fault_around",	\
	[VMALOCK_STAT_PINS]			= "pins",		\
	[VMALOCK_STAT_UNPINS]			= "unpins",		\
	[VMALOCK_STAT_PINNED_BUSY]		= "pinned_busy",	\
	[VMALOCK_STAT_PINNED_SKIPPED]		= "pinned_skipped",	\
	[VMALOCK_STAT_DIRTY]			= "dirty",		\
	[VMALOCK_STAT_CLEANED]			= "cleaned",		\
}

/*
 * VMALOCK_IOC_STATS - read the module-wide counters.
 * @flags:	in: VMALOCK_STATS_* bits.
 * @addr:	in: user address of an array of __u64, or 0 to only ask the size.
 * @count:	in: number of elements at @addr;
 *		out: number of counters the module has (VMALOCK_STAT_NR of the
 *		module).  min(in, out) elements are written.
 * @pad:	must be zero.
 *
 * The values are a sum over CPUs taken without stopping the fault path, so
 * counters read together may be off by the faults in flight, and increments
 * that land between the read and a reset are lost.  The flags act whether or
 * not @addr is 0: ask for the size with @flags 0.
 *
 * RESET and LOG need CAP_SYS_ADMIN (the counters are module-wide); LOG
 * writes one kernel-log line per counter and is rate-limited (a request
 * past the limit is ignored).
 *
 * Errors: EINVAL for an unknown flag or a non-zero @pad; EPERM for RESET or
 * LOG without CAP_SYS_ADMIN; EFAULT.
 */
struct vmalock_stats_arg {
	__u64 flags;
	__u64 addr;
	__u32 count;
	__u32 pad;
};

/* Zero every counter after copying them out. */
#define VMALOCK_STATS_RESET	_BITULL(0)
/* Write the counters to the kernel log, one line each. */
#define VMALOCK_STATS_LOG	_BITULL(1)
#define VMALOCK_STATS_FLAGS	(VMALOCK_STATS_RESET | VMALOCK_STATS_LOG)

/*
 * Lock modes of a region's fault path (VMALOCK_IOC_SET_MODE):
 * MMAP: every fault takes the region's coarse lock for read;
 * VMA:  a fault read-trylocks only its own mapping, falling back to MMAP;
 * SPEC: a fault takes no lock, revalidates against a sequence count before
 *       its work becomes visible, and falls back to VMA after retries.
 * Writers (FILL, INVALIDATE, SET_*) exclude faults of every mode.
 */
#define VMALOCK_MODE_MMAP	0
#define VMALOCK_MODE_VMA	1
#define VMALOCK_MODE_SPEC	2
#define VMALOCK_MODE_NR		3

/*
 * struct vmalock_range - a page-aligned byte range of the region.
 * @offset, @length:	in: both multiples of the page size; @length > 0;
 *			offset + length within the region.
 * @pattern:		in: FILL only: the value of every 64-bit word of
 *			every new page; must be 0 for INVALIDATE.
 */
struct vmalock_range {
	__u64 offset;
	__u64 length;
	__u64 pattern;
};

/*
 * struct vmalock_value - a single in-argument.
 * @value:	in: SET_SIZE: bytes, a multiple of the page size, 1 page to
 *		1 TiB; SET_ORDER: 0 .. VMALOCK_FOLIO_ORDERS - 1;
 *		SET_MODE: a VMALOCK_MODE_*.
 */
struct vmalock_value {
	__u64 value;
};

/*
 * struct vmalock_delay - race windows, for tests (all off by default).
 * @point:	in: VMALOCK_DELAY_*.
 * @pad:	must be zero.
 * @usecs:	in: how long a fault or writer of this region sleeps at
 *		@point, 0 (off) to VMALOCK_DELAY_MAX_US.
 */
struct vmalock_delay {
	__u32 point;
	__u32 pad;
	__u64 usecs;
};

/* Speculative fault: after its snapshot, before it revalidates. */
#define VMALOCK_DELAY_SPEC_WINDOW	0
/* Writer: inside its critical section, every fault excluded. */
#define VMALOCK_DELAY_WRITER		1
#define VMALOCK_DELAY_NR		2
#define VMALOCK_DELAY_MAX_US		10000000

/*
 * struct vmalock_region_info - the state of this open file's region.
 * @size:	out: bytes.
 * @order:	out: preferred folio order.
 * @mode:	out: VMALOCK_MODE_*.
 * @mappings:	out: number of mappings (VMAs) of the region.
 * @pad:	out: zero.
 * @pages:	out: pages the region holds.
 */
struct vmalock_region_info {
	__u64 size;
	__u32 order;
	__u32 mode;
	__u32 mappings;
	__u32 pad;
	__u64 pages;
};

/* The longest range one FILL accepts. */
#define VMALOCK_FILL_MAX_BYTES	(256ULL << 20)

#define VMALOCK_IOC_VERSION	_IOR(VMALOCK_IOC_MAGIC, 0x00, struct vmalock_version)
#define VMALOCK_IOC_STATS	_IOWR(VMALOCK_IOC_MAGIC, 0x01, struct vmalock_stats_arg)

/*
 * The commands below act on the region of the open file they are called on.
 * Each is a writer: once it returns, no mapping of the region in any process
 * can read what it replaced.
 *
 * INVALIDATE: unmap the range from every mapping and free its pages; the
 *	next touch gets a fresh zero page.  Private copies (COW) are kept.
 *	EINVAL: range not page-aligned, empty, past the end, or @pattern set.
 * FILL: replace every page of the range with a new page whose every 64-bit
 *	word is @pattern.  EINVAL: as INVALIDATE; E2BIG: @length above
 *	VMALOCK_FILL_MAX_BYTES (the new pages are allocated up front, so one
 *	call must not be able to ask for all memory); ENOMEM: pages could not
 *	be allocated (nothing changed); EINTR: fatal signal (nothing changed).
 * SET_SIZE: resize; shrinking unmaps and frees what lies past the new end,
 *	private copy-on-write copies included.  EINVAL: not page-aligned, 0
 *	or above 1 TiB; EFBIG: above the region_max_mb module parameter.
 * SET_ORDER: preferred folio order of first-touch faults.  EINVAL: too big.
 * SET_MODE: lock mode of the fault path.  EINVAL: unknown mode.
 * SET_DELAY: race windows.  EPERM: without CAP_SYS_ADMIN; EINVAL: unknown
 *	point, @pad set, too long.  A fatal signal ends a window at once.
 * REGION_INFO: read the region's state.
 * FILL, INVALIDATE, SET_SIZE, SET_ORDER and SET_MODE need a file open for
 * writing: EBADF otherwise.
 * All of them may fail with EINTR when a fatal signal interrupts the wait
 * for a writer or for faults in flight (SET_DELAY does not wait).
 *
 * mmap() of the device: any offset and length the core accepts; a page
 * past the region's end raises SIGBUS when touched.  ENOMEM: no memory for
 * the mapping's state; EINTR: fatal signal.  A fault that cannot allocate
 * a page returns VM_FAULT_OOM, as a driver out of memory does: a user
 * access is retried, a kernel access (read() into the mapping, GUP) fails
 * with EFAULT or ENOMEM.
 */
#define VMALOCK_IOC_INVALIDATE	_IOW(VMALOCK_IOC_MAGIC, 0x02, struct vmalock_range)
#define VMALOCK_IOC_FILL	_IOW(VMALOCK_IOC_MAGIC, 0x03, struct vmalock_range)
#define VMALOCK_IOC_SET_SIZE	_IOW(VMALOCK_IOC_MAGIC, 0x04, struct vmalock_value)
#define VMALOCK_IOC_SET_ORDER	_IOW(VMALOCK_IOC_MAGIC, 0x05, struct vmalock_value)
#define VMALOCK_IOC_SET_MODE	_IOW(VMALOCK_IOC_MAGIC, 0x06, struct vmalock_value)
#define VMALOCK_IOC_SET_DELAY	_IOW(VMALOCK_IOC_MAGIC, 0x07, struct vmalock_delay)
#define VMALOCK_IOC_REGION_INFO	_IOR(VMALOCK_IOC_MAGIC, 0x08, struct vmalock_region_info)

/*
 * ABI 5: pins, dirty tracking and the residency walk.
 *
 * A page is pinned when folio_maybe_dma_pinned() says so: by PIN, or by
 * anything else that pins with FOLL_PIN (O_DIRECT, io_uring buffers).  A
 * writer never frees, replaces or reuses a pinned page: the pinner may
 * write it at any time, and its writes must stay visible to every mapping.
 */

/*
 * struct vmalock_range_ex - INVALIDATE_EX and FILL_EX.
 * @offset, @length, @pattern:	in: as struct vmalock_range.
 * @flags:	in: VMALOCK_SKIP_PINNED or 0.
 * @skipped:	out: pinned pages left in place (with VMALOCK_SKIP_PINNED).
 */
struct vmalock_range_ex {
	__u64 offset;
	__u64 length;
	__u64 pattern;
	__u64 flags;
	__u64 skipped;
};

/*
 * Leave pinned pages in place and change the rest, instead of failing with
 * EBUSY and changing nothing.
 */
#define VMALOCK_SKIP_PINNED	_BITULL(0)

/*
 * struct vmalock_size_ex - SET_SIZE_EX.
 * @size:	in: as struct vmalock_value for SET_SIZE.
 * @flags:	in: VMALOCK_SKIP_PINNED or 0.
 * @skipped:	out: pinned pages past the new end that the region keeps.
 *		Nothing maps them (a fault past the end is SIGBUS); growing
 *		over them again shows them, with what the pinner wrote.
 */
struct vmalock_size_ex {
	__u64 size;
	__u64 flags;
	__u64 skipped;
};

/*
 * struct vmalock_user_range - PIN, UNPIN and PIN_WRITE.
 * @addr, @length:	in: page-aligned, @length > 0, a range of the
 *			caller's address space.
 * @pattern:		in: PIN_WRITE only: the value written to every 64-bit
 *			word; must be 0 otherwise.
 */
struct vmalock_user_range {
	__u64 addr;
	__u64 length;
	__u64 pattern;
};

/* The longest range one PIN, CLEAN or RESIDENCY accepts. */
#define VMALOCK_PIN_MAX_BYTES	(256ULL << 20)

/*
 * struct vmalock_clean - CLEAN.
 * @offset, @length:	in: a page-aligned range of the region, at most
 *			VMALOCK_PIN_MAX_BYTES.
 * @bitmap:	in: user address of a bitmap of @length / page size bits,
 *		or 0; out: bit i set when page @offset / page size + i was
 *		cleaned by this call, clear otherwise.
 * @cleaned:	out: dirty pages cleaned: unmapped from every mapping, so
 *		that the next write faults and marks them dirty again.
 * @pinned:	out: dirty pages left dirty because they are pinned.
 * @flags:	in: must be 0.
 * @pad:	must be 0.
 */
struct vmalock_clean {
	__u64 offset;
	__u64 length;
	__u64 bitmap;
	__u64 cleaned;
	__u64 pinned;
	__u32 flags;
	__u32 pad;
};

/*
 * struct vmalock_residency - RESIDENCY.
 * @addr, @length:	in: a page-aligned range of the caller's address
 *			space, at most VMALOCK_PIN_MAX_BYTES.
 * @out:	in: user address of @length / page size bytes; out: one
 *		VMALOCK_RES_* byte per page.
 * @present:	out: pages with a present entry.
 */
struct vmalock_residency {
	__u64 addr;
	__u64 length;
	__u64 out;
	__u64 present;
};

#define VMALOCK_RES_PRESENT	0x01	/* a present page table entry */
#define VMALOCK_RES_WRITE	0x02	/* ... writable */
#define VMALOCK_RES_DIRTY	0x04	/* ... dirty */
#define VMALOCK_RES_LARGE	0x08	/* ... mapping part of a large folio */
#define VMALOCK_RES_HUGE	0x10	/* ... a leaf above the PTE level (PMD, PUD) */

/*
 * INVALIDATE_EX, FILL_EX, SET_SIZE_EX: INVALIDATE, FILL and SET_SIZE with
 *	@flags.  Without VMALOCK_SKIP_PINNED (and always for the old
 *	commands) a pinned page in what would change fails the call with
 *	EBUSY and changes no page of the region (the range may have been
 *	unmapped: the next access maps the same pages again).  A refused
 *	shrink keeps the private copy-on-write copies past the new end too.
 * SET_DIRTY_TRACKING (@value 0 or 1): write-protect the shared writable
 *	mappings of the region, so that the first write to a page takes a
 *	fault (->page_mkwrite) that marks it dirty.  Costs that fault, once
 *	per page per CLEAN.  Only while the region has no mapping: EBUSY.
 * PIN: pin_user_pages_fast() the range, which must lie in one shared
 *	mapping of this open file; the pins belong to the file, and closing
 *	it releases them.  EINVAL: not such a range, or @pattern set;
 *	EEXIST: part of it is pinned by this file already; ENOSPC: the file
 *	would pin more pages than its region has; EFAULT: the pages changed
 *	while they were being pinned (a racing writer or munmap); E2BIG:
 *	longer than VMALOCK_PIN_MAX_BYTES.
 * UNPIN: release this file's pins in the range.  ENOENT: it has none there.
 * PIN_WRITE: write @pattern into every page this file has pinned in the
 *	range, through the module's own kernel mapping of the page, as a
 *	device writes by DMA: no fault, no dirty marking.  ENOENT: no pin.
 * CLEAN: report and clean the dirty pages of the range (see struct
 *	vmalock_clean).  A pinned page is never reported clean.  EINVAL: bad
 *	range, flags or pad; E2BIG: too long; EINTR: fatal signal.
 * RESIDENCY: read the caller's own page tables for the range without
 *	mmap_lock, as GUP-fast does (see struct vmalock_residency).
 *	EINVAL: bad range; E2BIG: too long.
 * All but UNPIN and RESIDENCY need a file open for writing: EBADF.
 */
#define VMALOCK_IOC_INVALIDATE_EX _IOWR(VMALOCK_IOC_MAGIC, 0x09, struct vmalock_range_ex)
#define VMALOCK_IOC_FILL_EX	_IOWR(VMALOCK_IOC_MAGIC, 0x0a, struct vmalock_range_ex)
#define VMALOCK_IOC_SET_SIZE_EX	_IOWR(VMALOCK_IOC_MAGIC, 0x0b, struct vmalock_size_ex)
#define VMALOCK_IOC_SET_DIRTY_TRACKING _IOW(VMALOCK_IOC_MAGIC, 0x0c, struct vmalock_value)
#define VMALOCK_IOC_PIN		_IOW(VMALOCK_IOC_MAGIC, 0x0d, struct vmalock_user_range)
#define VMALOCK_IOC_UNPIN	_IOW(VMALOCK_IOC_MAGIC, 0x0e, struct vmalock_user_range)
#define VMALOCK_IOC_PIN_WRITE	_IOW(VMALOCK_IOC_MAGIC, 0x0f, struct vmalock_user_range)
#define VMALOCK_IOC_CLEAN	_IOWR(VMALOCK_IOC_MAGIC, 0x10, struct vmalock_clean)
#define VMALOCK_IOC_RESIDENCY	_IOWR(VMALOCK_IOC_MAGIC, 0x11, struct vmalock_residency)

#endif /* _UAPI_VMALOCK_H */
