// SPDX-License-Identifier: GPL-2.0
/* vmalockctl stats: print the module's counters. */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <unistd.h>

#include "vmalockctl.h"

static int stats_run(int argc, char **argv);
static void stats_help_counters(FILE *f);

const struct vmalockctl_cmd cmd_stats = {
	.name = "stats",
	.summary = "print the module's counters",
	.synopsis = "[--json] [--reset] [--dmesg]",
	.help =
	"Read the module-wide counters (summed over CPUs) with VMALOCK_IOC_STATS\n"
	"and print them, one 'name value' per line, names padded so the values\n"
	"line up.  Counters a newer module has but this tool does not know are\n"
	"printed as counter_<index>.\n"
	"\n"
	"Options:\n"
	"  -j, --json   print one JSON object {\"name\": value, ...} instead\n"
	"  -r, --reset  zero the counters after reading them (the values printed\n"
	"               are the ones before the reset)\n"
	"  -d, --dmesg  also have the module write the counters to the kernel log\n"
	"  -h, --help   show this help\n"
	"\n"
	"Exit status: 0 on success, 1 if the device is missing or the ioctl\n"
	"failed, 2 on a usage error.\n",
	.help_extra = stats_help_counters,
	.run = stats_run,
};

static void stats_help_counters(FILE *f)
{
	char buf[COUNTER_NAME_MAX];
	unsigned int i;

	fprintf(f, "\nCounters this tool knows, in order:\n");
	for (i = 0; i < VMALOCK_STAT_NR; i++)
		fprintf(f, "  %s\n", vmalock_counter_name(i, buf, sizeof(buf)));
}

static void stats_print_text(const struct vmalock_counters *c)
{
	int width = (int)vmalock_counter_name_width(c->count);
	char buf[COUNTER_NAME_MAX];
	unsigned int i;

	for (i = 0; i < c->count; i++)
		printf("%-*s %" PRIu64 "\n", width,
		       vmalock_counter_name(i, buf, sizeof(buf)), c->values[i]);
}

static void stats_print_json(const struct vmalock_counters *c)
{
	char buf[COUNTER_NAME_MAX];
	struct json_obj j;
	unsigned int i;

	json_open(&j, stdout);
	for (i = 0; i < c->count; i++)
		json_u64(&j, vmalock_counter_name(i, buf, sizeof(buf)),
			 c->values[i]);
	json_close(&j);
}

static int stats_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",  no_argument, NULL, 'j' },
		{ "reset", no_argument, NULL, 'r' },
		{ "dmesg", no_argument, NULL, 'd' },
		{ "help",  no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct vmalock_counters counters;
	struct vmalock_version ver;
	uint64_t flags = 0;
	bool json = false;
	int c, fd;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":jrdh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'r':
			flags |= VMALOCK_STATS_RESET;
			break;
		case 'd':
			flags |= VMALOCK_STATS_LOG;
			break;
		case 'h':
			print_cmd_help(&cmd_stats, stdout);
			return 0;
		default:
			return option_error(&cmd_stats, argv, c);
		}
	}
	if (optind < argc)
		return usage_error(&cmd_stats, "unexpected argument '%s'",
				   argv[optind]);

	fd = vmalock_open(O_RDONLY, &ver);
	if (fd < 0)
		return 1;
	if (vmalock_read_counters(fd, flags, &counters)) {
		close(fd);
		return 1;
	}
	close(fd);
	if (json)
		stats_print_json(&counters);
	else
		stats_print_text(&counters);
	vmalock_counters_free(&counters);
	return 0;
}
