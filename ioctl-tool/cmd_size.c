// SPDX-License-Identifier: GPL-2.0
/* vmalockctl size: resize a region. */
#include <unistd.h>

#include "vmalockctl.h"

static int size_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_size = {
	.name = "size",
	.summary = "resize a region (--fd N)",
	.synopsis = "--fd N BYTES",
	.help =
	"Resize the region of file descriptor N, an open /dev/vmalock inherited\n"
	"from the caller, to BYTES with VMALOCK_IOC_SET_SIZE.  Shrinking unmaps\n"
	"and frees whatever lies past the new end, in every mapping; a later\n"
	"touch there gets SIGBUS.  Growing adds empty (zero) pages.\n"
	"\n"
	"BYTES is decimal or hexadecimal with 0x, optionally followed by K, M,\n"
	"G or T for KiB, MiB, GiB or TiB: 4096, 0x1000, 64K and 2M are all\n"
	"valid.  The module wants a multiple of the page size, from one page to\n"
	"1 TiB, and says EINVAL otherwise.\n"
	"\n"
	"Example:\n"
	"  exec 5<>/dev/vmalock; vmalockctl size --fd 5 64M\n"
	"\n"
	"Options:\n"
	"      --fd N  resize this open file's region (required)\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success; 1 if N is not an open /dev/vmalock or the\n"
	"module refused the size; 2 on a usage error.\n",
	.run = size_run,
};

static int size_run(int argc, char **argv)
{
	static const char *const arg_names[] = { "BYTES" };
	struct vmalock_version ver;
	struct region_args ra;
	char hint[160];
	uint64_t bytes;
	int ret;

	ret = region_parse(&cmd_size, argc, argv, arg_names, 1, true, false,
			   &ra);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = parse_bytes_option(&cmd_size, "BYTES", ra.args[0], &bytes);
	if (ret)
		return ret;
	if (region_use_fd(ra.fd, &ver))
		return 1;
	snprintf(hint, sizeof(hint),
		 "the size must be a multiple of the page size (%ld), from one page to 1 TiB",
		 sysconf(_SC_PAGESIZE));
	return region_set_value(ra.fd, VMALOCK_IOC_SET_SIZE,
				"VMALOCK_IOC_SET_SIZE", bytes, hint);
}
