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
#define VMALOCK_ABI_VERSION	1

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
 * JSON output, debugfs and the kernel log.
 */
enum vmalock_counter {
	VMALOCK_STAT_FAULTS,		/* calls of the fault handler */
	VMALOCK_STAT_FAULTS_VMA_LOCKED,	/* ... holding only the VMA lock */
	VMALOCK_STAT_FAULTS_MMAP_LOCKED,/* ... holding mmap_lock */
	VMALOCK_STAT_PAGES_ALLOCATED,	/* pages allocated for regions */
	VMALOCK_STAT_PAGES_FREED,	/* region pages given back */
	VMALOCK_STAT_NR
};

#define VMALOCK_COUNTER_NAMES {						\
	[VMALOCK_STAT_FAULTS]			= "faults",		\
	[VMALOCK_STAT_FAULTS_VMA_LOCKED]	= "faults_vma_locked",	\
	[VMALOCK_STAT_FAULTS_MMAP_LOCKED]	= "faults_mmap_locked",	\
	[VMALOCK_STAT_PAGES_ALLOCATED]		= "pages_allocated",	\
	[VMALOCK_STAT_PAGES_FREED]		= "pages_freed",	\
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
 * Errors: EINVAL for an unknown flag or a non-zero @pad; EFAULT.
 */
struct vmalock_stats_arg {
	__u64 flags;
	__u64 addr;
	__u32 count;
	__u32 pad;
};

/* Zero every counter after copying them out. */
#define VMALOCK_STATS_RESET	_BITULL(0)
/* Write the counters to the kernel log as one block. */
#define VMALOCK_STATS_LOG	_BITULL(1)
#define VMALOCK_STATS_FLAGS	(VMALOCK_STATS_RESET | VMALOCK_STATS_LOG)

#define VMALOCK_IOC_VERSION	_IOR(VMALOCK_IOC_MAGIC, 0x00, struct vmalock_version)
#define VMALOCK_IOC_STATS	_IOWR(VMALOCK_IOC_MAGIC, 0x01, struct vmalock_stats_arg)

#endif /* _UAPI_VMALOCK_H */
