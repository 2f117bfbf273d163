// SPDX-License-Identifier: GPL-2.0
/*
 * Messages to the user.  Errors go to stderr with one prefix so that a
 * script's log shows which tool complained; help goes to stdout so that
 * "vmalockctl touch --help | less" works.
 */
#include <stdarg.h>
#include <stdio.h>

#include "vmalockctl.h"

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "vmalockctl: %s", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

/* Report a bad command line and return the exit code for it. */
int usage_error(const struct vmalockctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmalockctl: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vmalockctl %s --help'.\n", cmd->name);
	return EXIT_USAGE;
}

void print_cmd_help(const struct vmalockctl_cmd *cmd, FILE *f)
{
	fprintf(f, "Usage: vmalockctl %s%s%s\n\n%s", cmd->name,
		cmd->synopsis[0] ? " " : "", cmd->synopsis, cmd->help);
	if (cmd->help_extra)
		cmd->help_extra(f);
}
