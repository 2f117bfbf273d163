// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl load: insert the module through libkmod, then wait for its
 * device node.  No insmod/modprobe: the tool must work in a guest that has
 * only this binary and the .ko.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <libkmod.h>

#include "vmalockctl.h"

/* devtmpfs creates the node during misc_register(); this is generous. */
#define LOAD_DEV_TIMEOUT_MS	5000
#define LOAD_DEV_POLL_MS	10

static int load_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_load = {
	.name = "load",
	.summary = "load the vmalock module",
	.synopsis = "[--path FILE.ko] [PARAM=VALUE ...]",
	.help =
	"Load the vmalock module with libkmod, passing the PARAM=VALUE\n"
	"arguments as module parameters, then wait up to 5 seconds for\n"
	"/dev/vmalock to appear and print 'loaded vmalock VERSION (abi N)'.\n"
	"\n"
	"The module file is, in order of preference:\n"
	"  - FILE.ko given with --path;\n"
	"  - the file named by the environment variable VMALOCK_KO;\n"
	"  - the module named vmalock installed for the running kernel (for\n"
	"    example by dkms), found through modules.dep.  Install commands from\n"
	"    modprobe.d are not run.\n"
	"\n"
	"Options:\n"
	"  -p, --path FILE.ko  load this module file\n"
	"  -h, --help          show this help\n"
	"\n"
	"Environment:\n"
	"  VMALOCK_KO  module file to load when --path is not given\n"
	"  KMOD_LOG    set (e.g. to 'info') to see libkmod's own messages\n"
	"\n"
	"Exit status: 0 when loaded and the device answered; 1 when the module\n"
	"is already loaded, cannot be found or loaded, or its device did not\n"
	"appear; 2 on a usage error.\n",
	.run = load_run,
};

/*
 * Kernel parameter syntax is NAME[=VALUE]; a value with spaces must be
 * quoted for the kernel's parser, and a quote inside it cannot be expressed.
 */
static int load_check_param(const char *param)
{
	size_t name_len = strcspn(param, "=");
	size_t i;

	if (name_len == 0)
		return usage_error(&cmd_load, "parameter '%s' has no name",
				   param);
	for (i = 0; i < name_len; i++)
		if (!(param[i] == '_' || param[i] == '-' || param[i] == '.' ||
		      (param[i] >= 'a' && param[i] <= 'z') ||
		      (param[i] >= 'A' && param[i] <= 'Z') ||
		      (param[i] >= '0' && param[i] <= '9')))
			return usage_error(&cmd_load,
					   "parameter '%s': bad character in its name (expected NAME=VALUE)",
					   param);
	if (strpbrk(param, "\"\n"))
		return usage_error(&cmd_load,
				   "parameter '%s': quotes and newlines are not allowed",
				   param);
	return 0;
}

/* Join the parameters with spaces; returns NULL (with a message) on ENOMEM. */
static char *load_join_params(int count, char **params)
{
	size_t len = 1;
	char *opts, *p;
	int i;

	for (i = 0; i < count; i++)
		len += strlen(params[i]) + 3;	/* space and two quotes */
	opts = malloc(len);
	if (!opts) {
		err_msg("cannot allocate module parameters: %s",
			strerror(errno));
		return NULL;
	}
	p = opts;
	for (i = 0; i < count; i++) {
		const char *eq = strchr(params[i], '=');

		if (i)
			*p++ = ' ';
		if (eq && strpbrk(eq, " \t"))
			p += sprintf(p, "%.*s\"%s\"", (int)(eq + 1 - params[i]),
				     params[i], eq + 1);
		else
			p += sprintf(p, "%s", params[i]);
	}
	*p = '\0';
	return opts;
}

static void load_report_error(const char *what, int err)
{
	switch (-err) {
	case EEXIST:
		err_msg("vmalock is already loaded");
		break;
	case ENOSYS:
		err_msg("cannot load %s: this kernel cannot load modules (built without CONFIG_MODULES)",
			what);
		break;
	case EPERM:
		err_msg("cannot load %s: %s (needs root with CAP_SYS_MODULE; module loading may be disabled, see /proc/sys/kernel/modules_disabled)",
			what, strerror(-err));
		break;
	case ENOEXEC:
		err_msg("cannot load %s: %s (not a kernel module, or built for another kernel or architecture)",
			what, strerror(-err));
		break;
	case EINVAL:
		err_msg("cannot load %s: %s (unknown or bad parameter, or a version mismatch: see dmesg)",
			what, strerror(-err));
		break;
	case ENOKEY:
	case EKEYREJECTED:
		err_msg("cannot load %s: %s (module signature missing or rejected)",
			what, strerror(-err));
		break;
	default:
		err_msg("cannot load %s: %s (see dmesg)", what, strerror(-err));
	}
}

