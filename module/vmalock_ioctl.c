// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl interface: every command of uapi/vmalock.h is decoded here.
 * Inputs are checked in full before anything happens.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/overflow.h>
#include <linux/ratelimit.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "vmalock.h"

static_assert(sizeof(struct vmalock_version) == 24);
static_assert(sizeof(struct vmalock_stats_arg) == 24);
static_assert(sizeof(struct vmalock_range) == 24);
static_assert(sizeof(struct vmalock_value) == 8);
static_assert(sizeof(struct vmalock_delay) == 16);
static_assert(sizeof(struct vmalock_region_info) == 32);
static_assert(sizeof(struct vmalock_range_ex) == 40);
static_assert(sizeof(struct vmalock_size_ex) == 24);
static_assert(sizeof(struct vmalock_user_range) == 24);
static_assert(sizeof(struct vmalock_clean) == 48);
static_assert(sizeof(struct vmalock_residency) == 32);

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

/*
 * LOG writes a few dozen lines: root's, and at most a few blocks every few
 * seconds.  A request past the limit is ignored, as printk_ratelimited()
 * ignores a message.
 */
static DEFINE_RATELIMIT_STATE(vmalock_log_ratelimit, 5 * HZ, 4);

static long vmalock_ioctl_stats(void __user *uarg)
{
	struct vmalock_stats_arg arg;
	struct vmalock_stats sum;
	u32 n;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~VMALOCK_STATS_FLAGS || arg.pad)
		return -EINVAL;
	/* The counters are module-wide: only root may log or zero them. */
	if (arg.flags && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	vmalock_stats_read(&sum);
	n = min_t(u32, arg.count, VMALOCK_STAT_NR);
	if (arg.addr && n &&
	    copy_to_user(u64_to_user_ptr(arg.addr), sum.count,
			 n * sizeof(sum.count[0])))
		return -EFAULT;

	arg.count = VMALOCK_STAT_NR;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;

	if (arg.flags & VMALOCK_STATS_LOG &&
	    __ratelimit(&vmalock_log_ratelimit))
		vmalock_stats_log("on request");
	if (arg.flags & VMALOCK_STATS_RESET)
		vmalock_stats_reset();
	return 0;
}

/*
 * A byte range must be page-aligned and non-empty, and fit in the largest
 * region; whether it fits in this region is checked under the writer lock,
 * since the size can change until then.
 */
static int vmalock_range_pages(const struct vmalock_range *r, pgoff_t *first,
			       pgoff_t *nr)
{
	u64 end;

	if (!r->length || !PAGE_ALIGNED(r->offset) || !PAGE_ALIGNED(r->length))
		return -EINVAL;
	if (check_add_overflow(r->offset, r->length, &end) ||
	    end > VMALOCK_REGION_MAX_BYTES)
		return -EINVAL;
	*first = r->offset >> PAGE_SHIFT;
	*nr = r->length >> PAGE_SHIFT;
	return 0;
}

/*
 * INVALIDATE and FILL, old and new: the old commands are the new ones with
 * no flags, and report nothing.
 */
static long vmalock_ioctl_range(struct vmalock_region *region,
				unsigned int cmd, void __user *uarg)
{
	bool ex = cmd == VMALOCK_IOC_INVALIDATE_EX || cmd == VMALOCK_IOC_FILL_EX;
	bool fill = cmd == VMALOCK_IOC_FILL || cmd == VMALOCK_IOC_FILL_EX;
	struct vmalock_range_ex r = {};
	struct vmalock_range old;
	pgoff_t first, nr;
	int err;

	if (ex) {
		if (copy_from_user(&r, uarg, sizeof(r)))
			return -EFAULT;
		if (r.flags & ~VMALOCK_SKIP_PINNED)
			return -EINVAL;
	} else {
		if (copy_from_user(&old, uarg, sizeof(old)))
			return -EFAULT;
		r.offset = old.offset;
		r.length = old.length;
		r.pattern = old.pattern;
	}
	old.offset = r.offset;
	old.length = r.length;
	err = vmalock_range_pages(&old, &first, &nr);
	if (err)
		return err;
	if (first + nr > READ_ONCE(region->nr_pages))
		return -EINVAL;
	if (fill) {
		if (r.length > VMALOCK_FILL_MAX_BYTES)
			return -E2BIG;
		err = vmalock_fill(region, first, nr, r.pattern,
				   r.flags & VMALOCK_SKIP_PINNED, &r.skipped);
	} else {
		if (r.pattern)
			return -EINVAL;
		err = vmalock_invalidate(region, first, nr,
					 r.flags & VMALOCK_SKIP_PINNED,
					 &r.skipped);
	}
	if (!err && ex && copy_to_user(uarg, &r, sizeof(r)))
		return -EFAULT;
	return err;
}

