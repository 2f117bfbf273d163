// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl interface: every command of uapi/vmalock.h is decoded here.
 * Inputs are checked in full before anything happens.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "vmalock.h"

static_assert(sizeof(struct vmalock_version) == 24);
static_assert(sizeof(struct vmalock_stats_arg) == 24);

static long vmalock_ioctl_version(void __user *uarg)
{
	struct vmalock_version ver;

	memset(&ver, 0, sizeof(ver));
	ver.abi_version = VMALOCK_ABI_VERSION;
	ver.module_version = VMALOCK_VERSION_MAJOR << 16 |
			     VMALOCK_VERSION_MINOR << 8 |
			     VMALOCK_VERSION_PATCH;
	if (VMALOCK_HAVE_PER_VMA_LOCK)
		ver.features |= VMALOCK_FEAT_PER_VMA_LOCK;
	ver.region_bytes = (u64)READ_ONCE(vmalock_region_mb) << 20;

	if (copy_to_user(uarg, &ver, sizeof(ver)))
		return -EFAULT;
	return 0;
}

static long vmalock_ioctl_stats(void __user *uarg)
{
	struct vmalock_stats_arg arg;
	struct vmalock_stats sum;
	u32 n;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~VMALOCK_STATS_FLAGS || arg.pad)
		return -EINVAL;

	vmalock_stats_read(&sum);
	n = min_t(u32, arg.count, VMALOCK_STAT_NR);
	if (arg.addr && n &&
	    copy_to_user(u64_to_user_ptr(arg.addr), sum.count,
			 n * sizeof(sum.count[0])))
		return -EFAULT;

	arg.count = VMALOCK_STAT_NR;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;

	if (arg.flags & VMALOCK_STATS_LOG)
		vmalock_stats_log("on request");
	if (arg.flags & VMALOCK_STATS_RESET)
		vmalock_stats_reset();
	return 0;
}

long vmalock_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VMALOCK_IOC_VERSION:
		return vmalock_ioctl_version(uarg);
	case VMALOCK_IOC_STATS:
		return vmalock_ioctl_stats(uarg);
	default:
		return -ENOTTY;
	}
}
