// SPDX-License-Identifier: GPL-2.0
/* vmalockctl order: the preferred folio order of a region, or the default. */
#include <stdio.h>

#include "vmalockctl.h"

static int order_run(int argc, char **argv);
static void order_help_extra(FILE *f);

const struct vmalockctl_cmd cmd_order = {
	.name = "order",
	.summary = "set the preferred folio order of a region (--fd N), or the default",
	.synopsis = "[--fd N] ORDER",
	.help =
	"Set the preferred folio order of first-touch faults: a fault that\n"
	"finds no page allocates a folio of 2^ORDER pages when it can, stepping\n"
	"down to smaller orders when it cannot (the folio_alloc counter counts\n"
	"the folios by order, folio_fallback the steps down).\n"
	"\n"
	"With --fd N, set it on the region of file descriptor N, an open\n"
	"/dev/vmalock inherited from the caller (VMALOCK_IOC_SET_ORDER); like\n"
	"every region change, this waits for the faults in flight.  Without\n"
	"--fd, write ORDER to\n"
	"  " VMALOCK_SYSFS_DIR "/parameters/default_order\n"
	"the order of regions opened from then on (needs root; regions already\n"
	"open keep theirs).  'vmalockctl region --fd N' and 'vmalockctl info'\n"
	"show the current values.\n"
	"\n"
	"Example:\n"
	"  exec 5<>/dev/vmalock; vmalockctl order --fd 5 4\n"
	"\n"
	"Options:\n"
	"      --fd N  set the order of this open file's region\n"
	"  -h, --help  show this help\n",
	.help_extra = order_help_extra,
	.run = order_run,
};

/* The range comes from the header, which has no string form of it. */
static void order_help_extra(FILE *f)
{
	fprintf(f,
		"\n"
		"ORDER is 0 to %d (VMALOCK_FOLIO_ORDERS - 1); the module may refuse\n"
		"orders its kernel cannot allocate.\n"
		"\n"
		"Exit status: 0 on success; 1 if N is not an open /dev/vmalock, the\n"
		"module is not loaded or refused the order (EINVAL); 2 on a usage\n"
		"error (such as an ORDER out of range).\n",
		VMALOCK_FOLIO_ORDERS - 1);
}

static int order_run(int argc, char **argv)
{
	static const char *const arg_names[] = { "ORDER" };
	struct vmalock_version ver;
	struct region_args ra;
	char value[16];
	uint32_t order;
	int ret;

	ret = region_parse(&cmd_order, argc, argv, arg_names, 1, false, false,
			   &ra);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = parse_order_arg(&cmd_order, "ORDER", ra.args[0], &order);
	if (ret)
		return ret;
	if (ra.fd < 0) {
		snprintf(value, sizeof(value), "%u", order);
		return vmalock_set_default("default_order", value);
	}
	if (region_use_fd(ra.fd, &ver))
		return 1;
	return region_set_value(ra.fd, VMALOCK_IOC_SET_ORDER,
				"VMALOCK_IOC_SET_ORDER", order,
				"the module does not support this order");
}
