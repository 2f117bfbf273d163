// SPDX-License-Identifier: GPL-2.0
/* vmalockctl delay: widen a region's race windows, for tests. */
#include <stdio.h>

#include "vmalockctl.h"

static int delay_run(int argc, char **argv);
static void delay_help_extra(FILE *f);

const struct vmalockctl_cmd cmd_delay = {
	.name = "delay",
	.summary = "make a region's faults or writers sleep at a point (--fd N)",
	.synopsis = "--fd N POINT USECS",
	.help =
	"Make the faults or writers of the region of file descriptor N (an\n"
	"open /dev/vmalock inherited from the caller) sleep USECS microseconds\n"
	"at POINT, with VMALOCK_IOC_SET_DELAY, to widen a race window for a\n"
	"test.  USECS 0 turns the delay off; all are off in a new region.\n"
	"\n"
	"POINT is one of:\n"
	"  spec-window  a speculative fault (mode spec), after its snapshot and\n"
	"               before it revalidates\n"
	"  writer       a writer (fill, invalidate, size, order, mode, delay)\n"
	"               inside its critical section, with every fault excluded\n"
	"\n"
	"Example:\n"
	"  exec 5<>/dev/vmalock; vmalockctl delay --fd 5 spec-window 1000\n"
	"\n"
	"Options:\n"
	"      --fd N  act on this open file's region (required)\n"
	"  -h, --help  show this help\n",
	.help_extra = delay_help_extra,
	.run = delay_run,
};

static void delay_help_extra(FILE *f)
{
	fprintf(f,
		"\n"
		"USECS is decimal, 0 to %d (VMALOCK_DELAY_MAX_US, %d s).\n"
		"\n"
		"Exit status: 0 on success; 1 if N is not an open /dev/vmalock or the\n"
		"module refused the delay; 2 on a usage error (such as an unknown\n"
		"POINT or USECS out of range).\n",
		VMALOCK_DELAY_MAX_US, VMALOCK_DELAY_MAX_US / 1000000);
}

static int delay_run(int argc, char **argv)
{
	static const char *const arg_names[] = { "POINT", "USECS" };
	struct vmalock_delay delay = { 0 };
	struct vmalock_version ver;
	struct region_args ra;
	uint64_t usecs;
	uint32_t point;
	int ret;

	ret = region_parse(&cmd_delay, argc, argv, arg_names, 2, true, false,
			   &ra);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (vmalock_parse_delay_point(ra.args[0], &point))
		return usage_error(&cmd_delay, "POINT: '%s' is not a delay point (spec-window or writer)",
				   ra.args[0]);
	ret = parse_u64_option(&cmd_delay, "USECS", ra.args[1], 0,
			       VMALOCK_DELAY_MAX_US, &usecs);
	if (ret)
		return ret;
	if (region_use_fd(ra.fd, &ver))
		return 1;
	delay.point = point;
	delay.usecs = usecs;
	return region_ioctl(ra.fd, VMALOCK_IOC_SET_DELAY,
			    "VMALOCK_IOC_SET_DELAY", &delay,
			    "unknown point or a delay too long for the module");
}
