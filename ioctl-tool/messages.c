// SPDX-License-Identifier: GPL-2.0
/*
 * Messages to the user.  Errors go to stderr with one prefix so that a
 * script's log shows which tool complained; help goes to stdout so that
 * "vmalockctl touch --help | less" works.
 *
 * With --json on the command line (or VMALOCKCTL_JSON_ERRORS=1, for the
 * commands that have no --json), each error or warning is instead one JSON
 * object on one line of stderr:
 *   {"level": "error", "kind": "usage", "command": "touch",
 *    "message": "...", "hint": "vmalockctl touch --help"}
 * "kind" is "usage" (exit status 2) or "runtime" (1); "hint" only for usage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmalockctl.h"

static bool json_errors;
static const char *msg_command = "";

/* Set once by main(), before the command runs. */
void messages_init(const char *command, int argc, char **argv)
{
	const char *env = getenv("VMALOCKCTL_JSON_ERRORS");
	int i;

	msg_command = command;
	json_errors = env && strcmp(env, "1") == 0;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json_errors = true;
}

static void json_message(const char *level, const char *kind,
			 const char *text, const char *hint)
{
	struct json_obj j;

	json_open(&j, stderr);
	json_str(&j, "level", level);
	json_str(&j, "kind", kind);
	json_str(&j, "command", msg_command);
	json_str(&j, "message", text);
	if (hint)
		json_str(&j, "hint", hint);
	json_close(&j);
}

static void vmsg(const char *level, const char *fmt, va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (json_errors) {
		json_message(level, "runtime", text, NULL);
		return;
	}
	fprintf(stderr, "vmalockctl: %s%s\n",
		strcmp(level, "warning") ? "" : "warning: ", text);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error", fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning", fmt, ap);
	va_end(ap);
}

/* Report a bad command line and return the exit code for it. */
int usage_error(const struct vmalockctl_cmd *cmd, const char *fmt, ...)
{
	char text[1024], hint[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(hint, sizeof(hint), "vmalockctl %s --help", cmd->name);
	if (json_errors)
		json_message("error", "usage", text, hint);
	else
		fprintf(stderr, "vmalockctl: %s: %s\nTry '%s'.\n", cmd->name,
			text, hint);
	return EXIT_USAGE;
}

void print_cmd_help(const struct vmalockctl_cmd *cmd, FILE *f)
{
	fprintf(f, "Usage: vmalockctl %s%s%s\n\n%s", cmd->name,
		cmd->synopsis[0] ? " " : "", cmd->synopsis, cmd->help);
	if (cmd->help_extra)
		cmd->help_extra(f);
}