static int vmalock_check_size(u64 size)
{
	if (!size || !PAGE_ALIGNED(size) || size > VMALOCK_REGION_MAX_BYTES)
		return -EINVAL;
	if (size > (u64)READ_ONCE(vmalock_region_max_mb) << 20)
		return -EFBIG;
	return 0;
}

static long vmalock_ioctl_size_ex(struct vmalock_region *region,
				  void __user *uarg)
{
	struct vmalock_size_ex v;
	int err;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	if (v.flags & ~VMALOCK_SKIP_PINNED)
		return -EINVAL;
	err = vmalock_check_size(v.size);
	if (!err)
		err = vmalock_set_size(region, v.size >> PAGE_SHIFT,
				       v.flags & VMALOCK_SKIP_PINNED,
				       &v.skipped);
	if (!err && copy_to_user(uarg, &v, sizeof(v)))
		return -EFAULT;
	return err;
}

static long vmalock_ioctl_value(struct vmalock_region *region,
				unsigned int cmd, void __user *uarg)
{
	struct vmalock_value v;
	u64 skipped;
	int err;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	switch (cmd) {
	case VMALOCK_IOC_SET_SIZE:
		err = vmalock_check_size(v.value);
		if (err)
			return err;
		return vmalock_set_size(region, v.value >> PAGE_SHIFT, false,
					&skipped);
	case VMALOCK_IOC_SET_ORDER:
		if (v.value > VMALOCK_MAX_FOLIO_ORDER)
			return -EINVAL;
		return vmalock_set_order(region, v.value);
	case VMALOCK_IOC_SET_DIRTY_TRACKING:
		if (v.value > 1)
			return -EINVAL;
		return vmalock_set_dirty_tracking(region, v.value);
	default:	/* VMALOCK_IOC_SET_MODE */
		if (v.value >= VMALOCK_MODE_NR)
			return -EINVAL;
		return vmalock_set_mode(region, v.value);
	}
}

/* A page-aligned range of the caller's address space, of bounded length. */
static int vmalock_user_range_ok(u64 addr, u64 length)
{
	u64 end;

	if (!length || !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(length))
		return -EINVAL;
	if (check_add_overflow(addr, length, &end) || end > TASK_SIZE)
		return -EINVAL;
	if (length > VMALOCK_PIN_MAX_BYTES)
		return -E2BIG;
	return 0;
}

static long vmalock_ioctl_pin(struct file *file, unsigned int cmd,
			      void __user *uarg)
{
	struct vmalock_region *region = file->private_data;
	struct vmalock_user_range r;
	unsigned long nr;
	int err;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	err = vmalock_user_range_ok(r.addr, r.length);
	if (err)
		return err;
	if (r.pattern && cmd != VMALOCK_IOC_PIN_WRITE)
		return -EINVAL;
	nr = r.length >> PAGE_SHIFT;
	switch (cmd) {
	case VMALOCK_IOC_PIN:
		return vmalock_pin(file, r.addr, nr);
	case VMALOCK_IOC_UNPIN:
		return vmalock_unpin(region, r.addr, nr);
	default:	/* VMALOCK_IOC_PIN_WRITE */
		return vmalock_pin_write(region, r.addr, nr, r.pattern);
	}
}

static long vmalock_ioctl_clean(struct vmalock_region *region,
				void __user *uarg)
{
	struct vmalock_clean c;
	struct vmalock_range r;
	pgoff_t first, nr;
	int err;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.flags || c.pad)
		return -EINVAL;
	r.offset = c.offset;
	r.length = c.length;
	err = vmalock_range_pages(&r, &first, &nr);
	if (err)
		return err;
	if (first + nr > READ_ONCE(region->nr_pages))
		return -EINVAL;
	if (c.length > VMALOCK_PIN_MAX_BYTES)
		return -E2BIG;
	err = vmalock_clean(region, &c);
	if (!err && copy_to_user(uarg, &c, sizeof(c)))
		return -EFAULT;
	return err;
}

