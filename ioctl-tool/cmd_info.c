// SPDX-License-Identifier: GPL-2.0
/* vmalockctl info: versions of the tool, the kernel and the module. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vmalockctl.h"

static int info_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_info = {
	.name = "info",
	.summary = "show tool, kernel and module versions",
	.synopsis = "[--json]",
	.help =
	"Print one 'key: value' per line:\n"
	"  tool_version         version of this vmalockctl\n"
	"  abi_version          VMALOCK_ABI_VERSION vmalockctl was built with\n"
	"  kernel               release of the running kernel (uname -r)\n"
	"  module               version of the loaded module, or 'not loaded'\n"
	"  module_abi_version   ABI the module speaks, '-' when not loaded\n"
	"  region_bytes         size of a new region, '-' when not loaded\n"
	"  default_mode         lock mode of a new region (mmap, vma or spec),\n"
	"                       from the module parameter; '-' when not loaded\n"
	"  default_order        preferred folio order of a new region, from the\n"
	"                       module parameter; '-' when not loaded\n"
	"  per_vma_lock         yes/no/unknown: are faults served under the\n"
	"                       per-VMA lock\n"
	"  per_vma_lock_source  where per_vma_lock came from: module (its\n"
	"                       feature bits), config (CONFIG_PER_VMA_LOCK in\n"
	"                       /boot/config-RELEASE or /proc/config.gz), none\n"
	"\n"
	"Unlike the other commands, info also reports a module whose ABI is\n"
	"older than the tool's (with a warning), since finding that out is what\n"
	"it is for.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print the same keys as one JSON object; values that are\n"
	"              '-' in text are null, numbers are JSON numbers\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 when the module is loaded and answered, or is not loaded;\n"
	"1 when it is loaded but could not be queried; 2 on a usage error.\n",
	.run = info_run,
};

struct info {
	struct utsname uts;
	/* "not loaded", a version, or what sysfs says when ioctls failed. */
	char module[VERSION_STR_MAX];
	bool have_version;
	struct vmalock_version ver;
	const char *per_vma_lock;
	const char *per_vma_lock_source;
	/* The defaults for new regions, from sysfs; "" when unknown. */
	char default_mode[VERSION_STR_MAX];
	char default_order[VERSION_STR_MAX];
};

/*
 * Look for CONFIG_PER_VMA_LOCK in a kernel config.  An option that is absent
 * from a config that has other options means the kernel predates it (< 6.4)
 * or the architecture lacks it: no.  Returns 1, 0 or -1 (nothing read).
 */
static int config_scan(FILE *f)
{
	static const char opt[] = "CONFIG_PER_VMA_LOCK";
	char line[256];
	bool seen_any = false;

	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, opt, sizeof(opt) - 1) == 0 &&
		    line[sizeof(opt) - 1] == '=')
			return strcmp(line + sizeof(opt), "y\n") == 0;
		if (strstr(line, "CONFIG_"))
			seen_any = true;
	}
	return seen_any ? 0 : -1;
}

static int config_per_vma_lock(const char *release)
{
	char path[128 + sizeof(((struct utsname *)0)->release)];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/boot/config-%s", release);
	f = fopen(path, "re");
	if (f) {
		ret = config_scan(f);
		fclose(f);
		if (ret >= 0)
			return ret;
	}
	if (access("/proc/config.gz", R_OK) != 0)
		return -1;
	/* Not worth linking zlib for: gzip is on any system with a shell. */
	f = popen("gzip -dc /proc/config.gz 2>/dev/null", "r");
	if (!f)
		return -1;
	ret = config_scan(f);
	/* Drain so gzip does not die of SIGPIPE, then trust only a clean exit. */
	while (ret >= 0 && fgetc(f) != EOF)
		;
	if (pclose(f) != 0)
		return -1;
	return ret;
}

static void info_per_vma_lock(struct info *in)
{
	if (in->have_version) {
		in->per_vma_lock = in->ver.features & VMALOCK_FEAT_PER_VMA_LOCK ?
				   "yes" : "no";
		in->per_vma_lock_source = "module";
		return;
	}
	switch (config_per_vma_lock(in->uts.release)) {
	case 1:
		in->per_vma_lock = "yes";
		in->per_vma_lock_source = "config";
		break;
	case 0:
		in->per_vma_lock = "no";
		in->per_vma_lock_source = "config";
		break;
	default:
		in->per_vma_lock = "unknown";
		in->per_vma_lock_source = "none";
	}
}

/* The module is loaded but /dev/vmalock did not answer: use sysfs. */
static void info_module_from_sysfs(struct info *in)
{
	if (vmalock_sysfs_version(in->module, sizeof(in->module)) != 0)
		snprintf(in->module, sizeof(in->module), "loaded");
}

