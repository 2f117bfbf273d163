// SPDX-License-Identifier: GPL-2.0
/* vmalockctl fill: replace a range of a region's pages with patterned ones. */
#include "vmalockctl.h"

static int fill_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_fill = {
	.name = "fill",
	.summary = "replace a range of a region with patterned pages (--fd N)",
	.synopsis = "--fd N OFFSET LENGTH PATTERN",
	.help =
	"Replace every page of the LENGTH bytes at byte OFFSET of the region of\n"
	"file descriptor N (an open /dev/vmalock inherited from the caller)\n"
	"with a new page whose every 64-bit word is PATTERN, with\n"
	"VMALOCK_IOC_FILL.  Once the command returns, every mapping in every\n"
	"process sees the new pages; if it fails, nothing was changed.\n"
	"'vmalockctl touch --fd N --expect PATTERN' checks the result.\n"
	"\n"
	"OFFSET and LENGTH are bytes: decimal or hexadecimal with 0x, optionally\n"
	"followed by K, M, G or T for KiB, MiB, GiB or TiB.  The module wants\n"
	"both page-aligned, LENGTH above 0 and the range inside the region, and\n"
	"says EINVAL otherwise.  PATTERN is a 64-bit number, decimal or\n"
	"hexadecimal with 0x, stored in the machine's byte order.\n"
	"\n"
	"Example:\n"
	"  exec 5<>/dev/vmalock; vmalockctl fill --fd 5 0 4096 0x42\n"
	"\n"
	"Options:\n"
	"      --fd N  act on this open file's region (required)\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success; 1 if N is not an open /dev/vmalock or the\n"
	"module refused the range or ran out of memory; 2 on a usage error.\n",
	.run = fill_run,
};

static int fill_run(int argc, char **argv)
{
	return region_range_run(&cmd_fill, argc, argv, VMALOCK_IOC_FILL,
				"VMALOCK_IOC_FILL", true);
}