static int load_from_path(struct kmod_ctx *ctx, const char *path,
			  const char *opts)
{
	struct kmod_module *mod;
	int err;

	err = kmod_module_new_from_path(ctx, path, &mod);
	if (err < 0) {
		err_msg("cannot use module file %s: %s", path, strerror(-err));
		return 1;
	}
	err = kmod_module_insert_module(mod, 0, opts);
	kmod_module_unref(mod);
	if (err < 0) {
		load_report_error(path, err);
		return 1;
	}
	return 0;
}

/* The dkms case: find "vmalock" through /lib/modules/$(uname -r). */
static int load_by_name(struct kmod_ctx *ctx, const char *opts)
{
	struct kmod_list *list = NULL;
	struct kmod_module *mod;
	struct utsname uts;
	unsigned int flags;
	int err;

	err = kmod_module_new_from_lookup(ctx, VMALOCK_DEVICE_NAME, &list);
	if (err < 0 || !list) {
		if (uname(&uts) < 0)
			snprintf(uts.release, sizeof(uts.release), "this kernel");
		err_msg("no vmalock module installed for %s: install it (dkms install vmalock), or use --path FILE.ko or VMALOCK_KO",
			uts.release);
		kmod_module_unref_list(list);
		return 1;
	}
	mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	/* IGNORE_COMMAND: never run a modprobe.d "install" shell command. */
	flags = KMOD_PROBE_FAIL_ON_LOADED | KMOD_PROBE_IGNORE_COMMAND;
	err = kmod_module_probe_insert_module(mod, flags, opts, NULL, NULL,
					      NULL);
	kmod_module_unref(mod);
	if (err < 0) {
		load_report_error(VMALOCK_DEVICE_NAME, err);
		return 1;
	}
	if (err > 0) {
		/* Only blacklist flags produce positive codes; none are set. */
		err_msg("cannot load vmalock: libkmod refused it (code %d)",
			err);
		return 1;
	}
	return 0;
}

static long long ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000LL +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * devtmpfs creates /dev/vmalock from misc_register() in the module's init,
 * but without udev nothing tells us when; poll, briefly.
 */
static int load_wait_for_device(void)
{
	const struct timespec pause = { 0, LOAD_DEV_POLL_MS * 1000000L };
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (access(VMALOCK_DEV_PATH, F_OK) != 0) {
		if (errno != ENOENT) {
			err_msg("vmalock loaded, but cannot check %s: %s",
				VMALOCK_DEV_PATH, strerror(errno));
			return 1;
		}
		if (ms_since(&start) >= LOAD_DEV_TIMEOUT_MS) {
			err_msg("vmalock loaded, but %s did not appear within %d s: is devtmpfs mounted on /dev?",
				VMALOCK_DEV_PATH, LOAD_DEV_TIMEOUT_MS / 1000);
			return 1;
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

static int load_report_loaded(void)
{
	char version[VERSION_STR_MAX];
	struct vmalock_version ver;
	int fd;

	if (load_wait_for_device())
		return 1;
	fd = vmalock_open(O_RDONLY, &ver);
	if (fd < 0)
		return 1;
	close(fd);
	vmalock_format_version(ver.module_version, version, sizeof(version));
	printf("loaded vmalock %s (abi %u)\n", version, ver.abi_version);
	return 0;
}

static int load_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL;
	struct kmod_ctx *ctx;
	char *opts;
	int c, i, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!optarg[0])
				return usage_error(&cmd_load,
						   "--path needs a file name");
			path = optarg;
			break;
		case 'h':
			print_cmd_help(&cmd_load, stdout);
			return 0;
		default:
			return option_error(&cmd_load, argv, c);
		}
	}
	for (i = optind; i < argc; i++) {
		ret = load_check_param(argv[i]);
		if (ret)
			return ret;
	}
	if (!path) {
		path = getenv("VMALOCK_KO");
		if (path && !path[0])
			path = NULL;
	}

	if (vmalock_module_loaded()) {
		err_msg("vmalock is already loaded");
		return 1;
	}
	opts = load_join_params(argc - optind, argv + optind);
	if (!opts)
		return 1;
	ctx = vmalock_kmod_new();
	if (!ctx) {
		free(opts);
		return 1;
	}
	if (path)
		ret = load_from_path(ctx, path, opts);
	else
		ret = load_by_name(ctx, opts);
	kmod_unref(ctx);
	free(opts);
	if (ret)
		return ret;
	return load_report_loaded();
}