/* Fill in the module's side; returns the exit code. */
static int info_query_module(struct info *in)
{
	int fd, err;

	fd = vmalock_dev_open(O_RDONLY);
	if (fd == -ENOENT && !vmalock_module_loaded()) {
		snprintf(in->module, sizeof(in->module), "not loaded");
		return 0;
	}
	if (fd < 0) {
		vmalock_report_open_error(fd);
		info_module_from_sysfs(in);
		return 1;
	}
	err = vmalock_get_version(fd, &in->ver);
	close(fd);
	if (err) {
		vmalock_report_version_error(err);
		info_module_from_sysfs(in);
		return 1;
	}
	in->have_version = true;
	vmalock_format_version(in->ver.module_version, in->module,
			       sizeof(in->module));
	if (!vmalock_abi_ok(&in->ver))
		warn_msg("the module's ABI %u is older than this tool's %u: other commands will refuse it",
			 in->ver.abi_version, VMALOCK_ABI_VERSION);
	return 0;
}

/*
 * The module parameters for new regions.  Read from sysfs whenever they are
 * there, even if the device did not answer; a module without them (older
 * than ABI 2) or not loaded leaves them unknown.
 */
static void info_defaults(struct info *in)
{
	if (vmalock_param_read("default_mode", in->default_mode,
			       sizeof(in->default_mode)) != 0)
		in->default_mode[0] = '\0';
	if (vmalock_param_read("default_order", in->default_order,
			       sizeof(in->default_order)) != 0)
		in->default_order[0] = '\0';
}

static const char *dash_if_empty(const char *s)
{
	return s[0] ? s : "-";
}

/* A number in JSON, a string if sysfs said something else, or null. */
static void json_param(struct json_obj *j, const char *key, const char *val)
{
	uint64_t v;

	if (!val[0])
		json_null(j, key);
	else if (parse_u64(val, 0, UINT64_MAX, &v) == 0)
		json_u64(j, key, v);
	else
		json_str(j, key, val);
}

static void info_print_text(const struct info *in)
{
	printf("tool_version: %s\n", VMALOCKCTL_VERSION);
	printf("abi_version: %u\n", VMALOCK_ABI_VERSION);
	printf("kernel: %s\n", in->uts.release);
	printf("module: %s\n", in->module);
	if (in->have_version) {
		printf("module_abi_version: %u\n", in->ver.abi_version);
		printf("region_bytes: %" PRIu64 "\n",
		       (uint64_t)in->ver.region_bytes);
	} else {
		printf("module_abi_version: -\n");
		printf("region_bytes: -\n");
	}
	printf("default_mode: %s\n", dash_if_empty(in->default_mode));
	printf("default_order: %s\n", dash_if_empty(in->default_order));
	printf("per_vma_lock: %s\n", in->per_vma_lock);
	printf("per_vma_lock_source: %s\n", in->per_vma_lock_source);
}

static void info_print_json(const struct info *in)
{
	struct json_obj j;

	json_open(&j, stdout);
	json_str(&j, "tool_version", VMALOCKCTL_VERSION);
	json_u64(&j, "abi_version", VMALOCK_ABI_VERSION);
	json_str(&j, "kernel", in->uts.release);
	json_str(&j, "module", in->module);
	if (in->have_version) {
		json_u64(&j, "module_abi_version", in->ver.abi_version);
		json_u64(&j, "region_bytes", in->ver.region_bytes);
	} else {
		json_null(&j, "module_abi_version");
		json_null(&j, "region_bytes");
	}
	if (in->default_mode[0])
		json_str(&j, "default_mode", in->default_mode);
	else
		json_null(&j, "default_mode");
	json_param(&j, "default_order", in->default_order);
	json_str(&j, "per_vma_lock", in->per_vma_lock);
	json_str(&j, "per_vma_lock_source", in->per_vma_lock_source);
	json_close(&j);
}

static int info_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct info in = { 0 };
	bool json = false;
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			print_cmd_help(&cmd_info, stdout);
			return 0;
		default:
			return option_error(&cmd_info, argv, c);
		}
	}
	if (optind < argc)
		return usage_error(&cmd_info, "unexpected argument '%s'",
				   argv[optind]);

	if (uname(&in.uts) < 0) {
		err_msg("uname failed: %s", strerror(errno));
		return 1;
	}
	ret = info_query_module(&in);
	info_per_vma_lock(&in);
	info_defaults(&in);
	if (json)
		info_print_json(&in);
	else
		info_print_text(&in);
	return ret;
}
