// SPDX-License-Identifier: GPL-2.0
/*
 * vmalock: a character device whose mappings are served by the module's own
 * fault handler, for studying fault scalability under per-VMA locking.
 *
 * This file holds the module's entry points: parameters, the misc device and
 * the file operations that create and destroy regions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "vmalock.h"

/* Large enough to be useful, small enough to cap 64-bit page offsets. */
#define VMALOCK_REGION_MB_MAX	SZ_1M	/* MiB: 1 TiB */

unsigned int vmalock_region_mb = 64;

static int vmalock_region_mb_set(const char *val, const struct kernel_param *kp)
{
	unsigned int mb;
	int ret;

	ret = kstrtouint(val, 0, &mb);
	if (ret)
		return ret;
	if (mb == 0 || mb > VMALOCK_REGION_MB_MAX)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, mb);
	return 0;
}

static const struct kernel_param_ops vmalock_region_mb_ops = {
	.set	= vmalock_region_mb_set,
	.get	= param_get_uint,
};

module_param_cb(region_mb, &vmalock_region_mb_ops, &vmalock_region_mb, 0644);
MODULE_PARM_DESC(region_mb,
		 "uint: size in MiB of the region each open creates (1..1048576, default 64); applies to later opens");

/*
 * The largest size SET_SIZE accepts (EFBIG beyond it), and a cap on
 * region_mb.  A region allocates nothing until it is touched or filled,
 * and every page it holds is charged to the opener's memory cgroup, which
 * is what bounds a user's memory; so the default is the ABI's limit
 * (1 TiB), and root lowers it for machines whose users run without a
 * memory limit.
 */
unsigned int vmalock_region_max_mb = VMALOCK_REGION_MB_MAX;

module_param_cb(region_max_mb, &vmalock_region_mb_ops, &vmalock_region_max_mb,
		0644);
MODULE_PARM_DESC(region_max_mb,
		 "uint: largest region size in MiB that SET_SIZE accepts, and cap on region_mb (1..1048576, default 1048576)");

static const char * const vmalock_mode_names[VMALOCK_MODE_NR] = {
	[VMALOCK_MODE_MMAP]	= "mmap",
	[VMALOCK_MODE_VMA]	= "vma",
	[VMALOCK_MODE_SPEC]	= "spec",
};

unsigned int vmalock_default_mode = VMALOCK_MODE_VMA;

static int vmalock_default_mode_set(const char *val,
				    const struct kernel_param *kp)
{
	int mode = sysfs_match_string(vmalock_mode_names, val);

	if (mode < 0)
		return mode;
	WRITE_ONCE(vmalock_default_mode, mode);
	return 0;
}

static int vmalock_default_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  vmalock_mode_names[READ_ONCE(vmalock_default_mode)]);
}

static const struct kernel_param_ops vmalock_default_mode_ops = {
	.set	= vmalock_default_mode_set,
	.get	= vmalock_default_mode_get,
};

module_param_cb(default_mode, &vmalock_default_mode_ops, NULL, 0644);
MODULE_PARM_DESC(default_mode,
		 "string: lock mode of new regions: mmap, vma (default) or spec");

unsigned int vmalock_default_order;

static int vmalock_default_order_set(const char *val,
				     const struct kernel_param *kp)
{
	unsigned int order;
	int ret;

	ret = kstrtouint(val, 0, &order);
	if (ret)
		return ret;
	if (order > VMALOCK_MAX_FOLIO_ORDER)
		return -EINVAL;
	WRITE_ONCE(vmalock_default_order, order);
	return 0;
}

static const struct kernel_param_ops vmalock_default_order_ops = {
	.set	= vmalock_default_order_set,
	.get	= param_get_uint,
};

module_param_cb(default_order, &vmalock_default_order_ops,
		&vmalock_default_order, 0644);
MODULE_PARM_DESC(default_order,
		 "uint: preferred folio order of new regions' first-touch faults (0..10, default 0)");

/*
 * Fault-around: a read fault on a page the region holds maps the present
 * pages of the naturally aligned window of this many pages around it, as
 * the core's fault_around_bytes does for the page cache.  1 turns it off.
 */
unsigned int vmalock_fault_around_pages = 16;

static int vmalock_fault_around_set(const char *val,
				    const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (!n || n > PTRS_PER_PTE || !is_power_of_2(n))
		return -EINVAL;
	WRITE_ONCE(vmalock_fault_around_pages, n);
	return 0;
}

