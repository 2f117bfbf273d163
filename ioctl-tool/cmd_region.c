// SPDX-License-Identifier: GPL-2.0
/* vmalockctl region: show the state of an open file's region. */
#include <inttypes.h>

#include "vmalockctl.h"

static int region_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_region = {
	.name = "region",
	.summary = "show the state of a region (--fd N)",
	.synopsis = "--fd N [--json]",
	.help =
	"Read the state of the region of file descriptor N, an open\n"
	"/dev/vmalock inherited from the caller, with VMALOCK_IOC_REGION_INFO\n"
	"and print one 'key: value' per line:\n"
	"  size_bytes  the region's size\n"
	"  order       preferred folio order of first-touch faults\n"
	"  mode        lock mode of the fault path: mmap, vma or spec (a mode\n"
	"              this tool does not know prints as unknown(N))\n"
	"  mappings    number of mappings (VMAs) of the region, in any process\n"
	"  pages       pages the region holds\n"
	"\n"
	"A region lives only as long as its open file, so open it in the\n"
	"shell and pass the descriptor:\n"
	"  exec 5<>/dev/vmalock\n"
	"  vmalockctl region --fd 5\n"
	"  exec 5<&-\n"
	"\n"
	"Options:\n"
	"      --fd N  the region of this open file descriptor (required)\n"
	"  -j, --json  print the same keys as one JSON object (mode a string,\n"
	"              the others numbers)\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success; 1 if N is not an open /dev/vmalock or the\n"
	"ioctl failed; 2 on a usage error.\n",
	.run = region_run,
};

static int region_run(int argc, char **argv)
{
	struct vmalock_region_info info = { 0 };
	struct vmalock_version ver;
	struct region_args ra;
	char mode_buf[32];
	const char *mode;
	struct json_obj j;
	int ret;

	ret = region_parse(&cmd_region, argc, argv, NULL, 0, true, true, &ra);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (region_use_fd(ra.fd, &ver))
		return 1;
	if (region_ioctl(ra.fd, VMALOCK_IOC_REGION_INFO,
			 "VMALOCK_IOC_REGION_INFO", &info,
			 "a reserved field or flag was set"))
		return 1;

	mode = vmalock_mode_name(info.mode);
	if (!mode) {
		snprintf(mode_buf, sizeof(mode_buf), "unknown(%u)", info.mode);
		mode = mode_buf;
	}
	if (ra.json) {
		json_open(&j, stdout);
		json_u64(&j, "size_bytes", info.size);
		json_u64(&j, "order", info.order);
		json_str(&j, "mode", mode);
		json_u64(&j, "mappings", info.mappings);
		json_u64(&j, "pages", info.pages);
		json_close(&j);
	} else {
		printf("size_bytes: %" PRIu64 "\n", (uint64_t)info.size);
		printf("order: %u\n", info.order);
		printf("mode: %s\n", mode);
		printf("mappings: %u\n", info.mappings);
		printf("pages: %" PRIu64 "\n", (uint64_t)info.pages);
	}
	return 0;
}
