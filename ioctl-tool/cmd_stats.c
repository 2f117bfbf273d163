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
	"and print them, names padded so the values line up:\n"
	"  - a scalar counter as 'name value';\n"
	"  - an array counter (folio_alloc, by folio order; fault_ns_log2, by\n"
	"    log2 of the fault handler's time in ns) as one line listing its\n"
	"    non-zero elements as INDEX:VALUE, e.g. 'folio_alloc  0:120 4:3',\n"
	"    or '-' when all are zero.\n"
	"Counters a newer module has but this tool does not know are printed as\n"
	"scalars named counter_<index>; a module with fewer counters than this\n"
	"tool knows prints only those it has (an array cut short prints the\n"
	"elements present).\n"
	"\n"
	"Options:\n"
	"  -j, --json   print one JSON object instead: {\"name\": value, ...} for\n"
	"               scalars, and for an array an object with every element\n"
	"               present, zero or not, keyed by its index as a string:\n"
	"               \"folio_alloc\": {\"0\": 120, \"1\": 0, ..., \"10\": 0}\n"
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
	struct vmalock_counter_item it;
	char buf[COUNTER_NAME_MAX];
	unsigned int i = 0;

	fprintf(f, "\nCounters this tool knows, in order:\n");
	while (i < VMALOCK_STAT_NR) {
		i = vmalock_counter_next(i, VMALOCK_STAT_NR, &it, buf,
					 sizeof(buf));
		if (it.array)
			fprintf(f, "  %s[0..%u]\n", it.name, it.len - 1);
		else
			fprintf(f, "  %s\n", it.name);
	}
}

/* An array's non-zero elements as " INDEX:VALUE ...", or " -". */
static void print_array_text(FILE *f, const uint64_t *values, unsigned int len)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < len; i++) {
		if (!values[i])
			continue;
		fprintf(f, " %u:%" PRIu64, i, values[i]);
		any = true;
	}
	if (!any)
		fputs(" -", f);
}

static void stats_print_text(const struct vmalock_counters *c)
{
	int width = (int)vmalock_counter_name_width(c->count);
	struct vmalock_counter_item it;
	char buf[COUNTER_NAME_MAX];
	unsigned int i = 0;

	while (i < c->count) {
		i = vmalock_counter_next(i, c->count, &it, buf, sizeof(buf));
		if (it.array) {
			printf("%-*s", width, it.name);
			print_array_text(stdout, c->values + it.first, it.len);
			putchar('\n');
		} else {
			printf("%-*s %" PRIu64 "\n", width, it.name,
			       c->values[it.first]);
		}
	}
}

static void stats_print_json(const struct vmalock_counters *c)
{
	struct vmalock_counter_item it;
	char buf[COUNTER_NAME_MAX], key[16];
	struct json_obj j, a;
	unsigned int i = 0, e;

	json_open(&j, stdout);
	while (i < c->count) {
		i = vmalock_counter_next(i, c->count, &it, buf, sizeof(buf));
		if (!it.array) {
			json_u64(&j, it.name, c->values[it.first]);
			continue;
		}
		json_obj_begin(&j, it.name, &a);
		for (e = 0; e < it.len; e++) {
			snprintf(key, sizeof(key), "%u", e);
			json_u64(&a, key, c->values[it.first + e]);
		}
		json_obj_end(&a);
	}
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
