// SPDX-License-Identifier: GPL-2.0
/* vmalockctl mode: the lock mode of a region's fault path, or the default. */
#include "vmalockctl.h"

static int mode_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_mode = {
	.name = "mode",
	.summary = "set the fault lock mode of a region (--fd N), or the default",
	.synopsis = "[--fd N] MODE",
	.help =
	"Set the lock mode of the fault path, MODE being one of:\n"
	"  mmap  every fault takes the region's coarse lock for read\n"
	"  vma   a fault read-trylocks only its own mapping, falling back to\n"
	"        mmap\n"
	"  spec  a fault takes no lock and revalidates against a sequence count\n"
	"        before its work becomes visible, falling back to vma after\n"
	"        retries\n"
	"\n"
	"With --fd N, set it on the region of file descriptor N, an open\n"
	"/dev/vmalock inherited from the caller (VMALOCK_IOC_SET_MODE); like\n"
	"every region change, this waits for the faults in flight.  Without\n"
	"--fd, write MODE to\n"
	"  " VMALOCK_SYSFS_DIR "/parameters/default_mode\n"
	"the mode of regions opened from then on (needs root; regions already\n"
	"open keep theirs).  'vmalockctl region --fd N' and 'vmalockctl info'\n"
	"show the current values.\n"
	"\n"
	"Example:\n"
	"  exec 5<>/dev/vmalock; vmalockctl mode --fd 5 spec\n"
	"\n"
	"Options:\n"
	"      --fd N  set the mode of this open file's region\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success; 1 if N is not an open /dev/vmalock, the\n"
	"module is not loaded or refused the mode; 2 on a usage error (such as\n"
	"an unknown MODE).\n",
	.run = mode_run,
};

static int mode_run(int argc, char **argv)
{
	static const char *const arg_names[] = { "MODE" };
	struct vmalock_version ver;
	struct region_args ra;
	uint32_t mode;
	int ret;

	ret = region_parse(&cmd_mode, argc, argv, arg_names, 1, false, false,
			   &ra);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = parse_mode_arg(&cmd_mode, "MODE", ra.args[0], &mode);
	if (ret)
		return ret;
	if (ra.fd < 0)
		return vmalock_set_default("default_mode",
					   vmalock_mode_name(mode));
	if (region_use_fd(ra.fd, &ver))
		return 1;
	return region_set_value(ra.fd, VMALOCK_IOC_SET_MODE,
				"VMALOCK_IOC_SET_MODE", mode,
				"the module does not know this mode");
}
