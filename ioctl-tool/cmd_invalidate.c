// SPDX-License-Identifier: GPL-2.0
/* vmalockctl invalidate: drop a range of a region's pages. */
#include "vmalockctl.h"

static int invalidate_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_invalidate = {
	.name = "invalidate",
	.summary = "unmap and free a range of a region (--fd N)",
	.synopsis = "--fd N OFFSET LENGTH",
	.help =
	"Unmap the LENGTH bytes at byte OFFSET of the region of file descriptor\n"
	"N (an open /dev/vmalock inherited from the caller) from every mapping\n"
	"and free their pages, with VMALOCK_IOC_INVALIDATE.  The next touch of\n"
	"those pages faults in a fresh zero page; private (copy-on-write)\n"
	"copies are kept.  Once the command returns, no mapping in any process\n"
	"can read what was there.\n"
	"\n"
	"OFFSET and LENGTH are bytes: decimal or hexadecimal with 0x, optionally\n"
	"followed by K, M, G or T for KiB, MiB, GiB or TiB.  The module wants\n"
	"both page-aligned, LENGTH above 0 and the range inside the region, and\n"
	"says EINVAL otherwise.\n"
	"\n"
	"Example:\n"
	"  exec 5<>/dev/vmalock; vmalockctl invalidate --fd 5 0 64K\n"
	"\n"
	"Options:\n"
	"      --fd N  act on this open file's region (required)\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success; 1 if N is not an open /dev/vmalock or the\n"
	"module refused the range; 2 on a usage error.\n",
	.run = invalidate_run,
};

static int invalidate_run(int argc, char **argv)
{
	return region_range_run(&cmd_invalidate, argc, argv,
				VMALOCK_IOC_INVALIDATE,
				"VMALOCK_IOC_INVALIDATE", false);
}
