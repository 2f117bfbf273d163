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
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sizes.h>

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
	WRITE_ONCE(vmalock_region_mb, mb);
	return 0;
}

static const struct kernel_param_ops vmalock_region_mb_ops = {
	.set	= vmalock_region_mb_set,
	.get	= param_get_uint,
};

module_param_cb(region_mb, &vmalock_region_mb_ops, &vmalock_region_mb, 0644);
MODULE_PARM_DESC(region_mb,
		 "uint: size in MiB of the region each open creates (1..1048576, default 64); applies to later opens");

static int vmalock_open(struct inode *inode, struct file *file)
{
	pgoff_t nr_pages = (pgoff_t)READ_ONCE(vmalock_region_mb) <<
			   (20 - PAGE_SHIFT);
	struct vmalock_region *region;

	region = vmalock_region_create(inode, nr_pages);
	if (!region)
		return -ENOMEM;
	file->private_data = region;
	/* Link this file's VMAs into the region's own i_mmap tree. */
	file->f_mapping = &region->mapping;
	return 0;
}

static int vmalock_release(struct inode *inode, struct file *file)
{
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
	pr_info("vmalock %s loaded (abi %d, region %u MiB, per-VMA locks %s)\n",
		VMALOCK_VERSION, VMALOCK_ABI_VERSION, vmalock_region_mb,
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