static long vmalock_ioctl_residency(void __user *uarg)
{
	struct vmalock_residency r;
	int err;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	err = vmalock_user_range_ok(r.addr, r.length);
	if (!err)
		err = vmalock_residency(&r);
	if (!err && copy_to_user(uarg, &r, sizeof(r)))
		return -EFAULT;
	return err;
}

static long vmalock_ioctl_delay(struct vmalock_region *region,
				void __user *uarg)
{
	struct vmalock_delay d;

	/* A window stalls every user of the region: root's test knob. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&d, uarg, sizeof(d)))
		return -EFAULT;
	if (d.point >= VMALOCK_DELAY_NR || d.pad ||
	    d.usecs > VMALOCK_DELAY_MAX_US)
		return -EINVAL;
	WRITE_ONCE(region->delay_us[d.point], d.usecs);
	return 0;
}

static long vmalock_ioctl_region_info(struct vmalock_region *region,
				      void __user *uarg)
{
	struct vmalock_region_info info;

	memset(&info, 0, sizeof(info));
	if (down_read_killable(&region->lock))
		return -EINTR;
	info.size = (u64)region->nr_pages << PAGE_SHIFT;
	info.order = region->order;
	info.mode = region->mode;
	mutex_lock(&region->mappings_lock);
	info.mappings = region->nr_mappings;
	mutex_unlock(&region->mappings_lock);
	info.pages = atomic_long_read(&region->nr_held);
	up_read(&region->lock);

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

long vmalock_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vmalock_region *region = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VMALOCK_IOC_INVALIDATE:
	case VMALOCK_IOC_FILL:
	case VMALOCK_IOC_SET_SIZE:
	case VMALOCK_IOC_SET_ORDER:
	case VMALOCK_IOC_SET_MODE:
	case VMALOCK_IOC_INVALIDATE_EX:
	case VMALOCK_IOC_FILL_EX:
	case VMALOCK_IOC_SET_SIZE_EX:
	case VMALOCK_IOC_SET_DIRTY_TRACKING:
	case VMALOCK_IOC_PIN:
	case VMALOCK_IOC_PIN_WRITE:
	case VMALOCK_IOC_CLEAN:
		/* Writers change the region: as write(2), an fd open for writing. */
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		break;
	}

	switch (cmd) {
	case VMALOCK_IOC_VERSION:
		return vmalock_ioctl_version(uarg);
	case VMALOCK_IOC_STATS:
		return vmalock_ioctl_stats(uarg);
	case VMALOCK_IOC_INVALIDATE:
	case VMALOCK_IOC_FILL:
	case VMALOCK_IOC_INVALIDATE_EX:
	case VMALOCK_IOC_FILL_EX:
		return vmalock_ioctl_range(region, cmd, uarg);
	case VMALOCK_IOC_SET_SIZE:
	case VMALOCK_IOC_SET_ORDER:
	case VMALOCK_IOC_SET_MODE:
	case VMALOCK_IOC_SET_DIRTY_TRACKING:
		return vmalock_ioctl_value(region, cmd, uarg);
	case VMALOCK_IOC_SET_SIZE_EX:
		return vmalock_ioctl_size_ex(region, uarg);
	case VMALOCK_IOC_PIN:
	case VMALOCK_IOC_UNPIN:
	case VMALOCK_IOC_PIN_WRITE:
		return vmalock_ioctl_pin(file, cmd, uarg);
	case VMALOCK_IOC_CLEAN:
		return vmalock_ioctl_clean(region, uarg);
	case VMALOCK_IOC_RESIDENCY:
		return vmalock_ioctl_residency(uarg);
	case VMALOCK_IOC_SET_DELAY:
		return vmalock_ioctl_delay(region, uarg);
	case VMALOCK_IOC_REGION_INFO:
		return vmalock_ioctl_region_info(region, uarg);
	default:
		return -ENOTTY;
	}
}