static const struct kernel_param_ops vmalock_fault_around_ops = {
	.set	= vmalock_fault_around_set,
	.get	= param_get_uint,
};

module_param_cb(fault_around_pages, &vmalock_fault_around_ops,
		&vmalock_fault_around_pages, 0644);
MODULE_PARM_DESC(fault_around_pages,
		 "uint: pages a read fault maps around the faulting one, a power of 2 (1 = off, .. 512, default 16)");

/*
 * The baseline the per-VMA lock is measured against: mappings made while
 * this is off have no ->map_pages, so on 6.4+ the core retries every one
 * of their faults under mmap_lock (see vmalock_map_pages()).
 */
bool vmalock_use_map_pages = true;
module_param_named(map_pages, vmalock_use_map_pages, bool, 0644);
MODULE_PARM_DESC(map_pages,
		 "bool: give new mappings ->map_pages, which lets 6.4+ fault them under the per-VMA lock (default Y)");

/* Fault injection, off by default: see vmalock_inject_failure(). */
unsigned int vmalock_inject_order;
module_param_named(inject_fail_order, vmalock_inject_order, uint, 0644);
MODULE_PARM_DESC(inject_fail_order,
		 "uint: order whose block allocations inject_fail_every applies to");

unsigned int vmalock_inject_every;
module_param_named(inject_fail_every, vmalock_inject_every, uint, 0644);
MODULE_PARM_DESC(inject_fail_every,
		 "uint: fail every Nth fault-time block allocation of inject_fail_order (0: never)");

bool vmalock_inject_open;
module_param_named(inject_fail_open, vmalock_inject_open, bool, 0644);
MODULE_PARM_DESC(inject_fail_open,
		 "bool: ->open gives new VMAs (fork, split, mremap) no mapping state, as when its allocation fails");

/*
 * Race demonstrations, root's and off by default: each turns a rule off to
 * show the bug it prevents (README.md, "Pins and the residency walk").
 */
bool vmalock_naive_clean;
module_param_named(naive_clean, vmalock_naive_clean, bool, 0644);
MODULE_PARM_DESC(naive_clean,
		 "bool: CLEAN ignores pins and reports pinned pages clean, the lost-update bug (default N)");

unsigned int vmalock_naive_walk_us;
module_param_named(naive_walk_us, vmalock_naive_walk_us, uint, 0644);
MODULE_PARM_DESC(naive_walk_us,
		 "uint: RESIDENCY re-reads each PMD entry this many microseconds (at most 1000) after checking it, instead of descending from its snapshot (0: off)");

static int vmalock_open(struct inode *inode, struct file *file)
{
	struct vmalock_region *region;

	region = vmalock_region_create(inode);
	if (!region)
		return -ENOMEM;
	file->private_data = region;
	/* Link this file's VMAs into the region's own i_mmap tree. */
	file->f_mapping = &region->mapping;
	return 0;
}

static int vmalock_release(struct inode *inode, struct file *file)
{
	vmalock_pins_release(file->private_data);
	vmalock_region_destroy(file->private_data);
	return 0;
}

static const struct file_operations vmalock_fops = {
	.owner		= THIS_MODULE,
	.open		= vmalock_open,
	.release	= vmalock_release,
	.mmap		= vmalock_mmap,
	.unlocked_ioctl	= vmalock_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vmalock_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= VMALOCK_DEVICE_NAME,
	.fops	= &vmalock_fops,
	.mode	= 0666,
};

static int __init vmalock_init(void)
{
	int ret;

	ret = misc_register(&vmalock_misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", VMALOCK_DEVICE_NAME, ret);
		return ret;
	}
	vmalock_debugfs_init();
	pr_info("vmalock %s loaded (abi %d, region %u MiB, mode %s, per-VMA locks %s)\n",
		VMALOCK_VERSION, VMALOCK_ABI_VERSION, vmalock_region_mb,
		vmalock_mode_names[vmalock_default_mode],
		VMALOCK_HAVE_PER_VMA_LOCK ? "yes" : "no");
	return 0;
}

static void __exit vmalock_exit(void)
{
	vmalock_debugfs_exit();
	misc_deregister(&vmalock_misc);
	vmalock_stats_log("at unload");
}

module_init(vmalock_init);
module_exit(vmalock_exit);

MODULE_DESCRIPTION("Character device with its own fault handler, for per-VMA lock studies");
MODULE_AUTHOR("The vmalock developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VMALOCK_VERSION);
