// SPDX-License-Identifier: GPL-2.0
/* vmalockctl unload: remove the module through libkmod. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include <libkmod.h>

#include "vmalockctl.h"

static int unload_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_unload = {
	.name = "unload",
	.summary = "unload the vmalock module",
	.synopsis = "",
	.help =
	"Remove the vmalock module with libkmod (like rmmod vmalock).  It is\n"
	"refused while any process has /dev/vmalock open or mapped, since every\n"
	"open file and mapping holds a reference on the module.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 when unloaded; 1 when it is not loaded, in use, or\n"
	"cannot be removed; 2 on a usage error.\n",
	.run = unload_run,
};

static void unload_report_error(int err)
{
	switch (-err) {
	case ENOENT:
		err_msg("vmalock is not loaded");
		break;
	case EBUSY:
	case EAGAIN:
		/* delete_module() says EWOULDBLOCK for a non-zero refcount. */
		err_msg("vmalock is in use (an open file or mapping holds it)");
		break;
	case EPERM:
		err_msg("cannot unload vmalock: %s (needs root with CAP_SYS_MODULE)",
			strerror(-err));
		break;
	case ENOSYS:
		err_msg("cannot unload vmalock: this kernel has no module support (built without CONFIG_MODULES)");
		break;
	default:
		err_msg("cannot unload vmalock: %s", strerror(-err));
	}
}

static int unload_module(struct kmod_ctx *ctx)
{
	struct kmod_module *mod;
	int err;

	err = kmod_module_new_from_name(ctx, VMALOCK_DEVICE_NAME, &mod);
	if (err < 0) {
		err_msg("cannot look up vmalock: %s", strerror(-err));
		return 1;
	}
	/* Ask first so "not loaded" does not depend on the syscall's errno. */
	err = kmod_module_get_initstate(mod);
	if (err < 0) {
		kmod_module_unref(mod);
		unload_report_error(-ENOENT);
		return 1;
	}
	if (kmod_module_get_refcnt(mod) > 0) {
		kmod_module_unref(mod);
		unload_report_error(-EBUSY);
		return 1;
	}
	err = kmod_module_remove_module(mod, KMOD_REMOVE_NOLOG);
	kmod_module_unref(mod);
	if (err < 0) {
		unload_report_error(err);
		return 1;
	}
	return 0;
}

static int unload_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct kmod_ctx *ctx;
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_cmd_help(&cmd_unload, stdout);
			return 0;
		default:
			return option_error(&cmd_unload, argv, c);
		}
	}
	if (optind < argc)
		return usage_error(&cmd_unload, "unexpected argument '%s'",
				   argv[optind]);

	ctx = vmalock_kmod_new();
	if (!ctx)
		return 1;
	ret = unload_module(ctx);
	kmod_unref(ctx);
	if (ret == 0)
		printf("unloaded vmalock\n");
	return ret;
}

