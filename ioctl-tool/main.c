// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl: load, inspect and exercise the vmalock module.
 *
 * main() only finds the command; each command parses its own options in its
 * cmd_*.c file and returns the exit code (see vmalockctl.h).
 */
#include <stdio.h>
#include <string.h>

#include "vmalockctl.h"

static const struct vmalockctl_cmd *const commands[] = {
	&cmd_load,
	&cmd_unload,
	&cmd_info,
	&cmd_stats,
	&cmd_touch,
	&cmd_region,
	&cmd_mode,
	&cmd_order,
	&cmd_size,
	&cmd_fill,
	&cmd_invalidate,
	&cmd_delay,
	&cmd_residency,
	&cmd_stress,
	&cmd_fuzz,
	&cmd_bench,
};

static void print_main_help(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: vmalockctl COMMAND [OPTIONS]\n"
		"       vmalockctl help [COMMAND]\n"
		"       vmalockctl --version\n"
		"\n"
		"Load, inspect and exercise the vmalock kernel module through %s.\n"
		"\n"
		"Commands:\n", VMALOCK_DEV_PATH);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s  %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f,
		"\n"
		"A region lives as long as its open file.  The commands marked --fd N act\n"
		"on the region of a descriptor of %s the caller opened, e.g.:\n"
		"  exec 5<>%s\n"
		"  vmalockctl fill --fd 5 0 4096 0x42\n"
		"  vmalockctl touch --fd 5 --pages 1 --expect 0x42\n"
		"  exec 5<&-          # closing it frees the region\n"
		"\n"
		"Options:\n"
		"  -h, --help     show this help; 'vmalockctl COMMAND --help' for a command\n"
		"  -V, --version  show the tool version and the ABI version it was built for\n"
		"\n"
		"Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.\n",
		VMALOCK_DEV_PATH, VMALOCK_DEV_PATH);
}

static const struct vmalockctl_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	err_msg("unknown command '%s'\nTry 'vmalockctl --help'.", name);
	return EXIT_USAGE;
}

/* "vmalockctl help [COMMAND]" */
static int run_help(int argc, char **argv)
{
	const struct vmalockctl_cmd *cmd;

	if (argc < 2) {
		print_main_help(stdout);
		return 0;
	}
	if (argc > 2) {
		err_msg("help: too many arguments\nTry 'vmalockctl --help'.");
		return EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	print_cmd_help(cmd, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct vmalockctl_cmd *cmd;
	const char *name;
	int ret;

	if (argc < 2) {
		err_msg("no command given\nTry 'vmalockctl --help'.");
		return EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		print_main_help(stdout);
		ret = 0;
	} else if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("vmalockctl %s (abi %u)\n", VMALOCKCTL_VERSION,
		       VMALOCK_ABI_VERSION);
		ret = 0;
	} else if (strcmp(name, "help") == 0) {
		ret = run_help(argc - 1, argv + 1);
	} else if (name[0] == '-') {
		err_msg("unknown option '%s'\nTry 'vmalockctl --help'.", name);
		ret = EXIT_USAGE;
	} else {
		cmd = find_command(name);
		messages_init(name, argc - 1, argv + 1);
		ret = cmd ? cmd->run(argc - 1, argv + 1) : unknown_command(name);
	}
	/* A full disk or closed pipe must not pass for success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("vmalockctl: write error");
		return 1;
	}
	return ret;
}
